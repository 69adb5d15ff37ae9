"""Credentials a CDK CLI process gets per account: profiles, assumed roles (moto STS), and
their descriptions."""

from __future__ import annotations

import pytest
from moto import mock_aws

from pgplat.config.model import AccountAccess
from pgplat.deploy.accounts import cli_environment, describe_access

ROLE = "arn:aws:iam::111111111111:role/pgplat-deployer"


def test_profile_is_passed_by_name_only() -> None:
    assert cli_environment(AccountAccess(profile="innovate-data"), "us-east-1") == {
        "AWS_PROFILE": "innovate-data"
    }
    assert cli_environment(AccountAccess(), "us-east-1") == {}


@mock_aws
def test_assumed_role_becomes_temporary_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    env = cli_environment(AccountAccess(role_arn=ROLE), "us-east-1")
    assert env["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert env["AWS_SESSION_TOKEN"]
    assert env["AWS_REGION"] == "us-east-1"


def test_descriptions_never_contain_credentials() -> None:
    assert (
        describe_access(AccountAccess(role_arn=ROLE, profile="ci"))
        == f"assume {ROLE} via profile ci"
    )
    assert describe_access(AccountAccess()) == "default credentials"

"""Sessions per configured account role: which role an account plays, and how the
``deploy:`` section reaches it (profiles, assumed roles with moto STS, refusals)."""

from __future__ import annotations

from pathlib import Path

import pytest
from moto import mock_aws

from pgplat.aws.errors import AwsRefused
from pgplat.aws.sessions import account_role, session_for
from pgplat.config.model import AccountAccess, PgplatConfig
from pgplat.errors import UserError

ROLE = "arn:aws:iam::111111111111:role/pgplat-deployer"


def test_account_roles(innovate: PgplatConfig) -> None:
    assert [
        account_role(innovate, a) for a in ("111111111111", "222222222222", "333333333333")
    ] == [
        "data",
        "app",
        "nonprod",
    ]
    with pytest.raises(ValueError, match="not configured"):
        account_role(innovate, "999999999999")


@mock_aws
def test_a_configured_role_is_assumed_from_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    session = session_for(AccountAccess(role_arn=ROLE), "us-east-1")
    identity = session.client("sts").get_caller_identity()
    assert identity["Arn"].startswith("arn:aws:sts::111111111111:assumed-role/pgplat-deployer/")
    assert session.region_name == "us-east-1"


def test_a_role_without_credentials_to_assume_it_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(
        AwsRefused,
        match=f"sts AssumeRole for account 111111111111 \\(assume {ROLE}\\).*NoCredentialsError",
    ):
        session_for(AccountAccess(role_arn=ROLE), "us-east-1", "111111111111")


def test_a_missing_profile_is_one_configuration_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    with pytest.raises(
        UserError, match=r"AWS profile 'ops' \(for account 2{12} \(profile ops\)\) is not in"
    ):
        session_for(AccountAccess(profile="ops"), "us-east-1", "2" * 12)

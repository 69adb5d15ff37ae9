"""Assumed roles against moto STS: assumed on first use, again only within the refresh margin
(on a controllable clock), and a refusal raised as the caller's error."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from pgplat.aws.errors import AwsUnreachable
from pgplat.aws.roles import ROLE_DURATION, ROLE_REFRESH_MARGIN, AssumedRole, assumed_session

REGION = "eu-west-1"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
    }
)


class Refused(Exception):
    pass


@pytest.fixture
def role_arn(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        iam = boto3.client("iam", region_name=REGION)
        yield iam.create_role(RoleName="pgplat-test", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]


def test_role_is_assumed_on_first_use_and_again_within_the_margin(role_arn: str) -> None:
    now = [time.time()]
    assumptions: list[float] = []
    role = AssumedRole(
        boto3.Session(region_name=REGION),
        role_arn,
        "pgplat-test",
        region=REGION,
        refused=Refused,
        clock=lambda: now[0],
        on_assumed=lambda: assumptions.append(now[0]),
    )
    assert (assumptions, role.expires_at) == ([], float("inf"))

    def access_key() -> str:
        credentials = role.session.get_credentials()
        assert credentials is not None
        return str(credentials.get_frozen_credentials().access_key)

    first = access_key()
    assert len(assumptions) == 1
    assert role.expires_at > now[0] + ROLE_DURATION - 60
    now[0] += ROLE_DURATION - ROLE_REFRESH_MARGIN - 60
    assert access_key() == first
    now[0] += 120
    assert access_key() != first
    assert len(assumptions) == 2


def test_assumed_session_works_at_once(role_arn: str) -> None:
    base = boto3.Session(region_name=REGION)
    session = assumed_session(base, role_arn, "pgplat-test", region=REGION, refused=Refused)
    assert session.client("sts").get_caller_identity()["Arn"].endswith("/pgplat-test")


def test_a_refusal_is_the_callers_error_and_raised_at_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    base = boto3.Session(region_name=REGION)
    role = "arn:aws:iam::123456789012:role/pgplat-test"
    with pytest.raises(Refused, match=r"^NoCredentialsError$"):
        assumed_session(base, role, "pgplat-test", region=REGION, refused=Refused)


def test_an_assumed_sessions_failures_name_the_role(role_arn: str, closed_port: int) -> None:
    """A drill's session (the drill role, assumed) fails in one line like any other."""
    base = boto3.Session(region_name=REGION)
    session = assumed_session(base, role_arn, "pgplat-test", region=REGION, refused=Refused)
    rds = session.client("rds", endpoint_url=f"http://127.0.0.1:{closed_port}")
    with pytest.raises(AwsUnreachable, match=f"AWS rds DescribeDBClusters for role {role_arn}: "):
        rds.describe_db_clusters()

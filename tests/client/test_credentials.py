"""Credential providers against moto: Secrets Manager caching and refresh, STS assume-role and
IAM token caching and renewal on a controllable clock."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from moto import mock_aws

from pgplat.client import CredentialsError, load_settings, metrics
from pgplat.client.credentials import TOKEN_REUSE, provider_for

REGION = "eu-west-1"
HOST = "app.cluster-abc123.eu-west-1.rds.amazonaws.com"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
    }
)


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def aws(client_env: pytest.MonkeyPatch) -> Iterator[None]:
    client_env.setenv("AWS_ACCESS_KEY_ID", "testing")
    client_env.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client_env.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield


def _role_arn() -> str:
    iam = boto3.client("iam", region_name=REGION)
    return iam.create_role(RoleName="pgplat-web", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]


def _access_key(token: str) -> str:
    credential = parse_qs(urlsplit(f"https://{token}").query)["X-Amz-Credential"][0]
    return credential.split("/")[0]


def test_secret_is_read_once_then_served_from_cache(aws: None) -> None:
    sm = boto3.client("secretsmanager", region_name=REGION)
    arn = sm.create_secret(
        Name="app/web", SecretString=json.dumps({"username": "web", "password": "first"})
    )["ARN"]
    provider = provider_for(load_settings(auth="secret", secret_arn=arn, region=REGION))
    before = metrics.snapshot()["credential_refreshes"]
    first = provider.get(HOST, 5432)
    sm.put_secret_value(
        SecretId=arn, SecretString=json.dumps({"username": "web", "password": "second"})
    )
    assert provider.get(HOST, 5432) == first
    assert first.params() == {"user": "web", "password": "first"}
    assert provider.invalidate(first)
    second = provider.get(HOST, 5432)
    assert second.params()["password"] == "second"
    provider.invalidate(first)  # a late report of the old rejection changes nothing
    assert provider.get(HOST, 5432) is second
    assert metrics.snapshot()["credential_refreshes"] - before == 2
    assert "second" not in repr(provider.get(HOST, 5432))


def test_unreadable_secret_is_one_line_without_aws_text(aws: None) -> None:
    arn = f"arn:aws:secretsmanager:{REGION}:123456789012:secret:missing-AbCdEf"
    provider = provider_for(load_settings(auth="secret", secret_arn=arn, region=REGION))
    with pytest.raises(CredentialsError, match=r"could not read secret .*ResourceNotFound"):
        provider.get(HOST, 5432)


def test_malformed_secret_is_reported_without_its_value(aws: None) -> None:
    sm = boto3.client("secretsmanager", region_name=REGION)
    arn = sm.create_secret(Name="app/bad", SecretString="s3cr3t-not-json")["ARN"]
    provider = provider_for(load_settings(auth="secret", secret_arn=arn, region=REGION))
    with pytest.raises(CredentialsError, match="not JSON") as caught:
        provider.get(HOST, 5432)
    assert "s3cr3t" not in str(caught.value)


def test_iam_token_is_signed_by_the_assumed_role_and_reused(aws: None) -> None:
    clock = Clock()
    role = _role_arn()
    settings = load_settings(
        auth="iam", user="web", region=REGION, role_arn=role, application_name="shop.checkout"
    )
    provider = provider_for(settings, clock=clock)
    token = provider.get(HOST, 5432)
    assert token.user == "web"
    assert token.password is not None
    text = token.password.get_secret_value()
    assert text.startswith(f"{HOST}:5432/?Action=connect&DBUser=web")
    assert _access_key(text) != "testing"  # signed with the assumed role's keys
    assert "Action=connect" not in repr(token)
    clock.advance(TOKEN_REUSE - 1)
    assert provider.get(HOST, 5432) is token
    assert provider.get("reader." + HOST, 5432) is not token  # tokens are per endpoint


def test_iam_token_is_renewed_well_before_it_expires(aws: None) -> None:
    clock = Clock()
    provider = provider_for(
        load_settings(auth="iam", user="web", region=REGION, role_arn=_role_arn()), clock=clock
    )
    before = metrics.snapshot()["credential_refreshes"]
    first = provider.get(HOST, 5432)
    clock.advance(TOKEN_REUSE + 1)  # ten minutes: five before the 15-minute expiry
    renewed = provider.get(HOST, 5432)
    assert renewed is not first
    # one role assumption and two tokens: the role is still good for most of its hour
    assert metrics.snapshot()["credential_refreshes"] - before == 3


def test_assumed_role_is_assumed_again_before_it_expires(aws: None) -> None:
    clock = Clock()
    settings = load_settings(auth="iam", user="web", region=REGION, role_arn=_role_arn())
    provider = provider_for(settings, clock=clock)
    first_key = _access_key(provider.get(HOST, 5432).password.get_secret_value())  # type: ignore[union-attr]
    clock.advance(50 * 60)  # the one-hour role session has 10 minutes left: too few
    second_key = _access_key(provider.get(HOST, 5432).password.get_secret_value())  # type: ignore[union-attr]
    assert second_key != first_key


def test_a_pod_without_aws_identity_gets_a_credentials_error(
    client_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        client_env.delenv(name, raising=False)
    client_env.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    client_env.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    client_env.setenv("AWS_EC2_METADATA_DISABLED", "true")
    role = "arn:aws:iam::123456789012:role/pgplat-web"
    settings = load_settings(auth="iam", user="web", region=REGION, role_arn=role)
    with pytest.raises(CredentialsError, match=f"could not assume {role} .*NoCredentialsError"):
        provider_for(settings).get(HOST, 5432)

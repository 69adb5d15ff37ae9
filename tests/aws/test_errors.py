"""AWS failures through the real `pgplat` command: no credentials, an endpoint nobody listens
on, throttling through the retries, refused and expired credentials. Each is one line naming
the account and the call, with the exit code of its kind, in seconds."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws
from moto.core import set_initial_no_auth_action_count

from pgplat.aws.errors import (
    ATTEMPTS,
    DENIED,
    EXPIRED,
    THROTTLED,
    UNRECOGNISED,
    AwsRefused,
    AwsUnreachable,
    guard,
)
from pgplat.commands.app import main
from pgplat.errors import ExitCode
from tests.fixtures.aws_errors import ErrorEndpoint
from tests.fixtures.cli import RunCli
from tests.fixtures.examples import INNOVATE

DATA_ACCOUNT = "111111111111"
Endpoints = Callable[[str, int], ErrorEndpoint]


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """An environment with no AWS credentials anywhere, and no instance metadata to ask."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return monkeypatch


def _keys(env: pytest.MonkeyPatch, endpoint: str) -> None:
    env.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEKEY000000")
    env.setenv("AWS_SECRET_ACCESS_KEY", "secret-that-must-not-show")
    env.setenv("AWS_ENDPOINT_URL", endpoint)


def _one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    assert "secret-that-must-not-show" not in stderr
    return lines[0]


def test_no_credentials_is_one_line_naming_account_and_call(
    run_cli: RunCli, no_aws: pytest.MonkeyPatch
) -> None:
    done = run_cli("-q", "-c", str(INNOVATE), "audit", "connections")
    line = _one_line(done.stderr)
    assert done.returncode == ExitCode.AWS_REFUSED
    assert (
        f"AWS cloudwatch-logs StartQuery for account {DATA_ACCOUNT} (default credentials)" in line
    )
    assert "NoCredentialsError" in line
    assert "aws sso login" in line


def test_an_unreachable_endpoint_fails_in_seconds(
    run_cli: RunCli, no_aws: pytest.MonkeyPatch, closed_port: int
) -> None:
    _keys(no_aws, f"http://127.0.0.1:{closed_port}")
    started = time.monotonic()
    done = run_cli("-q", "-c", str(INNOVATE), "audit", "trail")
    took = time.monotonic() - started
    line = _one_line(done.stderr)
    assert done.returncode == ExitCode.AWS_UNREACHABLE
    assert f"AWS cloudtrail LookupEvents for account {DATA_ACCOUNT}" in line
    assert f"could not reach http://127.0.0.1:{closed_port} (EndpointConnectionError" in line
    assert took < 20, f"{took:.1f} s"


def test_throttling_is_retried_then_one_line(
    run_cli: RunCli, no_aws: pytest.MonkeyPatch, aws_error_endpoint: Endpoints
) -> None:
    endpoint = aws_error_endpoint("ThrottlingException", 400)
    _keys(no_aws, endpoint.url)
    done = run_cli("-q", "-c", str(INNOVATE), "audit", "connections")
    line = _one_line(done.stderr)
    assert done.returncode == ExitCode.AWS_UNREACHABLE
    attempts = ATTEMPTS
    assert len(endpoint.requests) == attempts
    assert f"still ThrottlingException after {attempts} attempts; wait and rerun" in line


def test_expired_credentials_say_sign_in_again(
    run_cli: RunCli, no_aws: pytest.MonkeyPatch, aws_error_endpoint: Endpoints
) -> None:
    endpoint = aws_error_endpoint("ExpiredTokenException", 400)
    _keys(no_aws, endpoint.url)
    done = run_cli("-q", "-c", str(INNOVATE), "audit", "trail")
    line = _one_line(done.stderr)
    assert done.returncode == ExitCode.AWS_REFUSED
    assert "cloudtrail LookupEvents" in line
    assert "have expired" in line
    assert len(endpoint.requests) == 1  # not retried: retrying cannot help


def _main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str]:
    """The console entry in this process (where moto runs): exit code and stderr."""
    monkeypatch.setattr(sys, "argv", ["pgplat", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    return int(exited.value.code or 0), capsys.readouterr().err


@mock_aws
@set_initial_no_auth_action_count(2)  # creating the user and its key; then IAM is enforced
def test_a_principal_without_permission_is_denied_in_one_line(
    no_aws: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_user(UserName="nobody")
    key = iam.create_access_key(UserName="nobody")["AccessKey"]
    no_aws.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    no_aws.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    code, stderr = _main(no_aws, capsys, "-q", "-c", str(INNOVATE), "audit", "connections")
    line = _one_line(stderr)
    assert code == ExitCode.AWS_REFUSED
    assert key["SecretAccessKey"] not in stderr
    assert "logs:StartQuery denied" in line  # moto answers in XML: the code is lost, not the 403
    assert f"account {DATA_ACCOUNT} (default credentials)" in line


_TRANSLATED = sorted(EXPIRED | UNRECOGNISED | DENIED | THROTTLED)
_REFUSED = EXPIRED | UNRECOGNISED | DENIED


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    code=st.one_of(
        st.sampled_from(_TRANSLATED),
        st.from_regex(r"\A[A-Z][A-Za-z]{2,30}\Z").filter(lambda c: c not in _TRANSLATED),
    ),
    status=st.sampled_from([400, 403, 404, 500, 503]),
    query_protocol=st.booleans(),
)
def test_every_error_response_is_translated_or_left_to_the_caller(
    aws_error_endpoint: Endpoints, code: str, status: int, query_protocol: bool
) -> None:
    """Credential and permission codes (and any 403) are refusals, throttling and 5xx
    unavailability, and any other 4xx reaches the caller as botocore's ClientError (a missing stack, say)."""
    endpoint = aws_error_endpoint(code, status)
    session = guard(
        boto3.Session(aws_access_key_id="k", aws_secret_access_key="s", region_name="eu-west-1"),
        "account 123456789012 (profile ops)",
    )
    once = Config(retries={"total_max_attempts": 1})
    cloudformation = session.client("cloudformation", endpoint_url=endpoint.url, config=once)
    logs = session.client("logs", endpoint_url=endpoint.url, config=once)
    call = "DetectStackDrift" if query_protocol else "DescribeLogGroups"
    expected: type[Exception] = ClientError
    if code in _REFUSED or status == 403:
        expected = AwsRefused
    elif code in THROTTLED or status >= 500:
        expected = AwsUnreachable
    calling = (
        (lambda: cloudformation.detect_stack_drift(StackName="innovate-prod-data"))
        if query_protocol
        else logs.describe_log_groups
    )
    with pytest.raises(expected) as raised:
        calling()
    if expected is ClientError:
        assert getattr(raised.value, "response", {})["Error"]["Code"] == code
    else:
        assert "account 123456789012 (profile ops)" in str(raised.value)
        assert "\n" not in str(raised.value)
        assert call in str(raised.value)

"""One workload identity on both sides: the STS session name (moto) the IAM token is signed
under, and the application_name the real local server shows in pg_stat_activity and logs."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import boto3
import psycopg
import pytest
from moto import mock_aws

import pgplat.client as pgplat
from pgplat.audit.connections import opened_by
from pgplat.audit.logformat import parse_connection
from pgplat.client.credentials import provider_for
from pgplat.client.identity import MAX_LENGTH, workload_identity
from pgplat.local.cluster import LocalCluster, ServerInfo

REGION = "eu-west-1"
HOST = "innovate-prod.cluster-abc123.eu-west-1.rds.amazonaws.com"
POD = {"POD_NAMESPACE": "shop", "POD_SERVICE_ACCOUNT": "checkout", "POD_NAME": "checkout-7d9f-x2"}
IDENTITY = "shop.checkout.checkout-7d9f-x2"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
    }
)


@pytest.fixture
def pod(client_env: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name, value in POD.items():
        client_env.setenv(name, value)
    return client_env


@pytest.fixture
def aws(pod: pytest.MonkeyPatch) -> Iterator[None]:
    pod.setenv("AWS_ACCESS_KEY_ID", "testing")
    pod.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    pod.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield


def test_the_pod_name_extends_the_identity_within_both_limits() -> None:
    assert workload_identity(POD) == IDENTITY
    assert workload_identity({**POD, "POD_NAME": ""}) == "shop.checkout"
    long = workload_identity(
        {"POD_NAMESPACE": "n" * 30, "POD_SERVICE_ACCOUNT": "s" * 30, "POD_NAME": "p" * 40}
    )
    assert long == f"{'n' * 30}.{'s' * 30}.p"
    assert len(long) == MAX_LENGTH


def test_the_assumed_role_session_is_named_after_the_pod(aws: None) -> None:
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(RoleName="pgplat-innovate-prod-web", AssumeRolePolicyDocument=TRUST)
    settings = pgplat.load_settings(
        auth="iam", user="web", region=REGION, role_arn=role["Role"]["Arn"]
    )
    assert settings.application_name == IDENTITY
    token = provider_for(settings).get(HOST, 5432).password
    assert token is not None
    query = parse_qs(urlsplit(f"https://{token.get_secret_value()}").query)
    signer = query["X-Amz-Credential"][0].split("/")[0]
    # The access key the token is signed with belongs to the assumed-role session.
    caller = boto3.client(
        "sts", region_name=REGION, aws_access_key_id=signer, aws_secret_access_key="unused"
    ).get_caller_identity()
    assert caller["Arn"].endswith(f":assumed-role/pgplat-innovate-prod-web/{IDENTITY}")


def _authorized_lines(cluster: LocalCluster, start: int, application: str) -> list[str]:
    deadline = time.monotonic() + 5
    while True:
        with cluster.log_file.open() as log:
            log.seek(start)
            lines = [line for line in log if f"application_name={application}" in line]
        if lines or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


def test_the_server_sees_the_same_identity(
    pod: pytest.MonkeyPatch, local_pg: ServerInfo, local_cluster: LocalCluster
) -> None:
    for name, value in local_pg.env("web").items():
        pod.setenv(name, value)
    start = local_cluster.log_file.stat().st_size
    with pgplat.connect() as conn:
        pid = conn.info.backend_pid
        with psycopg.connect(local_pg.admin_conninfo()) as admin:
            seen = admin.execute(
                "SELECT usename, application_name FROM pg_stat_activity WHERE pid = %s", (pid,)
            ).fetchone()
    assert seen == ("web", IDENTITY)
    lines = _authorized_lines(local_cluster, start, IDENTITY)
    connections = [c for c in map(parse_connection, lines) if c is not None]
    assert [(c.user, c.application, c.pid) for c in connections] == [("web", IDENTITY, pid)]
    assert opened_by(connections[0], "shop.checkout")
    assert not opened_by(connections[0], "shop.check")

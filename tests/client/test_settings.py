"""Settings: environment, `.env` and overrides in the right order; secrets never shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgplat.client import ConfigurationError, load_settings
from pgplat.client.connection import READ_ONLY_OPTIONS, target_for
from pgplat.client.identity import workload_identity


def test_overrides_beat_environment_beats_env_file(client_env: pytest.MonkeyPatch) -> None:
    Path(".env").write_text("PGHOST=from-file\nPGPORT=6000\nPGDATABASE=filedb\n")
    client_env.setenv("PGPORT", "7000")
    settings = load_settings(dbname="override")
    assert (settings.host, settings.port, settings.dbname) == ("from-file", 7000, "override")


def test_env_file_can_be_skipped(client_env: pytest.MonkeyPatch) -> None:
    Path(".env").write_text("PGHOST=from-file\n")
    assert load_settings(env_file=None).host == "localhost"


def test_pgplat_region_wins_over_aws_region(client_env: pytest.MonkeyPatch) -> None:
    client_env.setenv("AWS_REGION", "us-east-1")
    client_env.setenv("PGPLAT_REGION", "eu-west-1")
    assert load_settings().region == "eu-west-1"


def test_repr_and_errors_never_show_the_password(client_env: pytest.MonkeyPatch) -> None:
    client_env.setenv("PGPASSWORD", "hunter2-secret")
    settings = load_settings()
    assert "hunter2-secret" not in repr(settings)
    assert "hunter2-secret" not in str(settings)
    with pytest.raises(ConfigurationError) as caught:
        load_settings(port="not-a-port")
    assert "port" in str(caught.value)
    assert "hunter2-secret" not in str(caught.value)


@pytest.mark.parametrize(
    ("env", "needs"),
    [
        ({"PGPLAT_AUTH": "secret", "PGPLAT_REGION": "eu-west-1"}, "PGPLAT_SECRET_ARN"),
        ({"PGPLAT_AUTH": "iam", "PGPLAT_REGION": "eu-west-1"}, "PGUSER"),
        ({"PGPLAT_AUTH": "iam", "PGUSER": "web"}, "PGPLAT_REGION"),
        ({"PGPLAT_AUTH": "kerberos"}, "auth"),
    ],
)
def test_incomplete_cloud_settings_name_the_missing_variable(
    client_env: pytest.MonkeyPatch, env: dict[str, str], needs: str
) -> None:
    for name, value in env.items():
        client_env.setenv(name, value)
    with pytest.raises(ConfigurationError, match=needs):
        load_settings()


def test_application_name_is_the_pod_identity(client_env: pytest.MonkeyPatch) -> None:
    client_env.setenv("POD_NAMESPACE", "shop")
    client_env.setenv("POD_SERVICE_ACCOUNT", "checkout")
    assert load_settings().application_name == "shop.checkout"
    assert load_settings(application_name="batch").application_name == "batch"


def test_identity_is_a_valid_session_name_and_application_name() -> None:
    identity = workload_identity({"POD_NAMESPACE": "a/b c", "POD_SERVICE_ACCOUNT": "x" * 80})
    assert identity.startswith("a-b-c.x")
    assert len(identity) == 63
    laptop = workload_identity({})
    assert "@" in laptop


def test_readonly_goes_to_the_reader_endpoint_and_writes_demand_a_writer(
    client_env: pytest.MonkeyPatch,
) -> None:
    settings = load_settings(host="writer.local", reader_host="reader.local", password="pw")
    reader_endpoint = target_for(settings, readonly=True)
    writer_endpoint = target_for(settings, readonly=False)
    reader = reader_endpoint.params(reader_endpoint.credentials())
    writer = writer_endpoint.params(writer_endpoint.credentials())
    assert (reader["host"], reader["options"]) == ("reader.local", READ_ONLY_OPTIONS)
    assert (writer["host"], writer["target_session_attrs"]) == ("writer.local", "read-write")
    assert load_settings(host="only.local", env_file=None).reader_host is None
    assert target_for(load_settings(host="only.local"), readonly=True).host == "only.local"

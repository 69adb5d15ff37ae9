"""TLS policy: verify-full by default for cloud modes, plaintext to AWS refused."""

from __future__ import annotations

import pytest

from pgplat.client import ConfigurationError, load_settings
from pgplat.client.tls import tls_params

RDS_HOST = "app.cluster-abc123.eu-west-1.rds.amazonaws.com"
CLOUD = {"auth": "iam", "user": "web", "region": "eu-west-1", "env_file": None}


def test_cloud_modes_default_to_verify_full(client_env: pytest.MonkeyPatch) -> None:
    settings = load_settings(host=RDS_HOST, sslrootcert="/etc/rds/global-bundle.pem", **CLOUD)
    assert tls_params(settings, RDS_HOST) == {
        "sslmode": "verify-full",
        "sslrootcert": "/etc/rds/global-bundle.pem",
    }


@pytest.mark.parametrize("mode", ["disable", "allow", "prefer"])
def test_plaintext_is_refused_for_iam(client_env: pytest.MonkeyPatch, mode: str) -> None:
    settings = load_settings(host="10.0.0.5", sslmode=mode, **CLOUD)
    with pytest.raises(ConfigurationError, match="auth=iam"):
        tls_params(settings, "10.0.0.5")


def test_plaintext_is_refused_to_an_aws_host_even_with_a_password(
    client_env: pytest.MonkeyPatch,
) -> None:
    settings = load_settings(host=RDS_HOST, sslmode="disable", env_file=None)
    with pytest.raises(ConfigurationError, match="is an AWS endpoint"):
        tls_params(settings, RDS_HOST)


def test_verifying_a_cloud_host_needs_the_ca_bundle(client_env: pytest.MonkeyPatch) -> None:
    settings = load_settings(host=RDS_HOST, **CLOUD)
    with pytest.raises(ConfigurationError, match="pgplat certs"):
        tls_params(settings, RDS_HOST)


def test_local_password_mode_leaves_tls_to_libpq(client_env: pytest.MonkeyPatch) -> None:
    assert tls_params(load_settings(env_file=None), "localhost") == {}

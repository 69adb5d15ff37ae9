"""`pgplat certs`: the bundle check on generated certificates, and the command end to end
against a local HTTP server (never AWS's) and against a closed port (offline)."""

from __future__ import annotations

import datetime
import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from pgplat.client.ca_bundle import verify
from pgplat.errors import UserError
from tests.fixtures.certs import self_signed_cert
from tests.fixtures.cli import RunCli

NOW = datetime.datetime.now(datetime.UTC)


def test_a_bundle_of_current_cas_is_accepted() -> None:
    report = verify(
        self_signed_cert("Amazon RDS eu-west-1 Root CA", days=400)
        + self_signed_cert("old", days=-2, start_days=-900)
    )
    assert report.certificates == 2
    assert report.valid_until.date() == (NOW + datetime.timedelta(days=400)).date()
    assert report.expired == ("CN=old",)


@pytest.mark.parametrize(
    ("bundle", "problem"),
    [
        (b"<html>captive portal</html>", "not a PEM file"),
        (self_signed_cert("leaf", ca=False), "not a CA: CN=leaf"),
        (self_signed_cert("stale", days=-1, start_days=-900), "no certificate valid today"),
    ],
)
def test_a_bad_bundle_names_its_problem(bundle: bytes, problem: str) -> None:
    with pytest.raises(UserError, match=problem):
        verify(bundle)


@pytest.fixture
def bundle_server(tmp_path: Path) -> Iterator[str]:
    """A local web server publishing a bundle, standing in for AWS's trust store."""
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "global-bundle.pem").write_bytes(
        self_signed_cert("Amazon RDS Root 2024 ECC")
    )
    handler = functools.partial(
        http.server.SimpleHTTPRequestHandler, directory=str(tmp_path / "www")
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/global-bundle.pem"
    server.shutdown()


def test_certs_downloads_verifies_and_saves(
    run_cli: RunCli, bundle_server: str, tmp_path: Path
) -> None:
    out = tmp_path / "rds-ca.pem"
    result = run_cli("certs", "--url", bundle_server, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "verify-full" in result.stdout
    assert "1 CA certificates" in result.stdout
    assert f"PGSSLROOTCERT={out}" in result.stdout
    assert out.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")


def test_certs_offline_is_one_line_and_exit_2(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("certs", "--url", "http://127.0.0.1:9/global-bundle.pem")
    assert result.returncode == 2
    assert "offline" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "rds-ca-bundle.pem").exists()

"""TLS like RDS: verify-full succeeds against the local CA, plaintext TCP is refused, and a
client trusting another CA refuses the server."""

from __future__ import annotations

import tempfile
from pathlib import Path

import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from pgplat.local.account import ServerAccount
from pgplat.local.cluster import ServerInfo
from pgplat.local.tls import LOOPBACK_NAMES, ensure_tls, is_usable, named_in


def _with(info: ServerInfo, **changes: str) -> str:
    return make_conninfo(info.conninfo("web"), **changes)


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_verify_full_succeeds_by_name_and_by_address(local_pg: ServerInfo, host: str) -> None:
    with psycopg.connect(_with(local_pg, host=host)) as conn:
        row = conn.execute(
            "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
        ).fetchone()
    assert row is not None
    assert row[0] is True
    assert row[1] in ("TLSv1.2", "TLSv1.3")


def test_plaintext_tcp_is_refused(local_pg: ServerInfo) -> None:
    with pytest.raises(psycopg.OperationalError, match="no encryption"):
        psycopg.connect(_with(local_pg, sslmode="disable"))


def test_a_client_trusting_another_ca_refuses_the_server(
    local_pg: ServerInfo, tmp_path: Path
) -> None:
    stranger = ensure_tls(tmp_path, ServerAccount.caller()).ca_cert
    with pytest.raises(psycopg.OperationalError, match="SSL error"):
        psycopg.connect(_with(local_pg, sslrootcert=str(stranger)))


def test_conninfo_always_asks_for_verify_full(local_pg: ServerInfo) -> None:
    params = conninfo_to_dict(local_pg.conninfo("reporting"))
    assert params["sslmode"] == "verify-full"
    assert params["sslrootcert"] == str(local_pg.ca_file)


def test_passwords_stay_out_of_repr(local_pg: ServerInfo) -> None:
    assert all(password not in repr(local_pg) for password in local_pg.passwords.values())


_NAMES = st.sampled_from(
    ["host.docker.internal", "host.k3d.internal", "host.minikube.internal", "172.17.0.1", "fd00::1"]
)


@settings(max_examples=5, deadline=None)
@given(names=st.lists(_NAMES, min_size=1, max_size=3, unique=True))
def test_a_name_in_use_reissues_the_server_certificate_from_the_same_ca(names: list[str]) -> None:
    """Adding a name (a pod's host, a listen address) keeps the CA, so every bundle already
    handed out (`.env`, a cluster's ConfigMap) still verifies the server."""
    wanted = (*LOOPBACK_NAMES, *names)
    with tempfile.TemporaryDirectory() as folder:
        first = ensure_tls(Path(folder), ServerAccount.caller())
        ca = first.ca_cert.read_bytes()
        assert not is_usable(first, wanted)
        again = ensure_tls(Path(folder), ServerAccount.caller(), wanted)
        assert is_usable(again, wanted)
        assert again.ca_cert.read_bytes() == ca
        assert all(named_in(again.server_cert, n) for n in wanted)
        kept = again.server_cert.read_bytes()
        assert (
            ensure_tls(Path(folder), ServerAccount.caller(), wanted).server_cert.read_bytes()
            == kept
        )

"""TLS like RDS: verify-full succeeds against the local CA, plaintext TCP is refused, and a
client trusting another CA refuses the server."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from pgplat.local.account import ServerAccount
from pgplat.local.cluster import ServerInfo
from pgplat.local.tls import ensure_tls


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

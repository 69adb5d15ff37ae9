"""The local PostgreSQL cluster behind ``pgplat dev``: one data directory, started and stopped
with ``pg_ctl``, configured like production (TLS only, same database, users and extensions).

Everything lives under one root directory, marked as pgplat's (see :mod:`pgplat.local.home`)::

    pgdata/          the cluster (owned by the server account)
    tls/             local CA and server certificate
    run/             Unix socket (owned by the server account)
    log/postgres.log server log
    passwords.json   per-machine passwords (0600)
    state.json       port (and the preferred one) and bootstrap fingerprint of the last ``up``
    env-file.sha256  digest of the ``.env`` ``dev up`` wrote (``dev destroy`` deletes it if unchanged)

As root, when the server account cannot enter the root, the first four live in a
pgplat-made folder under ``/var/lib/pgplat`` instead, named by the root's ``server-home``.

``up`` is idempotent and serialised by a file lock, so concurrent callers get the same server.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import signal
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlencode

import psycopg
from filelock import FileLock
from psycopg import sql

from pgplat.audit.logformat import LOG_LINE_PREFIX
from pgplat.config.model import PgplatConfig
from pgplat.errors import UserError
from pgplat.local import binaries as binaries_mod
from pgplat.local.account import ServerAccount, server_account
from pgplat.local.binaries import Binaries
from pgplat.local.envfile import app_user
from pgplat.local.files import refuse_link, write_private
from pgplat.local.home import (
    POINTER,
    SERVER_FILES,
    claim,
    delete_ours,
    delete_server_home,
    is_ours,
    place_server_home,
    server_home,
)
from pgplat.local.passwords import SUPERUSER, load_passwords
from pgplat.local.tls import TlsFiles, certificate_names, ensure_tls, is_usable
from pgplat.sql import bootstrap_sql

HOST = "localhost"
_START_ATTEMPTS = 20
_SETTLE_SECONDS = 10.0
_ENV_RECEIPT = "env-file.sha256"
_ROOT_FILES = (
    *SERVER_FILES,
    "passwords.json",
    "state.json",
    _ENV_RECEIPT,
    ".lock",
    POINTER,
    "docker",
)
"""Everything a local cluster's folders hold: all ``destroy`` deletes."""
_INCLUDE = "include 'postgresql.pgplat.conf'"
_FAILURES = ("PANIC:", "FATAL:")
_HBA = """\
# pgplat: TCP only over TLS (like RDS with rds.force_ssl), SCRAM passwords everywhere.
local     all          all                    scram-sha-256
local     replication  all                    scram-sha-256
hostssl   all          all      127.0.0.1/32  scram-sha-256
hostssl   all          all      ::1/128       scram-sha-256
hostssl   replication  all      127.0.0.1/32  scram-sha-256
hostssl   replication  all      ::1/128       scram-sha-256
hostnossl all          all      all           reject
"""
_HBA_LISTEN = """\
# pgplat: environments.local.listen_address is set: its subnets, over TLS only.
hostssl   all          all      samenet       scram-sha-256
"""

Status = Literal["running", "stopped", "absent"]


@dataclass(frozen=True)
class ServerInfo:
    """How to reach a running local server. Passwords are kept out of ``repr``."""

    host: str
    port: int
    dbname: str
    ca_file: Path
    bin_dir: Path
    data_dir: Path
    socket_dir: Path
    major: int
    passwords: Mapping[str, str] = field(repr=False)
    notes: tuple[str, ...] = ()
    """What ``up`` wants the user to know: port fallback, crash recovery."""
    warnings: tuple[str, ...] = ()
    """Where the local server differs from production (another major)."""
    user: str = SUPERUSER
    """Who ``conninfo``, ``url`` and ``env`` connect as when no user is named: the pytest
    plugin sets the application's user, so tests meet production's grants."""

    def conninfo(self, user: str | None = None, dbname: str | None = None) -> str:
        """A libpq connection string verifying the server certificate (``verify-full``)."""
        user = user or self.user
        return psycopg.conninfo.make_conninfo(
            host=self.host,
            port=self.port,
            dbname=dbname or self.dbname,
            user=user,
            password=self.passwords[user],
            sslmode="verify-full",
            sslrootcert=str(self.ca_file),
        )

    def url(self, user: str | None = None, show_password: bool = False) -> str:
        """A ``postgresql://`` URL for ``user``, the password masked unless asked for."""
        user = user or self.user
        password = quote(self.passwords[user], safe="") if show_password else "****"
        query = urlencode({"sslmode": "verify-full", "sslrootcert": str(self.ca_file)})
        return f"postgresql://{user}:{password}@{self.host}:{self.port}/{self.dbname}?{query}"

    def env(self, user: str | None = None) -> dict[str, str]:
        """The libpq variables of the prod ConfigMap (plus the password) for ``user``."""
        user = user or self.user
        return libpq_env(
            self.host, self.port, self.dbname, user, self.passwords[user], self.ca_file
        )

    def admin_conninfo(self, dbname: str | None = None) -> str:
        """The superuser over the Unix socket: for setup work, no TCP or TLS round trips."""
        return psycopg.conninfo.make_conninfo(
            host=str(self.socket_dir),
            port=self.port,
            dbname=dbname or self.dbname,
            user=SUPERUSER,
            password=self.passwords[SUPERUSER],
        )


def libpq_env(
    host: str, port: int, dbname: str, user: str, password: str, ca_file: Path
) -> dict[str, str]:
    """The variables of the prod ConfigMap, plus a password, for a local server at ``host``."""
    return {
        "PGHOST": host,
        "PGPORT": str(port),
        "PGDATABASE": dbname,
        "PGUSER": user,
        "PGPASSWORD": password,
        "PGSSLMODE": "verify-full",
        "PGSSLROOTCERT": str(ca_file),
        "PGPLAT_AUTH": "password",
    }


class LocalCluster:
    """A local cluster for ``config`` under ``root_dir``.

    ``binaries`` defaults to what ``environments.local`` asks for (the prod major);
    ``port`` defaults to ``environments.local.port`` and falls back to a free one when
    taken; ``0`` asks for any free port (what test fixtures want). ``durable=False`` turns
    off fsync for throwaway test clusters, which a machine crash may then corrupt.
    """

    def __init__(
        self,
        config: PgplatConfig,
        root_dir: Path,
        *,
        binaries: Binaries | None = None,
        port: int | None = None,
        durable: bool = True,
    ) -> None:
        self.config = config
        self.root = Path(root_dir).absolute()
        self.preferred_port = config.environments.local.port if port is None else port
        self._binaries = binaries
        self.durable = durable
        self._state_file = self.root / "state.json"

    @property
    def server_home(self) -> Path:
        """The folder of the server's own files: the root, or its folder under /var/lib."""
        return server_home(self.root)

    @property
    def data_dir(self) -> Path:
        return self.server_home / "pgdata"

    @property
    def socket_dir(self) -> Path:
        return self.server_home / "run"

    @property
    def log_file(self) -> Path:
        return self.server_home / "log" / "postgres.log"

    @property
    def env_receipt(self) -> Path:
        """The digest of the ``.env`` ``dev up`` wrote, so ``dev destroy`` deletes it only
        when it is still pgplat's (`pgplat.local.envfile.remove_env_file`)."""
        return self.root / _ENV_RECEIPT

    @property
    def tls(self) -> TlsFiles:
        return TlsFiles.under(self.server_home / "tls")

    @property
    def binaries(self) -> Binaries:
        """What ``environments.local`` asks for, unless the cluster holds another major on
        purpose (`pgplat upgrade rehearse --keep` recorded it): then that major's build."""
        if self._binaries is None:
            kept = self.kept_major
            self._binaries = (
                binaries_mod.newest_embedded(kept)
                if kept is not None
                else binaries_mod.for_config(self.config)
            )
        return self._binaries

    @property
    def kept_major(self) -> int | None:
        """The major a kept upgrade rehearsal left this cluster on, when not production's."""
        kept = self._state().get("major")
        return kept if kept is not None and kept != self.config.database.major else None

    @property
    def passwords(self) -> dict[str, str]:
        return load_passwords(
            self.root / "passwords.json",
            [u.name for u in self.config.database.users],
            fresh=self.status() == "absent",
        )

    def _lock(self) -> FileLock:
        return FileLock(self.root / ".lock")

    def make_root(self, account: ServerAccount) -> None:
        """Make (or accept) the root as pgplat's, and place the server's files where
        ``account`` can reach them."""
        claim(self.root, 0o711 if account.is_switched else 0o700)
        place_server_home(self.root, account)

    # -- inspection ---------------------------------------------------------------------

    def status(self) -> Status:
        """Whether the cluster is running, stopped, or not created yet."""
        if not (self.data_dir / "PG_VERSION").exists():
            return "absent"
        return "running" if self._running_pid() is not None else "stopped"

    def _running_pid(self) -> int | None:
        """The postmaster's pid when it is alive, from ``postmaster.pid``."""
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
        except (FileNotFoundError, ValueError):
            return None
        return pid if _is_postgres(pid) else None

    def _running_port(self) -> int:
        lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
        return int(lines[3])

    def info(self) -> ServerInfo:
        """Connection details of the running server."""
        if self.status() != "running":
            raise UserError(f"the local server in {self.root} is not running; run `pgplat dev up`")
        return self._info(self._running_port())

    def _info(self, port: int, notes: tuple[str, ...] = ()) -> ServerInfo:
        warning = self.binaries.parity_warning(self.config.database.major)
        if self.kept_major is not None:
            warning = (
                f"the local twin runs PostgreSQL {self.kept_major}, kept by `pgplat upgrade "
                f"rehearse --keep`, while production runs {self.config.database.major}; "
                "`pgplat dev destroy` then `pgplat dev up` give a twin of production's major"
            )
        return ServerInfo(
            host=HOST,
            port=port,
            dbname=self.config.database.name,
            ca_file=self.tls.ca_cert,
            bin_dir=self.binaries.bin_dir,
            data_dir=self.data_dir,
            socket_dir=self.socket_dir,
            major=self.binaries.major,
            passwords=self.passwords,
            notes=(*notes, self.binaries.note) if self.binaries.note else notes,
            warnings=(warning,) if warning else (),
        )

    # -- lifecycle ----------------------------------------------------------------------

    def up(self) -> ServerInfo:
        """Create (first time), start and bootstrap the server; return how to reach it.

        Idempotent: a running server is returned as is. Recovers from an unclean stop (crash
        recovery replays the WAL, so committed rows survive).
        """
        account = server_account()
        self.make_root(account)
        with self._lock():
            notes: list[str] = []
            created = self.status() == "absent"
            if created:
                self._create(account)  # first start with bootstrapping settings
            self._check_major()
            repaired = self._repair(account, notes)
            running = self.status() == "running"
            if running:
                port = self._running_port()
            else:
                if not created:
                    self._write_settings(self.settings(), account)
                port = self._start(account, notes)
            info = self._info(port, tuple(notes))
            self._bootstrap(info)
            changed = self._write_settings(self.settings(), account)
            if self._write_hba(account) or changed or (repaired and running):
                self._reload(info)
            if running:
                info = replace(info, notes=info.notes + self._listen(info))
            self._verify(info)
            missing = self._missing_extensions(info)
            return replace(info, warnings=info.warnings + missing)

    def down(self) -> bool:
        """Stop the server cleanly (fast shutdown); False when it was not running."""
        if self.status() != "running":
            return False
        with self._lock():
            if self.status() != "running":
                return False
            result = server_account().run(
                [self.binaries.tool("pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "fast", "-w"]
            )
            if result.returncode != 0:
                raise UserError(
                    f"pg_ctl stop failed: {result.stderr.strip()} (see {self.log_file})"
                )
            return True

    def crash(self) -> None:
        """SIGKILL the postmaster, as a power cut would: for crash-recovery and failover drills."""
        pid = self._running_pid()
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
            _wait_until(lambda: self._running_pid() is None, _SETTLE_SECONDS, "the server to die")

    def destroy(self) -> None:
        """Stop the server and delete what pgplat made (data, TLS, passwords), and the root
        when nothing else is in it; a root pgplat did not make is refused, untouched."""
        if not self.root.exists():
            return
        if not is_ours(self.root):
            delete_ours(self.root, ())  # refuses, saying why
        self.down()
        delete_server_home(self.root, _ROOT_FILES)
        delete_ours(self.root, _ROOT_FILES)

    def reset(self) -> ServerInfo:
        """Delete every row and start again from a freshly bootstrapped database.

        The CA and the passwords stay, so ``.env`` files and trusted certificates keep working.
        """
        self.down()
        with self._lock():
            shutil.rmtree(self.data_dir, ignore_errors=True)
            self._save_state(bootstrap=None)
        return self.up()

    def adopt(self, sibling: LocalCluster) -> ServerInfo:
        """Make ``sibling``'s cluster this one's: a server that shares this one's passwords
        and CA (`local.standby.make_sibling`) and holds the same data on another major, as a
        kept upgrade rehearsal's green does. Its data directory replaces this one's, the major
        is recorded, and the server starts again on this one's port, so ``.env`` stays true."""
        sibling.down()
        self.down()
        account = server_account()
        with self._lock():
            incoming, retired = (
                self.server_home / "pgdata.adopted",
                self.server_home / "pgdata.retired",
            )
            try:
                sibling.data_dir.rename(incoming)
            except OSError as exc:
                if exc.errno != errno.EXDEV:
                    raise
                copy_data_dir(account, sibling.data_dir, incoming)  # another file system
            self.data_dir.rename(retired)
            incoming.rename(self.data_dir)
            shutil.rmtree(retired)
            self._save_state(major=sibling.binaries.major)
            self._binaries = sibling.binaries
        return self.up()

    # -- internals ----------------------------------------------------------------------

    def _create(self, account: ServerAccount) -> None:
        account.check_reachable(self.server_home)
        for directory in (self.data_dir, self.socket_dir, self.log_file.parent):
            account.make_dir(directory)
        ensure_tls(self.tls.ca_cert.parent, account, certificate_names(self.config))
        pwfile = self.socket_dir / ".initdb-password"
        write_private(pwfile, self.passwords[SUPERUSER] + "\n", owner=account.owner)
        try:
            result = account.run(
                [
                    self.binaries.tool("initdb"),
                    "--pgdata",
                    str(self.data_dir),
                    "--username",
                    SUPERUSER,
                    f"--pwfile={pwfile}",
                    "--auth=scram-sha-256",
                    "--encoding=UTF8",
                    "--no-locale",
                    "--no-sync",
                ]
            )
        finally:
            pwfile.unlink()
        if result.returncode != 0:
            raise UserError(f"initdb failed in {self.data_dir}: {result.stderr.strip()}")
        self._write_hba(account)
        self._write_settings(self.settings(bootstrapping=True), account)
        self._ensure_include()

    def _ensure_include(self) -> bool:
        """Put pgplat's include line back into ``postgresql.conf``; True when it was missing."""
        conf = self.data_dir / "postgresql.conf"
        refuse_link(conf)  # the server account owns the folder: never append through its link
        text = conf.read_text(errors="replace") if conf.exists() else ""
        if _INCLUDE in text.splitlines():
            return False
        with conf.open("a") as handle:  # the server's own file, in pgplat's data folder
            handle.write(f"\n{_INCLUDE}\n")
        return True

    def _repair(self, account: ServerAccount, notes: list[str]) -> bool:
        """Re-issue missing or damaged TLS files and restore the include of pgplat's settings;
        True when anything was repaired (a running server must then reload)."""
        repaired = False
        names = certificate_names(self.config)
        if not is_usable(self.tls, names):
            ensure_tls(self.tls.ca_cert.parent, account, names)
            notes.append(
                f"the TLS files in {self.tls.ca_cert.parent} were missing, damaged or did not "
                f"name {', '.join(names)}: issued new ones"
            )
            repaired = True
        if self._ensure_include():
            notes.append(
                f"{self.data_dir / 'postgresql.conf'} had lost pgplat's include line: restored it"
            )
            repaired = True
        return repaired

    def _verify(self, info: ServerInfo) -> None:
        """Connect as the application would (verify-full, app user): what ``up`` promises."""
        user = app_user(self.config)
        try:
            with psycopg.connect(info.conninfo(user), connect_timeout=10) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error as exc:
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[-1]
            raise UserError(
                f"the local server on port {info.port} refused a verify-full connection as "
                f"{user}: {reason} (log: {self.log_file})"
            ) from None

    def _missing_extensions(self, info: ServerInfo) -> tuple[str, ...]:
        """A warning naming the configured extensions the local binaries do not offer."""
        wanted = list(self.config.database.extensions)
        with psycopg.connect(info.admin_conninfo(), autocommit=True) as conn:
            rows = conn.execute(
                "SELECT name FROM pg_available_extensions WHERE name = ANY(%s)", [wanted]
            ).fetchall()
        missing = sorted(set(wanted) - {name for (name,) in rows})
        if not missing:
            return ()
        return (
            f"the local PostgreSQL {self.binaries.version} ({self.binaries.bin_dir}) does not "
            f"offer the configured extension(s) {', '.join(missing)}: the local server runs "
            "without them; use binaries that ship them (environments.local.binaries: system)",
        )

    def settings(self, *, bootstrapping: bool = False) -> str:
        """Server settings that mirror production: TLS, UTC, SCRAM, pg_stat_statements.

        ``bootstrapping`` is for the first start only: like ``initdb --no-sync``, it skips
        fsync while the database is created, then ``up`` reloads the durable settings.
        """
        settings: dict[str, str] = {
            "listen_addresses": self.listen_addresses,
            "unix_socket_directories": str(self.socket_dir),
            "ssl": "on",
            "ssl_cert_file": str(self.tls.server_cert),
            "ssl_key_file": str(self.tls.server_key),
            "ssl_min_protocol_version": "TLSv1.2",
            "password_encryption": "scram-sha-256",
            "timezone": "UTC",
            "log_timezone": "UTC",
            "log_line_prefix": LOG_LINE_PREFIX,
            "log_connections": "on",
            "log_disconnections": "on",
            "wal_level": "replica",
        }
        if bootstrapping or not self.durable:
            settings |= {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
        if "pg_stat_statements" in self.config.database.extensions and self._has_library(
            "pg_stat_statements"
        ):
            settings["shared_preload_libraries"] = "pg_stat_statements"
        lines = [f"{name} = {_quote(value)}" for name, value in settings.items()]
        return "# Written by pgplat dev: production parity settings.\n" + "\n".join(lines) + "\n"

    def _write_settings(self, text: str, account: ServerAccount) -> bool:
        """Write the pgplat settings file; True when it changed."""
        path = self.data_dir / "postgresql.pgplat.conf"
        if path.exists() and path.read_text() == text:
            return False
        write_private(path, text, owner=account.owner)
        return True

    @property
    def listen_addresses(self) -> str:
        """Loopback, plus ``environments.local.listen_address`` when a local Kubernetes
        cluster's pods must reach the server."""
        extra = self.config.environments.local.listen_address
        return f"localhost,{extra}" if extra else "localhost"

    def _write_hba(self, account: ServerAccount) -> bool:
        """Write pgplat's ``pg_hba.conf`` (the opt-in listen address lets its own subnets in,
        over TLS with SCRAM); True when it changed."""
        text = _HBA + (_HBA_LISTEN if self.config.environments.local.listen_address else "")
        path = self.data_dir / "pg_hba.conf"
        if path.exists() and path.read_text() == text:
            return False
        write_private(path, text, owner=account.owner)
        return True

    def _listen(self, info: ServerInfo) -> tuple[str, ...]:
        """Restart a running server whose listen addresses changed (only a restart applies
        them); it keeps its port. The note says so: open connections were closed."""
        with psycopg.connect(info.admin_conninfo("postgres"), autocommit=True) as conn:
            current = conn.execute("SHOW listen_addresses").fetchone()
        if current == (self.listen_addresses,):
            return ()
        restart = ["restart", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "60"]
        result = server_account().run(
            [self.binaries.tool("pg_ctl"), *restart, "-l", str(self.log_file)]
        )
        if result.returncode != 0:
            raise UserError(
                f"the local server did not restart to listen on {self.listen_addresses}: "
                f"{_failure(self._log_tail()) or result.stderr.strip()} (log: {self.log_file})"
            )
        return (
            f"restarted the server to listen on {self.listen_addresses} (port {info.port}); "
            "its open connections were closed",
        )

    def _reload(self, info: ServerInfo) -> None:
        """Apply changed settings to the running server and wait until they are in force."""
        expected = "on" if self.durable else "off"
        with psycopg.connect(info.admin_conninfo("postgres"), autocommit=True) as conn:
            conn.execute("SELECT pg_reload_conf()")
            _wait_until(
                lambda: conn.execute("SHOW fsync").fetchone() == (expected,),
                _SETTLE_SECONDS,
                f"the server to reload its settings (see {self.log_file})",
            )

    def _has_library(self, name: str) -> bool:
        lib = self.binaries.bin_dir.parent / "lib"
        return any((d / f"{name}.so").exists() for d in (lib / "postgresql", lib))

    def _check_major(self) -> None:
        on_disk = int((self.data_dir / "PG_VERSION").read_text().strip())
        if on_disk != self.binaries.major:
            raise UserError(
                f"{self.data_dir} holds a PostgreSQL {on_disk} cluster but the binaries are "
                f"{self.binaries.major}; run `pgplat dev destroy` to start over (or dump first)"
            )

    def _start(self, account: ServerAccount, notes: list[str]) -> int:
        """Start on the preferred port, or a free one when it is taken; return the port."""
        stale = self.data_dir / "postmaster.pid"
        if stale.exists():
            # No live postmaster owns these (status() checked): leftovers of a crash. The
            # socket directory is private to this cluster, so its lock files are ours too.
            stale.unlink()
            for leftover in self.socket_dir.glob(".s.PGSQL.*"):
                leftover.unlink()
            notes.append("the server had stopped uncleanly; crash recovery replayed the WAL")
        # After a fallback the last port comes first: .env names it, so a restart keeps it
        # valid (and unrewritten) even once the preferred port is free again; a changed
        # preferred port in the configuration wins.
        last = self._state()
        kept = last.get("port", 0) if last.get("preferred") == self.preferred_port else 0
        port = _first_free(kept, self.preferred_port)
        log_start = self.log_file.stat().st_size if self.log_file.exists() else 0
        for _ in range(_START_ATTEMPTS):
            result = account.run(
                [
                    self.binaries.tool("pg_ctl"),
                    "start",
                    "-D",
                    str(self.data_dir),
                    "-w",
                    "-t",
                    "60",
                    "-l",
                    str(self.log_file),
                    "-o",
                    f"-p {port}",
                ]
            )
            if result.returncode == 0:
                if self.preferred_port not in (0, port):
                    notes.append(
                        f"port {self.preferred_port} is in use; the local server listens on {port}"
                    )
                self._save_state(port=port, preferred=self.preferred_port)
                return port
            log = self._log_tail(log_start)
            if "Address already in use" in log:
                port = _first_free()  # another process took the port since it was probed
            elif "shared memory block is still in use" not in log:
                break  # else orphaned backends of a killed postmaster are still exiting
            time.sleep(0.1)
        reason = _failure(self._log_tail(log_start)) or result.stderr.strip() or "no log"
        raise UserError(f"the local server did not start: {reason} (log: {self.log_file})")

    def _log_tail(self, start: int = 0) -> str:
        """The log from ``start`` (this start's first byte), at most its last 8 kB."""
        try:
            with self.log_file.open("rb") as log:
                log.seek(max(start, log.seek(0, os.SEEK_END) - 8000))
                return log.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def _bootstrap(self, info: ServerInfo) -> None:
        """Create the database and run the bootstrap SQL when the configuration changed."""
        script = bootstrap_sql(self.config, target="local")
        fingerprint = hashlib.sha256(
            (script + json.dumps(sorted(info.passwords.items()))).encode()
        ).hexdigest()
        if self._state().get("bootstrap") == fingerprint:
            return
        dbname = self.config.database.name
        with psycopg.connect(info.admin_conninfo("postgres"), autocommit=True) as conn:
            if not conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [dbname]
            ).fetchone():
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
        with psycopg.connect(info.admin_conninfo(), autocommit=True) as conn:
            try:
                conn.execute(script.encode())  # one implicit transaction: all or nothing
            except psycopg.errors.RaiseException as exc:
                raise UserError(f"the bootstrap SQL refused: {exc.diag.message_primary}") from None
            for user in self.config.database.users:
                # Hash client-side, so the password itself never reaches the server or its logs.
                verifier = conn.pgconn.encrypt_password(
                    info.passwords[user.name].encode(), user.name.encode(), b"scram-sha-256"
                )
                conn.execute(
                    sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                        sql.Identifier(user.name), sql.Literal(verifier.decode())
                    )
                )
        self._save_state(bootstrap=fingerprint)

    def _state(self) -> dict[str, Any]:
        """The last ``up``'s port and bootstrap fingerprint; a damaged file counts as none
        (it is a cache: the next ``up`` bootstraps again and rewrites it)."""
        try:
            state = json.loads(self._state_file.read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            return {}
        if not isinstance(state, dict):
            return {}
        port, bootstrap, major = state.get("port"), state.get("bootstrap"), state.get("major")
        return {
            **({"port": port} if isinstance(port, int) and 0 < port < 65536 else {}),
            **(
                {"preferred": state["preferred"]} if isinstance(state.get("preferred"), int) else {}
            ),
            **({"bootstrap": bootstrap} if isinstance(bootstrap, str) else {}),
            **({"major": major} if isinstance(major, int) and major > 0 else {}),
        }

    def _save_state(self, **changes: Any) -> None:
        write_private(self._state_file, json.dumps(self._state() | changes, sort_keys=True) + "\n")


def copy_data_dir(account: ServerAccount, source: Path, target: Path) -> None:
    """Copy a (stopped) cluster's data directory as the server account, which owns the copy:
    the embedded builds have no pg_basebackup."""
    account.make_dir(target)
    copied = account.run(["cp", "-a", f"{source}/.", str(target)])
    if copied.returncode != 0:
        raise UserError(f"copying {source} failed: {copied.stderr.strip()}")


def _failure(log: str) -> str:
    """The last PANIC or FATAL message of a server log (from its severity on), else ''."""
    for line in reversed(log.splitlines()):
        for severity in _FAILURES:
            if severity in line:
                return line[line.index(severity) :].strip()
    return ""


def _is_postgres(pid: int) -> bool:
    """Whether ``pid`` is a live PostgreSQL process (not a zombie, not a reused pid)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    proc = Path(f"/proc/{pid}")
    if not proc.exists():
        return True  # no procfs (macOS): the signal probe is all we have
    with contextlib.suppress(FileNotFoundError):
        state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z" and b"postgres" in (proc / "cmdline").read_bytes()
    return False


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _port_is_free(port: int) -> bool:
    for family, address in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((address, port))
            except OSError as exc:
                if family == socket.AF_INET6 and exc.errno == 99:
                    continue  # no IPv6 loopback on this machine
                return False
    return True


def _first_free(*ports: int) -> int:
    """The first of ``ports`` (0 means none) that is free, else one the kernel picks."""
    for port in ports:
        if port and _port_is_free(port):
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        picked: int = probe.getsockname()[1]
    return picked


def _wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise UserError(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(0.02)

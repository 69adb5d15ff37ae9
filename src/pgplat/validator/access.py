"""Waiting for a copy and logging in to it against a deadline, for the drill and the validator.

A copy either becomes usable in time or the wait stops with :class:`DrillStopped`: a status
from which no restore recovers, or the deadline passed. Progress goes to a :class:`Progress`
(a spinner on the command line, nothing in the Lambda).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

import psycopg
from botocore.exceptions import ClientError

from pgplat.validator.clock import Clock
from pgplat.validator.connect import Connector, Login
from pgplat.validator.copies import Copy, CopyControl

# Statuses from which a restore never becomes available ("missing": a part was deleted).
_DEAD_ENDS = frozenset(
    {
        "missing",
        "failed",
        "incompatible-restore",
        "incompatible-parameters",
        "incompatible-network",
        "inaccessible-encryption-credentials",
        "storage-full",
    }
)


class DrillStopped(Exception):
    """The copy will not become usable: a dead-end status or the deadline passed."""

    def __init__(self, message: str, *, timed_out: bool) -> None:
        super().__init__(message)
        self.timed_out = timed_out


class Progress(Protocol):
    """Where the drill tells a person what it is doing."""

    def phase(self, text: str) -> None: ...

    def waiting(self, status: str, elapsed: timedelta, remaining: timedelta) -> None: ...


class QuietProgress:
    def phase(self, text: str) -> None:
        pass

    def waiting(self, status: str, elapsed: timedelta, remaining: timedelta) -> None:
        pass


@dataclass
class CopyAccess:
    """Waiting for a copy to become available and logging in to it, against a deadline.

    Shared by the on-demand drill and the scheduled restore-test validator.
    """

    restorer: CopyControl
    clock: Clock
    connector: Connector
    progress: Progress = field(default_factory=QuietProgress)
    poll: timedelta = timedelta(seconds=30)

    def wait_available(self, copy: Copy, started: datetime, deadline: datetime) -> None:
        while (status := self.restorer.status(copy)) != "available":
            if status in _DEAD_ENDS:
                raise DrillStopped(f"the copy went to status {status!r}", timed_out=False)
            self.pause(f"copy is {status}", started, deadline)

    def log_in(
        self,
        copy: Copy,
        login: Login,
        started: datetime,
        deadline: datetime,
        iam: bool = False,
    ) -> psycopg.Connection[Any]:
        """Connect to the copy's endpoint as ``login`` describes, retrying until ``deadline``.

        With ``iam`` a fresh token is made for every attempt instead of the login's password.
        """
        endpoint = self.restorer.endpoint(copy)
        while True:
            secret = self.restorer.auth_token(endpoint, login.user) if iam else login.password
            attempt = replace(login, host=endpoint.host, port=endpoint.port, password=secret)
            try:
                return self.connector(attempt)
            except psycopg.OperationalError as exc:
                text = str(exc).strip()
                reason = text.splitlines()[0] if text else type(exc).__name__
                self.pause(f"not accepting logins yet ({reason})", started, deadline)

    def pause(self, status: str, started: datetime, deadline: datetime) -> None:
        now = self.clock.now()
        if now >= deadline:
            waited = _minutes(now - started)
            raise DrillStopped(f"{status} after {waited}; deadline reached", timed_out=True)
        remaining = deadline - now
        self.progress.waiting(status, now - started, remaining)
        self.clock.sleep(min(self.poll, remaining).total_seconds())

    def delete(self, copy: Copy, started: datetime, give_up: datetime) -> str | None:
        """Delete every part of ``copy``; returns why it stopped short, or None when done."""
        try:
            while self.restorer.delete_next(copy):
                now = self.clock.now()
                if now >= give_up:
                    return f"still deleting after {_minutes(now - started)}"
                self.progress.waiting("deleting", now - started, give_up - now)
                self.clock.sleep(self.poll.total_seconds())
        except ClientError as exc:
            return api_error(exc)
        except KeyboardInterrupt:
            return "Ctrl-C during clean-up"
        return None


def api_error(exc: ClientError) -> str:
    """An AWS error as one report line: operation, code, message."""
    error = exc.response.get("Error", {})
    operation = getattr(exc, "operation_name", "AWS call")
    return f"{operation} failed: {error.get('Code', 'error')}: {error.get('Message', '')}".rstrip(
        ": "
    )


def _minutes(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 60:.1f} min"

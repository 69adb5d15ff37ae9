"""One restore drill, start to finish: restore a copy, wait, log in, validate, and tear it down.

The teardown runs whatever happened before it: success, failed checks, an API error, the
deadline passing, or Ctrl-C. The report records which of these it was and what was deleted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import psycopg
from botocore.exceptions import ClientError

from pgplat.config.model import ValidationSuite
from pgplat.drills.restore.clock import Clock
from pgplat.drills.restore.connect import AuthMode, Connector, Login, fresh_password
from pgplat.drills.restore.naming import drill_tags
from pgplat.drills.restore.report import DrillReport
from pgplat.drills.restore.restore import Copy, RecoveryPoint, Restorer, Source
from pgplat.drills.restore.validation import run_suite

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


@dataclass(frozen=True)
class DrillPlan:
    """Everything decided before the first API call that creates anything."""

    environment: str
    copy_id: str
    source: Source
    point: RecoveryPoint
    suite: ValidationSuite
    security_group: str
    dbname: str
    tags: Mapping[str, str]
    auth: AuthMode = "master"
    iam_user: str | None = None
    ca_file: Path | None = None
    via: tuple[str, int] | None = None
    deadline: timedelta = timedelta(minutes=90)
    teardown_deadline: timedelta = timedelta(minutes=60)
    poll: timedelta = timedelta(seconds=30)


class CopyAccess:
    """Waiting for a copy to become available and logging in to it, against a deadline.

    Shared by the on-demand drill and the scheduled restore-test validator.
    """

    def __init__(
        self,
        restorer: Restorer,
        clock: Clock,
        connector: Connector,
        progress: Progress | None = None,
        poll: timedelta = timedelta(seconds=30),
    ) -> None:
        self.restorer = restorer
        self.clock = clock
        self.progress = progress or QuietProgress()
        self._connector = connector
        self._poll = poll

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
                return self._connector(attempt)
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
        self.clock.sleep(min(self._poll, remaining).total_seconds())

    def delete(self, copy: Copy, started: datetime, give_up: datetime) -> str | None:
        """Delete every part of ``copy``; returns why it stopped short, or None when done."""
        try:
            while self.restorer.delete_next(copy):
                now = self.clock.now()
                if now >= give_up:
                    return f"still deleting after {_minutes(now - started)}"
                self.progress.waiting("deleting", now - started, give_up - now)
                self.clock.sleep(self._poll.total_seconds())
        except ClientError as exc:
            return api_error(exc)
        except KeyboardInterrupt:
            return "Ctrl-C during clean-up"
        return None


class Drill:
    def __init__(
        self,
        restorer: Restorer,
        clock: Clock,
        connector: Connector,
        progress: Progress | None = None,
    ) -> None:
        self._restorer = restorer
        self._clock = clock
        self._connector = connector
        self._progress = progress or QuietProgress()

    def run(self, plan: DrillPlan) -> DrillReport:
        """Run the drill; never raises for what happened to the copy, the report says it."""
        access = CopyAccess(self._restorer, self._clock, self._connector, self._progress, plan.poll)
        requested = self._clock.now()
        copy = Copy(plan.copy_id)
        report = DrillReport(
            drill_id=copy.identifier,
            environment=plan.environment,
            source=plan.source.identifier,
            shape=self._restorer.shape,
            restore_from=plan.point.restore_from,
            requested_at=requested,
            recovery_point=plan.point.time,
            snapshot=plan.point.snapshot,
        )
        try:
            self._restore_and_validate(access, plan, copy, report)
        except DrillStopped as stopped:
            report.outcome = "timeout" if stopped.timed_out else "error"
            report.message = str(stopped)
        except ClientError as exc:
            report.outcome = "error"
            report.message = api_error(exc)
        except KeyboardInterrupt:
            report.outcome = "interrupted"
            report.message = "Ctrl-C while the copy was being restored or checked"
        except Exception as exc:
            report.outcome = "error"
            report.message = f"{type(exc).__name__}: {exc}"
        finally:
            self._progress.phase(f"deleting {copy.identifier}")
            give_up = self._clock.now() + plan.teardown_deadline
            report.teardown_error = access.delete(copy, requested, give_up)
            report.leftover = [str(part) for part in copy.parts]
            report.finished_at = self._clock.now()
        return report

    def _restore_and_validate(
        self, access: CopyAccess, plan: DrillPlan, copy: Copy, report: DrillReport
    ) -> None:
        requested = report.requested_at
        deadline = requested + plan.deadline
        self._progress.phase(f"restoring {plan.source.identifier} into {copy.identifier}")
        tags = drill_tags(copy.identifier, plan.source.identifier, requested, plan.tags)
        try:
            self._restorer.start(plan.source, plan.point, copy, plan.security_group, tags)
        finally:
            report.created = [str(part) for part in copy.parts]
        access.wait_available(copy, requested, deadline)
        if plan.auth == "master":
            user, password = plan.source.master_username, fresh_password()
            self._progress.phase("setting a throwaway master password on the copy")
            self._restorer.set_master_password(copy, password)
        else:
            assert plan.iam_user is not None  # prepare() requires a user for IAM
            user, password = plan.iam_user, ""
        self._progress.phase("connecting")
        login = Login("", 0, plan.dbname, user, password, plan.ca_file, plan.via)
        iam = plan.auth == "iam"
        with access.log_in(copy, login, requested, deadline, iam=iam) as conn:
            report.usable_at = self._clock.now()
            self._progress.phase("validating")
            result = run_suite(conn, plan.suite, plan.point.time)
        report.checks = list(result.checks)
        report.outcome = "passed" if result.passed else "failed"
        if not result.passed:
            report.message = f"{len(result.failures)} of {len(result.checks)} checks failed"


def api_error(exc: ClientError) -> str:
    """An AWS error as one report line: operation, code, message."""
    error = exc.response.get("Error", {})
    operation = getattr(exc, "operation_name", "AWS call")
    return f"{operation} failed: {error.get('Code', 'error')}: {error.get('Message', '')}".rstrip(
        ": "
    )


def _minutes(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 60:.1f} min"

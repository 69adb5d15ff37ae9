"""One restore drill, start to finish: restore a copy, wait, log in, validate, and tear it down.

The teardown runs whatever happened before it: success, failed checks, an API error, the
deadline passing, or Ctrl-C. The report records which of these it was and what was deleted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import psycopg
from botocore.exceptions import ClientError

from pgplat.config.model import ValidationSuite
from pgplat.ops.drill.clock import Clock
from pgplat.ops.drill.connect import AuthMode, Connector, Login, fresh_password
from pgplat.ops.drill.naming import drill_tags
from pgplat.ops.drill.report import DrillReport
from pgplat.ops.drill.restore import Copy, RecoveryPoint, Restorer, Source
from pgplat.ops.drill.validation import run_suite

# Statuses from which a restore never becomes available.
_DEAD_ENDS = frozenset(
    {
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
    deadline: timedelta = timedelta(minutes=90)
    teardown_deadline: timedelta = timedelta(minutes=60)
    poll: timedelta = timedelta(seconds=30)


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
            self._restore_and_validate(plan, copy, report, requested + plan.deadline)
        except DrillStopped as stopped:
            report.outcome = "timeout" if stopped.timed_out else "error"
            report.message = str(stopped)
        except ClientError as exc:
            report.outcome = "error"
            report.message = _api_error(exc)
        except KeyboardInterrupt:
            report.outcome = "interrupted"
            report.message = "Ctrl-C while the copy was being restored or checked"
        except Exception as exc:
            report.outcome = "error"
            report.message = f"{type(exc).__name__}: {exc}"
        finally:
            self._teardown(plan, copy, report)
            report.finished_at = self._clock.now()
        return report

    def _restore_and_validate(
        self, plan: DrillPlan, copy: Copy, report: DrillReport, deadline: datetime
    ) -> None:
        self._progress.phase(f"restoring {plan.source.identifier} into {copy.identifier}")
        tags = drill_tags(copy.identifier, plan.source.identifier, report.requested_at, plan.tags)
        try:
            self._restorer.start(plan.source, plan.point, copy, plan.security_group, tags)
        finally:
            report.created = [str(part) for part in copy.parts]
        self._wait_available(plan, copy, report.requested_at, deadline)
        password = self._credentials(plan, copy)
        self._progress.phase("connecting")
        with self._connect_until_usable(
            plan, copy, password, report.requested_at, deadline
        ) as conn:
            report.usable_at = self._clock.now()
            self._progress.phase("validating")
            result = run_suite(conn, plan.suite, plan.point.time)
        report.checks = list(result.checks)
        report.outcome = "passed" if result.passed else "failed"
        if not result.passed:
            report.message = f"{len(result.failures)} of {len(result.checks)} checks failed"

    def _credentials(self, plan: DrillPlan, copy: Copy) -> str | None:
        if plan.auth == "iam":
            return None
        password = fresh_password()
        self._progress.phase("setting a throwaway master password on the copy")
        self._restorer.set_master_password(copy, password)
        return password

    def _wait_available(
        self, plan: DrillPlan, copy: Copy, requested: datetime, deadline: datetime
    ) -> None:
        while (status := self._restorer.status(copy)) != "available":
            if status in _DEAD_ENDS:
                raise DrillStopped(f"the copy went to status {status!r}", timed_out=False)
            self._pause(plan, f"copy is {status}", requested, deadline)

    def _connect_until_usable(
        self,
        plan: DrillPlan,
        copy: Copy,
        password: str | None,
        requested: datetime,
        deadline: datetime,
    ) -> psycopg.Connection[Any]:
        endpoint = self._restorer.endpoint(copy)
        user = plan.source.master_username if plan.auth == "master" else plan.iam_user
        assert user is not None  # the command requires a user for IAM authentication
        while True:
            secret = password or self._restorer.auth_token(endpoint, user)
            login = Login(endpoint.host, endpoint.port, plan.dbname, user, secret, plan.ca_file)
            try:
                return self._connector(login)
            except psycopg.OperationalError as exc:
                last = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                self._pause(plan, f"not accepting logins yet ({last})", requested, deadline)

    def _pause(self, plan: DrillPlan, status: str, requested: datetime, deadline: datetime) -> None:
        now = self._clock.now()
        if now >= deadline:
            waited = _minutes(now - requested)
            raise DrillStopped(f"{status} after {waited}; deadline reached", timed_out=True)
        remaining = deadline - now
        self._progress.waiting(status, now - requested, remaining)
        self._clock.sleep(min(plan.poll, remaining).total_seconds())

    def _teardown(self, plan: DrillPlan, copy: Copy, report: DrillReport) -> None:
        self._progress.phase(f"deleting {copy.identifier}")
        give_up = self._clock.now() + plan.teardown_deadline
        try:
            while self._restorer.delete_next(copy):
                now = self._clock.now()
                if now >= give_up:
                    report.teardown_error = (
                        f"still deleting after {_minutes(plan.teardown_deadline)}"
                    )
                    break
                self._progress.waiting("deleting", now - report.requested_at, give_up - now)
                self._clock.sleep(plan.poll.total_seconds())
        except ClientError as exc:
            report.teardown_error = _api_error(exc)
        except KeyboardInterrupt:
            report.teardown_error = "Ctrl-C during clean-up"
        report.leftover = [str(part) for part in copy.parts]


def _api_error(exc: ClientError) -> str:
    error = exc.response.get("Error", {})
    operation = getattr(exc, "operation_name", "AWS call")
    return f"{operation} failed: {error.get('Code', 'error')}: {error.get('Message', '')}".rstrip(
        ": "
    )


def _minutes(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 60:.1f} min"

"""One restore drill, start to finish: restore a copy, wait, log in, validate, and tear it down.

The teardown runs whatever happened before it: success, failed checks, an API error, the
deadline passing, or Ctrl-C. The report records which of these it was and what was deleted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from botocore.exceptions import ClientError

from pgplat.config.model import ValidationSuite
from pgplat.drills.restore.report import RestoreReport
from pgplat.drills.restore.restore import RecoveryPoint, Restorer, Source
from pgplat.validator.access import CopyAccess, DrillStopped, Progress, QuietProgress, api_error
from pgplat.validator.clock import Clock
from pgplat.validator.connect import Connector, CopyAuth, Login, fresh_password
from pgplat.validator.copies import Copy
from pgplat.validator.drill_names import drill_tags
from pgplat.validator.suite import run_suite


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
    auth: CopyAuth = "master"
    iam_user: str | None = None
    ca_file: Path | None = None
    via: tuple[str, int] | None = None
    deadline: timedelta = timedelta(minutes=90)
    teardown_deadline: timedelta = timedelta(minutes=60)
    poll: timedelta = timedelta(seconds=30)


@dataclass
class Drill:
    """A restore drill: restores with ``restorer``, logs in with ``connector``, tells ``progress``."""

    restorer: Restorer
    clock: Clock
    connector: Connector
    progress: Progress = field(default_factory=QuietProgress)

    def run(self, plan: DrillPlan) -> RestoreReport:
        """Run the drill; never raises for what happened to the copy, the report says it."""
        access = CopyAccess(self.restorer, self.clock, self.connector, self.progress, plan.poll)
        requested = self.clock.now()
        copy = Copy(plan.copy_id)
        report = RestoreReport(
            drill_id=copy.identifier,
            environment=plan.environment,
            source=plan.source.identifier,
            shape=self.restorer.shape,
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
            self.progress.phase(f"deleting {copy.identifier}")
            give_up = self.clock.now() + plan.teardown_deadline
            report.teardown_error = access.delete(copy, requested, give_up)
            report.leftover = [str(part) for part in copy.parts]
            report.finished_at = self.clock.now()
        return report

    def _restore_and_validate(
        self, access: CopyAccess, plan: DrillPlan, copy: Copy, report: RestoreReport
    ) -> None:
        requested = report.requested_at
        deadline = requested + plan.deadline
        self.progress.phase(f"restoring {plan.source.identifier} into {copy.identifier}")
        tags = drill_tags(copy.identifier, plan.source.identifier, requested, plan.tags)
        try:
            self.restorer.start(plan.source, plan.point, copy, plan.security_group, tags)
        finally:
            report.created = [str(part) for part in copy.parts]
        access.wait_available(copy, requested, deadline)
        if plan.auth == "master":
            user, password = plan.source.master_username, fresh_password()
            self.progress.phase("setting a throwaway master password on the copy")
            self.restorer.set_master_password(copy, password)
        else:
            assert plan.iam_user is not None  # prepare() requires a user for IAM
            user, password = plan.iam_user, ""
        self.progress.phase("connecting")
        login = Login("", 0, plan.dbname, user, password, plan.ca_file, plan.via)
        iam = plan.auth == "iam"
        with access.log_in(copy, login, requested, deadline, iam=iam) as conn:
            report.usable_at = self.clock.now()
            self.progress.phase("validating")
            result = run_suite(conn, plan.suite, plan.point.time)
        report.checks = list(result.checks)
        report.outcome = "passed" if result.passed else "failed"
        if not result.passed:
            report.message = f"{len(result.failures)} of {len(result.checks)} checks failed"

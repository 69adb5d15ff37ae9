"""The on-demand drill and the clean-up as ``pgplat drill restore`` and ``drill cleanup`` run
them: in the drill role's session, with the report written and its metrics published."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from pgplat.config.model import PgplatConfig
from pgplat.drills.report import Warn, publish_or_warn
from pgplat.drills.restore.aws import drill_session
from pgplat.drills.restore.cleanup import Orphan, delete_orphans, find_orphans
from pgplat.drills.restore.plan import DrillOptions, prepare
from pgplat.drills.restore.report import RestoreReport
from pgplat.drills.restore.restore import restorer_for
from pgplat.drills.restore.runner import Drill
from pgplat.errors import UserError
from pgplat.validator.access import Progress
from pgplat.validator.clock import SystemClock
from pgplat.validator.connect import connect

CLEANUP_DEADLINE = timedelta(minutes=60)


class RestoreDrill:
    """An on-demand drill in the drill role's session: planned (reading only) when made."""

    def __init__(self, config: PgplatConfig, options: DrillOptions) -> None:
        session = drill_session(config, options.env)
        self._clock = SystemClock()
        try:
            self.plan, self._restorer = prepare(
                config, options, session.client("rds"), session.client("ec2"), self._clock.now()
            )
        except (ClientError, BotoCoreError) as exc:
            raise UserError(f"reading the source in the data account failed: {exc}") from None
        self._cloudwatch = session.client("cloudwatch")

    def run(
        self, reports: Path, progress: Progress, warn: Warn
    ) -> tuple[RestoreReport, tuple[Path, ...]]:
        """Run the drill, write its report into ``reports`` and publish its metrics."""
        report = Drill(self._restorer, self._clock, connect, progress).run(self.plan)
        paths = report.write(reports)
        publish_or_warn(self._cloudwatch, report.source, report, warn)
        return report, paths


def clean_up(
    config: PgplatConfig, env: str, older_than: timedelta, *, dry_run: bool
) -> tuple[list[Orphan], list[str]]:
    """Drill copies of ``env`` older than ``older_than``, and (unless ``dry_run``) delete
    them; the parts still present after :data:`CLEANUP_DEADLINE`."""
    settings = config.environments.cloud().get(env)
    if settings is None:
        raise UserError(f"environment {env!r} is not configured; see environments in the config")
    rds = drill_session(config, env).client("rds")
    clock = SystemClock()
    orphans = find_orphans(rds, clock.now(), older_than)
    if dry_run or not orphans:
        return orphans, []
    restorer = restorer_for(settings.flavor, rds)
    return orphans, delete_orphans(restorer, orphans, clock, CLEANUP_DEADLINE)

"""One failover drill: probe, fail over, watch the probe recover, check every acknowledged
write, clean up. The probe always stops and the trigger always finishes (local: the pair is
rebuilt; AWS: the drill tag is removed), whether the drill passed, failed, errored or was
interrupted with Ctrl-C."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

import psycopg
from botocore.exceptions import BotoCoreError, ClientError

from pgplat.client import ClientError as PgplatClientError
from pgplat.drills.failover.figures import compute
from pgplat.drills.failover.probe import Probe
from pgplat.drills.failover.report import FailoverReport
from pgplat.errors import UserError


class Trigger(Protocol):
    @property
    def target(self) -> str:
        """What is failed over, for the report."""
        ...

    def fail_over(self) -> str:
        """Make the writer fail over; return the new writer once it is in service."""
        ...

    def finish(self) -> None:
        """Put things back as a drill found them (runs whatever happened)."""
        ...


@dataclass(frozen=True)
class Timing:
    warmup: float = 2.0
    """Seconds of steady probing before the failover."""
    settle: float = 1.0
    """Seconds of steady probing required after the last failover signal."""
    timeout: float = 120.0
    """Seconds after the trigger after which the drill stops waiting for recovery."""


def run_drill(
    trigger: Trigger, probe: Probe, environment: str, rate: float, timing: Timing
) -> FailoverReport:
    report = FailoverReport(
        probe.drill_id, environment, trigger.target, datetime.now(UTC), rate, log=probe.log
    )
    try:
        probe.prepare()
        probe.start()
        time.sleep(timing.warmup)
        report.triggered_at = probe.now()
        report.new_writer = trigger.fail_over()
        _wait_for_recovery(probe, report.triggered_at, timing)
        report.outcome = "passed"
    except KeyboardInterrupt:
        report.outcome, report.message = "interrupted", "Ctrl-C"
    except (UserError, PgplatClientError, psycopg.Error, ClientError, BotoCoreError) as exc:
        report.outcome, report.message = "error", f"{type(exc).__name__}: {exc}"
    finally:
        probe.stop()
        report.ended_at = probe.now()
        _verify_and_finish(trigger, probe, report)
    if report.triggered_at is not None:
        report.figures = compute(probe.log.events, report.triggered_at, report.ended_at)
        if report.outcome == "passed" and (
            report.figures.errors or report.lost_writes or not report.figures.recovered
        ):
            report.outcome = "failed"
        if report.figures.detection_seconds is None and not report.message:
            report.message = f"the probe felt no interruption within {timing.timeout:g} s"
    return report


def _wait_for_recovery(probe: Probe, triggered_at: float, timing: Timing) -> None:
    """Until a write is acknowledged ``settle`` seconds after the last sign of trouble, or the
    timeout (an AWS failover starts some seconds after the API call, so the drill waits for the
    probe to feel it; if it never does, the figures say so)."""
    give_up = triggered_at + timing.timeout
    while probe.now() < give_up:
        events = probe.log.events
        troubles = [e.at for e in events if e.kind in ("signal", "error") and e.at >= triggered_at]
        if troubles:
            quiet_since = troubles[-1]
            recovered = any(e.kind == "write" and e.at > quiet_since for e in events)
            if recovered and probe.now() - quiet_since >= timing.settle:
                return
        time.sleep(0.05)


def _verify_and_finish(trigger: Trigger, probe: Probe, report: FailoverReport) -> None:
    """Look for every acknowledged write on the new writer, put things back, delete the
    probe's rows; what fails here is recorded in the report, after the rest was tried."""
    problems: list[str] = []
    try:
        if report.triggered_at is not None:
            stored = probe.stored()
            acknowledged = {e.seq for e in probe.log.events if e.kind == "write" and e.seq}
            report.lost_writes = sorted(acknowledged - stored)
    except (PgplatClientError, psycopg.Error) as exc:
        problems.append(f"could not read the acknowledged writes back ({type(exc).__name__})")
    try:
        trigger.finish()
    except (UserError, ClientError, BotoCoreError) as exc:
        problems.append(f"could not put {trigger.target} back: {exc}")
    try:
        probe.forget()
    except (PgplatClientError, psycopg.Error) as exc:
        problems.append(f"probe rows of {probe.drill_id} not deleted ({type(exc).__name__})")
    if problems:
        if report.outcome == "passed":
            report.outcome = "error"
        report.message = "; ".join([report.message, *problems] if report.message else problems)

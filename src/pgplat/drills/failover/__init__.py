"""Failover drills: what the application feels when the writer fails.

A `Probe` writes and reads through `pgplat.pool`/`run_transaction` while a trigger fails the
writer over — `AwsFailover` (FailoverDBCluster, or RebootDBInstance with ForceFailover) or
`LocalFailover` (stop `pgplat dev`'s server, promote its standby, repoint the endpoint).
`run_drill` measures detection, write and read unavailability, errors that reached the
application and lost acknowledged writes, into a `FailoverReport`.
"""

from pgplat.drills.failover.aws import AwsFailover, check_environment
from pgplat.drills.failover.drills import (
    FailoverOptions,
    aws_drill,
    local_drill,
    run_failover_drill,
)
from pgplat.drills.failover.figures import Figures, compute
from pgplat.drills.failover.local import LocalFailover, ensure_standby, standby_of
from pgplat.drills.failover.probe import Event, Probe, ProbeLog
from pgplat.drills.failover.report import FailoverReport
from pgplat.drills.failover.runner import Timing, Trigger, run_drill

__all__ = [
    "AwsFailover",
    "Event",
    "FailoverOptions",
    "FailoverReport",
    "Figures",
    "LocalFailover",
    "Probe",
    "ProbeLog",
    "Timing",
    "Trigger",
    "aws_drill",
    "check_environment",
    "compute",
    "ensure_standby",
    "local_drill",
    "run_drill",
    "run_failover_drill",
    "standby_of",
]

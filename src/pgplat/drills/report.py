"""What every drill's report shares: its files, its verdict, and its CloudWatch metrics.

A report is one record written twice, JSON for machines and Markdown for the people who sign
off on the recovery objectives, into the project's drills folder. Its figures are published
per database so that alarms and dashboards see every drill; a refused publish is a warning,
not a failed drill: the report on disk is the record.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from botocore.exceptions import BotoCoreError, ClientError

from pgplat.validator.metrics import Measure, put_metrics

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient

Warn = Callable[[str], None]
"""Where a drill says what went wrong beside the drill itself (the command prints it)."""

_SHARED_VERDICTS = {
    "error": "ERROR: the drill could not complete",
    "interrupted": "INTERRUPTED: stopped by the operator",
}
"""The headlines of the outcomes every drill has: it could not run to the end, or was stopped."""


@dataclass
class DrillReport(ABC):
    """A drill's record: what every drill says of itself; subclasses add their own figures.

    ``outcome`` and ``message`` are set as the drill runs, so they are keyword-only and come
    after each drill's own fields; a report is an error until its drill says otherwise.
    """

    kind: ClassVar[str]
    """The drill's kind, for messages about the report."""
    namespace: ClassVar[str]
    """The CloudWatch namespace of the drill's metrics."""
    verdicts: ClassVar[Mapping[str, str]]
    """The Markdown headline of each of the drill's own outcomes (besides the shared ones)."""
    drill_id: str
    environment: str
    outcome: str = field(default="error", kw_only=True)
    """Each drill narrows it to the outcomes it has."""
    message: str = field(default="", kw_only=True)

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"

    @abstractmethod
    def as_dict(self) -> dict[str, Any]: ...

    @abstractmethod
    def to_markdown(self) -> str: ...

    @abstractmethod
    def measured_at(self) -> datetime:
        """The instant the metrics are published for: when the drill started."""

    @abstractmethod
    def measures(self) -> Mapping[str, Measure]:
        """The report's figures as metric values."""

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, sort_keys=True) + "\n"

    def write(self, directory: Path) -> tuple[Path, ...]:
        """Write ``<drill id>.json`` and ``<drill id>.md`` into ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        as_json = directory / f"{self.drill_id}.json"
        as_markdown = directory / f"{self.drill_id}.md"
        as_json.write_text(self.to_json())
        as_markdown.write_text(self.to_markdown())
        return as_json, as_markdown

    def _heading(self, title: str, facts: Mapping[str, str]) -> list[str]:
        """The Markdown title, the outcome's headline in bold with the message, ``facts``."""
        verdict = {**_SHARED_VERDICTS, **self.verdicts}[self.outcome]
        line = f"**{verdict}**" + (f": {self.message}" if self.message else "")
        rows = [f"| {name} | {value} |" for name, value in facts.items()]
        return [f"# {title}", "", line, "", "| | |", "|---|---|", *rows]


def publish(cloudwatch: CloudWatchClient, database: str, report: DrillReport) -> None:
    """The report's figures as metrics of ``database`` (its identifier)."""
    put_metrics(cloudwatch, report.namespace, database, report.measured_at(), report.measures())


def publish_or_warn(
    cloudwatch: CloudWatchClient, database: str, report: DrillReport, warn: Warn
) -> None:
    """:func:`publish`; CloudWatch refusing the metrics is a warning."""
    try:
        publish(cloudwatch, database, report)
    except (ClientError, BotoCoreError) as exc:
        warn(f"{report.kind} metrics not published: {exc}")


def rounded(seconds: float | None) -> float | None:
    """A duration as reports keep it: to the millisecond."""
    return None if seconds is None else round(seconds, 3)


def seconds_text(value: float | None, missing: str = "not observed") -> str:
    """A duration for Markdown, from the millisecond the JSON keeps, so both say the same."""
    return missing if value is None else f"{round(value, 3):.2f} s"

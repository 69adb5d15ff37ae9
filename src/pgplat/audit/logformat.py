"""The PostgreSQL log line format pgplat reads, and the parser for connection lines.

RDS and Aurora write ``%t:%r:%u@%d:[%p]:`` before every message; `pgplat dev` uses the same
prefix so a local log reads like production. With ``log_connections`` on, PostgreSQL logs
``connection authorized: user=… database=… application_name=…`` for every session, and
pgplat.connect puts the workload identity (``namespace.service-account``) in
``application_name``: one line then ties a session to the pod that opened it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

LOG_LINE_PREFIX = "%t:%r:%u@%d:[%p]:"
"""RDS's fixed default log_line_prefix, mirrored locally."""

_LINE = re.compile(
    r"^(?P<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \w+):"
    r"(?P<host>[^:(]*)(?:\((?P<port>\d+)\))?:"
    r"(?P<user>[^@:]*)@(?P<database>[^:]*):\[(?P<pid>\d+)\]:"
    r"(?P<level>[A-Z]+):\s+(?P<message>.*)$"
)
_AUTHORIZED = re.compile(
    r"connection authorized: user=(?P<user>\S+)(?: database=(?P<database>\S+))?"
    r"(?: application_name=(?P<application>\S+))?(?P<ssl> SSL enabled)?"
)


@dataclass(frozen=True)
class Connection:
    """One authorized session, as the server logged it."""

    at: datetime
    user: str
    database: str
    application: str
    client: str
    pid: int
    ssl: bool


def parse_connection(line: str) -> Connection | None:
    """The session a ``connection authorized`` log line records, else None."""
    prefix = _LINE.match(line.rstrip("\n"))
    if prefix is None:
        return None
    authorized = _AUTHORIZED.match(prefix["message"])
    if authorized is None:
        return None
    time_text, _, _zone = prefix["time"].rpartition(" ")
    return Connection(
        at=datetime.fromisoformat(time_text),
        user=authorized["user"],
        database=authorized["database"] or prefix["database"],
        application=authorized["application"] or "",
        client=prefix["host"],
        pid=int(prefix["pid"]),
        ssl=authorized["ssl"] is not None,
    )

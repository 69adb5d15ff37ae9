"""Is green a faithful copy of blue? Row counts and content checksums of every user table.

A checksum is the MD5 of the table's rows in their text form, in a stable order, so two
servers of different majors agree exactly when they hold the same rows. It reads every row:
meant for the local twin's data, not for a production-sized table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

USER_TABLES = """
    SELECT n.nspname, c.relname
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\\_%'
    ORDER BY 1, 2
"""

Fingerprint = tuple[int, str]
"""(row count, checksum) of one table."""


def fingerprints(conn: psycopg.Connection[Any]) -> dict[str, Fingerprint]:
    """Every user table's row count and checksum, by ``schema.table``."""
    found: dict[str, Fingerprint] = {}
    for schema, table in conn.execute(USER_TABLES).fetchall():
        query = sql.SQL(
            "SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') "
            "FROM {} AS t"
        ).format(sql.Identifier(schema, table))
        row = conn.execute(query).fetchone()
        assert row is not None  # an aggregate always answers
        found[f"{schema}.{table}"] = (int(row[0]), str(row[1]))
    return found


@dataclass(frozen=True)
class TableDifference:
    table: str
    blue: Fingerprint | None
    green: Fingerprint | None

    def describe(self) -> str:
        if self.green is None:
            return f"{self.table}: missing on green"
        if self.blue is None:
            return f"{self.table}: only on green"
        if self.blue[0] != self.green[0]:
            return f"{self.table}: {self.blue[0]} rows on blue, {self.green[0]} on green"
        return f"{self.table}: same {self.blue[0]} rows, different content"


def differences(
    blue: Mapping[str, Fingerprint], green: Mapping[str, Fingerprint]
) -> list[TableDifference]:
    """Tables whose rows differ between blue and green (missing ones included)."""
    return [
        TableDifference(table, blue.get(table), green.get(table))
        for table in sorted(blue.keys() | green.keys())
        if blue.get(table) != green.get(table)
    ]

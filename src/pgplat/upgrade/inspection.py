"""Prerequisites of a logical-replication upgrade that only the data answers.

Logical replication copies rows of logged tables and nothing else: a table it cannot
identify rows of makes UPDATE and DELETE fail on blue once it is published, large objects
and unlogged tables never reach green, sequence values and materialized views stay behind.
Each query below reads the catalogs of the database being upgraded, outside the system
schemas and objects that extensions own.
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg

from pgplat.upgrade.findings import Prerequisite, ok

_USER_RELATIONS = """
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
      AND n.nspname NOT LIKE 'pg\\_%'
      AND NOT EXISTS (
          SELECT 1 FROM pg_depend d
          WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e'
      )
"""

WITHOUT_REPLICA_IDENTITY = f"""
    SELECT format('%I.%I', n.nspname, c.relname) {_USER_RELATIONS}
      AND c.relkind IN ('r', 'p') AND c.relpersistence = 'p'
      AND (c.relreplident = 'n' OR (c.relreplident = 'd' AND NOT EXISTS (
          SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)))
    ORDER BY 1
"""
UNLOGGED = f"""
    SELECT format('%I.%I', n.nspname, c.relname) {_USER_RELATIONS}
      AND c.relkind IN ('r', 'p') AND c.relpersistence = 'u'
    ORDER BY 1
"""
FOREIGN = f"SELECT format('%I.%I', n.nspname, c.relname) {_USER_RELATIONS} AND c.relkind = 'f'"
SEQUENCES = f"SELECT format('%I.%I', n.nspname, c.relname) {_USER_RELATIONS} AND c.relkind = 'S'"
MATERIALIZED = f"SELECT format('%I.%I', n.nspname, c.relname) {_USER_RELATIONS} AND c.relkind = 'm'"
LARGE_OBJECTS = "SELECT count(*) FROM pg_largeobject_metadata"
EXTENSIONS = "SELECT extname, extversion FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY 1"

SHOWN = 10
"""How many object names a finding lists before it says how many more there are."""


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(names[:SHOWN])
    return shown + (f" and {len(names) - SHOWN} more" if len(names) > SHOWN else "")


def _column(conn: psycopg.Connection[tuple[object, ...]], query: str) -> list[str]:
    return [str(row[0]) for row in conn.execute(query).fetchall()]


def inspect_database(conn: psycopg.Connection[tuple[object, ...]]) -> list[Prerequisite]:
    """Every data prerequisite of a logical-replication major upgrade, for ``conn``'s database."""
    found: list[Prerequisite] = []
    if missing := _column(conn, WITHOUT_REPLICA_IDENTITY):
        found.append(
            Prerequisite(
                "replica-identity",
                "blocker",
                f"{len(missing)} table(s) have neither a primary key nor a replica identity: "
                f"{_names(missing)}; once published, their UPDATEs and DELETEs fail on blue",
                "add a primary key, or `ALTER TABLE ... REPLICA IDENTITY FULL` (slower)",
            )
        )
    else:
        found.append(ok("replica-identity", "every table has a primary key or replica identity"))
    if unlogged := _column(conn, UNLOGGED):
        found.append(
            Prerequisite(
                "unlogged-tables",
                "blocker",
                f"unlogged table(s) are not replicated and would be empty on green: "
                f"{_names(unlogged)}",
                "`ALTER TABLE ... SET LOGGED` before the upgrade, or accept losing their rows",
            )
        )
    large_objects = int(_column(conn, LARGE_OBJECTS)[0])
    if large_objects:
        found.append(
            Prerequisite(
                "large-objects",
                "blocker",
                f"{large_objects} large object(s) are not replicated and would be lost",
                "move them into bytea columns (or S3) before the upgrade",
            )
        )
    if foreign := _column(conn, FOREIGN):
        found.append(
            Prerequisite(
                "foreign-tables",
                "warning",
                f"foreign table(s) are not replicated: {_names(foreign)}",
                "recreate their servers and user mappings on green before the switchover",
            )
        )
    if sequences := _column(conn, SEQUENCES):
        found.append(
            Prerequisite(
                "sequences",
                "warning",
                f"{len(sequences)} sequence(s) whose values logical replication does not "
                f"carry: {_names(sequences)}",
                "verify each sequence on green is past its table's highest value at the "
                "switchover (the rehearsal and `upgrade run` set and check them)",
            )
        )
    if materialized := _column(conn, MATERIALIZED):
        found.append(
            Prerequisite(
                "materialized-views",
                "warning",
                f"materialized view(s) are not refreshed on green: {_names(materialized)}",
                "run REFRESH MATERIALIZED VIEW on each after the switchover",
            )
        )
    extensions = conn.execute(EXTENSIONS).fetchall()
    if extensions:
        listed = ", ".join(f"{name} {version}" for name, version in extensions)
        found.append(
            Prerequisite(
                "extension-versions",
                "note",
                f"installed extensions: {listed}",
                "after the switchover run `ALTER EXTENSION <name> UPDATE` for each",
            )
        )
    return found


CONNECT_TIMEOUT_SECONDS = 10


def inspect_conninfo(conninfo: str) -> list[Prerequisite]:
    """:func:`inspect_database` over a new read-only connection to ``conninfo``."""
    with psycopg.connect(conninfo, connect_timeout=CONNECT_TIMEOUT_SECONDS) as conn:
        conn.read_only = True
        return inspect_database(conn)

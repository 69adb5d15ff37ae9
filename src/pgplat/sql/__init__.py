"""SQL that pgplat runs inside databases, generated from the configuration."""

from pgplat.sql.bootstrap import PROBE_TABLE, Target, bootstrap_sql, group_role, probe_table_ddl

__all__ = ["PROBE_TABLE", "Target", "bootstrap_sql", "group_role", "probe_table_ddl"]

"""SQL that pgplat runs inside databases, generated from the configuration."""

from pgplat.sql.bootstrap import Target, bootstrap_sql, group_role

__all__ = ["Target", "bootstrap_sql", "group_role"]

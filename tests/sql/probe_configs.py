"""The configuration the bootstrap tests run on: innovate's, in a database and schema of the
test's own, with secret-auth users at chosen access levels."""

from __future__ import annotations

from collections.abc import Iterable

from pgplat.config.model import PgplatConfig


def probe_config(
    innovate: PgplatConfig, database: str, schema: str, users: Iterable[tuple[str, str]]
) -> PgplatConfig:
    template = innovate.database.users[0]
    db = innovate.database.model_copy(
        update={
            "name": database,
            "schema_name": schema,
            "extensions": [],
            "users": [
                template.model_copy(update={"name": name, "access": access, "auth": "secret"})
                for name, access in users
            ],
        }
    )
    return innovate.model_copy(update={"database": db})

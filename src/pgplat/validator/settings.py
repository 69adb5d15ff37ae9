"""What the data stack tells the validator Lambda: its settings, as environment variables.

The construct (``pgplat.infra.restore_validation``) writes them with
:meth:`ValidatorSettings.environment` and the handler reads them back with
:meth:`ValidatorSettings.from_environment`; both sides also agree on the handler's import
path and on where the CA bundle layer lands.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from pgplat.config.model import PgplatConfig, ValidationSuite
from pgplat.naming import database_identifier

HANDLER_MODULE = "pgplat.validator.handler"
HANDLER = f"{HANDLER_MODULE}.handler"
"""The Lambda's entry point, as its ``Handler`` property names it."""
LAYER_CA_BUNDLE = Path("/opt/pgplat/rds-ca-bundle.pem")
"""Where the CA bundle layer (``backup.restore_test.ca_bundle``) lands in the Lambda."""


@dataclass(frozen=True)
class ValidatorSettings:
    """What the data stack tells the Lambda, through its environment."""

    source: str
    database: str
    suite: ValidationSuite
    instance_class: str
    tags: Mapping[str, str]
    ca_file: Path | None = None
    deadline: timedelta = timedelta(minutes=13)

    @classmethod
    def of(cls, config: PgplatConfig, env: str) -> ValidatorSettings:
        settings = config.environments.cloud()[env]
        restore_test = settings.backup.restore_test
        return cls(
            source=database_identifier(config, env),
            database=config.database.name,
            suite=restore_test.validation if restore_test else ValidationSuite(),
            instance_class=settings.instance_class,
            tags=config.tags_of(env),
            ca_file=LAYER_CA_BUNDLE if restore_test and restore_test.ca_bundle else None,
        )

    def environment(self) -> dict[str, str]:
        """The Lambda environment that :meth:`from_environment` reads back."""
        variables = {
            "PGPLAT_SOURCE": self.source,
            "PGPLAT_DATABASE": self.database,
            "PGPLAT_SUITE": self.suite.model_dump_json(),
            "PGPLAT_INSTANCE_CLASS": self.instance_class,
            "PGPLAT_TAGS": json.dumps(dict(self.tags), sort_keys=True),
            "PGPLAT_DEADLINE_SECONDS": str(int(self.deadline.total_seconds())),
        }
        if self.ca_file is not None:
            variables["PGPLAT_CA_BUNDLE"] = str(self.ca_file)
        return variables

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> ValidatorSettings:
        ca_file = env.get("PGPLAT_CA_BUNDLE")
        return cls(
            source=env["PGPLAT_SOURCE"],
            database=env["PGPLAT_DATABASE"],
            suite=ValidationSuite.model_validate_json(env["PGPLAT_SUITE"]),
            instance_class=env["PGPLAT_INSTANCE_CLASS"],
            tags=json.loads(env.get("PGPLAT_TAGS", "{}")),
            ca_file=Path(ca_file) if ca_file else None,
            deadline=timedelta(seconds=int(env.get("PGPLAT_DEADLINE_SECONDS", "780"))),
        )

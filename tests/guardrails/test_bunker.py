"""A bunker copy (innovate's prod copies every backup to the security team's backup account):
the guardrails allow exactly that copy, and that key use, and still deny every other way out;
validation refuses a bunker that is no bunker."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from pgplat.config.errors import ConfigError
from pgplat.config.loader import parse_config
from pgplat.config.model import PgplatConfig
from pgplat.guardrails import build_guardrails
from pgplat.guardrails.bundle import BUNKER_VAULT_POLICY
from pgplat.guardrails.crossings import crossings
from pgplat.guardrails.evaluate import Request, denying_statements
from pgplat.guardrails.key_policy import KEY_POLICY_STATEMENTS
from pgplat.guardrails.scp import PROD_DATA_SCP
from tests.fixtures.examples import INNOVATE

BUNKER = "arn:aws:backup:us-east-1:444444444444:backup-vault:innovate-bunker"


def test_the_example_copies_to_its_bunker(innovate: PgplatConfig) -> None:
    bunker = innovate.environments.prod.backup.bunker_copy
    assert bunker is not None
    assert (bunker.vault_arn, bunker.account, bunker.region) == (
        BUNKER,
        "444444444444",
        "us-east-1",
    )


def test_every_crossing_is_still_denied_and_two_more(innovate: PgplatConfig) -> None:
    guardrails = build_guardrails(innovate)
    found = crossings(guardrails.perimeter)
    assert {
        "copy prod backups to another vault of the backup account",
        "decrypt with a prod key from the backup account, not through AWS Backup",
    } <= {c.what for c in found}
    for crossing in found:
        statements = guardrails.statements(crossing.document)
        assert denying_statements(statements, crossing.request), crossing.what


def test_the_copy_to_the_bunker_and_its_key_use_are_allowed(innovate: PgplatConfig) -> None:
    guardrails = build_guardrails(innovate)
    p = guardrails.perimeter
    copy = Request(
        "backup:CopyFromBackupVault",
        p.arn("backup", p.data_account, "backup-vault:innovate-prod", p.region),
        {"backup:CopyTargets": [BUNKER]},
    )
    assert denying_statements(guardrails.statements(PROD_DATA_SCP), copy) == []
    through_backup = Request(
        "kms:CreateGrant",
        p.arn("kms", p.data_account, "key/prod", p.region),
        {
            "aws:PrincipalAccount": "444444444444",
            "aws:PrincipalIsAWSService": "false",
            "kms:ViaService": "backup.us-east-1.amazonaws.com",
        },
    )
    assert denying_statements(guardrails.statements(KEY_POLICY_STATEMENTS), through_backup) == []


def test_the_bunker_owners_get_the_access_policy_to_apply(innovate: PgplatConfig) -> None:
    files = build_guardrails(innovate).files()
    policy = json.loads(files[f"{BUNKER_VAULT_POLICY}.json"])
    [statement] = policy["Statement"]
    assert statement["Principal"] == {"AWS": "arn:aws:iam::111111111111:root"}
    assert statement["Action"] == "backup:CopyIntoBackupVault"
    assert BUNKER in files["README.md"]


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        (
            lambda raw: raw["environments"]["prod"]["backup"]["bunker_copy"].update(
                vault_arn=BUNKER.replace("444444444444", "111111111111")
            ),
            "environments.prod.backup.bunker_copy.vault_arn",
            "is one of this configuration's accounts",
        ),
        (
            lambda raw: raw["accounts"].pop("organization_id"),
            "accounts.organization_id",
            "only inside one AWS Organization",
        ),
        (
            lambda raw: raw["environments"]["prod"]["backup"]["bunker_copy"].update(
                vault_arn="arn:aws:backup:us-east-1:444444444444:vault:x"
            ),
            "environments.prod.backup.bunker_copy.vault_arn",
            "",
        ),
    ],
    ids=["own account", "no organization", "not a vault ARN"],
)
def test_a_bunker_that_is_no_bunker_is_refused(change: Any, field: str, fragment: str) -> None:
    raw = yaml.safe_load(INNOVATE.read_text())
    change(raw)
    with pytest.raises(ConfigError) as info:
        parse_config(yaml.safe_dump(raw), "pgplat.yaml")
    [problem] = [str(p) for p in info.value.problems if field in str(p)]
    assert fragment in problem

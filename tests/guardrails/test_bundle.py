"""Guardrails written by `pgplat guardrails` read back as they are on disk, so the proof
checks what an operator attached, hand edits included."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pgplat.config.model import PgplatConfig
from pgplat.errors import UserError
from pgplat.guardrails import build_guardrails, read_guardrails
from pgplat.guardrails.bundle import write_guardrails
from pgplat.guardrails.crossings import crossings
from pgplat.guardrails.evaluate import denying_statements
from pgplat.guardrails.key_policy import KEY_POLICY_STATEMENTS
from pgplat.guardrails.scp import PROD_DATA_SCP


@pytest.fixture
def written(innovate: PgplatConfig, tmp_path: Path) -> Path:
    write_guardrails(build_guardrails(innovate), tmp_path)
    return tmp_path


def test_round_trip(innovate: PgplatConfig, written: Path) -> None:
    assert read_guardrails(innovate, written) == build_guardrails(innovate)


def test_a_hand_edit_is_what_gets_checked(innovate: PgplatConfig, written: Path) -> None:
    path = written / f"{PROD_DATA_SCP}.json"
    document = json.loads(path.read_text())
    document["Statement"] = [s for s in document["Statement"] if s["Sid"] != "DenySnapshotSharing"]
    path.write_text(json.dumps(document))
    guardrails = read_guardrails(innovate, written)
    open_crossings = [
        c.what
        for c in crossings(guardrails.perimeter)
        if not denying_statements(guardrails.statements(c.document), c.request)
    ]
    assert open_crossings == ["share a prod DB snapshot", "share a prod cluster snapshot"]


def test_a_missing_file_is_a_user_error(innovate: PgplatConfig, written: Path) -> None:
    (written / f"{KEY_POLICY_STATEMENTS}.json").unlink()
    with pytest.raises(UserError, match=r"kms-prod-key-policy-statements\.json is missing; run"):
        read_guardrails(innovate, written)


def test_broken_json_is_a_user_error_with_its_line(innovate: PgplatConfig, written: Path) -> None:
    (written / f"{PROD_DATA_SCP}.json").write_text(
        '{\n  "Version": "2012-10-17",\n  "Statement": [\n}'
    )
    with pytest.raises(UserError, match=r"scp-prod-data-perimeter\.json:4: not valid JSON"):
        read_guardrails(innovate, written)


def test_a_document_of_the_wrong_shape_is_a_user_error(
    innovate: PgplatConfig, written: Path
) -> None:
    (written / f"{KEY_POLICY_STATEMENTS}.json").write_text('{"Statement": []}')
    with pytest.raises(UserError, match="must hold a statement list"):
        read_guardrails(innovate, written)

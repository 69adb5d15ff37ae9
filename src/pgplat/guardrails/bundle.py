"""The guardrail set of one configuration: generated, written to a directory, read back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pgplat.config.model import PgplatConfig
from pgplat.errors import UserError
from pgplat.guardrails.key_policy import KEY_POLICY_STATEMENTS, prod_key_statements
from pgplat.guardrails.perimeter import Perimeter
from pgplat.guardrails.readme import readme_text
from pgplat.guardrails.scp import NONPROD_SCP, PROD_DATA_SCP, nonprod_scp, prod_data_scp
from pgplat.guardrails.statements import Document, Statement, document
from pgplat.guardrails.validate import document_problems, minified, statements_problems


@dataclass(frozen=True)
class Guardrails:
    """SCPs by name, and the statements every production key policy must carry."""

    perimeter: Perimeter
    scps: dict[str, Document]
    key_statements: list[Statement]

    def statements(self, name: str) -> list[Statement]:
        """The statements of the document called ``name`` (an SCP or the key statements)."""
        if name == KEY_POLICY_STATEMENTS:
            return self.key_statements
        statements: list[Statement] = self.scps.get(name, {}).get("Statement", [])
        return statements

    def problems(self) -> list[str]:
        """Why AWS would reject a document, by document; empty when all are valid."""
        found = [
            f"{name}: {problem}"
            for name, document in self.scps.items()
            for problem in document_problems(document, "scp")
        ]
        found += [
            f"{KEY_POLICY_STATEMENTS}: {problem}"
            for problem in statements_problems(self.key_statements, "key-policy")
        ]
        return found

    def sizes(self) -> dict[str, int]:
        """Minified size of each SCP, as AWS Organizations counts it."""
        return {name: len(minified(document)) for name, document in self.scps.items()}

    def files(self) -> dict[str, str]:
        """File name → content, as ``pgplat guardrails --out`` writes them."""
        files = {
            f"{name}.json": json.dumps(document, indent=2) + "\n"
            for name, document in self.scps.items()
        }
        files[f"{KEY_POLICY_STATEMENTS}.json"] = json.dumps(self.key_statements, indent=2) + "\n"
        if self.perimeter.bunker_vault_arn is not None:
            policy = bunker_vault_policy(self.perimeter)
            files[f"{BUNKER_VAULT_POLICY}.json"] = json.dumps(policy, indent=2) + "\n"
        files["README.md"] = readme_text(self.perimeter, self.sizes())
        return files


BUNKER_VAULT_POLICY = "bunker-vault-access-policy"


def bunker_vault_policy(perimeter: Perimeter) -> Document:
    """The access policy the backup account's owners put on the bunker vault: production's
    data account may copy into it, and that is all it may do there."""
    return document(
        [
            {
                "Sid": "ProductionDataAccountCopiesIn",
                "Effect": "Allow",
                "Principal": {"AWS": perimeter.arn("iam", perimeter.data_account, "root")},
                "Action": "backup:CopyIntoBackupVault",
                "Resource": "*",
            }
        ]
    )


def build_guardrails(config: PgplatConfig) -> Guardrails:
    perimeter = Perimeter.of(config)
    return Guardrails(
        perimeter=perimeter,
        scps={NONPROD_SCP: nonprod_scp(perimeter), PROD_DATA_SCP: prod_data_scp(perimeter)},
        key_statements=prod_key_statements(perimeter),
    )


def write_guardrails(guardrails: Guardrails, out: Path) -> list[Path]:
    """Write every file into ``out`` (created if needed); returns the paths written."""
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} is a file; name a directory for the guardrails")
    written = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, text in guardrails.files().items():
            path = out / name
            path.write_text(text, encoding="utf-8")
            written.append(path)
    except OSError as exc:
        raise UserError(f"cannot write the guardrails to {out}: {exc.strerror}") from None
    return written


def _load_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path} is missing; run `pgplat guardrails --out {path.parent}`") from None
    except json.JSONDecodeError as exc:
        raise UserError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None


def read_guardrails(config: PgplatConfig, directory: Path) -> Guardrails:
    """The guardrails as written in ``directory`` (perhaps edited since), for the proof."""
    scps = {}
    for name in (NONPROD_SCP, PROD_DATA_SCP):
        document = _load_json(directory / f"{name}.json")
        if not isinstance(document, dict):
            raise UserError(f"{directory / name}.json must hold a policy document object")
        scps[name] = document
    statements = _load_json(directory / f"{KEY_POLICY_STATEMENTS}.json")
    if not isinstance(statements, list):
        raise UserError(f"{directory / KEY_POLICY_STATEMENTS}.json must hold a statement list")
    return Guardrails(perimeter=Perimeter.of(config), scps=scps, key_statements=statements)

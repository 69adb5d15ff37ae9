"""The report as JUnit XML, which every CI system shows as a test summary.

One suite per layer; each finding is a test case named after its rule and resource, failing
when it is at or above the threshold, skipped when waived. A layer without failures also has
a passing case, so a green run still shows what was checked. Characters XML 1.0 cannot hold
(control characters a message may quote) are written as ``\\xNN`` escapes, so the file always
parses.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from pgplat.policy.findings import Finding
from pgplat.policy.report import Report

_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters no XML 1.0 document may contain, even escaped: what its Char production leaves
out, listed (its negation takes every check 10 ms to compile)."""


def to_junit(report: Report) -> str:
    root = ET.Element("testsuites", name="pgplat check")
    for layer in (*report.layers, "waivers"):
        findings = [f for f in report.ordered() if f.layer == layer]
        waived = [w for w in report.waived if w.finding.layer == layer]
        if layer == "waivers" and not findings:
            continue
        suite = ET.SubElement(root, "testsuite", name=layer)
        failures = 0
        for finding in findings:
            case = _case(suite, finding)
            if finding.at_least(report.fail_on):
                failures += 1
                failure = ET.SubElement(
                    case, "failure", message=xml_safe(finding.message), type=finding.severity
                )
                failure.text = xml_safe(finding.fix)
            else:
                shown = f"{finding.severity}: {finding.message}"
                ET.SubElement(case, "system-out").text = xml_safe(shown)
        for entry in waived:
            case = _case(suite, entry.finding)
            reason = f"waived until {entry.expires}: {entry.reason}"
            ET.SubElement(case, "skipped", message=xml_safe(reason))
        if not failures:
            ET.SubElement(suite, "testcase", classname=layer, name=f"{layer}: nothing failing")
        suite.set("tests", str(len(suite.findall("testcase"))))
        suite.set("failures", str(failures))
        suite.set("skipped", str(len(waived)))
        suite.set("errors", "0")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _case(suite: ET.Element, finding: Finding) -> ET.Element:
    where = finding.place or "configuration"
    return ET.SubElement(
        suite,
        "testcase",
        classname=xml_safe(f"{finding.environment or 'all'}.{finding.layer}"),
        name=xml_safe(f"{finding.rule_id} {where}"),
    )


def xml_safe(text: str) -> str:
    """``text`` with every character XML cannot hold written as its escape (``\\x1f``)."""
    return _NOT_XML.sub(lambda m: repr(m.group())[1:-1], text)

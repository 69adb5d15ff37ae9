"""The report as JUnit XML, which every CI system shows as a test summary.

One suite per layer; each finding is a test case named after its rule and resource, failing
when it is at or above the threshold, skipped when waived. A layer without failures also has
a passing case, so a green run still shows what was checked.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from pgplat.policy.findings import Finding
from pgplat.policy.report import Report


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
                    case, "failure", message=finding.message, type=finding.severity
                )
                failure.text = finding.fix
            else:
                ET.SubElement(case, "system-out").text = f"{finding.severity}: {finding.message}"
        for entry in waived:
            case = _case(suite, entry.finding)
            reason = f"waived until {entry.waiver.expires}: {entry.waiver.reason}"
            ET.SubElement(case, "skipped", message=reason)
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
        classname=f"{finding.environment or 'all'}.{finding.layer}",
        name=f"{finding.rule_id} {where}",
    )

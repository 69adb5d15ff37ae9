"""Whole reports of `pgplat check`, kept with everything they were computed from, so an
unchanged check answers before it parses its configuration: no model, no layers, a few files
hashed.

A report answers a :class:`Question` (the configuration file, the project, the folder of the
cloud assemblies, the layers, packs, environments and threshold asked for) with some code
(pgplat's source as this process loaded it, the linters' and the CDK's versions, what the
validator asset is built from) on a day, from files: the configuration, the CA bundles it
names, the synthesis record, and every manifest, metadata file and template of the
assemblies. The question, the code and the day make the key; the files are kept by content
beside the report, with the list of assemblies in the folder, and compared before the
report is reused. A report is kept only if none of its files changed while it was computed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pgplat.infra.record import asset_environment, file_digest, running_source
from pgplat.policy.assembly import assembly_roots
from pgplat.policy.cache import ResultCache, key_of, linter_versions
from pgplat.policy.findings import CheckLayer, Severity
from pgplat.policy.report import Report

VERDICTS_FILE = "pgplat-check-verdicts.json"
"""Where a folder of cloud assemblies keeps the last reports of the checks that judged it."""
KEPT = 8
"""Reports kept per folder: each holds its findings and acknowledgements, hundreds of them."""
Digests = Mapping[str, str | None]
"""Files by path, each with the sha256 of its bytes (None: it could not be read)."""


@dataclass(frozen=True)
class Question:
    """What a `pgplat check` was asked: everything given on its command line that decides
    its report (the output format does not: every format renders the same report)."""

    config_file: Path
    project_root: Path
    """Where the configuration's relative paths lead (CA bundles among them)."""
    cdk_out: Path
    """The folder of the cloud assemblies judged, which the check synthesized."""
    layers: tuple[CheckLayer, ...]
    packs: tuple[str, ...]
    environments: tuple[str, ...]
    """Only these environments' findings (empty: every environment's)."""
    fail_on: Severity | None
    """The threshold given (None: the configuration's ``check.fail_on``)."""

    def key(self, today: date) -> str:
        """The question (its paths resolved: a file is the same however it is named), the
        code answering it and the day (rules and waivers read dates)."""
        asked = {k: v.resolve() if isinstance(v, Path) else v for k, v in asdict(self).items()}
        code = {"pgplat": running_source(), "asset": asset_environment(), **linter_versions()}
        return key_of({"question": asked, "code": code, "today": today.isoformat()})


@dataclass(frozen=True)
class Recalled:
    """A kept report, and the configuration's notices said when it was made."""

    report: Report
    notices: tuple[str, ...]


def digests(paths: Iterable[Path]) -> dict[str, str | None]:
    """Each file by path with the sha256 of its bytes, taken before it is read for a report."""
    return {str(path): file_digest(path) for path in paths}


class Verdicts:
    """The reports kept in one folder of cloud assemblies."""

    def __init__(self, cdk_out: Path) -> None:
        self._cache = ResultCache(cdk_out / VERDICTS_FILE, limit=KEPT)

    def recall(self, question: Question, today: date) -> Recalled | None:
        """The report kept for ``question`` today, if no file it was computed from changed
        and the folder holds the same assemblies; None otherwise (and for an entry that does
        not read as one: a cache is never trusted over running the check)."""
        stored = self._cache.get(question.key(today))
        if not isinstance(stored, Mapping):
            return None
        try:
            files: Digests = stored["files"]
            roots = _roots(question.cdk_out)
            if roots != stored["assemblies"] or not _unchanged(question, roots, files):
                return None
            notices = stored["notices"]
            if not all(isinstance(line, str) for line in notices):
                raise TypeError("a notice is a line")
            return Recalled(Report.from_stored(stored["report"]), tuple(notices))
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    def keep(
        self,
        question: Question,
        today: date,
        report: Report,
        *,
        notices: Iterable[str],
        files: Digests,
    ) -> None:
        """Keep ``report`` for ``question`` today, computed from ``files`` (their digests
        taken as they were read, by paths however named: they are kept resolved); not if one
        changed meanwhile, or the folder's assemblies are not those read."""
        files = {str(Path(path).resolve()): digest for path, digest in files.items()}
        roots = _roots(question.cdk_out)
        if not _unchanged(question, roots, files):
            return
        entry: dict[str, Any] = {
            "files": files,
            "assemblies": roots,
            "notices": list(notices),
            "report": report.stored(),
        }
        self._cache.put(question.key(today), entry)
        self._cache.save()


def _roots(cdk_out: Path) -> list[str]:
    return [str(root.resolve()) for root in assembly_roots(cdk_out)]


def _unchanged(question: Question, roots: list[str], files: Digests) -> bool:
    """Whether ``files`` are as they are now, and among them the configuration and the
    manifest of every assembly in the folder (so no file can be missing from them)."""
    named = {str(question.config_file.resolve()), *(str(Path(r, "manifest.json")) for r in roots)}
    return isinstance(files, Mapping) and named <= set(files) and digests(map(Path, files)) == files

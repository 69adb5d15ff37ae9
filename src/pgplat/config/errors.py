"""Errors a configuration file can cause, located by file, line and field path."""

from __future__ import annotations

from pgplat.errors import UserError

Path = tuple[str | int, ...]


def dotted(path: Path) -> str:
    """``('environments', 'prod', 'app_vpcs', 0)`` -> ``environments.prod.app_vpcs[0]``.

    A key holding a line break or another unprintable character, or nothing but blanks, is
    quoted the way Python quotes it, abridged, so the path stays on one line and shows it.
    """
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not part.isprintable() or not part.strip():
            text += f"[{abridged(part)!r}]"
        else:
            text += f".{part}" if text else part
    return text or "(top level)"


def abridged(text: str, limit: int = 64) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, so one bad value of a megabyte
    cannot turn its error into a megabyte-long line."""
    return text if len(text) <= limit else text[:limit] + "…"


class FieldError(ValueError):
    """Raised inside validators to point at a field deeper than the validated model."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


class ConfigError(UserError):
    """A configuration file is unusable; ``str()`` is the one line shown to the user."""

    def __init__(self, file: str, line: int | None, path: Path, message: str) -> None:
        self.file, self.line, self.path, self.message = file, line, path, message
        self.more: list[ConfigError] = []
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {dotted(path)}: {message}")

    @property
    def problems(self) -> list[ConfigError]:
        """This problem and every other one found in the same run, one line each."""
        return [self, *self.more]

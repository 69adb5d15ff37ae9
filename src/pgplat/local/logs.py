"""The local server's log, read as ``tail -n`` and ``tail -f`` do (`pgplat dev logs`)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Generator
from pathlib import Path
from typing import BinaryIO

from pgplat.errors import UserError

_POLL_SECONDS = 0.2


def log_lines(path: Path, last: int, *, follow: bool = False) -> Generator[str, None, None]:
    """The last ``last`` lines of ``path``; with ``follow``, then every line appended to it,
    until the caller stops iterating (Ctrl-C). The end is read at once: a line written after
    this call is a followed line, never lost to the tail."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise UserError(f"no server log at {path} yet; run `pgplat dev up`") from None
    tail = deque((_text(line) for line in handle), maxlen=max(last, 0))
    return _lines(handle, tail, follow)


def _lines(handle: BinaryIO, tail: deque[str], follow: bool) -> Generator[str, None, None]:
    with handle:
        yield from tail
        pending = b""
        while follow:
            chunk = handle.read()
            if not chunk:
                time.sleep(_POLL_SECONDS)
                continue
            *complete, pending = (pending + chunk).split(b"\n")
            yield from (_text(line) for line in complete)


def _text(line: bytes) -> str:
    return line.decode(errors="replace").rstrip("\r\n")

"""The error every user-caused failure is raised as (one line, no traceback), and the exit
codes of the `pgplat` command (README, "Exit codes")."""

from __future__ import annotations

import os
from enum import IntEnum


class ExitCode(IntEnum):
    """What a `pgplat` exit status means, so scripts and CI can tell failures apart."""

    OK = 0
    FAILED = 1
    """The command ran and found a problem: drift, a failed check, drill or deploy step."""
    USER_ERROR = 2
    """Bad input or configuration, a missing binary, a busy port: fix it and rerun."""
    NOT_RUNNING = 3
    """`pgplat dev status`: the local server is not running."""
    AWS_UNREACHABLE = os.EX_UNAVAILABLE  # 69
    """AWS could not be reached, or still throttled or failing after the retries."""
    AWS_REFUSED = os.EX_NOPERM  # 77
    """AWS refused the credentials or the call: none found, expired, unknown or denied."""
    INTERRUPTED = 130
    """Ctrl-C (128 + SIGINT)."""


class UserError(Exception):
    """Something the user can fix (bad config, missing binary, busy port, AWS denied).

    The CLI prints ``str(error)`` on one line and exits with ``exit_code``. Messages say what
    is wrong, where, and how to fix it, and never carry a secret.
    """

    exit_code: int = ExitCode.USER_ERROR

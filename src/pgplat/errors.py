"""The error every user-caused failure is raised as: one line, exit code 2, no traceback."""

from __future__ import annotations


class UserError(Exception):
    """Something the user can fix (bad config, missing binary, busy port, AWS denied).

    The CLI prints ``str(error)`` on one line and exits with ``exit_code``. Messages say what
    is wrong, where, and how to fix it, and never carry a secret.
    """

    exit_code = 2

"""What can go wrong when an application connects, as types callers can catch by meaning.

Messages are one line and never carry a password, token or secret value. The errors of a
database that cannot be reached or used are `psycopg.OperationalError`s, as psycopg's own
are, so code written against psycopg (``except OperationalError``) keeps catching them.
"""

from __future__ import annotations

import psycopg

from pgplat.errors import UserError


class ClientError(Exception):
    """Base of every error raised by `pgplat.client`."""


class ConfigurationError(ClientError, UserError):
    """The settings are incomplete or unsafe (e.g. plaintext to a cloud host)."""


class CredentialsError(ClientError, UserError, psycopg.OperationalError):
    """Credentials could not be obtained, or the server rejected fresh ones."""


class DatabaseUnavailable(ClientError, psycopg.OperationalError):
    """The database stayed unreachable for the whole failover budget, or a local server is
    not running; the last underlying error is its ``__cause__`` and ends its message."""


class OutcomeUnknown(ClientError, psycopg.OperationalError):
    """The connection was lost while a non-idempotent transaction was committing.

    The server may or may not have committed it, so it was not replayed: check the data (or
    make the transaction idempotent) before trying again.
    """

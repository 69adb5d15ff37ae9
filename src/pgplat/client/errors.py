"""What can go wrong when an application connects, as types callers can catch by meaning.

Messages are one line and never carry a password, token or secret value.
"""

from __future__ import annotations

from pgplat.errors import UserError


class ClientError(Exception):
    """Base of every error raised by `pgplat.client`."""


class ConfigurationError(ClientError, UserError):
    """The settings are incomplete or unsafe (e.g. plaintext to a cloud host)."""


class CredentialsError(ClientError, UserError):
    """Credentials could not be obtained, or the server rejected fresh ones."""


class DatabaseUnavailable(ClientError):
    """The database stayed unreachable for the whole failover budget."""


class OutcomeUnknown(ClientError):
    """The connection was lost while a non-idempotent transaction was committing.

    The server may or may not have committed it, so it was not replayed: check the data (or
    make the transaction idempotent) before trying again.
    """

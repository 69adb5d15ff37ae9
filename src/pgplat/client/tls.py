"""TLS policy: verify-full by default wherever credentials come from AWS, and never plaintext
to an RDS/Aurora endpoint.

libpq does the verification; this module only decides the `sslmode`/`sslrootcert` it gets.
"""

from __future__ import annotations

from pgplat.client.errors import ConfigurationError
from pgplat.client.settings import Settings

CLOUD_HOST_SUFFIXES = (".rds.amazonaws.com", ".rds.amazonaws.com.cn")
VERIFYING_MODES = ("verify-ca", "verify-full")
ENCRYPTED_MODES = ("require", *VERIFYING_MODES)


def is_cloud_host(host: str) -> bool:
    return host.lower().rstrip(".").endswith(CLOUD_HOST_SUFFIXES)


def tls_params(settings: Settings, host: str) -> dict[str, str]:
    """libpq TLS parameters for connecting to ``host``, or ConfigurationError if unsafe."""
    must_encrypt = settings.cloud or is_cloud_host(host)
    sslmode = settings.sslmode or ("verify-full" if must_encrypt else None)
    if sslmode is None:
        return {}
    if must_encrypt and sslmode not in ENCRYPTED_MODES:
        why = f"auth={settings.auth}" if settings.cloud else f"{host} is an AWS endpoint"
        raise ConfigurationError(
            f"PGSSLMODE={sslmode} would allow plaintext but {why}; "
            "use verify-full with PGSSLROOTCERT (see `pgplat certs`)"
        )
    params = {"sslmode": sslmode}
    if settings.sslrootcert:
        params["sslrootcert"] = settings.sslrootcert
    elif must_encrypt and sslmode in VERIFYING_MODES:
        raise ConfigurationError(
            f"sslmode={sslmode} to {host} needs PGSSLROOTCERT: the RDS CA bundle, "
            "see `pgplat certs`"
        )
    return params

"""The RDS certificate authority bundle clients verify the server against: where AWS
publishes it, and a check that a downloaded copy is what it claims to be (PEM certificates,
all of them CAs, currently valid)."""

from __future__ import annotations

import datetime
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from pgplat.errors import UserError

GLOBAL_BUNDLE_URL = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
"""AWS's bundle of every commercial region's RDS root and intermediate CAs."""
DOWNLOAD_TIMEOUT = 10.0


@dataclass(frozen=True)
class BundleReport:
    certificates: int
    valid_until: datetime.datetime
    """The earliest expiry among the certificates still valid."""
    expired: tuple[str, ...]
    """Subjects of certificates already expired (harmless, but the copy is stale)."""


def download(url: str = GLOBAL_BUNDLE_URL) -> bytes:
    """The bundle's bytes; UserError (one line) when the network does not allow it."""
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response:  # noqa: S310 - https URL, or an operator's mirror
            data: bytes = response.read()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise UserError(
            f"cannot download the RDS CA bundle from {url} ({reason}): offline? "
            "fetch it where the network allows and copy it, or pass --url to a mirror"
        ) from None
    return data


def verify(data: bytes, *, now: datetime.datetime | None = None) -> BundleReport:
    """Check ``data`` is a usable CA bundle; UserError naming the first problem if not."""
    now = now or datetime.datetime.now(datetime.UTC)
    try:
        certificates = x509.load_pem_x509_certificates(data)
    except ValueError:
        raise UserError("the CA bundle is not a PEM file of X.509 certificates") from None
    expired = []
    valid: list[x509.Certificate] = []
    for cert in certificates:
        subject = cert.subject.rfc4514_string()
        try:
            is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        except x509.ExtensionNotFound:
            is_ca = False
        if not is_ca:
            raise UserError(f"the CA bundle holds a certificate that is not a CA: {subject}")
        if cert.not_valid_after_utc < now:
            expired.append(subject)
        elif cert.not_valid_before_utc <= now:
            valid.append(cert)
    if not valid:
        raise UserError("the CA bundle holds no certificate valid today; download a fresh one")
    return BundleReport(
        certificates=len(certificates),
        valid_until=min(cert.not_valid_after_utc for cert in valid),
        expired=tuple(expired),
    )


def save(data: bytes, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(0o644)

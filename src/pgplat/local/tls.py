"""A local certificate authority and server certificate, so clients verify the local server
with ``sslmode=verify-full`` exactly as they verify RDS against the AWS CA bundle."""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from pgplat.config.model import PgplatConfig
from pgplat.local.account import ServerAccount
from pgplat.local.files import refuse_link, write_private

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
_VALIDITY = datetime.timedelta(days=825)


def certificate_names(config: PgplatConfig) -> tuple[str, ...]:
    """Every name a client may verify the local server by: loopback, the host name pods use
    (``environments.local.k8s_host``) and the opt-in ``listen_address``."""
    local = config.environments.local
    extra = (local.k8s_host, *([local.listen_address] if local.listen_address else []))
    return tuple(dict.fromkeys((*LOOPBACK_NAMES, *extra)))


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def named_in(certificate: Path, name: str) -> bool:
    """Whether the certificate's subject alternative names include ``name``."""
    try:
        cert = x509.load_pem_x509_certificate(certificate.read_bytes())
        alt_names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (OSError, ValueError, x509.ExtensionNotFound):
        return False
    return _general_name(name) in alt_names


@dataclass(frozen=True)
class TlsFiles:
    ca_cert: Path
    ca_key: Path
    server_cert: Path
    server_key: Path

    @classmethod
    def under(cls, directory: Path) -> TlsFiles:
        return cls(
            directory / "ca.crt",
            directory / "ca.key",
            directory / "server.crt",
            directory / "server.key",
        )


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "pgplat local"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def is_usable(files: TlsFiles, names: tuple[str, ...] = LOOPBACK_NAMES) -> bool:
    """Whether the files on disk still make a chain a verify-full client accepts by each of
    ``names``: present, parseable, the server certificate issued by the CA, in date, naming
    them, and matching its key."""
    try:
        ca_cert = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
        server_cert = x509.load_pem_x509_certificate(files.server_cert.read_bytes())
        server_key = serialization.load_pem_private_key(files.server_key.read_bytes(), None)
        server_cert.verify_directly_issued_by(ca_cert)
    except (OSError, ValueError, TypeError, InvalidSignature):
        return False
    now = datetime.datetime.now(datetime.UTC)
    in_date = all(c.not_valid_after_utc > now for c in (ca_cert, server_cert))
    named = all(named_in(files.server_cert, n) for n in names)
    return in_date and named and server_cert.public_key() == server_key.public_key()


def _usable_ca(files: TlsFiles) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None:
    """The CA and its key when both are intact and in date: keeping them keeps every trusted
    bundle (``.env``, a cluster's ConfigMap) valid while the server certificate is re-issued."""
    try:
        ca_cert = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
        ca_key = serialization.load_pem_private_key(files.ca_key.read_bytes(), None)
    except (OSError, ValueError, TypeError):
        return None
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        return None
    in_date = ca_cert.not_valid_after_utc > datetime.datetime.now(datetime.UTC)
    return (ca_cert, ca_key) if in_date and ca_cert.public_key() == ca_key.public_key() else None


def ensure_tls(
    directory: Path, account: ServerAccount, names: tuple[str, ...] = LOOPBACK_NAMES
) -> TlsFiles:
    """Keep the CA and the server certificate while they are usable for ``names``; issue a
    new server certificate from the same CA when it lacks a name or is damaged, and a new CA
    too when the CA is (``dev up`` repairs itself).

    The CA key stays with the caller; the server key belongs to the server account (mode
    0600), which is what PostgreSQL insists on.
    """
    files = TlsFiles.under(directory)
    if is_usable(files, names):
        return files
    refuse_link(directory)
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o755)
    kept = _usable_ca(files)
    ca_cert, ca_key = kept or _new_ca()
    server_key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    server_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca_cert.subject)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + _VALIDITY)
        .add_extension(
            x509.SubjectAlternativeName([_general_name(n) for n in names]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    owner = (account.uid, account.gid) if account.is_switched else None
    write_private(files.server_key, _pem_key(server_key), owner=owner)
    write_private(
        files.server_cert, server_cert.public_bytes(serialization.Encoding.PEM), mode=0o644
    )
    if kept is None:
        write_private(files.ca_key, _pem_key(ca_key))
        write_private(files.ca_cert, ca_cert.public_bytes(serialization.Encoding.PEM), mode=0o644)
    return files


def _new_ca() -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("pgplat local CA"))
        .issuer_name(_name("pgplat local CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + _VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return ca_cert, ca_key

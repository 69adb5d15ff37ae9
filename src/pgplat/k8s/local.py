"""Manifests pointing a local Kubernetes cluster's pods (kind, k3d, minikube, Docker Desktop)
at the local twin, in production's shape: the same ServiceAccount, the same
``<service account>-database`` ConfigMap and the same ``rds-ca-bundle`` ConfigMap mounted at
the same path, so one Deployment runs in both::

    spec:
      serviceAccountName: web-api
      containers:
        - envFrom:
            - configMapRef: {name: web-api-database}
            - secretRef: {name: web-api-database, optional: true}
          volumeMounts: [{name: rds-ca, mountPath: /etc/pgplat/rds-ca, readOnly: true}]
      volumes: [{name: rds-ca, configMap: {name: rds-ca-bundle}}]

The ConfigMap is the application's ``.env`` (``ServerInfo.env``: one source for both) with
the two values a pod sees differently, the host and the CA's path, and the password moved to
the Secret, which production does not have (its pods mint a token or read Secrets Manager).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass

import yaml

from pgplat.config.model import DatabaseUser, PgplatConfig
from pgplat.errors import UserError
from pgplat.k8s.manifests import (
    RDS_CA_BUNDLE,
    Manifest,
    ca_bundle_config_map,
    config_map,
    env_secret,
    service_account,
)
from pgplat.local.cluster import ServerInfo
from pgplat.local.tls import TlsFiles, named_in


@dataclass(frozen=True)
class LocalWorkload:
    """The manifests of one user's pods, and what the developer should know about them."""

    documents: list[Manifest]
    notes: tuple[str, ...]

    def yaml(self) -> str:
        return yaml.safe_dump_all(self.documents, sort_keys=False)


def pod_settings(info: ServerInfo, user: str, host: str) -> tuple[dict[str, str], dict[str, str]]:
    """The ConfigMap's data and the Secret's: ``.env``'s variables as a pod needs them."""
    env = info.env(user)
    password = {"PGPASSWORD": env.pop("PGPASSWORD")}
    return env | {"PGHOST": host, "PGSSLROOTCERT": RDS_CA_BUNDLE}, password


def local_workload(
    config: PgplatConfig, info: ServerInfo, user_name: str, host: str | None = None
) -> LocalWorkload:
    """``user_name``'s manifests for pods reaching this machine as ``host`` (default:
    ``environments.local.k8s_host``), which the server's certificate must name."""
    user = _application_user(config, user_name)
    local = config.environments.local
    host = host or local.k8s_host
    if not named_in(TlsFiles.under(info.ca_file.parent).server_cert, host):
        raise UserError(
            f"the local server's certificate does not name {host}: set "
            f"environments.local.k8s_host: {host} (an IP: listen_address) and run `pgplat dev up`"
        )
    data, secret = pod_settings(info, user.name, host)
    namespace = user.kubernetes.namespace
    documents = [
        service_account(user),
        config_map(user, data),
        env_secret(user, secret),
        ca_bundle_config_map(namespace, info.ca_file.read_text()),
    ]
    if local.listen_address is None:
        return LocalWorkload(documents, (_LOOPBACK_ONLY,))
    if not _accepts(local.listen_address, info.port):
        return LocalWorkload(documents, (_not_listening(local.listen_address, info.port),))
    return LocalWorkload(documents, ())


_LOOPBACK_ONLY = (
    "the local server listens on loopback only: pods reach it where the cluster forwards "
    "host.docker.internal to this machine's loopback (Docker Desktop); elsewhere set "
    "environments.local.listen_address to this machine's address on the cluster's network"
)


def _accepts(address: str, port: int) -> bool:
    """Whether the server takes TCP connections at ``address``: PostgreSQL only warns when
    one of its listen addresses cannot be bound (an interface that is not up yet)."""
    try:
        with socket.create_connection((address, port), timeout=2):
            return True
    except OSError:
        return False


def _not_listening(address: str, port: int) -> str:
    return (
        f"the local server does not accept connections on {address}:{port}: run `pgplat dev "
        "up` once the address exists on this machine (a restart applies a new listen_address)"
    )


def _application_user(config: PgplatConfig, name: str) -> DatabaseUser:
    users = {u.name: u for u in config.database.users}
    if name not in users:
        raise UserError(
            f"dev k8s --user {name}: pods connect as an application user with its "
            f"ServiceAccount; configured: {', '.join(users) or 'none (add database.users)'}"
        )
    return users[name]

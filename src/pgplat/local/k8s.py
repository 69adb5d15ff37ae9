"""A ConfigMap and Secret pointing workloads of a local Kubernetes cluster (kind, minikube,
k3d) at the local server, with the variable names of the production ConfigMap."""

from __future__ import annotations

from typing import Any

import yaml

from pgplat.local.cluster import ServerInfo

NAME = "pgplat-database"
CA_MOUNT = "/etc/pgplat/tls/ca.crt"


def local_manifests(info: ServerInfo, user: str, namespace: str, host: str) -> str:
    """Multi-document YAML: the ConfigMap (no secrets) and the Secret (password, CA).

    ``host`` is how pods reach the developer's machine (e.g. ``host.docker.internal`` for
    kind); mount the Secret's ``ca.crt`` at ``/etc/pgplat/tls/`` for ``verify-full``.
    """
    labels = {"app.kubernetes.io/managed-by": "pgplat", "pgplat/environment": "local"}
    config_map: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": NAME, "namespace": namespace, "labels": labels},
        "data": {
            "PGHOST": host,
            "PGPORT": str(info.port),
            "PGDATABASE": info.dbname,
            "PGUSER": user,
            "PGSSLMODE": "verify-full",
            "PGSSLROOTCERT": CA_MOUNT,
            "PGPLAT_AUTH": "password",
        },
    }
    secret: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {"name": NAME, "namespace": namespace, "labels": labels},
        "stringData": {"PGPASSWORD": info.passwords[user], "ca.crt": info.ca_file.read_text()},
    }
    return yaml.safe_dump_all([config_map, secret], sort_keys=False)

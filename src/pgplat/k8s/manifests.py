"""Per-workload Kubernetes manifests: who the pods are, where the database is, what they reach.

For every configured database user this writes a ServiceAccount (IRSA annotation, or the name
the Pod Identity association in the app stack points at), a ConfigMap with the settings
``pgplat.connect`` reads, and a NetworkPolicy. ConfigMaps carry names and ARNs only: the
password of an ``auth: secret`` user stays in Secrets Manager and the IAM token is minted in
the pod, so nothing in these files is secret.

The database endpoints exist only after the data stack is deployed; they come from the CDK
outputs file (``cdk deploy --outputs-file``) or explicit host names. The RDS CA bundle is
public; given one, the kustomization ships it as a ConfigMap for the pods to mount.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from pgplat import naming
from pgplat.config.model import DatabaseUser, Eks, PgplatConfig
from pgplat.errors import UserError
from pgplat.infra.access_names import AccessNames

RDS_CA_BUNDLE = "/etc/pgplat/rds-ca/global-bundle.pem"
"""Where workloads mount AWS's RDS CA bundle (see ``pgplat certs``); verify-full needs it."""
POD_IDENTITY_AGENT = "169.254.170.23/32"
"""EKS Pod Identity agent on every node, where pods get their credentials."""
CA_BUNDLE_CONFIG_MAP = "rds-ca-bundle"
CA_BUNDLE_KEY = PurePosixPath(RDS_CA_BUNDLE).name
"""The bundle's key in its ConfigMap: mounted at the folder of ``PGSSLROOTCERT``."""
CA_BUNDLE_FILE = "rds-ca-bundle.pem"
USER_LABEL = "pgplat.io/db-user"
"""Pod label that puts a pod under its user's NetworkPolicy."""
MANAGED_BY = {"app.kubernetes.io/managed-by": "pgplat"}

Manifest = dict[str, Any]


@dataclass(frozen=True)
class Endpoints:
    """The database host names workloads connect to, and the RDS Proxy's when one fronts it."""

    writer: str
    reader: str
    proxy_writer: str | None = None
    proxy_reader: str | None = None

    @classmethod
    def from_outputs(cls, path: Path, stack: str) -> Endpoints:
        """Read ``WriterEndpoint``/``ReaderEndpoint`` of ``stack`` from a CDK outputs file
        (and ``ProxyEndpoint``/``ProxyReaderEndpoint`` when the stack has a proxy)."""
        try:
            outputs = json.loads(path.read_text())[stack]
            return cls(
                writer=outputs["WriterEndpoint"],
                reader=outputs["ReaderEndpoint"],
                proxy_writer=outputs.get("ProxyEndpoint"),
                proxy_reader=outputs.get("ProxyReaderEndpoint"),
            )
        except OSError as exc:
            raise UserError(f"cannot read outputs file {path}: {exc.strerror}") from None
        except (ValueError, KeyError, TypeError):
            raise UserError(
                f"{path} has no WriterEndpoint/ReaderEndpoint for stack {stack}; write it with "
                f"`cdk deploy {stack} --outputs-file {path}`"
            ) from None


def _metadata(name: str, user: DatabaseUser, **extra: Any) -> dict[str, Any]:
    labels = {**MANAGED_BY, USER_LABEL: user.name}
    return {"name": name, "namespace": user.kubernetes.namespace, "labels": labels, **extra}


def service_account(user: DatabaseUser, irsa_role_arn: str | None = None) -> Manifest:
    """The user's ServiceAccount; with IRSA, annotated with the role its pods assume."""
    metadata = _metadata(user.kubernetes.service_account, user)
    if irsa_role_arn:
        metadata["annotations"] = {"eks.amazonaws.com/role-arn": irsa_role_arn}
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": metadata}


def settings(names: AccessNames, user: DatabaseUser, endpoints: Endpoints) -> dict[str, str]:
    """The environment ``pgplat.connect`` reads: libpq's variables plus pgplat's. An
    ``auth: iam`` user of an environment with a proxy connects through it (``PGPLAT_PROXY``
    tells the client to avoid what pins a session); the proxy takes IAM tokens only, so
    ``auth: secret`` users connect to the database itself."""
    if names.config.environments.cloud()[names.env].proxy is not None and user.auth == "iam":
        return {**_direct(names, user, _through_proxy(names, endpoints)), "PGPLAT_PROXY": "1"}
    return _direct(names, user, endpoints)


def _through_proxy(names: AccessNames, endpoints: Endpoints) -> Endpoints:
    if endpoints.proxy_writer is None:
        raise UserError(
            f"environments.{names.env}.proxy is set but no proxy endpoint is known; pass "
            f"--outputs FILE from `cdk deploy {naming.data_stack_name(names.config, names.env)} "
            "--outputs-file FILE` (it holds ProxyEndpoint) instead of host names"
        )
    reader = endpoints.proxy_reader or endpoints.proxy_writer
    return Endpoints(writer=endpoints.proxy_writer, reader=reader)


def _direct(names: AccessNames, user: DatabaseUser, endpoints: Endpoints) -> dict[str, str]:
    values = {
        "PGHOST": endpoints.writer,
        "PGPORT": str(names.config.environments.cloud()[names.env].port),
        "PGDATABASE": names.config.database.name,
        "PGUSER": user.name,
        "PGSSLMODE": "verify-full",
        "PGSSLROOTCERT": RDS_CA_BUNDLE,
        "PGPLAT_AUTH": user.auth,
        "PGPLAT_ROLE_ARN": names.data_role_arn(user),
        "PGPLAT_READER_HOST": endpoints.reader,
        "PGPLAT_REGION": names.config.region,
    }
    if user.auth == "secret":
        values["PGPLAT_SECRET_ARN"] = names.user_secret_partial_arn(user)
    return values


def config_map_name(user: DatabaseUser) -> str:
    return f"{user.kubernetes.service_account}-database"


def config_map(user: DatabaseUser, data: Mapping[str, str]) -> Manifest:
    """The settings ``pgplat.connect`` reads, under the name a Deployment's ``envFrom`` uses."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _metadata(config_map_name(user), user),
        "data": dict(data),
    }


def env_secret(user: DatabaseUser, data: Mapping[str, str]) -> Manifest:
    """A Secret of the ConfigMap's name for what production never stores (a local server's
    password): Deployments read it with ``secretRef: {optional: true}``, absent in the cloud."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": _metadata(config_map_name(user), user),
        "stringData": dict(data),
    }


def ca_bundle_config_map(namespace: str, pem: str) -> Manifest:
    """The CA bundle as the kustomization generates it: name and key a Deployment mounts."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": CA_BUNDLE_CONFIG_MAP, "namespace": namespace, "labels": MANAGED_BY},
        "data": {CA_BUNDLE_KEY: pem},
    }


def network_policy(names: AccessNames, user: DatabaseUser, pod_identity: bool) -> Manifest:
    """Egress for the user's pods: the data VPC on the database's port, DNS, and where
    credentials come from.

    NetworkPolicies add up, so this one only widens what other policies allow; in a namespace
    with default-deny egress it is exactly the database path. Credentials: STS and Secrets
    Manager over HTTPS, and the Pod Identity agent when pods use it.
    """
    settings = names.config.environments.cloud()[names.env]
    egress: list[dict[str, Any]] = [
        {
            "to": [{"ipBlock": {"cidr": settings.network.vpc_cidr}}],
            "ports": [{"protocol": "TCP", "port": settings.port}],
        },
        {
            "to": [
                {
                    "namespaceSelector": {
                        "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                    },
                    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                }
            ],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
        },
        {"ports": [{"protocol": "TCP", "port": 443}]},
    ]
    if pod_identity:
        egress.append(
            {
                "to": [{"ipBlock": {"cidr": POD_IDENTITY_AGENT}}],
                "ports": [{"protocol": "TCP", "port": 80}],
            }
        )
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": _metadata(f"{user.kubernetes.service_account}-database-egress", user),
        "spec": {
            "podSelector": {"matchLabels": {USER_LABEL: user.name}},
            "policyTypes": ["Egress"],
            "egress": egress,
        },
    }


def workload_manifests(
    config: PgplatConfig, env: str, endpoints: Endpoints, cluster: str | None = None
) -> dict[str, list[Manifest]]:
    """Manifests by file name (``<namespace>-<service account>.yaml``), one file per workload
    bound to ``cluster`` (default: the environment's first), with that cluster's identity:
    the IRSA annotation, or egress to the Pod Identity agent."""
    chosen = clusters_to_write(config, env, cluster)[0]
    environment = config.environments.cloud()[env]
    names = AccessNames(config, env)
    irsa = chosen.identity == "irsa"
    return {
        f"{user.kubernetes.namespace}-{user.kubernetes.service_account}.yaml": [
            service_account(user, names.workload_role_arn(user) if irsa else None),
            config_map(user, settings(names, user, endpoints)),
            network_policy(names, user, pod_identity=not irsa),
        ]
        for user in config.database.users
        if chosen in environment.clusters_of(user)
    }


def clusters_to_write(config: PgplatConfig, env: str, cluster: str | None) -> list[Eks]:
    """The clusters whose manifests are asked for: ``cluster``, else every one."""
    cloud = config.environments.cloud()
    if env not in cloud:
        raise UserError(f"environment {env} is not configured; configured: {', '.join(cloud)}")
    clusters = cloud[env].clusters
    if not clusters:
        raise UserError(
            f"environments.{env}.eks is not set; add cluster_name and identity to bind workloads"
        )
    if cluster is None:
        return clusters
    chosen = [c for c in clusters if c.cluster_name == cluster]
    if not chosen:
        known = ", ".join(c.cluster_name for c in clusters)
        raise UserError(
            f"environments.{env} has no EKS cluster {cluster}; its clusters: {known} "
            "(pass one of them to --cluster)"
        )
    return chosen


def write_manifests(
    config: PgplatConfig,
    env: str,
    endpoints: Endpoints,
    out: Path,
    ca_bundle: Path | None = None,
    cluster: str | None = None,
) -> list[Path]:
    """Write one YAML file per workload and a kustomization listing them; return the paths.

    One cluster (the environment's only one, or ``cluster``) is written into ``out``; several
    each into ``out/<cluster name>``, since each cluster applies its own kustomization.
    With ``ca_bundle`` (e.g. from ``pgplat certs``) the kustomization also generates a
    ``rds-ca-bundle`` ConfigMap in every workload namespace; mounted at the directory of
    ``PGSSLROOTCERT`` it gives the pods the CA that ``verify-full`` checks the server against.
    """
    clusters = clusters_to_write(config, env, cluster)
    files = {
        c.cluster_name: workload_manifests(config, env, endpoints, c.cluster_name) for c in clusters
    }
    written: list[Path] = []
    for name, manifests in files.items():
        folder = out / name if len(clusters) > 1 else out
        written += _write_kustomization(manifests, folder, ca_bundle)
    return written


def _write_kustomization(
    files: dict[str, list[Manifest]], out: Path, ca_bundle: Path | None
) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, documents in files.items():
        path = out / name
        path.write_text(yaml.safe_dump_all(documents, sort_keys=False))
        written.append(path)
    kustomization: Manifest = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "labels": [{"pairs": dict(MANAGED_BY)}],
        "resources": sorted(files),
    }
    if ca_bundle is not None:
        written.append(_copy_ca_bundle(ca_bundle, out))
        kustomization["configMapGenerator"] = [
            {
                "name": CA_BUNDLE_CONFIG_MAP,
                "namespace": namespace,
                "files": [f"{CA_BUNDLE_KEY}={CA_BUNDLE_FILE}"],
                "options": {"disableNameSuffixHash": True},
            }
            for namespace in sorted({d["metadata"]["namespace"] for f in files.values() for d in f})
        ]
    path = out / "kustomization.yaml"
    path.write_text(yaml.safe_dump(kustomization, sort_keys=False))
    written.append(path)
    return written


def _copy_ca_bundle(source: Path, out: Path) -> Path:
    """Copy the CA bundle beside the kustomization; refuse anything that is not PEM."""
    try:
        text = source.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read CA bundle {source}: {exc}") from None
    if "-----BEGIN CERTIFICATE-----" not in text:
        raise UserError(f"{source} holds no PEM certificate; fetch the bundle with `pgplat certs`")
    target = out / CA_BUNDLE_FILE
    target.write_text(text)
    return target

"""Who this workload is, as one string used for both `application_name` (visible in
`pg_stat_activity` and the server log) and the assumed role's session name (visible in
CloudTrail), so a database session can be traced back to the pod that opened it.

In Kubernetes the names come from the downward API::

    env:
      - {name: POD_NAMESPACE, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
      - {name: POD_SERVICE_ACCOUNT, valueFrom: {fieldRef: {fieldPath: spec.serviceAccountName}}}
      - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}

``POD_NAME`` is optional; with it the identity names the pod as well
(``namespace.service-account.pod-name``), cut to the length both sides accept.
"""

from __future__ import annotations

import functools
import getpass
import re
import socket
from collections.abc import Mapping

POD_VARS = ("POD_NAMESPACE", "POD_SERVICE_ACCOUNT", "POD_NAME")
"""The downward-API variables the identity is made of."""

MAX_LENGTH = 63
"""PostgreSQL truncates application_name at 63 bytes; STS session names allow 64."""

_NOT_ALLOWED = re.compile(r"[^\w+=,.@-]", re.ASCII)
"""Characters STS rejects in a role session name."""


def workload_identity(environ: Mapping[str, str]) -> str:
    """``namespace.service-account[.pod-name]`` inside a pod, ``user@host`` on a laptop."""
    namespace = environ.get("POD_NAMESPACE")
    account = environ.get("POD_SERVICE_ACCOUNT")
    pod = environ.get("POD_NAME")
    if namespace and account:
        name = ".".join(part for part in (namespace, account, pod) if part)
    else:
        name = _laptop()
    return _NOT_ALLOWED.sub("-", name)[:MAX_LENGTH].ljust(2, "-")


@functools.cache
def _laptop() -> str:
    return f"{getpass.getuser()}@{socket.gethostname()}"

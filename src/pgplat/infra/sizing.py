"""What RDS derives from an instance class, so alarms can be set against it.

RDS and Aurora PostgreSQL set ``max_connections`` from the instance's memory
(``LEAST(DBInstanceClassMemory/9531392, 5000)``). CloudWatch reports connections but not the
limit, so the connection alarm needs the limit computed here; an explicit ``max_connections``
in ``environments.<env>.parameters`` wins.
"""

from __future__ import annotations

import re

from pgplat.config.model import CloudEnvironment

GIB = 1024**3
_BYTES_PER_CONNECTION = 9531392
_CONNECTION_CEILING = 5000
_GIB_PER_ACU = 2
_GIB_PER_VCPU = {"r": 8, "x": 16, "m": 4, "c": 2}
_VCPUS = {"large": 2, "xlarge": 4}
_BURSTABLE_GIB = {
    "micro": 1,
    "small": 2,
    "medium": 4,
    "large": 8,
    "xlarge": 16,
    "2xlarge": 32,
}
_CLASS = re.compile(r"^db\.(?P<family>[a-z]+\d*)[a-z]*\.(?P<size>\d*x?large|micro|small|medium)$")


def memory_gib(instance_class: str, serverless_max_acu: float | None = None) -> float:
    """Memory of a DB instance class; Serverless v2 at its maximum capacity."""
    if instance_class == "db.serverless" or serverless_max_acu is not None:
        return (serverless_max_acu or 1) * _GIB_PER_ACU
    match = _CLASS.match(instance_class)
    if match is None:
        raise ValueError(f"unknown instance class {instance_class}")
    family, size = match["family"], match["size"]
    if family.startswith("t"):
        return _BURSTABLE_GIB[size]
    vcpus = _VCPUS[size] if size in _VCPUS else int(size.removesuffix("xlarge")) * 4
    return vcpus * _GIB_PER_VCPU[family[0]]


def max_connections(env: CloudEnvironment) -> int:
    """The connection limit the database will run with."""
    explicit = env.parameters.get("max_connections")
    if explicit is not None:
        return int(explicit)
    max_acu = env.serverless_v2.max_acu if env.serverless_v2 is not None else None
    memory = memory_gib(env.instance_class, max_acu) * GIB
    return int(min(memory // _BYTES_PER_CONNECTION, _CONNECTION_CEILING))

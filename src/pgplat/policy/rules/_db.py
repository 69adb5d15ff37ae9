"""Which RDS resources a rule is about: Aurora clusters and their member instances, RDS
instances, and RDS Multi-AZ DB clusters each carry different properties."""

from __future__ import annotations

from collections.abc import Iterator

from pgplat.policy.assembly import Resource
from pgplat.policy.rules.base import Context

CLUSTER = "AWS::RDS::DBCluster"
INSTANCE = "AWS::RDS::DBInstance"
DATABASES = (CLUSTER, INSTANCE)


def is_member(resource: Resource) -> bool:
    """An instance that belongs to a cluster (its storage and backups are the cluster's)."""
    return resource.type == INSTANCE and "DBClusterIdentifier" in resource.properties


def is_primary(resource: Resource) -> bool:
    """The resource that owns storage, backups and engine settings: a cluster or a lone instance."""
    return resource.type == CLUSTER or (resource.type == INSTANCE and not is_member(resource))


def is_aurora(resource: Resource) -> bool:
    return str(resource.properties.get("Engine", "")).startswith("aurora")


def is_host(resource: Resource) -> bool:
    """What runs a database engine and carries monitoring: an instance, or a Multi-AZ DB
    cluster (which has no instance resources of its own)."""
    return resource.type == INSTANCE or (resource.type == CLUSTER and not is_aurora(resource))


def members(cluster: Resource, context: Context) -> Iterator[Resource]:
    """The instances of an Aurora cluster, wherever in the environment they are declared."""
    for instance in context.resources(INSTANCE):
        if context.references(instance.properties.get("DBClusterIdentifier"), cluster):
            yield instance


def cluster_of(instance: Resource, context: Context) -> Resource | None:
    return context.resolve(instance.properties.get("DBClusterIdentifier"))

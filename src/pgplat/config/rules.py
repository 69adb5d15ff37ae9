"""The cross-field rules of pgplat.yaml: what AWS refuses only once it sees several fields together.

The rules read a ``Parts`` view of the file rather than the whole model, so they also run on
the sections that validated when another section did not (``problems.salvage``): a file with
five problems gets five lines, whichever of them pydantic saw first.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pgplat.config.engines import instance_classes, version_problem
from pgplat.config.extensions import extension_problem
from pgplat.config.problems import Problems
from pgplat.config.types import parse_engine_version

if TYPE_CHECKING:
    from pgplat.config.model import Accounts, CloudEnvironment, Database

_KMS_ARN_FIELDS = 6
ENVIRONMENT_INPUTS: tuple[tuple[str, ...], ...] = (
    ("flavor",),
    ("engine_version",),
    ("upgrade_to",),
    ("instance_class",),
    ("reader_instance_class",),
    ("master_username",),
    ("multi_az_cluster",),
    ("kms_key_arn",),
    ("network",),
    ("eks",),
    ("backup", "cross_region_copy"),
    ("backup", "bunker_copy"),
)
"""The fields of an environment the rules read: a salvaged one must have them as written."""
DATABASE_INPUTS: tuple[tuple[str, ...], ...] = (("engine_version",), ("extensions",))


@dataclass(frozen=True)
class Parts:
    """The sections the rules read; None (or a missing environment) where a section is broken."""

    region: str | None
    zones: list[str] | None
    accounts: Accounts | None
    database: Database | None
    envs: dict[str, CloudEnvironment] = field(default_factory=dict)
    dev_declared: bool = False
    nonprod_declared: bool = True


def check(parts: Parts, problems: Problems) -> None:
    """Add every cross-field problem of ``parts`` to ``problems``."""
    if parts.dev_declared and not parts.nonprod_declared:
        problems.add(
            ("accounts", "nonprod"),
            "environments.dev needs a non-prod account of its own; add accounts.nonprod",
        )
    for name, env in parts.envs.items():
        _environment(parts, name, env, problems)
    _hub_gateways(parts, problems)
    _cidrs(parts, problems)
    _extensions(parts, problems)
    _master_users(parts, problems)
    _user_clusters(parts, problems)


def _environment(parts: Parts, name: str, env: CloudEnvironment, problems: Problems) -> None:
    at = ("environments", name)
    _engine_version(parts, name, env, problems)
    _existing_vpc_zones(parts, name, env, problems)
    spanned = env.network.existing_vpc is None  # else the subnets' zones (max_azs refused)
    if spanned and parts.zones is not None and len(parts.zones) < env.network.max_azs:
        problems.add(
            (*at, "network", "max_azs"),
            f"{env.network.max_azs} AZs asked for but only {len(parts.zones)} "
            "availability_zones are listed; list more zones or lower max_azs",
        )
    copy = env.backup.cross_region_copy
    if copy is not None and parts.region is not None and copy.region == parts.region:
        problems.add(
            (*at, "backup", "cross_region_copy", "region"),
            f"the copy must go to another region than {parts.region}",
        )
    _bunker(parts, name, env, problems)
    if parts.region is not None:
        _instance_class(parts.region, name, env, "instance_class", problems)
        if env.reader_instance_class is not None:
            _instance_class(parts.region, name, env, "reader_instance_class", problems)
    _kms_key(parts, name, env, problems)


def _existing_vpc_zones(parts: Parts, name: str, env: CloudEnvironment, problems: Problems) -> None:
    """The existing VPC's subnets lie in the configured zones (the database's, its readers')."""
    existing = env.network.existing_vpc
    if existing is None or parts.zones is None:
        return
    at = ("environments", name, "network", "existing_vpc", "subnets")
    for i, subnet in enumerate(existing.subnets):
        if subnet.availability_zone not in parts.zones:
            problems.add(
                (*at, i, "availability_zone"),
                f"{subnet.availability_zone} is not one of availability_zones "
                f"({', '.join(parts.zones)}); add it there or correct the subnet's AZ",
                subnet.availability_zone,
            )


def _engine_version(parts: Parts, name: str, env: CloudEnvironment, problems: Problems) -> None:
    if parts.database is None:
        return
    major = parts.database.major
    running = parse_engine_version(env.engine_version)[0] if env.engine_version else major
    if running < major:
        problems.add(
            ("environments", name, "engine_version"),
            f"{env.engine_version} is an earlier major than database.engine_version ({major}); "
            "an environment may run prod's major, or a later one while an upgrade is underway",
        )
        return
    if env.upgrade_to is not None and env.upgrade_to <= running:
        problems.add(
            ("environments", name, "upgrade_to"),
            f"PostgreSQL {env.upgrade_to} is not later than the {running} this environment "
            "runs; remove upgrade_to once the upgrade is done",
        )
    version = env.engine_version or parts.database.engine_version
    where = ("environments", name, "engine_version") if env.engine_version else None
    problem = version_problem(env.flavor, version)
    if problem is not None:
        suffix = "" if where else f" (environments.{name} is {env.flavor})"
        problems.add(where or ("database", "engine_version"), problem + suffix, version)


def _instance_class(
    region: str, name: str, env: CloudEnvironment, option: str, problems: Problems
) -> None:
    cluster = env.flavor == "rds" and env.multi_az_cluster
    offered = instance_classes(env.flavor, region, cluster=cluster)
    chosen: str = getattr(env, option)
    if offered is None or chosen in offered:
        return
    label = "Aurora PostgreSQL" if env.flavor == "aurora" else "RDS for PostgreSQL"
    label += " Multi-AZ DB clusters" if cluster else ""
    family, _, size = chosen.rpartition(".")
    similar = (
        [c for c in offered if c.startswith(family + ".")]
        or [c for c in offered if c.endswith("." + size)]
        or [c for c in ("db.r6g.large", "db.m6g.large", "db.t4g.medium") if c in offered]
    )
    problems.add(
        ("environments", name, option),
        f"{chosen} is not offered for {label} in {region}; use one of {', '.join(similar[:6])}",
        chosen,
    )


def _bunker(parts: Parts, name: str, env: CloudEnvironment, problems: Problems) -> None:
    """A bunker is another account of the same organisation: AWS Backup copies across
    accounts only inside one, and a vault the environment's own accounts hold is no bunker."""
    bunker = env.backup.bunker_copy
    if bunker is None or parts.accounts is None:
        return
    at = ("environments", name, "backup", "bunker_copy", "vault_arn")
    accounts = parts.accounts
    if bunker.account in (accounts.data, accounts.app, accounts.nonprod, accounts.network):
        problems.add(
            at,
            f"account {bunker.account} is one of this configuration's accounts; the bunker is a "
            "separate backup account, out of reach of whoever controls the data account",
        )
    if accounts.organization_id is None:
        problems.add(
            ("accounts", "organization_id"),
            "a bunker copy goes to another account, which AWS Backup allows only inside one "
            "AWS Organization: set accounts.organization_id (o-...)",
        )


def _kms_key(parts: Parts, name: str, env: CloudEnvironment, problems: Problems) -> None:
    if env.kms_key_arn is None:
        return
    pieces = env.kms_key_arn.split(":")
    if len(pieces) < _KMS_ARN_FIELDS:
        return
    key_region, key_account = pieces[3], pieces[4]
    at = ("environments", name, "kms_key_arn")
    if parts.region is not None and key_region != parts.region:
        problems.add(
            at,
            f"the key is in region {key_region} but the database is in {parts.region}; "
            f"RDS needs a key in the database's region: use a key (or replica key) in {parts.region}",
        )
    if parts.accounts is None:
        return
    ours = [a for a in (parts.accounts.data, parts.accounts.app, parts.accounts.nonprod) if a]
    if key_account not in ours:
        problems.add(
            at,
            f"the key belongs to account {key_account}, which is none of the accounts of this "
            f"configuration ({', '.join(ours)}); use a key of the account that holds the "
            "database (pgplat writes no grants for foreign accounts)",
        )


def _hub_gateways(parts: Parts, problems: Problems) -> None:
    """With a network hub the Transit Gateway is the hub's: pgplat creates none, so every
    transit-gateway environment names the one the hub shares with it."""
    if parts.accounts is None or parts.accounts.network is None:
        return
    for name, env in parts.envs.items():
        if env.network.connectivity == "transit-gateway" and env.network.transit_gateway_id is None:
            problems.add(
                ("environments", name, "network", "transit_gateway_id"),
                f"accounts.network {parts.accounts.network} owns the Transit Gateway: set the "
                "id (tgw-...) of the one it shares with this environment",
            )


def _cidrs(parts: Parts, problems: Problems) -> None:
    """Every VPC that may ever be routed together needs its own address space."""
    named: list[tuple[tuple[str | int, ...], str]] = []
    for name, env in parts.envs.items():
        at = ("environments", name, "network")
        named.append(((*at, "vpc_cidr"), env.network.vpc_cidr))
        named.extend(
            ((*at, "app_vpcs", i, "cidr"), v.cidr) for i, v in enumerate(env.network.app_vpcs)
        )
    for j, (where_b, b) in enumerate(named):
        for where_a, a in named[:j]:
            if ipaddress.ip_network(a).overlaps(ipaddress.ip_network(b)):
                other = ".".join(str(p) for p in where_a)
                problems.add(
                    where_b,
                    f"{b} overlaps {other} ({a}); routed VPCs need disjoint CIDRs and "
                    "prod and dev never share address space",
                    b,
                )
                break


def _extensions(parts: Parts, problems: Problems) -> None:
    if parts.database is None:
        return
    major = parts.database.major
    flavors = sorted({env.flavor for env in parts.envs.values()})
    for i, name in enumerate(parts.database.extensions):
        for flavor in flavors:
            problem = extension_problem(name, flavor, major)
            if problem is not None:
                problems.add(("database", "extensions", i), problem, name)
                break


def _master_users(parts: Parts, problems: Problems) -> None:
    """An application user named like a master user would be the master, or collide with it."""
    if parts.database is None:
        return
    masters: dict[str, str] = {}
    for name, env in parts.envs.items():
        masters.setdefault(env.master_username, name)
    for i, user in enumerate(parts.database.users):
        if user.name in masters:
            problems.add(
                ("database", "users", i, "name"),
                f"{user.name!r} is reserved: it is the master user of environments."
                f"{masters[user.name]} (master_username); choose another name",
                user.name,
            )


def _user_clusters(parts: Parts, problems: Problems) -> None:
    """A user's ``kubernetes.clusters`` are clusters of the environments, and name at least
    one of each environment with EKS (a user runs in every environment)."""
    complete = "prod" in parts.envs and ("dev" in parts.envs or not parts.dev_declared)
    if parts.database is None or not complete:
        return  # a broken environment's clusters are unknown, not missing
    known = {name: [c.cluster_name for c in env.clusters] for name, env in parts.envs.items()}
    listing = "; ".join(
        f"environments.{name} has {', '.join(names)}" for name, names in known.items() if names
    )
    for i, user in enumerate(parts.database.users):
        chosen = user.kubernetes.clusters or []
        at = ("database", "users", i, "kubernetes", "clusters")
        unknown = [c for c in chosen if not any(c in names for names in known.values())]
        for cluster in unknown:
            problems.add(
                (*at, chosen.index(cluster)),
                f"user {user.name}: {cluster!r} is no cluster of any environment "
                f"({listing or 'none lists eks'}); name one of those or remove it",
                cluster,
            )
        for name, names in known.items():
            if chosen and not unknown and names and not set(chosen) & set(names):
                problems.add(
                    at,
                    f"user {user.name} is bound to no cluster of environments.{name} (it has "
                    f"{', '.join(names)}); add the one its workload runs in there",
                )

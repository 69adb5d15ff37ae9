"""The isolation proof: no path leads from a non-production environment to production data.

The proof reads every synthesized template of every environment, the guardrails, and the
files generated for non-prod (Kubernetes manifests, ``.env``), and reports each crossing:

======== ==================================================================================
ISO-001  a non-prod account is named in a production policy or resource (trust, key, share)
ISO-002  a route, security group, NACL or address links a non-prod CIDR with a prod VPC
ISO-003  a VPC peering, TGW attachment or TGW route table joins non-prod and prod networks
ISO-004  a prod snapshot or backup can be shared, copied out, or restored into non-prod
ISO-005  non-prod uses a production KMS key
ISO-006  a production account, endpoint, secret or role appears in a non-prod artefact
ISO-007  a guardrail is invalid, or does not deny a crossing it exists to deny
======== ==================================================================================

Production templates are searched for what belongs to non-prod; non-prod templates and
files for what belongs to production (account ids, CIDRs, literal names of the prod
database, secrets, roles, key aliases, the Transit Gateway). Deny statements are skipped:
naming an account in order to shut it out is the point of a guardrail.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pgplat.config.model import Network, PgplatConfig
from pgplat.errors import UserError
from pgplat.guardrails import Guardrails, Perimeter
from pgplat.guardrails.crossings import crossings
from pgplat.guardrails.evaluate import Request, denying_statements, glob_match
from pgplat.guardrails.scp import SNAPSHOT_READS, SNAPSHOT_SHARES
from pgplat.guardrails.statements import listed
from pgplat.policy.assembly import Assembly, Resource
from pgplat.policy.findings import Finding

PROD = "prod"


@dataclass(frozen=True)
class Rule:
    rule_id: str
    title: str
    why: str
    fix: str


RULES: dict[str, Rule] = {
    rule.rule_id: rule
    for rule in (
        Rule(
            "ISO-001",
            "Non-prod account named in production",
            "a non-prod principal or account gains a way into production data",
            "remove the non-prod account from the production resource; grant non-prod "
            "only its own resources",
        ),
        Rule(
            "ISO-002",
            "Network path between non-prod and a prod VPC",
            "packets can flow between a non-prod network and production",
            "limit routes, security groups and NACLs to the production CIDRs; "
            "non-prod CIDRs never appear on the production side or vice versa",
        ),
        Rule(
            "ISO-003",
            "Peering or Transit Gateway joins non-prod and prod",
            "it connects the non-prod network to production, so every other control "
            "becomes the only barrier",
            "delete the peering or attachment; dev has its own VPC and its own connectivity",
        ),
        Rule(
            "ISO-004",
            "Production snapshot can leave production",
            "a snapshot is a full copy of production data",
            "do not share, copy out or restore production snapshots outside the data "
            "account; seed dev from synthetic data",
        ),
        Rule(
            "ISO-005",
            "Non-prod uses a production KMS key",
            "whoever can use the key can decrypt production storage, snapshots and secrets",
            "give every environment its own customer-managed key",
        ),
        Rule(
            "ISO-006",
            "Production reference in a non-prod artefact",
            "non-prod workloads would be pointed at production data or credentials",
            "generate non-prod artefacts from the dev environment only",
        ),
        Rule(
            "ISO-007",
            "Guardrail gap",
            "without it, a person can open the crossing by hand",
            "regenerate the guardrails with `pgplat guardrails --out DIR` and attach them",
        ),
    )
}


@dataclass(frozen=True)
class Where:
    """A location: a template resource and property path, or (without a stack) a place
    outside the templates such as a file line, a config field or a guardrail document."""

    environment: str | None
    stack: str | None = None
    logical_id: str | None = None
    path: str = ""

    def describe(self) -> str:
        if self.stack is None:
            return self.path
        at = f"{self.stack}/{self.logical_id}"
        return f"{at} at {self.path}" if self.path else at


def _finding(rule_id: str, what: str, where: Where) -> Finding:
    rule = RULES[rule_id]
    return Finding(
        rule_id=rule_id,
        severity="error",
        title=rule.title,
        message=f"{what} in {where.describe()}: {rule.why}",
        environment=where.environment,
        stack=where.stack,
        logical_id=where.logical_id,
        fix=rule.fix,
        layer="isolation",
    )


# --- walking templates -------------------------------------------------------------------


def _is_deny_statement(node: Mapping[str, Any]) -> bool:
    return node.get("Effect") == "Deny" and ("Action" in node or "NotAction" in node)


def _leaves(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string in ``node`` with its path, skipping Deny statements."""
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, Mapping):
        if _is_deny_statement(node):
            return
        for key, value in node.items():
            yield from _leaves(value, f"{path}.{key}" if path else str(key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaves(value, f"{path}[{index}]")


def _allow_statements(node: Any) -> Iterator[Mapping[str, Any]]:
    """Every Allow statement anywhere in ``node`` (inline policies, key and trust policies)."""
    if isinstance(node, Mapping):
        if node.get("Effect") == "Allow" and "Action" in node:
            yield node
            return
        for value in node.values():
            yield from _allow_statements(value)
    elif isinstance(node, list):
        for value in node:
            yield from _allow_statements(value)


def _grants(statement: Mapping[str, Any], actions: list[str]) -> list[str]:
    """Which of ``actions`` the statement allows (wildcards included, bare ``*`` excluded)."""
    globs = [g for g in listed(statement["Action"]) if isinstance(g, str) and g != "*"]
    return [a for a in actions if any(glob_match(g, a, ignore_case=True) for g in globs)]


def _at(resource: Resource, path: str = "") -> Where:
    return Where(resource.environment, resource.stack, resource.logical_id, path)


# --- what each side owns --------------------------------------------------------------------

_ADDRESS = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?(?![\d.])")
_NAME_PROPERTIES = {
    "AWS::RDS::DBCluster": ("DBClusterIdentifier", "prod database cluster"),
    "AWS::RDS::DBInstance": ("DBInstanceIdentifier", "prod database instance"),
    "AWS::SecretsManager::Secret": ("Name", "prod secret"),
    "AWS::IAM::Role": ("RoleName", "prod role"),
    "AWS::KMS::Alias": ("AliasName", "prod key alias"),
    "AWS::Backup::BackupVault": ("BackupVaultName", "prod backup vault"),
    "AWS::Route53::RecordSet": ("Name", "prod DNS name"),
}
_MIN_NAME = 6


def _network(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return None


@dataclass(frozen=True)
class Marker:
    """A production value that must never appear on the non-prod side, and what it is."""

    pattern: re.Pattern[str]
    rule_id: str
    what: str


@dataclass(frozen=True)
class Boundary:
    """The facts the rules compare against, gathered from the config and prod templates."""

    perimeter: Perimeter
    prod_cidrs: dict[str, str]
    nonprod_cidrs: dict[str, str]
    nonprod_ids: frozenset[str]
    """The non-prod account and the configured ids of non-prod VPCs and Transit Gateways."""
    markers: list[Marker]

    @staticmethod
    def _overlap(cidr: str, known: dict[str, str]) -> str | None:
        network = _network(cidr)
        if network is None or network.prefixlen == 0:
            return None  # a default route or "anywhere" rule names no network in particular
        for other, what in known.items():
            if network.overlaps(ipaddress.ip_network(other)):
                return f"{cidr} overlaps {what} {other}"
        return None

    def nonprod_network(self, cidr: str) -> str | None:
        return self._overlap(cidr, self.nonprod_cidrs)

    def prod_network(self, cidr: str) -> str | None:
        return self._overlap(cidr, self.prod_cidrs)

    def prod_references(self, text: str) -> dict[str, str]:
        """Rule id → what, for the first production value of each kind ``text`` contains."""
        found = [(m.rule_id, m.what) for m in self.markers if m.pattern.search(text)]
        found += [
            ("ISO-002", f"address {overlap}")
            for address in _ADDRESS.findall(text)
            if (overlap := self.prod_network(address)) is not None
        ]
        first: dict[str, str] = {}
        for rule_id, what in found:
            first.setdefault(rule_id, what)
        return first


def _cidrs(config: PgplatConfig, env: str) -> dict[str, str]:
    network = config.environments.cloud()[env].network
    cidrs = {network.vpc_cidr: f"the {env} data VPC"}
    cidrs.update({cidr: f"the {env} app VPC" for cidr in network.app_cidrs})
    return cidrs


def _vpc_cidrs(resources: list[Resource], prod: bool) -> dict[str, str]:
    return {
        r.properties["CidrBlock"]: f"VPC {r.stack}/{r.logical_id}"
        for r in resources
        if r.type == "AWS::EC2::VPC"
        and (r.environment == PROD) == prod
        and isinstance(r.properties.get("CidrBlock"), str)
    }


def _word(value: str) -> re.Pattern[str]:
    """``value`` as a whole word: ``innovate-prod`` is not ``innovate-prod2``."""
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(value)}(?![A-Za-z0-9])")


def _literal(value: str, rule_id: str, what: str) -> Marker:
    return Marker(_word(value), rule_id, what)


def _name_markers(resources: list[Resource]) -> Iterator[Marker]:
    """The literal names production resources carry (database, secrets, roles, aliases)."""
    for r in resources:
        if r.environment != PROD or r.type not in _NAME_PROPERTIES:
            continue
        prop, kind = _NAME_PROPERTIES[r.type]
        name = r.properties.get(prop)
        if isinstance(name, str) and len(name) >= _MIN_NAME:
            rule_id = "ISO-005" if r.type == "AWS::KMS::Alias" else "ISO-006"
            yield _literal(name, rule_id, f"the {kind} {name!r}")


def _prod_markers(config: PgplatConfig, resources: list[Resource]) -> list[Marker]:
    perimeter = Perimeter.of(config)
    data, app = perimeter.data_account, perimeter.app_account
    prod = config.environments.prod
    markers = [
        _literal(data, "ISO-006", "the prod data account id"),
        _literal(app, "ISO-006", "the prod app account id"),
        Marker(re.compile(rf":kms:[^:]*:(?:{data}|{app}):"), "ISO-005", "a prod KMS key ARN"),
    ]
    if prod.kms_key_arn is not None:
        markers.append(_literal(prod.kms_key_arn, "ISO-005", "the prod KMS key"))
    if prod.network.transit_gateway_id is not None:
        tgw = prod.network.transit_gateway_id
        markers.append(_literal(tgw, "ISO-003", f"the prod Transit Gateway {tgw}"))
    markers += [
        _literal(vpc.vpc_id, "ISO-003", f"the prod app VPC {vpc.vpc_id}")
        for vpc in prod.network.app_vpcs
        if vpc.vpc_id is not None
    ]
    existing = prod.network.existing_vpc
    if existing is not None:
        markers.append(_literal(existing.vpc_id, "ISO-003", f"the prod data VPC {existing.vpc_id}"))
        markers += [
            _literal(s.subnet_id, "ISO-003", f"the prod data subnet {s.subnet_id}")
            for s in existing.subnets
        ]
    markers += _name_markers(resources)
    return markers


def _nonprod_ids(config: PgplatConfig) -> frozenset[str]:
    ids = {config.accounts.nonprod}
    for env, settings in config.environments.cloud().items():
        if env != PROD:
            ids.add(settings.network.transit_gateway_id)
            ids.update(vpc.vpc_id for vpc in settings.network.app_vpcs)
            existing = settings.network.existing_vpc
            ids.add(existing.vpc_id if existing is not None else None)
    return frozenset(i for i in ids if i is not None)


def _boundary(config: PgplatConfig, resources: list[Resource]) -> Boundary:
    nonprod = {
        cidr: what
        for env in config.environments.cloud()
        if env != PROD
        for cidr, what in _cidrs(config, env).items()
    }
    return Boundary(
        perimeter=Perimeter.of(config),
        prod_cidrs={**_vpc_cidrs(resources, prod=True), **_cidrs(config, PROD)},
        nonprod_cidrs={**_vpc_cidrs(resources, prod=False), **nonprod},
        nonprod_ids=_nonprod_ids(config),
        markers=_prod_markers(config, resources),
    )


# --- rules over production templates ------------------------------------------------------


def _nonprod_accounts_in_prod(boundary: Boundary, resource: Resource) -> Iterator[Finding]:
    """ISO-001: a non-prod account anywhere in a production resource outside a Deny."""
    account = boundary.perimeter.nonprod_account
    if account is None:
        return
    pattern = _word(account)
    for path, text in _leaves(resource.properties):
        if pattern.search(text):
            what = f"non-prod account {account} in {resource.type}"
            yield _finding("ISO-001", what, _at(resource, f"Properties.{path}"))
            return


def _cidr_rules(resource: Resource) -> Iterator[tuple[str, Any]]:
    """(path, CIDR) of every rule or route of a network resource that lets traffic through."""
    p = resource.properties
    if resource.type in ("AWS::EC2::Route", "AWS::EC2::TransitGatewayRoute"):
        yield "DestinationCidrBlock", p.get("DestinationCidrBlock")
    elif resource.type in ("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"):
        yield "CidrIp", p.get("CidrIp")
    elif resource.type == "AWS::EC2::SecurityGroup":
        for direction in ("SecurityGroupIngress", "SecurityGroupEgress"):
            for index, rule in enumerate(p.get(direction, [])):
                yield f"{direction}[{index}].CidrIp", rule.get("CidrIp")
    elif resource.type == "AWS::EC2::NetworkAclEntry" and p.get("RuleAction") == "allow":
        yield "CidrBlock", p.get("CidrBlock")
    elif resource.type == "AWS::EC2::PrefixList":
        for index, entry in enumerate(p.get("Entries", [])):
            yield f"Entries[{index}].Cidr", entry.get("Cidr")


def _prod_network_admits_nonprod(boundary: Boundary, resource: Resource) -> Iterator[Finding]:
    """ISO-002: a production route, SG or NACL rule naming a non-prod network."""
    for path, cidr in _cidr_rules(resource):
        overlap = boundary.nonprod_network(cidr) if isinstance(cidr, str) else None
        if overlap is not None:
            yield _finding(
                "ISO-002", f"{resource.type} rule {overlap}", _at(resource, f"Properties.{path}")
            )


_PEERING_TYPES = {
    "AWS::EC2::VPCPeeringConnection": ("PeerOwnerId", "PeerVpcId"),
    "AWS::EC2::TransitGatewayPeeringAttachment": ("PeerAccountId", "PeerTransitGatewayId"),
    "AWS::EC2::TransitGatewayAttachment": ("TransitGatewayId",),
    "AWS::EC2::TransitGatewayVpcAttachment": ("TransitGatewayId",),
    # a route table is where a TGW's owner (the data account or a network hub) joins networks
    "AWS::EC2::TransitGatewayRouteTable": ("TransitGatewayId",),
}


def _prod_joins_nonprod(boundary: Boundary, resource: Resource) -> Iterator[Finding]:
    """ISO-003: a production peering or attachment whose other end is non-prod."""
    for prop in _PEERING_TYPES.get(resource.type, ()):
        value = resource.properties.get(prop)
        if isinstance(value, str) and value in boundary.nonprod_ids:
            yield _finding(
                "ISO-003",
                f"{resource.type} to non-prod {value}",
                _at(resource, f"Properties.{prop}"),
            )


_BACKUP_ACCOUNT = re.compile(r":backup:[^:]*:(\d{12}):backup-vault:")
_SNAPSHOT_ACTION = re.compile(r"modifydb(cluster)?snapshotattribute", re.IGNORECASE)


def _prod_snapshots_leave(boundary: Boundary, resource: Resource) -> Iterator[Finding]:
    """ISO-004: production allows sharing snapshots, performs a share, or copies backups out."""
    for statement in _allow_statements(resource.properties):
        granted = _grants(statement, SNAPSHOT_SHARES)
        if granted:
            yield _finding(
                "ISO-004", f"permission to {', '.join(granted)}", _at(resource, "Properties")
            )
            return
    for path, text in _leaves(resource.properties):
        if _SNAPSHOT_ACTION.search(text):
            yield _finding(
                "ISO-004", "a call that shares a snapshot", _at(resource, f"Properties.{path}")
            )
            return
        copy = _BACKUP_ACCOUNT.search(text) if "CopyActions" in path else None
        bunker = text == boundary.perimeter.bunker_vault_arn  # the one vault allowed outside
        if copy and copy.group(1) not in boundary.perimeter.prod_accounts and not bunker:
            what = f"backup copies to a vault in account {copy.group(1)}, outside production"
            yield _finding("ISO-004", what, _at(resource, f"Properties.{path}"))
            return


# --- rules over non-prod templates ----------------------------------------------------------

_SOURCE_PROPERTIES = (
    "DBSnapshotIdentifier",
    "DBClusterSnapshotIdentifier",
    "SnapshotIdentifier",
    "SourceDBInstanceIdentifier",
    "SourceDBClusterIdentifier",
    "SourceDBInstanceAutomatedBackupsArn",
)
_RULE_BY_TYPE = {t: "ISO-003" for t in _PEERING_TYPES} | {
    "AWS::EC2::Route": "ISO-002",
    "AWS::EC2::TransitGatewayRoute": "ISO-002",
}


def _rule_for(resource: Resource, path: str, found: str) -> str:
    """The most specific rule for a production value found at ``path`` of ``resource``."""
    if resource.type.startswith("AWS::RDS::DB") and path.split(".")[0] in _SOURCE_PROPERTIES:
        return "ISO-004"
    if found == "ISO-006":
        return _RULE_BY_TYPE.get(resource.type, found)
    return found


def _nonprod_reaches_prod(boundary: Boundary, resource: Resource) -> Iterator[Finding]:
    """ISO-002..006: production values in a non-prod resource, by the most specific rule."""
    for statement in _allow_statements(resource.properties):
        resources = " ".join(str(r) for r in listed(statement.get("Resource", [])))
        granted = _grants(statement, SNAPSHOT_READS)
        if granted and "ISO-006" in boundary.prod_references(resources):
            yield _finding(
                "ISO-004",
                f"permission to {', '.join(granted)} on prod resources",
                _at(resource, "Properties"),
            )
            return
    for path, text in _leaves(resource.properties):
        for found, what in boundary.prod_references(text).items():
            rule_id = _rule_for(resource, path, found)
            yield _finding(
                rule_id, f"{what} in {resource.type}", _at(resource, f"Properties.{path}")
            )


def _nonprod_parameters_and_outputs(boundary: Boundary, assembly: Assembly) -> Iterator[Finding]:
    """ISO-002..006: production values as a non-prod parameter default or stack output."""
    for stack in assembly.stacks:
        env = stack.environment
        if env == PROD:
            continue
        for section in ("Parameters", "Outputs"):
            for logical_id, value in stack.template.get(section, {}).items():
                for path, text in _leaves(value):
                    for rule_id, what in boundary.prod_references(text).items():
                        where = Where(env, stack.name, logical_id, f"{section}.{logical_id}.{path}")
                        yield _finding(rule_id, f"{what} in a stack {section[:-1].lower()}", where)


# --- the configuration, files, guardrails ---------------------------------------------------


def _config_crossings(config: PgplatConfig) -> Iterator[Finding]:
    """ISO-003/005: the configuration itself shares a key or a Transit Gateway with prod."""
    prod = config.environments.prod
    perimeter = Perimeter.of(config)
    for env, settings in config.environments.cloud().items():
        if env == PROD:
            continue
        at = f"environments.{env}"
        key = settings.kms_key_arn
        if key is not None and (
            key == prod.kms_key_arn or key.split(":")[4] in perimeter.prod_accounts
        ):
            where = Where(env, path=f"{at}.kms_key_arn of the configuration")
            yield _finding("ISO-005", f"key {key}, a production key,", where)
        tgw = settings.network.transit_gateway_id
        if tgw is not None and tgw == prod.network.transit_gateway_id:
            where = Where(env, path=f"{at}.network.transit_gateway_id of the configuration")
            yield _finding("ISO-003", f"the prod Transit Gateway {tgw}", where)
        yield from _shared_data_vpc(env, settings.network, prod.network)


def _shared_data_vpc(env: str, network: Network, prod: Network) -> Iterator[Finding]:
    """ISO-003: a non-prod environment configured into production's existing data VPC."""
    ours, theirs = network.existing_vpc, prod.existing_vpc
    if ours is not None and theirs is not None and ours.vpc_id == theirs.vpc_id:
        path = f"environments.{env}.network.existing_vpc.vpc_id of the configuration"
        yield _finding("ISO-003", f"the prod data VPC {ours.vpc_id}", Where(env, path=path))


def _file_crossings(boundary: Boundary, paths: Iterable[Path]) -> Iterator[Finding]:
    """ISO-002/005/006: production values in files generated for non-prod."""
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise UserError(f"cannot read {path} for the isolation proof: {exc}") from None
        for number, line in enumerate(lines, start=1):
            for rule_id, what in boundary.prod_references(line).items():
                yield _finding(rule_id, what, Where(None, path=f"{path}:{number}"))


def _guardrail_gaps(guardrails: Guardrails, perimeter: Perimeter) -> Iterator[Finding]:
    """ISO-007: a guardrail AWS would reject, or a crossing no guardrail denies."""
    for problem in guardrails.problems():
        yield _finding(
            "ISO-007", f"an invalid guardrail ({problem})", Where(None, path="the guardrails")
        )
    for crossing in crossings(perimeter):
        request: Request = crossing.request
        if not denying_statements(guardrails.statements(crossing.document), request):
            what = f"nothing denies a non-prod attempt to {crossing.what} ({request.action} on {request.resource})"
            yield _finding("ISO-007", what, Where(None, path=crossing.document))


# --- the proof --------------------------------------------------------------------------------

_GENERIC = {"ISO-001", "ISO-006"}

ResourceRule = Callable[[Boundary, Resource], Iterator[Finding]]
_PROD_RULES: tuple[ResourceRule, ...] = (
    _nonprod_accounts_in_prod,
    _prod_network_admits_nonprod,
    _prod_joins_nonprod,
    _prod_snapshots_leave,
)


def _one_per_location(findings: list[Finding]) -> list[Finding]:
    """One finding per rule and place, and none from a generic rule (ISO-001, ISO-006) on a
    resource a specific rule already reported."""

    def place(f: Finding) -> tuple[str | None, str | None]:
        return (f.stack, f.logical_id) if f.stack is not None else (None, f.message)

    specific = {place(f) for f in findings if f.rule_id not in _GENERIC and f.stack is not None}
    kept: dict[tuple[str, str | None, str | None], Finding] = {}
    for f in findings:
        if f.rule_id not in _GENERIC or place(f) not in specific:
            kept.setdefault((f.rule_id, *place(f)), f)
    return list(kept.values())


def prove_isolation(
    assembly: Assembly,
    config: PgplatConfig,
    guardrails: Guardrails | None = None,
    extra_files: Iterable[Path] = (),
) -> list[Finding]:
    """Every crossing from non-prod to production data; an empty list is the proof.

    ``extra_files`` are files generated for non-prod environments (Kubernetes manifests,
    ``.env``); ``guardrails`` are checked for validity and for denying every crossing in
    :func:`pgplat.guardrails.crossings.crossings`.
    """
    resources = [r for stack in assembly.stacks for r in stack.resources]
    boundary = _boundary(config, resources)
    findings: list[Finding] = list(_config_crossings(config))
    for resource in resources:
        if resource.environment == PROD:
            for rule in _PROD_RULES:
                findings.extend(rule(boundary, resource))
        else:
            findings.extend(_nonprod_reaches_prod(boundary, resource))
    findings.extend(_nonprod_parameters_and_outputs(boundary, assembly))
    findings.extend(_file_crossings(boundary, extra_files))
    if guardrails is not None:
        findings.extend(_guardrail_gaps(guardrails, boundary.perimeter))
    return _one_per_location(findings)

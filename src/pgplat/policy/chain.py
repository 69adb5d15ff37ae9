"""The cross-account chain check: follow each link across the synthesized templates.

Identity: Kubernetes service account → workload role (trust) → data role (its only permission)
→ data role trust (only that workload role) → for ``auth: iam`` users ``rds-db:connect`` on
exactly ``dbuser:<resource id of the database in the template>/<user>``, for ``auth: secret``
users the user's own secret and no ``rds-db:connect``.
Network: app CIDR → routes on both sides → the Transit Gateway's route tables, in the stack of
whoever owns it (the data account, or the network hub, ``accounts.network``) → database-subnet
NACL → database security group → the database's port (``environments.<env>.port``, default 5432). A missing link breaks
access; an over-broad one breaks least privilege. Both are reported as
:class:`~pgplat.policy.findings.Finding` with a ``CHAIN-…`` rule id.

It reads the one model of the synthesized assembly (:mod:`pgplat.policy.assembly`).
Intrinsic functions are rendered to plain strings first (``${Logical.Attr}`` for attributes,
``${Logical}`` for references), so a rule compares text, not template trees.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pgplat.config.model import PROXY_PORT, DatabaseUser, Eks, PgplatConfig, StackAccount
from pgplat.infra.access_names import (
    PODS_SERVICE,
    STS_AUDIENCE,
    AccessNames,
    service_account_subject,
)
from pgplat.naming import partition
from pgplat.policy.assembly import Assembly, Resource, Stack
from pgplat.policy.findings import Finding, Severity

NO_EGRESS = "255.255.255.255/32"
"""The CDK's placeholder rule in a security group that allows no outbound traffic."""
RESOURCE_ID_ATTRIBUTES = {
    "AWS::RDS::DBCluster": "DBClusterResourceId",
    "AWS::RDS::DBInstance": "DbiResourceId",
}
PROXY = "AWS::RDS::DBProxy"
"""An RDS Proxy in front of the database: workload → proxy → database."""


@dataclass(frozen=True)
class ChainRule:
    title: str
    fix: str
    severity: Severity = "error"


_REGENERATE = "regenerate with `pgplat synth` instead of editing templates or roles by hand"
RULES: dict[str, ChainRule] = {
    "CHAIN-001": ChainRule("Workload role exists for the service account", _REGENERATE),
    "CHAIN-002": ChainRule(
        "Workload role trusts only its service account",
        "trust the cluster's OIDC provider with sub and aud conditions (IRSA), or "
        "pods.eks.amazonaws.com pinned to the cluster plus a Pod Identity association",
    ),
    "CHAIN-003": ChainRule(
        "Workload role may only assume its data role",
        "allow only sts:AssumeRole on pgplat-<name>-<env>-db-<user>",
    ),
    "CHAIN-004": ChainRule("Data role exists for the database user", _REGENERATE),
    "CHAIN-005": ChainRule(
        "Data role trusts only its workload role",
        "trust the app account with aws:PrincipalArn = the workload role "
        "(and aws:PrincipalOrgID when accounts.organization_id is set)",
    ),
    "CHAIN-006": ChainRule(
        "rds-db:connect names exactly the database and user, for auth: iam users only",
        "grant rds-db:connect on dbuser:<the database's resource id>/<user> only, and only "
        "to users with auth: iam",
    ),
    "CHAIN-007": ChainRule(
        "Secret access only for secret-auth users, on their own secret",
        "grant secretsmanager:GetSecretValue on the user's own secret, only for auth: secret",
    ),
    "CHAIN-008": ChainRule(
        "Routes lead only between the data VPC and the app VPCs",
        "route only network.vpc_cidr from the app VPCs and only network.app_vpcs[].cidr back",
    ),
    "CHAIN-009": ChainRule(
        "Database-subnet NACL admits the database port from the app VPCs and nothing else",
        "allow TCP port (default 5432) in and 1024-65535 out for each app CIDR; nothing else "
        "from outside",
    ),
    "CHAIN-011": ChainRule(
        "RDS Proxy admits 5432 from the app VPCs only, and the database admits the proxy",
        "let the proxy's security group admit TCP 5432 from each app CIDR only and the "
        "database's security group admit the proxy's group",
    ),
    "CHAIN-012": ChainRule(
        "The Transit Gateway's route tables join only the data VPC and the app VPCs",
        "share the TGW with the environment's data and app accounts only; associate the data "
        "attachment with a table routing only the app CIDRs to their attachments and the app "
        "attachments with one routing only network.vpc_cidr to the data attachment; static "
        "routes, no propagation",
    ),
    "CHAIN-010": ChainRule(
        "Database security group admits the database port from the app VPCs only, and "
        "reaches nothing",
        "admit TCP port (default 5432) from each app CIDR and nothing else; allow no egress "
        "beyond the VPC",
    ),
}


def render(value: Any, region: str, account: str) -> str:
    """An intrinsic-function value as text: ``Fn::Join`` joined, pseudo parameters filled in."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping) and len(value) == 1:
        (fn, arg), *_ = value.items()
        if fn == "Fn::Join":
            separator, parts = arg
            return str(separator).join(render(p, region, account) for p in parts)
        if fn == "Ref":
            pseudo = {
                "AWS::Partition": partition(region),
                "AWS::Region": region,
                "AWS::AccountId": account,
            }
            return pseudo.get(arg, f"${{{arg}}}")
        if fn == "Fn::GetAtt":
            return f"${{{arg[0]}.{arg[1]}}}"
        if fn == "Fn::Select" and isinstance(arg[1], Mapping) and "Fn::Split" in arg[1]:
            separator, source = arg[1]["Fn::Split"]
            return f"{render(source, region, account)}.split({separator!r})[{arg[0]}]"
    return json.dumps(value, sort_keys=True)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


class _Templates:
    """One environment's templates of one account role, searchable by type and name."""

    def __init__(self, stacks: list[Stack], region: str, account: str) -> None:
        self.region = region
        self.account = account
        self.resources = [r for stack in stacks for r in stack.resources]

    def text(self, value: Any) -> str:
        return render(value, self.region, self.account)

    def of_type(self, *types: str) -> Iterator[Resource]:
        return (r for r in self.resources if r.type in types)

    def role_named(self, name: str) -> Resource | None:
        return next(
            (r for r in self.of_type("AWS::IAM::Role") if r.properties.get("RoleName") == name),
            None,
        )

    def statements_of(self, role: Resource) -> list[Mapping[str, Any]]:
        """Identity-policy statements attached to ``role`` (inline and AWS::IAM::Policy)."""
        statements: list[Mapping[str, Any]] = []
        for policy in role.properties.get("Policies", []):
            statements.extend(policy["PolicyDocument"]["Statement"])
        for policy in self.of_type("AWS::IAM::Policy"):
            if policy.stack == role.stack and {"Ref": role.logical_id} in policy.properties.get(
                "Roles", []
            ):
                statements.extend(policy.properties["PolicyDocument"]["Statement"])
        return statements


class _Check:
    """Collects findings for one environment."""

    def __init__(self, env: str) -> None:
        self.env = env
        self.findings: list[Finding] = []

    def fail(self, rule_id: str, message: str, at: Resource | None = None) -> None:
        rule = RULES[rule_id]
        self.findings.append(
            Finding(
                rule_id=rule_id,
                severity=rule.severity,
                title=rule.title,
                message=message,
                environment=self.env,
                stack=at.stack if at else None,
                logical_id=at.logical_id if at else None,
                fix=rule.fix,
                layer="chain",
            )
        )


def check_chain(assembly: Assembly, config: PgplatConfig) -> list[Finding]:
    """Every broken or over-broad link of the cross-account chain, for each synthesized env."""
    findings: list[Finding] = []
    configured = set(config.environments.cloud())
    for env in sorted(configured.intersection(s.environment for s in assembly.stacks)):
        names = AccessNames(config, env)
        data = _templates(assembly, env, "data", names)
        app = _templates(assembly, env, "app", names)
        check = _Check(env)
        _identity_chain(check, names, data, app)
        _network_chain(check, names, data, app)
        if config.environments.cloud()[env].network.connectivity == "transit-gateway":
            owner: StackAccount = "network" if config.routed_by_hub(env) else "data"
            _gateway_tables(check, names, _templates(assembly, env, owner, names))
        findings.extend(check.findings)
    return findings


def _templates(assembly: Assembly, env: str, role: StackAccount, names: AccessNames) -> _Templates:
    stacks = assembly.stacks_of(env, role)
    region = (stacks[0].region or names.config.region) if stacks else ""
    account = names.config.account_of(names.env, role)
    return _Templates(stacks, region, account)


# --- identity -------------------------------------------------------------------------------


def _identity_chain(check: _Check, names: AccessNames, data: _Templates, app: _Templates) -> None:
    environment = names.config.environments.cloud()[names.env]
    for user in names.config.database.users:
        if environment.clusters:
            workload = app.role_named(names.workload_role_name(user))
            if workload is None:
                check.fail(
                    "CHAIN-001",
                    f"no workload role {names.workload_role_name(user)} for {_sa(user)}",
                )
            else:
                bound = _Workload(workload, user, environment.clusters_of(user))
                _workload_trust(check, names, app, bound)
                _associations(check, app, bound)
                _workload_permissions(check, names, app, workload, user)
        role = data.role_named(names.data_role_name(user))
        if role is None:
            check.fail(
                "CHAIN-004", f"no data role {names.data_role_name(user)} for user {user.name}"
            )
            continue
        _data_trust(check, names, data, role, user)
        _data_permissions(check, names, data, role, user)


def _sa(user: DatabaseUser) -> str:
    return f"{user.kubernetes.namespace}/{user.kubernetes.service_account}"


def _trust(role: Resource) -> list[Mapping[str, Any]]:
    return list(role.properties.get("AssumeRolePolicyDocument", {}).get("Statement", []))


@dataclass(frozen=True)
class _Workload:
    """A user's workload role and the clusters the user is bound to in the environment."""

    role: Resource
    user: DatabaseUser
    clusters: list[Eks]


def _workload_trust(check: _Check, names: AccessNames, app: _Templates, bound: _Workload) -> None:
    """Each statement admits the service account's pods of clusters it is bound to, and
    every one of those clusters is admitted: one finding per cluster too many or missing."""
    role, user = bound.role, bound.user
    trusted: set[str] = set()
    for statement in _trust(role):
        principal = statement.get("Principal", {})
        if "Federated" in principal:
            trusted |= _irsa_statement(check, names, app, bound, statement)
        elif principal == {"Service": PODS_SERVICE}:
            trusted |= _pods_statement(check, names, bound, statement)
        else:
            check.fail(
                "CHAIN-002",
                f"workload role of {_sa(user)} trusts {json.dumps(principal)}, no pods of its "
                "clusters",
                role,
            )
    for cluster in bound.clusters:
        if cluster.cluster_name not in trusted:
            check.fail(
                "CHAIN-002",
                f"workload role of {_sa(user)} does not trust its pods in cluster "
                f"{cluster.cluster_name} ({cluster.identity})",
                role,
            )


def _irsa_statement(
    check: _Check,
    names: AccessNames,
    app: _Templates,
    bound: _Workload,
    statement: Mapping[str, Any],
) -> set[str]:
    """The IRSA cluster a web-identity statement admits the user's pods of (over-broad
    conditions are a finding, yet the cluster is admitted)."""
    role, user = bound.role, bound.user
    provider = app.text(statement["Principal"]["Federated"])
    issuers = {names.oidc_provider_arn(c): c for c in bound.clusters if c.identity == "irsa"}
    cluster = issuers.get(provider)
    if cluster is None:
        check.fail(
            "CHAIN-002",
            f"workload role of {_sa(user)} trusts {provider}, the issuer of no IRSA cluster "
            "it is bound to",
            role,
        )
        return set()
    issuer, conditions = names.oidc_issuer(cluster), statement.get("Condition", {})
    equals = conditions.get("StringEquals", {})
    if (
        equals.get(f"{issuer}:sub") != service_account_subject(user)
        or equals.get(f"{issuer}:aud") != STS_AUDIENCE
        or conditions.get("StringLike")
    ):
        check.fail(
            "CHAIN-002",
            f"workload role of {_sa(user)} trusts cluster {cluster.cluster_name}'s issuer "
            f"beyond {service_account_subject(user)} and the STS audience",
            role,
        )
    return {cluster.cluster_name}


def _pods_statement(
    check: _Check, names: AccessNames, bound: _Workload, statement: Mapping[str, Any]
) -> set[str]:
    """The Pod Identity clusters a pods.eks statement admits (pods of every cluster, or of
    another account, are a finding; the user's clusters are then admitted too)."""
    role, user = bound.role, bound.user
    arns = {
        names.eks_cluster_arn(c): c.cluster_name for c in bound.clusters if c.identity != "irsa"
    }
    conditions = statement.get("Condition", {})
    sources = as_list(conditions.get("ArnEquals", {}).get("aws:SourceArn", []))
    account = conditions.get("StringEquals", {}).get("aws:SourceAccount")
    if account != names.app_account or not sources:
        check.fail(
            "CHAIN-002",
            f"workload role of {_sa(user)} trusts pods of any cluster, not only "
            f"{', '.join(sorted(arns.values())) or 'none'}",
            role,
        )
        return set(arns.values())
    for source in sources:
        if source not in arns:
            check.fail(
                "CHAIN-002",
                f"workload role of {_sa(user)} trusts pods of {source}, a cluster it is not "
                "bound to",
                role,
            )
    return {arns[s] for s in sources if s in arns}


def _associations(check: _Check, app: _Templates, bound: _Workload) -> None:
    """One Pod Identity association of the service account to its role per Pod Identity
    cluster it is bound to, and none in another cluster."""
    role, user = bound.role, bound.user
    expected = {c.cluster_name for c in bound.clusters if c.identity == "pod-identity"}
    found = {
        app.text(a.properties.get("ClusterName")): a
        for a in app.of_type("AWS::EKS::PodIdentityAssociation")
        if (a.properties.get("Namespace"), a.properties.get("ServiceAccount"))
        == (user.kubernetes.namespace, user.kubernetes.service_account)
        and app.text(a.properties.get("RoleArn")) == f"${{{role.logical_id}.Arn}}"
    }
    for cluster in sorted(expected - set(found)):
        check.fail(
            "CHAIN-002",
            f"no Pod Identity association binds {_sa(user)} to its workload role in cluster "
            f"{cluster}",
            role,
        )
    for cluster in sorted(set(found) - expected):
        check.fail(
            "CHAIN-002",
            f"a Pod Identity association binds {_sa(user)} to its workload role in cluster "
            f"{cluster}, which it is not bound to",
            found[cluster],
        )


def _workload_permissions(
    check: _Check, names: AccessNames, app: _Templates, role: Resource, user: DatabaseUser
) -> None:
    target = names.data_role_arn(user)
    granted = False
    for statement in app.statements_of(role):
        actions = as_list(statement.get("Action"))
        resources = [app.text(r) for r in as_list(statement.get("Resource"))]
        if actions == ["sts:AssumeRole"] and resources == [target]:
            granted = True
        else:
            check.fail(
                "CHAIN-003",
                f"workload role of {_sa(user)} allows {actions} on {resources}; only sts:AssumeRole on {target}",
                role,
            )
    if not granted:
        check.fail("CHAIN-003", f"workload role of {_sa(user)} cannot assume {target}", role)


def _data_trust(
    check: _Check, names: AccessNames, data: _Templates, role: Resource, user: DatabaseUser
) -> None:
    expected = names.workload_role_arn(user)
    root = f"arn:{names.partition}:iam::{names.app_account}:root"
    org = names.config.accounts.organization_id
    for statement in _trust(role):
        principal = data.text(statement.get("Principal", {}).get("AWS"))
        conditions = statement.get("Condition", {})
        pinned = conditions.get("ArnEquals", {}).get("aws:PrincipalArn") == expected
        in_org = org is None or conditions.get("StringEquals", {}).get("aws:PrincipalOrgID") == org
        if principal not in (root, expected) or not (pinned or principal == expected) or not in_org:
            check.fail(
                "CHAIN-005",
                f"data role of {user.name} trusts {principal} without pinning it to {expected}"
                + ("" if in_org else f" inside {org}"),
                role,
            )


def _data_permissions(
    check: _Check, names: AccessNames, data: _Templates, role: Resource, user: DatabaseUser
) -> None:
    connect = [
        s
        for s in data.statements_of(role)
        if "rds-db:connect" in as_list(s.get("Action")) or s.get("Action") in ("*", "rds-db:*")
    ]
    resources = [data.text(r) for s in connect for r in as_list(s.get("Resource"))]
    allowed = {
        _db_user_arn(names, db, user)
        for db in data.of_type(*RESOURCE_ID_ATTRIBUTES, PROXY)
        if db.stack == role.stack
    }
    if user.auth == "iam" and not resources:
        check.fail("CHAIN-006", f"data role of {user.name} cannot rds-db:connect", role)
    if user.auth == "secret" and resources:
        check.fail(
            "CHAIN-006",
            f"data role of {user.name} may rds-db:connect though it uses auth: secret",
            role,
        )
    for resource in resources:
        if resource not in allowed:
            check.fail(
                "CHAIN-006",
                f"data role of {user.name} may connect to {resource}; expected one of {sorted(allowed)}",
                role,
            )
    secret_resources = [
        data.text(r)
        for s in data.statements_of(role)
        if any(a.startswith("secretsmanager:") for a in as_list(s.get("Action")))
        for r in as_list(s.get("Resource"))
    ]
    own = _secret_refs(data, names.user_secret_name(user))
    if user.auth == "secret" and not own & set(secret_resources):
        check.fail(
            "CHAIN-007",
            f"data role of {user.name} cannot read secret {names.user_secret_name(user)}",
            role,
        )
    stray = [r for r in secret_resources if r not in own]
    if stray:
        check.fail("CHAIN-007", f"data role of {user.name} may read {stray}", role)


def _secret_refs(data: _Templates, name: str) -> set[str]:
    """References that resolve to the secret called ``name``: the secret and its attachments
    (an ``AWS::SecretsManager::SecretTargetAttachment`` returns the secret's ARN)."""
    secrets = {
        f"${{{s.logical_id}}}"
        for s in data.of_type("AWS::SecretsManager::Secret")
        if s.properties.get("Name") == name
    }
    attachments = {
        f"${{{a.logical_id}}}"
        for a in data.of_type("AWS::SecretsManager::SecretTargetAttachment")
        if data.text(a.properties.get("SecretId")) in secrets
    }
    return secrets | attachments


def _db_user_arn(names: AccessNames, db: Resource, user: DatabaseUser) -> str:
    """``user`` on the database, or through the proxy (its ``prx-…`` id ends its ARN)."""
    resource_id = (
        f"${{{db.logical_id}.DBProxyArn}}.split(':')[6]"
        if db.type == PROXY
        else f"${{{db.logical_id}.{RESOURCE_ID_ATTRIBUTES[db.type]}}}"
    )
    return f"arn:{names.partition}:rds-db:{names.config.region}:{names.data_account}:dbuser:{resource_id}/{user.name}"


# --- network --------------------------------------------------------------------------------


def _network_chain(check: _Check, names: AccessNames, data: _Templates, app: _Templates) -> None:
    network = names.config.environments.cloud()[names.env].network
    app_cidrs = set(network.app_cidrs)
    _routes(check, data, app_cidrs, "data VPC", network.connectivity)
    _routes(check, app, {network.vpc_cidr}, "app VPCs", network.connectivity)
    port = names.config.environments.cloud()[names.env].port
    _nacl(check, data, network.vpc_cidr, app_cidrs, port)
    _security_group(check, data, network.vpc_cidr, app_cidrs, port)
    if names.config.environments.cloud()[names.env].proxy is not None:
        _proxy_path(check, data, network.vpc_cidr, app_cidrs)


def _routes(check: _Check, templates: _Templates, peers: set[str], side: str, mode: str) -> None:
    target = "TransitGatewayId" if mode == "transit-gateway" else "VpcPeeringConnectionId"
    routed: set[str] = set()
    for route in templates.of_type("AWS::EC2::Route"):
        destination = route.properties.get("DestinationCidrBlock")
        if destination not in peers:
            check.fail("CHAIN-008", f"the {side} routes {destination} out", route)
        elif target in route.properties:
            routed.add(destination)
    for missing in sorted(peers - routed):
        check.fail("CHAIN-008", f"the {side} have no {mode} route to {missing}")


_DATA_ATTACHMENT_PARAMETER = "${DataVpcAttachmentId}"
"""The data VPC's attachment as the hub's stack knows it (a parameter wired from the data stack)."""


def _gateway_tables(check: _Check, names: AccessNames, owner: _Templates) -> None:
    """The TGW owner's side (the data stack, or the network hub's): one table associated with
    the data attachment and routing each app CIDR to its app attachment, one associated with
    the app attachments and routing the data CIDR back; static routes, a share to exactly the
    other accounts of the environment."""
    network = names.config.environments.cloud()[names.env].network
    data_refs = {_DATA_ATTACHMENT_PARAMETER} | {
        f"${{{a.logical_id}.Id}}" for a in owner.of_type("AWS::EC2::TransitGatewayAttachment")
    }
    apps = {f"${{AppVpc{i}AttachmentId}}": app.cidr for i, app in enumerate(network.app_vpcs)}
    associations = [
        (
            owner.text(a.properties.get("TransitGatewayAttachmentId")),
            owner.text(a.properties.get("TransitGatewayRouteTableId")),
            a,
        )
        for a in owner.of_type("AWS::EC2::TransitGatewayRouteTableAssociation")
    ]
    routes = [
        (
            owner.text(r.properties.get("TransitGatewayRouteTableId")),
            str(r.properties.get("DestinationCidrBlock")),
            owner.text(r.properties.get("TransitGatewayAttachmentId")),
            r,
        )
        for r in owner.of_type("AWS::EC2::TransitGatewayRoute")
    ]
    data_table = _table_of(associations, routes, data_refs, set(apps))
    app_table = _table_of(associations, routes, set(apps), data_refs)
    expected = {(data_table, cidr, ref) for ref, cidr in apps.items()}
    expected |= {(app_table, network.vpc_cidr, ref) for ref in data_refs}
    for table, cidr, target, route in routes:
        if (table, cidr, target) not in expected or route.properties.get("Blackhole"):
            check.fail("CHAIN-012", f"TGW route table {table} routes {cidr} to {target}", route)
    routed = {(cidr, target) for _, cidr, target, _ in routes}
    for ref, cidr in sorted(apps.items()):
        if (cidr, ref) not in routed:
            check.fail("CHAIN-012", f"no TGW route sends {cidr} to its attachment {ref}")
    if not any((network.vpc_cidr, ref) in routed for ref in data_refs):
        check.fail("CHAIN-012", f"no TGW route sends {network.vpc_cidr} to the data attachment")
    _gateway_associations(check, associations, data_refs, apps, (data_table, app_table))
    for propagation in owner.of_type("AWS::EC2::TransitGatewayRouteTablePropagation"):
        check.fail("CHAIN-012", "a TGW route table learns routes by propagation", propagation)
    for gateway in owner.of_type("AWS::EC2::TransitGateway"):
        for option in (
            "DefaultRouteTableAssociation",
            "DefaultRouteTablePropagation",
            "AutoAcceptSharedAttachments",
        ):
            if gateway.properties.get(option) != "disable":
                check.fail("CHAIN-012", f"the Transit Gateway has {option} on", gateway)
    _shares(check, names, owner)


def _table_of(
    associations: list[tuple[str, str, Resource]],
    routes: list[tuple[str, str, str, Resource]],
    members: set[str],
    targets: set[str],
) -> str | None:
    """The table the ``members`` attachments are associated with (or, without an association,
    the one routing to the ``targets``)."""
    associated = [table for attachment, table, _ in associations if attachment in members]
    routing = [table for table, _, target, _ in routes if target in targets]
    return next(iter(associated or routing), None)


def _gateway_associations(
    check: _Check,
    associations: list[tuple[str, str, Resource]],
    data_refs: set[str],
    apps: Mapping[str, str],
    tables: tuple[str | None, str | None],
) -> None:
    data_table, app_table = tables
    if data_table is not None and data_table == app_table:
        check.fail("CHAIN-012", f"the data and app attachments share TGW route table {data_table}")
    for attachment, table, at in associations:
        want = data_table if attachment in data_refs else app_table if attachment in apps else None
        if table != want:
            check.fail("CHAIN-012", f"{attachment} is associated with TGW route table {table}", at)
    associated = {attachment for attachment, _, _ in associations}
    if not associated & data_refs:
        check.fail("CHAIN-012", "the data attachment is associated with no TGW route table")
    for ref in sorted(set(apps) - associated):
        check.fail("CHAIN-012", f"app attachment {ref} is associated with no TGW route table")


def _shares(check: _Check, names: AccessNames, owner: _Templates) -> None:
    """The TGW is offered to the environment's accounts other than its owner, and no one else."""
    expected = {names.data_account, names.app_account} - {owner.account}
    org = names.config.accounts.organization_id
    offered: set[str] = set()
    for share in owner.of_type("AWS::RAM::ResourceShare"):
        principals = {owner.text(p) for p in as_list(share.properties.get("Principals", []))}
        offered |= principals
        if principals - expected:
            strangers = ", ".join(sorted(principals - expected))
            check.fail("CHAIN-012", f"the Transit Gateway is shared with {strangers}", share)
        if org is not None and share.properties.get("AllowExternalPrincipals") is not False:
            check.fail("CHAIN-012", f"the Transit Gateway share reaches outside {org}", share)
    if names.config.routed_by_hub(names.env) and expected - offered:
        missing = ", ".join(sorted(expected - offered))
        check.fail("CHAIN-012", f"the hub does not share its Transit Gateway with {missing}")


def _covers(entry: Mapping[str, Any], port: int) -> bool:
    if str(entry.get("Protocol")) == "-1":
        return True
    span = entry.get("PortRange", {})
    return str(entry.get("Protocol")) == "6" and int(span.get("From", -1)) <= port <= int(
        span.get("To", -1)
    )


def _nacl(check: _Check, data: _Templates, vpc_cidr: str, app_cidrs: set[str], port: int) -> None:
    entries = [
        e
        for e in data.of_type("AWS::EC2::NetworkAclEntry")
        if e.properties.get("RuleAction") == "allow"
    ]
    if not entries:
        check.fail("CHAIN-009", "the database subnets have no network ACL of pgplat")
        return
    for entry in entries:
        cidr = entry.properties.get("CidrBlock")
        if cidr == vpc_cidr:
            continue
        egress = bool(entry.properties.get("Egress", False))
        if cidr not in app_cidrs:
            check.fail(
                "CHAIN-009", f"NACL admits {cidr}, outside the data VPC and the app VPCs", entry
            )
        elif not egress and (
            str(entry.properties.get("Protocol")) != "6"
            or entry.properties.get("PortRange") != {"From": port, "To": port}
        ):
            check.fail("CHAIN-009", f"NACL admits more than TCP {port} from {cidr}", entry)
    for cidr in sorted(app_cidrs):
        inbound = [
            e
            for e in entries
            if e.properties.get("CidrBlock") == cidr and not e.properties.get("Egress")
        ]
        outbound = [
            e
            for e in entries
            if e.properties.get("CidrBlock") == cidr and e.properties.get("Egress")
        ]
        if not any(_covers(e.properties, port) for e in inbound):
            check.fail("CHAIN-009", f"NACL does not admit {port} from {cidr}")
        if not any(_covers(e.properties, 1024) and _covers(e.properties, 65535) for e in outbound):
            check.fail("CHAIN-009", f"NACL drops the return traffic to {cidr}")


def _groups_of(data: _Templates, *types: str) -> set[str]:
    """Logical ids of the security groups resources of ``types`` sit behind."""
    return {
        data.text(ref).removesuffix(".GroupId}").removeprefix("${")
        for db in data.of_type(*types)
        for key in ("VpcSecurityGroupIds", "VPCSecurityGroups")
        for ref in db.properties.get(key, [])
    }


def _proxy_path(check: _Check, data: _Templates, vpc_cidr: str, app_cidrs: set[str]) -> None:
    """Workload → proxy → database: the proxy exists, its group is held to the database
    group's rule on 5432, and the database's group admits it."""
    proxy_groups = _groups_of(data, PROXY)
    if not proxy_groups:
        check.fail("CHAIN-011", "the environment asks for a proxy and the data stack has none")
        return
    _security_group(check, data, vpc_cidr, app_cidrs, PROXY_PORT, holder="proxy")
    db_groups = _groups_of(data, *RESOURCE_ID_ATTRIBUTES)
    sources = {
        data.text(rule.get("SourceSecurityGroupId")).removesuffix(".GroupId}").removeprefix("${")
        for _, rule in _rules(data, db_groups, "Ingress")
        if "SourceSecurityGroupId" in rule
    }
    if not proxy_groups & sources:
        check.fail("CHAIN-011", "the database security group does not admit the proxy's")


def _security_group(
    check: _Check,
    data: _Templates,
    vpc_cidr: str,
    app_cidrs: set[str],
    port: int,
    holder: Literal["database", "proxy"] = "database",
) -> None:
    """The security groups of the ``holder`` admit ``port`` from the app VPCs only and
    reach nothing outside the VPC."""
    groups = (
        _groups_of(data, *RESOURCE_ID_ATTRIBUTES)
        if holder == "database"
        else _groups_of(data, PROXY)
    )
    rule_id = "CHAIN-010" if holder == "database" else "CHAIN-011"
    admitted: set[str] = set()
    for at, rule in _rules(data, groups, "Ingress"):
        cidr = rule.get("CidrIp")
        if cidr is None:
            continue
        ports = (rule.get("FromPort"), rule.get("ToPort"))
        if cidr not in app_cidrs or ports != (port, port) or rule.get("IpProtocol") != "tcp":
            check.fail(
                rule_id,
                f"{holder} security group admits {cidr} on {rule.get('IpProtocol')} {ports}",
                at,
            )
        else:
            admitted.add(cidr)
    for cidr in sorted(app_cidrs - admitted):
        check.fail(rule_id, f"{holder} security group does not admit {port} from {cidr}")
    inside = ipaddress.IPv4Network(vpc_cidr)
    for at, rule in _rules(data, groups, "Egress"):
        cidr = rule.get("CidrIp")
        if (
            cidr is not None
            and cidr != NO_EGRESS
            and not ipaddress.IPv4Network(cidr).subnet_of(inside)
        ):
            check.fail(rule_id, f"{holder} security group lets the {holder} reach {cidr}", at)


def _rules(
    data: _Templates, groups: set[str], direction: Literal["Ingress", "Egress"]
) -> Iterable[tuple[Resource, Mapping[str, Any]]]:
    """The ``direction`` rules of the security groups ``groups``, inline or standalone."""
    for group in data.of_type("AWS::EC2::SecurityGroup"):
        if group.logical_id in groups:
            for rule in group.properties.get(f"SecurityGroup{direction}", []):
                yield group, rule
    for standalone in data.of_type(f"AWS::EC2::SecurityGroup{direction}"):
        target = (
            data.text(standalone.properties.get("GroupId"))
            .removesuffix(".GroupId}")
            .removeprefix("${")
        )
        if target in groups:
            yield standalone, standalone.properties

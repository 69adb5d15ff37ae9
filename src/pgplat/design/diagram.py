"""The architecture picture, drawn from the configuration.

``describe`` turns a configuration into boxes, groups and arrows (plain data, easy to test);
``render`` draws them with Graphviz, using the AWS icons the ``diagrams`` package ships when
it is installed and plain boxes otherwise, so both pictures come from one layout.
"""

from __future__ import annotations

import base64
import ipaddress
import re
from dataclasses import dataclass, field
from html import escape
from importlib import import_module
from pathlib import Path
from typing import Literal

import graphviz

from pgplat.config.model import PROXY_PORT, CloudEnvironment, DatabaseUser, Network, PgplatConfig
from pgplat.config.windows import schedule_words
from pgplat.errors import UserError
from pgplat.naming import POSTGRES_PORT, database_identifier

Kind = Literal[
    "aurora",
    "db-instance",
    "kms",
    "secrets",
    "iam-role",
    "backup",
    "cloudwatch",
    "sns",
    "transit-gateway",
    "peering",
    "eks",
    "namespace",
    "endpoints",
    "subnet",
    "ram",
    "cloudtrail",
    "lambda",
    "route-table",
    "proxy",
]
GroupStyle = Literal[
    "prod-account", "nonprod-account", "shared-account", "vpc", "subnet", "region", "environment"
]
Format = Literal["svg", "png"]

SUBNET_PREFIX = 24
"""pgplat's network stack gives each AZ one isolated /24, allocated in order from the VPC."""

# Icon per kind: (module of the ``diagrams`` package, class whose icon it is).
_ICONS: dict[Kind, tuple[str, str]] = {
    "aurora": ("diagrams.aws.database", "Aurora"),
    "db-instance": ("diagrams.aws.database", "RDSPostgresqlInstance"),
    "kms": ("diagrams.aws.security", "KeyManagementService"),
    "secrets": ("diagrams.aws.security", "SecretsManager"),
    "iam-role": ("diagrams.aws.security", "IdentityAndAccessManagementIamRole"),
    "backup": ("diagrams.aws.storage", "Backup"),
    "cloudwatch": ("diagrams.aws.management", "Cloudwatch"),
    "sns": ("diagrams.aws.integration", "SimpleNotificationServiceSns"),
    "transit-gateway": ("diagrams.aws.network", "TransitGateway"),
    "peering": ("diagrams.aws.network", "VPCPeering"),
    "eks": ("diagrams.aws.compute", "ElasticKubernetesService"),
    "namespace": ("diagrams.k8s.group", "Namespace"),
    "endpoints": ("diagrams.aws.network", "Endpoint"),
    "subnet": ("diagrams.aws.network", "PrivateSubnet"),
    "ram": ("diagrams.aws.security", "ResourceAccessManager"),
    "cloudtrail": ("diagrams.aws.management", "Cloudtrail"),
    "lambda": ("diagrams.aws.compute", "Lambda"),
    "route-table": ("diagrams.aws.network", "RouteTable"),
    "proxy": ("diagrams.aws.database", "RDS"),
}

_GROUP_STYLE: dict[GroupStyle, dict[str, str]] = {
    "environment": {"style": "invis"},
    "prod-account": {"style": "rounded,filled", "fillcolor": "#F3F8FD", "color": "#2E73B8"},
    "nonprod-account": {
        "style": "rounded,dashed,filled",
        "fillcolor": "#FDF3F2",
        "color": "#C0392B",
        "penwidth": "2",
    },
    "vpc": {"style": "rounded", "color": "#248814"},
    "subnet": {"style": "rounded,filled", "fillcolor": "#E9F3E6", "color": "#7AA116"},
    "region": {"style": "rounded,dashed", "color": "#00A4A6", "penwidth": "2"},
    "shared-account": {"style": "rounded,filled", "fillcolor": "#F4F4F4", "color": "#5A6B7B"},
}
"""``shared-account``: an account of the organisation that another team owns (the network
hub, the security team's backup account), drawn apart from the configuration's own."""

LEVELS = {
    "owner": "owner (DDL)",
    "read-write": "read-write (DML)",
    "read-only": "read-only (SELECT)",
}
"""What each access level may do, as a user's line says it."""


@dataclass(frozen=True)
class Node:
    id: str
    kind: Kind
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Edge:
    tail: str
    head: str
    label: str = ""
    dashed: bool = False
    tail_group: str | None = None
    """Draw the edge from this group's border (the tail node lies inside it)."""


@dataclass
class Group:
    id: str
    style: GroupStyle
    lines: tuple[str, ...]
    nodes: list[Node] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)

    def add(self, node_id: str, kind: Kind, *lines: str) -> str:
        self.nodes.append(Node(node_id, kind, lines))
        return node_id

    def group(self, group_id: str, style: GroupStyle, *lines: str) -> Group:
        child = Group(group_id, style, lines)
        self.groups.append(child)
        return child

    def walk(self) -> list[Group]:
        return [self, *(g for child in self.groups for g in child.walk())]


@dataclass
class Architecture:
    title: str
    groups: list[Group]
    edges: list[Edge]

    def text(self) -> str:
        """Every label, for searching: what a reader of the picture can read."""
        lines = [self.title]
        for top in self.groups:
            for group in top.walk():
                lines += group.lines
                lines += [line for node in group.nodes for line in node.lines]
        lines += [edge.label for edge in self.edges if edge.label]
        return "\n".join(lines)


# --- from configuration to boxes and arrows ----------------------------------------------


def describe(config: PgplatConfig, envs: list[str] | None = None) -> Architecture:
    """The estate of ``config``: prod's two accounts, and the non-prod account kept apart."""
    available = config.environments.cloud()
    chosen = envs or list(available)
    for name in chosen:
        if name not in available:
            raise UserError(
                f"environment {name!r} is not in the configuration; choose from "
                f"{', '.join(available)}"
            )
    arch = Architecture(
        title=f"{config.name}: PostgreSQL on AWS ({config.region})", groups=[], edges=[]
    )
    for name in chosen:
        _environment(config, name, available[name], arch)
    return arch


@dataclass(frozen=True)
class _DataSide:
    """Ids of the data account's nodes that the app side points at."""

    database: str
    secrets: str
    role: str


def _environment(
    config: PgplatConfig, name: str, env: CloudEnvironment, arch: Architecture
) -> None:
    outer = Group(f"{name}", "environment", ())
    arch.groups.append(outer)
    data_id = config.account_of(name, "data")
    if name == "prod":
        data_account = outer.group(
            f"{name}_data", "prod-account", f"Data account {data_id}", "production database only"
        )
        app_account = outer.group(
            f"{name}_app",
            "prod-account",
            f"App account {config.account_of(name, 'app')}",
            "EKS workloads",
        )
        between = outer
    else:
        data_account = app_account = between = outer.group(
            f"{name}_account",
            "nonprod-account",
            f"NON-PRODUCTION account {data_id} ({name})",
            "no route, key or role shared with production",
        )
    existing = env.network.existing_vpc
    vpc = data_account.group(
        f"{name}_data_vpc",
        "vpc",
        f"Data VPC {env.network.vpc_cidr}" + (f" ({existing.vpc_id})" if existing else ""),
        "isolated subnets, no internet path",
    )
    database = _database(config, name, env, vpc, arch)
    data = _services(name, env, data_account, database, arch)
    backup = _backups(config, name, env, data_account, vpc, database, arch)
    _bunker(name, env, outer, backup, arch)
    _trail(config, name, data_account, data, arch)
    link = _connectivity(config, name, env, outer, data_account, between, arch, database)
    _proxy(name, env, vpc, link, database, arch)
    _workloads(config, name, env, app_account, arch, link, data)


def _subnets(config: PgplatConfig, env: CloudEnvironment) -> list[tuple[str, str]]:
    """(AZ, subnet) of each database subnet: an existing VPC's by id, or the /24s pgplat carves
    out of the data VPC's CIDR, one per AZ it spans."""
    if env.network.existing_vpc:
        return [(s.availability_zone, s.subnet_id) for s in env.network.existing_vpc.subnets]
    zones = env.network.zones(config.availability_zones)
    subnets = ipaddress.ip_network(env.network.vpc_cidr).subnets(new_prefix=SUBNET_PREFIX)
    return [(zone, str(subnet)) for zone, subnet in zip(zones, subnets, strict=False)]


def _database(
    config: PgplatConfig, name: str, env: CloudEnvironment, vpc: Group, arch: Architecture
) -> str:
    """The cluster (or instance) node, its instances placed in their AZ subnets."""
    az_groups = [
        vpc.group(f"{name}_az_{zone}", "subnet", f"{zone} {subnet}")
        for zone, subnet in _subnets(config, env)
    ]
    version = config.engine_version(name)
    about = f"database {config.database.name}"
    if env.flavor == "aurora":
        database = vpc.add(
            f"{name}_db",
            "aurora",
            f"{database_identifier(config, name)} cluster",
            f"{about}, Aurora PostgreSQL {version}",
            "writer + reader endpoints",
        )
        roles = _aurora_instances(env)
    else:
        database = vpc.add(
            f"{name}_db",
            "aurora" if env.multi_az_cluster else "db-instance",
            f"{database_identifier(config, name)} instance",
            f"{about}, RDS PostgreSQL {version}",
            "one endpoint, DNS follows the primary",
        )
        roles = _rds_instances(env)
    for index, role in enumerate(roles):
        node = az_groups[index % len(az_groups)].add(f"{name}_db_{index}", "db-instance", role)
        arch.edges.append(Edge(database, node, dashed=True))
    for group in az_groups:
        if not group.nodes:
            group.add(f"{group.id}_spare", "subnet", "spare zone of the DB subnet group")
    vpc.add(
        f"{name}_endpoints",
        "endpoints",
        "VPC endpoints",
        "Secrets Manager, KMS, STS, CloudWatch",
    )
    return database


def _services(
    name: str, env: CloudEnvironment, account: Group, database: str, arch: Architecture
) -> _DataSide:
    """Keys, secrets, roles and monitoring of the data account."""
    key = "existing key" if env.kms_key_arn else "customer-managed key"
    kms = account.add(f"{name}_kms", "kms", "KMS", key, "storage, secrets, backups, logs")
    secrets = account.add(
        f"{name}_secrets", "secrets", "Secrets Manager", "master secret + per-user secrets"
    )
    role = account.add(
        f"{name}_db_role", "iam-role", "IAM database roles", "trust the workload roles"
    )
    monitoring = env.monitoring
    watch_lines = ["CloudWatch alarms + logs"]
    if monitoring.enhanced_monitoring_interval:
        watch_lines.append(f"Enhanced Monitoring {monitoring.enhanced_monitoring_interval} s")
    if monitoring.performance_insights:
        watch_lines.append("Performance Insights")
    watch = account.add(f"{name}_watch", "cloudwatch", *watch_lines)
    arch.edges += [
        Edge(database, kms, "encrypted with"),
        Edge(secrets, kms, "encrypted with"),
        Edge(database, watch, "metrics, logs"),
    ]
    if monitoring.alarm_emails or monitoring.alarm_topic_arn:
        sns = account.add(f"{name}_sns", "sns", "SNS alarm topic", *monitoring.alarm_emails)
        arch.edges.append(Edge(watch, sns, "alarms"))
    return _DataSide(database, secrets, role)


def _backups(
    config: PgplatConfig,
    name: str,
    env: CloudEnvironment,
    account: Group,
    vpc: Group,
    database: str,
    arch: Architecture,
) -> str:
    """AWS Backup with its schedules in words, the copy region's vault, the restore-test
    validator Lambda in the data VPC; the backup node's id."""
    schedules = config.schedules(name)
    start = schedules.aws_backup_start
    lines = [
        f"AWS Backup, {env.backup.retention_days}-day retention",
        f"backup job daily {start} UTC",
        *(
            f"{rule.name}: {_EVERY[rule.every]} {start} UTC, {rule.retention_days}-day retention"
            for rule in env.backup.rules
        ),
    ]
    lock = _vault_lock(env)
    lines += lock
    if schedules.restore_test is not None:
        lines.append(f"restore test {schedule_words(schedules.restore_test)}")
    backup = account.add(f"{name}_backup", "backup", *lines)
    arch.edges.append(Edge(database, backup, "snapshots"))
    copy = env.backup.cross_region_copy
    if copy is not None:
        region = account.group(
            f"{name}_copy_region", "region", f"Region {copy.region}", "for a regional disaster"
        )
        vault = region.add(
            f"{name}_backup_copy",
            "backup",
            "backup vault (copies)",
            f"{copy.retention_days}-day retention",
            *lock,
        )
        arch.edges.append(Edge(backup, vault, "copies every backup"))
    if schedules.restore_test is not None:
        validator = vpc.add(
            f"{name}_validator",
            "lambda",
            "restore-test validator (Lambda)",
            "runs the validation suite on each restored copy",
        )
        arch.edges.append(Edge(backup, validator, "restore job done"))
    return backup


def _bunker(
    name: str, env: CloudEnvironment, outer: Group, backup: str, arch: Architecture
) -> None:
    """The copy into the organisation's backup account: an account of its own, since the
    point is that whoever holds the data account cannot delete it."""
    bunker = env.backup.bunker_copy
    if bunker is None:
        return
    account = outer.group(
        f"{name}_bunker",
        "shared-account",
        f"Backup account {bunker.account}",
        "the security team's: the data account cannot delete its copies",
    )
    vault = account.add(
        f"{name}_bunker_vault",
        "backup",
        f"bunker vault {bunker.vault_arn.rsplit(':', 1)[1]}",
        f"{bunker.retention_days}-day retention",
    )
    arch.edges.append(Edge(backup, vault, "copies every backup (cross-account)"))


_EVERY = {"week": "Sundays", "month": "day 1 of each month"}
"""When a further backup rule runs, in words (see ``BackupRule.every``)."""


def _vault_lock(env: CloudEnvironment) -> list[str]:
    lock = env.backup.vault_lock
    if lock is None:
        return []
    least, most = lock.min_retention_days, lock.max_retention_days
    kept = f"{least}-{most} days" if most else f"at least {least} days"
    return [f"Vault Lock ({lock.mode}), {kept}"]


def _trail(
    config: PgplatConfig, name: str, account: Group, data: _DataSide, arch: Architecture
) -> None:
    """Production's CloudTrail trail (or the organisation's, which pgplat leaves alone)."""
    if name != "prod":
        return
    if config.audit.organization_trail:
        lines = ["AWS Organizations trail", "records this account (not pgplat's)"]
    else:
        lines = [
            "CloudTrail trail",
            "every API call, all regions, validated log files",
            f"{config.audit.trail_retention_days}-day retention, a key of its own",
        ]
    trail = account.add(f"{name}_trail", "cloudtrail", *lines)
    arch.edges.append(Edge(data.role, trail, "AssumeRole calls recorded", dashed=True))


def _aurora_instances(env: CloudEnvironment) -> list[str]:
    size = (
        f"db.serverless {env.serverless_v2.min_acu:g}-{env.serverless_v2.max_acu:g} ACU"
        if env.serverless_v2
        else env.instance_class
    )
    readers = [f"reader {i + 1}\n{size}" for i in range(env.readers)]
    scaling = env.reader_autoscaling
    if scaling and readers:
        readers[-1] += f"\nauto scaling {scaling.min_capacity}-{scaling.max_capacity}"
    return [f"writer\n{size}", *readers]


def _rds_instances(env: CloudEnvironment) -> list[str]:
    if env.multi_az_cluster:
        return [f"writer\n{env.instance_class}", *(f"readable standby\n{env.instance_class}",) * 2]
    if env.multi_az:
        return [f"primary\n{env.instance_class}", f"synchronous standby\n{env.instance_class}"]
    return [f"single instance\n{env.instance_class}"]


def _connectivity(
    config: PgplatConfig,
    name: str,
    env: CloudEnvironment,
    outer: Group,
    data_account: Group,
    between: Group,
    arch: Architecture,
    database: str,
) -> str:
    """The Transit Gateway, or the peering connection between the data and app VPCs."""
    net = env.network
    if net.connectivity == "transit-gateway":
        link = _gateway(config, name, net, outer, data_account, arch)
    else:
        link = between.add(f"{name}_link", "peering", "VPC peering")
    sources = ", ".join(net.app_cidrs)
    arch.edges.append(Edge(link, database, f"{POSTGRES_PORT}/TLS, SG + NACL allow {sources} only"))
    return link


def _gateway(
    config: PgplatConfig,
    name: str,
    net: Network,
    outer: Group,
    data_account: Group,
    arch: Architecture,
) -> str:
    """The network hub's Transit Gateway when ``accounts.network`` names a hub (the landing
    zone shares it with the data and app accounts through RAM), else the data account's
    (shared with the app account through RAM when pgplat creates it)."""
    data_id, app_id = config.account_of(name, "data"), config.account_of(name, "app")
    accounts = f"data account {data_id}" + (
        f" and app account {app_id}" if app_id != data_id else ""
    )
    owner, shared_with = data_account, None
    if config.accounts.network is not None:
        owner = outer.group(
            f"{name}_hub",
            "shared-account",
            f"Network hub account {config.accounts.network}",
            "owns the Transit Gateway (the landing zone's)",
        )
        shared_with = f"shares it with {accounts}"
    elif net.transit_gateway_id is None and app_id != data_id:
        shared_with = f"shares it with app account {app_id}"
    link = owner.add(
        f"{name}_link",
        "transit-gateway",
        "Transit Gateway",
        net.transit_gateway_id or "created by pgplat",
    )
    if shared_with:
        share = owner.add(f"{name}_ram", "ram", "RAM resource share")
        arch.edges.append(Edge(share, link, shared_with))
    return link


def _proxy(
    name: str, env: CloudEnvironment, vpc: Group, link: str, database: str, arch: Architecture
) -> None:
    """RDS Proxy between the workloads' path in and the database (``auth: iam`` users connect
    through it), and its read-only endpoint over Aurora's readers."""
    proxy = env.proxy
    if proxy is None:
        return
    node = vpc.add(
        f"{name}_proxy",
        "proxy",
        "RDS Proxy",
        "IAM auth end to end, TLS required",
        f"pool up to {proxy.max_connections_percent}% of max_connections",
    )
    arch.edges += [
        Edge(link, node, f"{PROXY_PORT}/TLS, auth: iam users"),
        Edge(node, database, "writer"),
    ]
    if proxy.read_only_endpoint:
        reader = vpc.add(
            f"{name}_proxy_reader", "proxy", "RDS Proxy read-only endpoint", "readonly connections"
        )
        arch.edges += [Edge(link, reader, f"{PROXY_PORT}/TLS"), Edge(reader, database, "readers")]


def _workloads(
    config: PgplatConfig,
    name: str,
    env: CloudEnvironment,
    account: Group,
    arch: Architecture,
    link: str,
    data: _DataSide,
) -> None:
    """The app VPCs and their routes, the EKS cluster once, and a node per namespace listing
    its service accounts: a large estate grows by a node per namespace, not per user x VPC."""
    eks_lines = ["EKS", *[line for c in env.clusters for line in (c.cluster_name, c.identity)]]
    cluster = account.add(f"{name}_eks", "eks", *eks_lines)
    for index, vpc_config in enumerate(env.network.app_vpcs):
        vpc = account.group(
            f"{name}_app_vpc_{index}", "vpc", f"App VPC {vpc_config.cidr}", vpc_config.vpc_id or ""
        )
        routes = vpc.add(
            f"{name}_app_vpc_{index}_routes",
            "route-table",
            f"route to {env.network.vpc_cidr}",
            *(vpc_config.route_table_ids or ["route table: a deploy-time parameter"]),
        )
        arch.edges += [
            Edge(routes, link, "routes to data VPC", tail_group=vpc.id),
            Edge(cluster, routes, dashed=True),
        ]
    by_namespace: dict[str, list[DatabaseUser]] = {}
    for user in config.database.users:
        by_namespace.setdefault(user.kubernetes.namespace, []).append(user)
    for index, (namespace, users) in enumerate(by_namespace.items()):
        node = account.add(
            f"{name}_ns_{index}",
            "namespace",
            f"namespace {namespace}",
            *(_user_line(u, env) for u in users),
        )
        arch.edges.append(Edge(cluster, node, dashed=True))
        if any(u.auth == "iam" for u in users):
            arch.edges.append(Edge(node, data.role, "AssumeRole, rds-db:connect"))
        if any(u.auth == "secret" for u in users):
            arch.edges.append(Edge(node, data.secrets, "GetSecretValue"))


def _user_line(user: DatabaseUser, env: CloudEnvironment) -> str:
    """Who the workload is, what its level may do, and whether it goes through the proxy
    (which serves IAM users only)."""
    via = " via RDS Proxy" if env.proxy is not None and user.auth == "iam" else ""
    return (
        f"{user.kubernetes.service_account}: user {user.name}, {LEVELS[user.access]}, "
        f"{user.auth}{via}"
    )


# --- drawing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    path: Path
    icons: bool
    notice: str | None


def render(arch: Architecture, out: Path, plain: bool = False) -> Rendered:
    """Draw ``arch`` into ``out`` (.svg or .png); AWS icons unless unavailable or ``plain``."""
    fmt = _format(out)
    icons = None if plain else _icon_files()
    notice = None
    if icons is None and not plain:
        notice = (
            "AWS icons unavailable (the `diagrams` package is not installed): drew plain "
            "Graphviz boxes; `pip install diagrams` for icons"
        )
    try:
        data = graph(arch, icons).pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise UserError(
            "Graphviz's `dot` is not installed; install it with `apt-get install -y graphviz` "
            "(Debian/Ubuntu) or `brew install graphviz` (macOS)"
        ) from None
    except graphviz.CalledProcessError as exc:
        raise UserError(f"Graphviz could not draw the diagram: {exc.stderr!r}") from None
    if fmt == "svg" and icons:
        data = _inline_images(data)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    return Rendered(out, icons is not None, notice)


def _format(out: Path) -> Format:
    suffix = out.suffix.lower().lstrip(".")
    if suffix == "svg":
        return "svg"
    if suffix == "png":
        return "png"
    raise UserError(f"{out}: the diagram is written as .svg or .png; name the file so")


def _icon_files() -> dict[Kind, str] | None:
    """Each kind's icon from the ``diagrams`` package, or None when it is not installed."""
    try:
        found = {kind: _icon_file(*where) for kind, where in _ICONS.items()}
    except ImportError:
        return None
    if not all(Path(path).is_file() for path in found.values()):
        return None
    return found


def _icon_file(module: str, name: str) -> str:
    node = getattr(import_module(module), name)
    package_root = Path(import_module("diagrams").__file__ or "").parent.parent
    return str(package_root / node._icon_dir / node._icon)


def graph(arch: Architecture, icons: dict[Kind, str] | None) -> graphviz.Digraph:
    """``arch`` as a Graphviz graph: icons from ``icons``, or plain boxes when None."""
    drawn = graphviz.Digraph(
        "pgplat",
        graph_attr={
            "label": arch.title,
            "labelloc": "t",
            "fontsize": "20",
            "fontname": "Sans-Serif",
            "rankdir": "LR",
            "compound": "true",
            "nodesep": "0.5",
            "ranksep": "1.0",
            "pad": "0.5",
        },
        node_attr={"fontname": "Sans-Serif", "fontsize": "12"},
        edge_attr={"fontname": "Sans-Serif", "fontsize": "10", "color": "#7B8894"},
    )
    # In a left-to-right layout Graphviz stacks later clusters above earlier ones: draw
    # in reverse so the first environment (prod) ends up on top.
    for group in reversed(arch.groups):
        _draw_group(drawn, group, icons)
    for edge in arch.edges:
        attrs = {"label": edge.label} if edge.label else {}
        if edge.dashed:
            attrs |= {"style": "dashed", "arrowhead": "none"}
        if edge.tail_group:
            attrs["ltail"] = f"cluster_{edge.tail_group}"
        drawn.edge(edge.tail, edge.head, **attrs)
    return drawn


def _draw_group(parent: graphviz.Digraph, group: Group, icons: dict[Kind, str] | None) -> None:
    with parent.subgraph(name=f"cluster_{group.id}") as sub:
        sub.attr(
            label=_left_aligned(group.lines),
            labeljust="l",
            fontsize="14",
            **_GROUP_STYLE[group.style],
        )
        for node in group.nodes:
            if icons is None:
                sub.node(node.id, _text(node.lines), shape="box", style="rounded")
            else:
                sub.node(node.id, _icon_label(icons[node.kind], node.lines), shape="plain")
        for child in group.groups:
            _draw_group(sub, child, icons)


def _lines(lines: tuple[str, ...]) -> list[str]:
    return [part for line in lines if line for part in line.split("\n")]


def _text(lines: tuple[str, ...]) -> str:
    return "\\n".join(_lines(lines))


def _left_aligned(lines: tuple[str, ...]) -> str:
    return "".join(f"{line}\\l" for line in _lines(lines))


def _icon_label(icon: str, lines: tuple[str, ...]) -> str:
    """An HTML-like label: the icon above its text, sized by Graphviz to fit both."""
    text = "<BR/>".join(escape(line) for line in _lines(lines))
    return (
        '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="2">'
        f'<TR><TD FIXEDSIZE="TRUE" WIDTH="56" HEIGHT="56"><IMG SRC="{escape(icon)}" SCALE="TRUE"/></TD></TR>'
        f"<TR><TD>{text}</TD></TR></TABLE>>"
    )


_IMAGE_HREF = re.compile(rb'xlink:href="([^"]+\.png)"')


def _inline_images(svg: bytes) -> bytes:
    """Graphviz links icons by local path; embed them so the SVG stands alone."""

    def embed(match: re.Match[bytes]) -> bytes:
        png = Path(match.group(1).decode()).read_bytes()
        return b'xlink:href="data:image/png;base64,' + base64.b64encode(png) + b'"'

    return _IMAGE_HREF.sub(embed, svg)

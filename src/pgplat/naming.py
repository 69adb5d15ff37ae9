"""Every name pgplat derives from the configuration, in one place.

Stack, resource, role and secret names are part of deployed infrastructure: the templates,
the Kubernetes manifests, the drills, the deployment and the checks must all spell them the
same way, so each is built here and nowhere else. This is the bottom layer: it reads the
configuration model and imports nothing else of pgplat, and nothing here needs the CDK.
"""

from __future__ import annotations

import hashlib

from pgplat.config.model import PgplatConfig

POSTGRES_PORT = 5432
"""The port every pgplat database listens on (PostgreSQL's own default, kept on RDS)."""
IAM_ROLE_NAME_MAX = 64
CDK_QUALIFIER = "hnb659fds"
"""Default ``cdk bootstrap`` qualifier; the app account's deployment role carries it."""


def pascal(name: str) -> str:
    """``orders_api`` -> ``OrdersApi``: construct ids and output names from user names."""
    return "".join(part.capitalize() for part in name.replace("-", "_").split("_"))


def env_prefix(config: PgplatConfig, env: str) -> str:
    """``<name>-<env>``: the start of every stack name and resource name of an environment."""
    return f"{config.name}-{env}"


def database_identifier(config: PgplatConfig, env: str) -> str:
    """The DB cluster (Aurora) or instance (RDS) identifier: the environment's prefix."""
    return env_prefix(config, env)


def parameter_group_name(identifier: str, major: int) -> str:
    """The parameter group of database ``identifier`` for one major, named so that the group a
    major upgrade hands to the Blue/Green deployment is the one the synthesis declares after it."""
    return f"{identifier}-postgres{major}"


def upgrade_master_secret_name(config: PgplatConfig, env: str) -> str:
    """Secrets Manager name of the master password pgplat holds while a major upgrade runs
    (Blue/Green does not support an RDS-managed one)."""
    return f"{secret_prefix(config, env)}/upgrade-master"


def data_stack_name(config: PgplatConfig, env: str) -> str:
    """The data-account stack holding the database; its outputs are exported under it."""
    return f"{env_prefix(config, env)}-data"


def app_stack_name(config: PgplatConfig, env: str) -> str:
    """The app-account stack: workload roles and the app side of connectivity."""
    return f"{env_prefix(config, env)}-app"


def network_stack_name(config: PgplatConfig, env: str) -> str:
    """The network hub's stack (accounts.network): the environment's TGW share and route tables."""
    return f"{env_prefix(config, env)}-network"


def trail_stack_name(config: PgplatConfig, env: str) -> str:
    """The data-account stack of the environment's CloudTrail trail."""
    return f"{env_prefix(config, env)}-trail"


def backup_copy_stack_name(config: PgplatConfig, env: str) -> str:
    """The stack of the copy vault in the cross-region copy's region."""
    return f"{env_prefix(config, env)}-backup-copy"


def secret_prefix(config: PgplatConfig, env: str) -> str:
    """``<name>/<env>``: the start of the environment's Secrets Manager names."""
    return f"{config.name}/{env}"


def user_secret_name(config: PgplatConfig, env: str, user: str) -> str:
    """Secrets Manager name of ``user``'s password secret (auth: secret)."""
    return f"{secret_prefix(config, env)}/users/{user}"


def bounded_role_name(name: str) -> str:
    """``name`` if IAM accepts it, else a prefix plus a short hash that keeps it unique."""
    if len(name) <= IAM_ROLE_NAME_MAX:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[: IAM_ROLE_NAME_MAX - 9]}-{digest}"


def _pgplat_role(config: PgplatConfig, env: str, purpose: str) -> str:
    return bounded_role_name(f"pgplat-{config.name}-{env}-{purpose}")


def data_role_name(config: PgplatConfig, env: str, user: str) -> str:
    """The data-account role allowed to connect as database user ``user``."""
    return _pgplat_role(config, env, f"db-{user}")


def workload_role_name(config: PgplatConfig, env: str, user: str) -> str:
    """The app-account role the pods of ``user``'s service account run as."""
    return _pgplat_role(config, env, f"app-{user}")


def peering_accepter_role_name(config: PgplatConfig, env: str) -> str:
    """The data-account role the app account's CloudFormation assumes to accept peering."""
    return _pgplat_role(config, env, "peering-accepter")


def drill_role_name(config: PgplatConfig, env: str) -> str:
    """The IAM role in the data account that on-demand restore drills assume."""
    return f"{database_identifier(config, env)}-restore-drill"


def owned_iam_name_patterns(config: PgplatConfig) -> list[str]:
    """Name patterns of every IAM role and policy pgplat's stacks create for ``config``."""
    return [f"{config.name}-*", f"pgplat-{config.name}-*"]


def execution_policy_name(config: PgplatConfig) -> str:
    """The managed policy ``cdk bootstrap`` gives CloudFormation in each account."""
    return f"pgplat-{config.name}-cfn-execution"


def cdk_exec_role_name(account: str, region: str) -> str:
    """The role CloudFormation runs as in ``account`` (``cdk bootstrap`` default)."""
    return f"cdk-{CDK_QUALIFIER}-cfn-exec-role-{account}-{region}"


def tgw_share_name(config: PgplatConfig, env: str) -> str:
    """The RAM share that offers the environment's Transit Gateway to the other accounts (the
    data account's to the app account, or the network hub's to both)."""
    return f"pgplat-{config.name}-{env}-tgw"


def compose_project_name(config: PgplatConfig) -> str:
    """The docker compose project of the local server."""
    return f"pgplat-{config.name}"


def partition(region: str) -> str:
    """The ARN partition of a region."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def role_arn(partition_name: str, account: str, name: str) -> str:
    """The ARN of IAM role ``name`` in ``account``."""
    return f"arn:{partition_name}:iam::{account}:role/{name}"

"""Application-user secrets for users with ``auth: secret``, rotated on a schedule.

The master password is never written anywhere: RDS manages it in its own Secrets Manager
secret, sealed with the environment's key, and rotates it itself. Each application user that
authenticates with a password gets a secret of its own (``<name>/<env>/users/<user>``), bound
to the database so it carries host and port, and rotated by the AWS multi-user rotation
function, which runs inside the isolated VPC and reaches Secrets Manager through its endpoint.
Users with ``auth: iam`` have no password at all.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_rds as rds
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from pgplat.infra.network import HTTPS, IsolatedNetwork
from pgplat.naming import pascal

EXCLUDED_CHARACTERS = " %+~`#$&*()|[]{}:;<>?!'/@\"\\"
"""Characters that break connection strings and shells; never generated in passwords."""


class UserSecrets(Construct):
    """One rotated secret per password-authenticated application user, by user name.

    ``secret_names`` maps each such user to its secret's name; ``owner`` (``<name>/<env>``)
    labels the rotation functions' security group; the functions reach the database on
    ``port`` and rotate every ``rotation_days`` (``environments.<env>.secret_rotation_days``).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        owner: str,
        secret_names: Mapping[str, str],
        key: kms.IKey,
        master_secret: secretsmanager.ISecret,
        target: secretsmanager.ISecretAttachmentTarget,
        network: IsolatedNetwork,
        vpc_cidr: str,
        port: int,
        rotation_days: int,
    ) -> None:
        super().__init__(scope, construct_id)
        self.by_user: dict[str, secretsmanager.ISecret] = {}
        if not secret_names:
            return
        rotation_sg = ec2.SecurityGroup(
            self,
            "RotationSecurityGroup",
            vpc=network.vpc,
            description=f"Secret rotation for {owner}: PostgreSQL and AWS endpoints only",
            allow_all_outbound=False,
        )
        rotation_sg.add_egress_rule(ec2.Peer.ipv4(vpc_cidr), HTTPS, "AWS APIs via endpoints")
        database = ec2.Connections(
            security_groups=[network.db_security_group],
            default_port=ec2.Port.tcp(port),
        )
        for user, secret_name in secret_names.items():
            secret = rds.DatabaseSecret(
                self,
                f"{pascal(user)}Secret",
                username=user,
                secret_name=secret_name,
                encryption_key=key,
                master_secret=master_secret,
                exclude_characters=EXCLUDED_CHARACTERS,
            )
            attached = secret.attach(target)
            secretsmanager.SecretRotation(
                self,
                f"{pascal(user)}Rotation",
                application=secretsmanager.SecretRotationApplication.POSTGRES_ROTATION_MULTI_USER,
                secret=attached,
                master_secret=master_secret,
                target=database,
                vpc=network.vpc,
                vpc_subnets=network.subnet_selection,
                security_group=rotation_sg,
                automatically_after=Duration.days(rotation_days),
                exclude_characters=EXCLUDED_CHARACTERS,
            )
            self.by_user[user] = attached

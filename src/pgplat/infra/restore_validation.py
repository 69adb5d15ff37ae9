"""Proof that backups restore, as data-account infrastructure.

* **Drill role** (``<name>-<env>-restore-drill``): what ``pgplat drill restore`` assumes. It reads
  the source, restores and deletes copies named ``drill-*``, and is explicitly denied any
  change to the source itself.
* **Drill security group**: the only security group restored copies get. It admits
  PostgreSQL from the validator Lambda and nothing else; tagged so the drill finds it.
* **Validator Lambda** (when ``backup.restore_test`` is set): invoked by EventBridge when the
  AWS Backup restore-testing plan's restore job completes, it runs the configured validation
  suite with the same engine as ``pgplat drill restore`` and reports
  ``PutRestoreValidationResult``; daily it publishes the age of the last successful drill.
  Its code asset is :mod:`pgplat.validator` with the pgplat modules it imports (read from
  their source, :mod:`pgplat.infra.imports`, so the asset follows the code) plus its binary
  dependencies (``ASSET_DISTRIBUTIONS``) copied from the synthesizing interpreter (so the Lambda runs
  the CPython minor and CPU architecture of that interpreter; off Linux, CDK falls back to
  a Docker build).
* **Alarm**: no successful drill or restore test within ``restore_test.max_age_days``.

The cdk-nag findings the roles' wildcards raise are accepted, with why, in
:mod:`pgplat.policy.acknowledgements`.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import platform
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, cast

import jsii
from aws_cdk import (
    ArnFormat,
    AssetHashType,
    BundlingOptions,
    DockerImage,
    Duration,
    ILocalBundling,
    RemovalPolicy,
    Stack,
    Tags,
)
from aws_cdk import aws_backup as backup
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

import pgplat
from pgplat.config.model import RestoreTest
from pgplat.errors import UserError
from pgplat.infra.imports import imported_modules
from pgplat.infra.record import asset_environment
from pgplat.infra.retention import log_retention
from pgplat.naming import drill_role_name
from pgplat.validator import ASSET_DISTRIBUTIONS
from pgplat.validator.drill_names import DRILL_PREFIX, DRILL_SG_TAG, RESTORE_TEST_PREFIX
from pgplat.validator.metrics import DAYS_SINCE_SUCCESS, NAMESPACE, dimensions
from pgplat.validator.settings import HANDLER, HANDLER_MODULE, LAYER_CA_BUNDLE, ValidatorSettings

if TYPE_CHECKING:
    from pgplat.infra.data_stack import DataStack


class RestoreValidation(Construct):
    """Drill role, drill security group, and (with a restore test) validator and alarm."""

    def __init__(self, scope: Construct, construct_id: str, *, data: DataStack) -> None:
        super().__init__(scope, construct_id)
        settings = data.config.environments.cloud()[data.env_name]
        self.identifier = data.database.props.identifier
        self.security_group = self._closed_group(
            "DrillSecurityGroup",
            data,
            f"Restored copies of {self.identifier} (drills and restore tests) only",
        )
        Tags.of(self.security_group).add(DRILL_SG_TAG, self.identifier)
        self.drill_role = self._drill_role(data)
        self.validator: lambda_.Function | None = None
        self.alarm: cloudwatch.Alarm | None = None
        restore_test = settings.backup.restore_test
        if restore_test is not None:
            self._restore_tests_use_the_drill_group(data)
            self.validator = self._validator(data, restore_test)
            self._triggers(data, self.validator)
            self.alarm = self._alarm(data, restore_test.max_age_days)

    def _closed_group(self, group_id: str, data: DataStack, description: str) -> ec2.SecurityGroup:
        """A security group in the data VPC that lets nothing out until a rule says so."""
        return ec2.SecurityGroup(
            self, group_id, vpc=data.vpc, description=description, allow_all_outbound=False
        )

    def _rds_arn(self, kind: str, name: str) -> str:
        stack = Stack.of(self)
        return stack.format_arn(
            service="rds",
            resource=kind,
            resource_name=name,
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )

    def _restore_tests_use_the_drill_group(self, data: DataStack) -> None:
        """AWS Backup's restore-test copies get the drill group too, not the database's: only
        the validator may reach them, and the validator may reach nothing else."""
        selection = data.backup.node.find_child("RestoreTestingSelection")
        assert isinstance(selection, backup.CfnRestoreTestingSelection)
        selection.add_property_override(
            "RestoreMetadataOverrides.vpcsecuritygroupids",
            Stack.of(self).to_json_string([self.security_group.security_group_id]),
        )

    def _drill_role(self, data: DataStack) -> iam.Role:
        stack = Stack.of(self)
        source = self.identifier
        copies = [
            self._rds_arn("cluster", f"{DRILL_PREFIX}*"),
            self._rds_arn("db", f"{DRILL_PREFIX}*"),
        ]
        role = iam.Role(
            self,
            "DrillRole",
            role_name=drill_role_name(data.config, data.env_name),
            assumed_by=iam.AccountPrincipal(stack.account),
            description=f"pgplat drill: restore {source} into temporary drill-* copies",
            max_session_duration=Duration.hours(4),
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="ReadSourcesAndNetwork",
                actions=[
                    "rds:DescribeDBClusters",
                    "rds:DescribeDBInstances",
                    "rds:DescribeDBClusterSnapshots",
                    "rds:DescribeDBSnapshots",
                    "rds:DescribeDBSubnetGroups",
                    "ec2:DescribeSecurityGroups",
                ],
                resources=["*"],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="RestoreFromTheSource",
                actions=[
                    "rds:RestoreDBClusterFromSnapshot",
                    "rds:RestoreDBClusterToPointInTime",
                    "rds:RestoreDBInstanceFromDBSnapshot",
                    "rds:RestoreDBInstanceToPointInTime",
                ],
                resources=[
                    self._rds_arn("cluster", source),
                    self._rds_arn("db", source),
                    self._rds_arn("cluster-snapshot", "*"),
                    self._rds_arn("snapshot", "*"),
                    self._rds_arn("subgrp", data.database.subnet_group_name),
                    self._rds_arn("cluster-pg", "*"),
                    self._rds_arn("pg", "*"),
                    self._rds_arn("og", "*"),
                    *copies,
                ],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="ManageDrillCopiesOnly",
                actions=[
                    "rds:CreateDBInstance",
                    "rds:ModifyDBCluster",
                    "rds:ModifyDBInstance",
                    "rds:DeleteDBCluster",
                    "rds:DeleteDBInstance",
                    "rds:AddTagsToResource",
                ],
                resources=[
                    *copies,
                    self._rds_arn("subgrp", data.database.subnet_group_name),
                    self._rds_arn("pg", "*"),
                    self._rds_arn("og", "*"),
                ],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="NeverChangeTheSource",
                effect=iam.Effect.DENY,
                actions=[
                    "rds:Modify*",
                    "rds:Delete*",
                    "rds:Stop*",
                    "rds:Reboot*",
                    "rds:Failover*",
                    "rds:RemoveTagsFromResource",
                    "rds:AddTagsToResource",
                ],
                resources=[self._rds_arn("cluster", source), self._rds_arn("db", f"{source}*")],
            )
        )
        role.add_to_policy(_put_drill_metrics())
        data.key.grant(
            role, "kms:CreateGrant", "kms:DescribeKey", "kms:Decrypt", "kms:GenerateDataKey"
        )
        return role

    def _validator(self, data: DataStack, restore_test: RestoreTest) -> lambda_.Function:
        function_sg = self._closed_group(
            "ValidatorSecurityGroup", data, f"Restore-test validator of {self.identifier}"
        )
        self.security_group.add_ingress_rule(
            function_sg, ec2.Port.tcp(data.database.port), "PostgreSQL from the validator"
        )
        function_sg.add_egress_rule(
            self.security_group, ec2.Port.tcp(data.database.port), "PostgreSQL to restored copies"
        )
        function_sg.add_egress_rule(
            ec2.Peer.ipv4(data.vpc.vpc_cidr_block), ec2.Port.tcp(443), "AWS APIs via endpoints"
        )
        if data.network.creates_endpoints:  # else the existing VPC has them
            self._api_endpoints(data, function_sg)
        monitoring = data.config.environments.cloud()[data.env_name].monitoring
        log_group = logs.LogGroup(
            self,
            "ValidatorLogs",
            encryption_key=data.key,
            retention=log_retention(monitoring.log_retention_days),
            removal_policy=RemovalPolicy.RETAIN,
        )
        role = iam.Role(
            self,
            "ValidatorRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Validates AWS Backup restore tests of {self.identifier}",
        )
        restored = [
            self._rds_arn("cluster", f"{RESTORE_TEST_PREFIX}*"),
            self._rds_arn("db", f"{RESTORE_TEST_PREFIX}*"),
        ]
        role.add_to_policy(
            iam.PolicyStatement(
                sid="ReadRestoreJobsAndReport",
                actions=["backup:DescribeRestoreJob", "backup:PutRestoreValidationResult"],
                resources=["*"],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="LogInToRestoreTestCopiesOnly",
                actions=[
                    "rds:DescribeDBClusters",
                    "rds:DescribeDBInstances",
                    "rds:ModifyDBCluster",
                    "rds:ModifyDBInstance",
                    "rds:CreateDBInstance",
                    "rds:DeleteDBInstance",
                    "rds:AddTagsToResource",
                ],
                resources=[*restored, self._rds_arn("pg", "*"), self._rds_arn("og", "*")],
            )
        )
        role.add_to_policy(_put_drill_metrics())
        role.add_to_policy(
            iam.PolicyStatement(
                sid="ReadDrillHistory",
                actions=["cloudwatch:GetMetricStatistics"],
                resources=["*"],
            )
        )
        role.add_to_policy(
            iam.PolicyStatement(
                sid="NetworkInterfacesInTheDataVpc",
                actions=[
                    "ec2:CreateNetworkInterface",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DeleteNetworkInterface",
                    "ec2:AssignPrivateIpAddresses",
                    "ec2:UnassignPrivateIpAddresses",
                ],
                resources=["*"],
            )
        )
        log_group.grant_write(role)
        settings = ValidatorSettings.of(data.config, data.env_name)
        bundle = restore_test.ca_bundle
        layers = [self._ca_layer(data.base_dir / bundle, data.env_name)] if bundle else []
        function = lambda_.Function(
            self,
            "Validator",
            description=f"Validates restore tests of {self.identifier} with pgplat's suite",
            runtime=lambda_.Runtime(
                f"python{sys.version_info.major}.{sys.version_info.minor}",
                lambda_.RuntimeFamily.PYTHON,
            ),
            architecture=_architecture(),
            handler=HANDLER,
            code=package_code(),
            role=role,
            vpc=data.vpc,
            vpc_subnets=ec2.SubnetSelection(subnets=data.subnets),
            security_groups=[function_sg],
            timeout=Duration.minutes(15),
            memory_size=512,
            environment=settings.environment(),
            environment_encryption=data.key,
            log_group=log_group,
            reserved_concurrent_executions=2,
            layers=layers,
        )
        data.key.grant_decrypt(role)
        return function

    def _api_endpoints(self, data: DataStack, function_sg: ec2.SecurityGroup) -> None:
        """RDS and Backup APIs from the isolated subnets (the network has the others)."""
        endpoint_sg = self._closed_group(
            "ValidatorEndpointSecurityGroup",
            data,
            "HTTPS to the RDS and Backup APIs from the restore-test validator",
        )
        endpoint_sg.add_ingress_rule(function_sg, ec2.Port.tcp(443), "AWS APIs from the validator")
        for endpoint_id, service in (
            ("RdsEndpoint", ec2.InterfaceVpcEndpointAwsService.RDS),
            ("BackupEndpoint", ec2.InterfaceVpcEndpointAwsService.BACKUP),
        ):
            data.vpc.add_interface_endpoint(
                endpoint_id,
                service=service,
                subnets=ec2.SubnetSelection(subnets=data.subnets),
                security_groups=[endpoint_sg],
                private_dns_enabled=True,
                open=False,
            )

    def _triggers(self, data: DataStack, function: lambda_.Function) -> None:
        target = targets.LambdaFunction(function, retry_attempts=2, max_event_age=Duration.hours(2))
        plan = data.backup.restore_testing_plan
        detail: dict[str, object] = {"status": ["COMPLETED"]}
        if plan is not None:
            detail["restoreTestingPlanArn"] = [plan.attr_restore_testing_plan_arn]
        events.Rule(
            self,
            "RestoreJobCompleted",
            description=f"Validate each completed restore test of {self.identifier}",
            event_pattern=events.EventPattern(
                source=["aws.backup"],
                detail_type=["Restore Job State Change"],
                detail=detail,
            ),
            targets=[target],
        )
        events.Rule(
            self,
            "DailyDrillAge",
            description=f"Publish the age of the last successful drill of {self.identifier}",
            schedule=events.Schedule.rate(Duration.days(1)),
            targets=[target],
        )

    def _ca_layer(self, source: Path, env_name: str) -> lambda_.LayerVersion:
        """The RDS CA bundle as a layer at ``LAYER_CA_BUNDLE``, so the validator can verify."""
        if not source.is_file():
            raise UserError(
                f"environments.{env_name}.backup.restore_test.ca_bundle: {source} not found; "
                "write it with `pgplat certs --out FILE`"
            )
        # The asset is staged (copied into the assembly) as the layer is constructed.
        with tempfile.TemporaryDirectory() as staging:
            target = Path(staging) / LAYER_CA_BUNDLE.relative_to("/opt")
            target.parent.mkdir(parents=True)
            shutil.copyfile(source, target)
            return lambda_.LayerVersion(
                self,
                "RdsCaBundle",
                code=lambda_.Code.from_asset(staging),
                description="RDS CA bundle the restore-test validator verifies TLS against",
            )

    def _alarm(self, data: DataStack, max_age_days: int) -> cloudwatch.Alarm:
        metric = cloudwatch.Metric(
            namespace=NAMESPACE,
            metric_name=DAYS_SINCE_SUCCESS,
            dimensions_map={d["Name"]: d["Value"] for d in dimensions(self.identifier)},
            statistic="Maximum",
            period=Duration.days(1),
        )
        alarm = cloudwatch.Alarm(
            self,
            "NoRecentSuccessfulDrill",
            alarm_name=f"{self.identifier}-no-successful-restore-drill",
            alarm_description=(
                f"No restore drill or restore test of {self.identifier} succeeded in "
                f"{max_age_days} days: backups are not proven to restore"
            ),
            metric=metric,
            threshold=max_age_days,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
        )
        data.monitoring.notify(alarm)
        return alarm


def _put_drill_metrics() -> iam.PolicyStatement:
    return iam.PolicyStatement(
        sid="PublishDrillMetrics",
        actions=["cloudwatch:PutMetricData"],
        resources=["*"],
        conditions={"StringEquals": {"cloudwatch:namespace": NAMESPACE}},
    )


def _architecture() -> lambda_.Architecture:
    return (
        lambda_.Architecture.ARM_64
        if platform.machine() in ("aarch64", "arm64")
        else (lambda_.Architecture.X86_64)
    )


@jsii.implements(ILocalBundling)
class _InstalledPackages:
    """Bundle without Docker: the validator's part of pgplat and the installed wheels of its
    runtime dependencies.

    Only valid where the synthesizing interpreter is a Linux CPython (its wheels are the
    Lambda's); elsewhere it declines and CDK uses the Docker image instead.
    """

    def try_bundle(self, output_dir: str, options: BundlingOptions) -> bool:
        if sys.platform != "linux":
            return False
        out = Path(output_dir)
        package = Path(pgplat.__file__).parent
        for module in validator_modules():
            target = out / "pgplat" / module
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(package / module, target)
        for name in ASSET_DISTRIBUTIONS:
            distribution = importlib.metadata.distribution(name)
            for file in distribution.files or []:
                if file.parts[0] == ".." or "__pycache__" in file.parts:
                    continue
                source = Path(str(distribution.locate_file(file)))
                target = out / file
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
        return True


@functools.cache
def validator_modules() -> list[str]:
    """The files of the pgplat modules importing the handler loads, relative to the package
    (read from their source by :func:`pgplat.infra.imports.imported_modules`)."""
    return imported_modules(Path(pgplat.__file__).parent, HANDLER_MODULE)


def asset_hash(package: Path = Path(pgplat.__file__).parent) -> str:
    """The asset's content hash, from exactly what goes into it (the modules the handler
    imports, read from ``package``, and ``asset_environment``), so an edit elsewhere in
    pgplat keeps the asset and an edit to any of its modules uploads a new one."""
    digest = hashlib.sha256(json.dumps(asset_environment(), sort_keys=True).encode())
    for module in validator_modules():
        digest.update(b"\0" + module.encode() + b"\0" + (package / module).read_bytes())
    return digest.hexdigest()


def package_code() -> lambda_.Code:
    """The Lambda code: the validator's part of pgplat, with its runtime dependencies."""
    package = Path(pgplat.__file__).parent
    python = f"python{sys.version_info.major}.{sys.version_info.minor}"
    modules = " ".join(validator_modules())
    return lambda_.Code.from_asset(
        str(package),
        asset_hash_type=AssetHashType.CUSTOM,
        asset_hash=asset_hash(),
        exclude=["__pycache__", "*.pyc"],
        bundling=BundlingOptions(
            image=DockerImage.from_registry(f"public.ecr.aws/sam/build-{python}"),
            # jsii hands the options over as one object, not as the keywords the stubs show
            local=cast(ILocalBundling, _InstalledPackages()),
            command=[
                "bash",
                "-c",
                "pip install --no-cache-dir -t /asset-output "
                + " ".join(ASSET_DISTRIBUTIONS)
                + " && mkdir -p /asset-output/pgplat && cd /asset-input"
                + f" && cp --parents {modules} /asset-output/pgplat/",
            ],
        ),
    )

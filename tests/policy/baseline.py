"""A production Aurora database that satisfies every rule of the pack, as template resources.

Each rule test breaks exactly one thing in a copy of it, so a compliant and a violating
template differ only where the rule looks.
"""

from __future__ import annotations

import copy
from typing import Any

from pgplat.config.model import PgplatConfig
from tests.policy.templates import KEY, KEY_ARN

DELETE = object()
TAGS = [
    {"Key": "owner", "Value": "platform"},
    {"Key": "cost-center", "Value": "cc-1"},
    {"Key": "environment", "Value": "prod"},
]
ALARM_METRICS = (
    "DatabaseConnections",
    "Deadlocks",
    "FreeLocalStorage",
    "AuroraReplicaLagMaximum",
)


_ACCOUNT_ROOT = {"AWS": "arn:aws:iam::111111111111:root"}
DAILY = {
    "RuleName": "Daily",
    "TargetBackupVault": {"Ref": "Vault"},
    "ScheduleExpression": "cron(0 10 * * ? *)",
    "Lifecycle": {"DeleteAfterDays": 14},
}
"""The backup plan's rule, within the vault's lock (7-3650 days)."""


def _policy(principal: Any, action: str, effect: str = "Allow") -> dict[str, Any]:
    """A one-statement resource policy."""
    statement = {"Effect": effect, "Principal": principal, "Action": action, "Resource": "*"}
    return {"Version": "2012-10-17", "Statement": [statement]}


PER_INSTANCE_METRICS = ("CPUUtilization", "FreeableMemory")
"""Alarmed on each instance: one saturated writer must not hide behind idle readers."""
INSTANCES = {"Writer": "test-prod-writer", "Reader": "test-prod-reader-1"}


def _instance(config: PgplatConfig, identifier: str) -> dict[str, Any]:
    return {
        "Type": "AWS::RDS::DBInstance",
        "Properties": {
            "DBClusterIdentifier": {"Ref": "Cluster"},
            "DBInstanceIdentifier": identifier,
            "DBInstanceClass": "db.r6g.large",
            "Engine": "aurora-postgresql",
            "MonitoringInterval": 15,
            "MonitoringRoleArn": {"Fn::GetAtt": ["MonitoringRole", "Arn"]},
            "EnablePerformanceInsights": True,
            "PerformanceInsightsKMSKeyId": KEY_ARN,
            "AutoMinorVersionUpgrade": True,
            "PubliclyAccessible": False,
            "PreferredMaintenanceWindow": config.maintenance.windows.maintenance,
        },
    }


def baseline(config: PgplatConfig) -> dict[str, Any]:
    windows = config.maintenance.windows
    resources: dict[str, Any] = {
        "Key": KEY,
        "Params": {
            "Type": "AWS::RDS::DBClusterParameterGroup",
            "Properties": {"Family": "aurora-postgresql16", "Parameters": {"rds.force_ssl": "1"}},
        },
        "Cluster": {
            "Type": "AWS::RDS::DBCluster",
            "DeletionPolicy": "Snapshot",
            "UpdateReplacePolicy": "Snapshot",
            "Properties": {
                "Engine": "aurora-postgresql",
                "EngineVersion": "16.4",
                "StorageEncrypted": True,
                "KmsKeyId": KEY_ARN,
                "DBClusterParameterGroupName": {"Ref": "Params"},
                "EnableIAMDatabaseAuthentication": True,
                "BackupRetentionPeriod": 14,
                "DeletionProtection": True,
                "EnableCloudwatchLogsExports": ["postgresql"],
                "PreferredBackupWindow": windows.backup,
                "PreferredMaintenanceWindow": windows.maintenance,
                "CopyTagsToSnapshot": True,
                "ManageMasterUserPassword": True,
                "MasterUserSecret": {"KmsKeyId": KEY_ARN},
                "DBSubnetGroupName": {"Ref": "SubnetGroup"},
                "VpcSecurityGroupIds": [{"Fn::GetAtt": ["DbSg", "GroupId"]}],
                "Tags": TAGS,
            },
        },
        **{name: _instance(config, identifier) for name, identifier in INSTANCES.items()},
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"KmsMasterKeyId": KEY_ARN}},
        "OnCall": {
            "Type": "AWS::SNS::Subscription",
            "Properties": {
                "TopicArn": {"Ref": "Topic"},
                "Protocol": "email",
                "Endpoint": "oncall@example.com",
            },
        },
        "DbSg": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {
                "GroupDescription": "database",
                "SecurityGroupIngress": [
                    {
                        "IpProtocol": "tcp",
                        "FromPort": 5432,
                        "ToPort": 5432,
                        "CidrIp": "10.10.0.0/16",
                    }
                ],
            },
        },
        "Subnet": {
            "Type": "AWS::EC2::Subnet",
            "Properties": {"CidrBlock": "10.20.0.0/24", "MapPublicIpOnLaunch": False},
        },
        "RouteTable": {"Type": "AWS::EC2::RouteTable", "Properties": {}},
        "Association": {
            "Type": "AWS::EC2::SubnetRouteTableAssociation",
            "Properties": {"SubnetId": {"Ref": "Subnet"}, "RouteTableId": {"Ref": "RouteTable"}},
        },
        "ToApps": {
            "Type": "AWS::EC2::Route",
            "Properties": {
                "RouteTableId": {"Ref": "RouteTable"},
                "DestinationCidrBlock": "10.10.0.0/16",
                "TransitGatewayId": "tgw-0123456789abcdef0",
            },
        },
        "SubnetGroup": {
            "Type": "AWS::RDS::DBSubnetGroup",
            "Properties": {"DBSubnetGroupDescription": "db", "SubnetIds": [{"Ref": "Subnet"}]},
        },
        "Secret": {"Type": "AWS::SecretsManager::Secret", "Properties": {"KmsKeyId": KEY_ARN}},
        "Attachment": {
            "Type": "AWS::SecretsManager::SecretTargetAttachment",
            "Properties": {"SecretId": {"Ref": "Secret"}, "TargetId": {"Ref": "Cluster"}},
        },
        "Rotation": {
            "Type": "AWS::SecretsManager::RotationSchedule",
            "Properties": {
                "SecretId": {"Ref": "Attachment"},
                "RotationRules": {"ScheduleExpression": "rate(30 days)"},
            },
        },
        "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"KmsKeyId": KEY_ARN}},
        "Vault": {
            "Type": "AWS::Backup::BackupVault",
            "Properties": {
                "BackupVaultName": "test-prod",
                "EncryptionKeyArn": KEY_ARN,
                "AccessPolicy": _policy(_ACCOUNT_ROOT, "backup:CopyIntoBackupVault"),
                "LockConfiguration": {"MinRetentionDays": 7, "MaxRetentionDays": 3650},
            },
        },
        "Plan": {
            "Type": "AWS::Backup::BackupPlan",
            "Properties": {
                "BackupPlan": {"BackupPlanName": "test-prod", "BackupPlanRule": [DAILY]}
            },
        },
        "SecretPolicy": {
            "Type": "AWS::SecretsManager::ResourcePolicy",
            "Properties": {
                "SecretId": {"Ref": "Secret"},
                "ResourcePolicy": _policy(_ACCOUNT_ROOT, "secretsmanager:DeleteSecret", "Deny"),
            },
        },
        "TrailBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": "trail-bucket",
                "PolicyDocument": _policy({"Service": "cloudtrail.amazonaws.com"}, "s3:PutObject"),
            },
        },
        "TopicPolicy": {
            "Type": "AWS::SNS::TopicPolicy",
            "Properties": {
                "Topics": [{"Ref": "Topic"}],
                "PolicyDocument": _policy("*", "sns:Publish", "Deny"),
            },
        },
        "Permission": {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": "validator",
                "Principal": "events.amazonaws.com",
                "SourceArn": {"Fn::GetAtt": ["Rule", "Arn"]},
            },
        },
        "DataRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "Policies": [
                    {
                        "PolicyName": "connect",
                        "PolicyDocument": {
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": "rds-db:connect",
                                    "Resource": {
                                        "Fn::Join": [
                                            "",
                                            [
                                                "arn:aws:rds-db:us-east-1:111111111111:dbuser:",
                                                {"Fn::GetAtt": ["Cluster", "DBClusterResourceId"]},
                                                "/web",
                                            ],
                                        ]
                                    },
                                }
                            ]
                        },
                    }
                ]
            },
        },
    }
    for metric in ALARM_METRICS:
        resources[f"Alarm{metric}"] = {
            "Type": "AWS::CloudWatch::Alarm",
            "Properties": {"MetricName": metric, "AlarmActions": [{"Ref": "Topic"}]},
        }
    for metric in PER_INSTANCE_METRICS:
        for name, identifier in INSTANCES.items():
            dimensions = [{"Name": "DBInstanceIdentifier", "Value": identifier}]
            resources[f"Alarm{metric}{name}"] = {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "MetricName": metric,
                    "Dimensions": dimensions,
                    "AlarmActions": [{"Ref": "Topic"}],
                },
            }
    return resources


def mutated(resources: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A deep copy with ``value`` set at ``path`` (or the key removed for ``DELETE``)."""
    changed = copy.deepcopy(resources)
    node = changed
    for key in path[:-1]:
        node = node.setdefault(key, {})
    if value is DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return changed

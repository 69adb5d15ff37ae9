"""Our rule pack: every rule with its id, severity, why it exists, the plan line or AWS
control it enforces, and how to fix a violation. The one table the engine reads."""

from __future__ import annotations

from pgplat.policy.rules import (
    alarms_reach_a_person,
    alarms_with_actions,
    backup_retention_sufficient,
    backup_rules_fit_vault_lock,
    backup_vaults_encrypted_with_cmk,
    bucket_policies_closed_to_outsiders,
    database_not_public,
    database_subnets_isolated,
    db_connect_not_wildcard,
    db_ingress_only_from_app_cidrs,
    deletion_protected,
    engine_in_standard_support,
    enhanced_monitoring_on,
    final_snapshot_on_delete,
    highly_available,
    iam_auth_enabled,
    key_policies_closed_to_outsiders,
    kms_key_rotation_enabled,
    lambda_permissions_closed_to_outsiders,
    log_exports_on,
    log_groups_encrypted_with_cmk,
    mandatory_tags_present,
    minor_upgrades_per_policy,
    performance_insights_encrypted_with_cmk,
    performance_insights_on,
    secret_policies_closed_to_outsiders,
    secrets_encrypted_with_cmk,
    secrets_rotated,
    snapshots_copy_tags,
    storage_encrypted_with_cmk,
    tls_enforced,
    topic_policies_closed_to_outsiders,
    topics_encrypted_with_cmk,
    vault_policies_closed_to_outsiders,
    windows_outside_business_hours,
)
from pgplat.policy.rules._db import DATABASES
from pgplat.policy.rules.base import ANY_TYPE, Rule

_PLAN_PROD = "Plan, production: private subnets, inaccessible from the internet"
_PLAN_KMS = "Plan, configuration: Encryption = KMS enabled"
_PLAN_BACKUPS = "Plan, configuration: daily automated backups + retention policy"
_PLAN_MONITORING = "Plan, configuration: CloudWatch Metrics + Enhanced Monitoring + Alarms"
_SECRETS_MANAGER_ENTRY = "AWS::SecretsManager::Secret"
_IAM = ("AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
_OUTSIDERS = (
    "A resource policy is the only gate in front of the resource: Principal '*' or another "
    "organisation's account reaches it from anywhere unless a condition narrows the caller."
)
_PLAN_ACCOUNTS = "Plan: IAM cross-account roles for least-privilege access; Security Hub "
_NARROW = (
    "Name the principal (an account of the configuration, a role, or a service), or add a "
    "condition that narrows the caller to the organisation: aws:PrincipalOrgID, "
    "aws:SourceAccount/aws:SourceArn"
)

RULES: tuple[Rule, ...] = (
    Rule(
        "PGP-001",
        database_not_public.database_not_public,
        DATABASES,
        "error",
        "A public endpoint exposes the database to the whole internet.",
        f"{_PLAN_PROD}; AWS Config rds-instance-public-access-check",
        "Set publicly_accessible=False on the cluster/instance (pgplat never sets it true).",
    ),
    Rule(
        "PGP-002",
        database_subnets_isolated.database_subnets_isolated,
        ("AWS::RDS::DBSubnetGroup",),
        "error",
        "A route to an internet or NAT gateway gives the database a way out (and in).",
        f"{_PLAN_PROD}; Always enforce network isolation",
        "Place the DB subnet group on PRIVATE_ISOLATED subnets; reach AWS APIs through VPC "
        "endpoints.",
    ),
    Rule(
        "PGP-003",
        storage_encrypted_with_cmk.storage_encrypted_with_cmk,
        DATABASES,
        "error",
        "Only a customer-managed key lets the key policy decide who can read the data.",
        f"{_PLAN_KMS}; AWS Config rds-storage-encrypted",
        "Set storage_encrypted and storage_encryption_key to the environment's CMK.",
    ),
    Rule(
        "PGP-004",
        performance_insights_encrypted_with_cmk.performance_insights_encrypted_with_cmk,
        DATABASES,
        "error",
        "Performance Insights stores SQL text, which can contain data.",
        _PLAN_KMS,
        "Pass the CMK as performance_insight_encryption_key.",
    ),
    Rule(
        "PGP-005",
        secrets_encrypted_with_cmk.secrets_encrypted_with_cmk,
        (_SECRETS_MANAGER_ENTRY, *DATABASES),
        "error",
        "Secrets hold database passwords; the CMK's key policy limits who can decrypt them.",
        f"{_PLAN_KMS}; Authentication = Secrets Manager",
        "Create secrets with encryption_key=<the CMK> (master secret: MasterUserSecret.KmsKeyId).",
    ),
    Rule(
        "PGP-006",
        log_groups_encrypted_with_cmk.log_groups_encrypted_with_cmk,
        ("AWS::Logs::LogGroup",),
        "error",
        "PostgreSQL and flow logs reveal queries, users and addresses.",
        _PLAN_KMS,
        "Create log groups with encryption_key=<the CMK> (its key policy must admit logs).",
    ),
    Rule(
        "PGP-007",
        topics_encrypted_with_cmk.topics_encrypted_with_cmk,
        ("AWS::SNS::Topic",),
        "error",
        "Alarm notifications describe the database; encrypt them at rest too.",
        _PLAN_KMS,
        "Create the topic with master_key=<the CMK> and allow cloudwatch.amazonaws.com to use it.",
    ),
    Rule(
        "PGP-008",
        backup_vaults_encrypted_with_cmk.backup_vaults_encrypted_with_cmk,
        ("AWS::Backup::BackupVault",),
        "error",
        "Backup copies are the data; they need the same key control as the database.",
        f"{_PLAN_KMS}; {_PLAN_BACKUPS}",
        "Create backup vaults with encryption_key=<a CMK in the vault's region>.",
    ),
    Rule(
        "PGP-009",
        kms_key_rotation_enabled.kms_key_rotation_enabled,
        ("AWS::KMS::Key",),
        "error",
        "Yearly rotation bounds how much data one key version protects.",
        f"{_PLAN_KMS}; AWS Config cmk-backing-key-rotation-enabled",
        "Create the key with enable_key_rotation=True.",
    ),
    Rule(
        "PGP-010",
        tls_enforced.tls_enforced,
        DATABASES,
        "error",
        "Without rds.force_ssl a client can send passwords and data in clear text.",
        "Plan: Always enforce network isolation; AWS Security Hub RDS.x (TLS in transit)",
        "Attach a parameter group with rds.force_ssl=1 (pgplat's default; do not override it).",
    ),
    Rule(
        "PGP-011",
        iam_auth_enabled.iam_auth_enabled,
        DATABASES,
        "error",
        "IAM authentication replaces long-lived passwords with 15-minute tokens tied to a role.",
        "Plan: Authentication = IAM; Always enforce IAM-based access; AWS Config "
        "rds-cluster-iam-authentication-enabled",
        "Set iam_authentication=True on the cluster/instance.",
    ),
    Rule(
        "PGP-012",
        backup_retention_sufficient.backup_retention_sufficient,
        DATABASES,
        "error",
        "A week of point-in-time recovery covers errors found after a weekend.",
        f"{_PLAN_BACKUPS}; AWS Config db-instance-backup-enabled",
        "Set environments.prod.backup.retention_days to 7 or more.",
    ),
    Rule(
        "PGP-013",
        deletion_protected.deletion_protected,
        DATABASES,
        "error",
        "One mistaken stack update or API call must not delete production.",
        "AWS Config rds-cluster-deletion-protection-enabled",
        "Keep environments.prod.deletion_protection true.",
    ),
    Rule(
        "PGP-014",
        final_snapshot_on_delete.final_snapshot_on_delete,
        DATABASES,
        "error",
        "If production is deleted or replaced anyway, a final snapshot keeps the data.",
        _PLAN_BACKUPS,
        "Use removal_policy=RemovalPolicy.SNAPSHOT on the production cluster/instance.",
    ),
    Rule(
        "PGP-015",
        highly_available.highly_available,
        DATABASES,
        "error",
        "Production must survive the loss of one Availability Zone.",
        "Plan: Aurora for fast failover / RDS Multi-AZ support; AWS Config rds-multi-az-support",
        "RDS: multi_az true; Aurora: readers >= 1 (replicas are spread over the AZs).",
    ),
    Rule(
        "PGP-016",
        enhanced_monitoring_on.enhanced_monitoring_on,
        DATABASES,
        "error",
        "OS-level metrics (memory, swap, processes) explain what CloudWatch averages hide.",
        f"{_PLAN_MONITORING}; AWS Config rds-enhanced-monitoring-enabled",
        "Set monitoring.enhanced_monitoring_interval to 1-60 seconds.",
    ),
    Rule(
        "PGP-017",
        performance_insights_on.performance_insights_on,
        DATABASES,
        "warning",
        "Performance Insights shows which queries load the database.",
        _PLAN_MONITORING,
        "Set monitoring.performance_insights true.",
    ),
    Rule(
        "PGP-018",
        log_exports_on.log_exports_on,
        DATABASES,
        "error",
        "Logs that stay on the instance vanish with it and cannot be searched or alarmed on.",
        f"{_PLAN_MONITORING}; AWS Config rds-logging-enabled",
        "Export the 'postgresql' log (cloudwatch_logs_exports=['postgresql']).",
    ),
    Rule(
        "PGP-019",
        alarms_with_actions.alarms_with_actions,
        DATABASES,
        "error",
        "An alarm nobody hears is not monitoring.",
        _PLAN_MONITORING,
        "Create the missing alarms (CPU and memory on every Aurora instance) and send them to "
        "the alarm topic (monitoring.alarm_emails).",
    ),
    Rule(
        "PGP-020",
        windows_outside_business_hours.windows_outside_business_hours,
        DATABASES,
        "error",
        "Patching and backup I/O during business hours hurt users.",
        "Plan, configuration: Maintenance Window = weekly, outside business hours",
        "Use the derived windows (pgplat config explain maintenance) or fix maintenance.*.",
    ),
    Rule(
        "PGP-021",
        minor_upgrades_per_policy.minor_upgrades_per_policy,
        DATABASES,
        "warning",
        "Minor versions carry security fixes; the policy decides whether RDS applies them.",
        "AWS Config rds-automatic-minor-version-upgrade-enabled",
        "Set auto_minor_version_upgrade from maintenance.auto_minor_version_upgrade.",
    ),
    Rule(
        "PGP-022",
        engine_in_standard_support.engine_in_standard_support,
        DATABASES,
        "error",
        "Past standard support AWS enrols the database in RDS Extended Support, billed per "
        "vCPU-hour of every instance, unless the organisation chose otherwise.",
        "Plan, configuration: Engine = PostgreSQL 14.x; AWS RDS/Aurora release calendars",
        "Upgrade (`pgplat upgrade plan`), or choose environments.<env>.extended_support: "
        "true to pay for Extended Support, false to let AWS upgrade the major.",
    ),
    Rule(
        "PGP-023",
        db_ingress_only_from_app_cidrs.db_ingress_only_from_app_cidrs,
        ("AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress"),
        "error",
        "The database security group is the last network gate before PostgreSQL.",
        "Plan: access only from EKS in the App Account; Security Groups restrict access to "
        "trusted workloads",
        "Allow TCP on the database port (environments.<env>.port, default 5432) from "
        "network.app_vpcs[*].cidr only.",
    ),
    Rule(
        "PGP-024",
        db_connect_not_wildcard.db_connect_not_wildcard,
        _IAM,
        "error",
        "A wildcard lets one role log in as any database user of any cluster.",
        "Plan: IAM cross-account roles for least-privilege access",
        "Grant rds-db:connect on arn:aws:rds-db:<region>:<account>:dbuser:<cluster-resource-id>"
        "/<user> only.",
    ),
    Rule(
        "PGP-025",
        secrets_rotated.secrets_rotated,
        (_SECRETS_MANAGER_ENTRY,),
        "error",
        "Rotation bounds how long a leaked password is useful.",
        "Plan: Authentication = Secrets Manager; AWS Config secretsmanager-rotation-enabled-check",
        "Add a rotation schedule (secret.add_rotation_schedule or a hosted rotation).",
    ),
    Rule(
        "PGP-026",
        snapshots_copy_tags.snapshots_copy_tags,
        DATABASES,
        "warning",
        "Untagged snapshots lose their owner, cost center and environment.",
        "AWS Config rds-snapshots-copy-tags (Security Hub RDS.16/RDS.17)",
        "Set copy_tags_to_snapshot=True.",
    ),
    Rule(
        "PGP-027",
        mandatory_tags_present.mandatory_tags_present,
        ANY_TYPE,
        "warning",
        "Tags name the owner and cost center of every resource; separate environments need "
        "to be told apart.",
        "Plan: separate environments; pgplat required_tags",
        "Config 'tags' reach every tag-aware construct; resources the CDK emits as a raw "
        "CfnResource (custom-resource providers) must be tagged in code where they are made.",
    ),
    Rule(
        "PGP-028",
        key_policies_closed_to_outsiders.key_policies_closed_to_outsiders,
        ("AWS::KMS::Key",),
        "error",
        _OUTSIDERS,
        f"{_PLAN_ACCOUNTS}KMS.5 (KMS keys not publicly accessible)",
        f"{_NARROW}, or kms:CallerAccount with kms:ViaService.",
    ),
    Rule(
        "PGP-029",
        secret_policies_closed_to_outsiders.secret_policies_closed_to_outsiders,
        ("AWS::SecretsManager::ResourcePolicy",),
        "error",
        _OUTSIDERS,
        f"{_PLAN_ACCOUNTS}SecretsManager (resource policies do not grant public access)",
        f"{_NARROW}; pgplat's own policies name the data account only.",
    ),
    Rule(
        "PGP-030",
        bucket_policies_closed_to_outsiders.bucket_policies_closed_to_outsiders,
        ("AWS::S3::BucketPolicy",),
        "error",
        _OUTSIDERS,
        f"{_PLAN_ACCOUNTS}S3.2/S3.3 (no public read or write); AWS Config "
        "s3-bucket-public-read-prohibited",
        f"{_NARROW}; the audit buckets need only the CloudTrail and log-delivery services.",
    ),
    Rule(
        "PGP-031",
        topic_policies_closed_to_outsiders.topic_policies_closed_to_outsiders,
        ("AWS::SNS::TopicPolicy",),
        "error",
        _OUTSIDERS,
        f"{_PLAN_ACCOUNTS}SNS (topic access policies); AWS Config sns-topic-policy-check",
        f"{_NARROW}; CloudWatch and RDS events publish as services.",
    ),
    Rule(
        "PGP-032",
        vault_policies_closed_to_outsiders.vault_policies_closed_to_outsiders,
        ("AWS::Backup::BackupVault",),
        "error",
        _OUTSIDERS,
        f"{_PLAN_ACCOUNTS}Backup (vault access policies); {_PLAN_BACKUPS}",
        f"{_NARROW}; a vault without an access policy answers to its own account only.",
    ),
    Rule(
        "PGP-033",
        lambda_permissions_closed_to_outsiders.lambda_permissions_closed_to_outsiders,
        ("AWS::Lambda::Permission",),
        "error",
        _OUTSIDERS,
        f"{_PLAN_ACCOUNTS}Lambda.1 (Lambda function policies prohibit public access)",
        "Give the permission a SourceArn (the rule or service resource that invokes it), a "
        "SourceAccount of the configuration, or a PrincipalOrgID.",
    ),
    Rule(
        "PGP-034",
        alarms_reach_a_person.alarms_reach_a_person,
        ("AWS::CloudWatch::Alarm",),
        "error",
        "An alarm that reaches no person is not monitoring: production problems go unheard.",
        _PLAN_MONITORING,
        "Set monitoring.alarm_emails (someone confirms the subscription) or "
        "monitoring.alarm_topic_arn (an existing, subscribed topic) for production.",
    ),
    Rule(
        "PGP-035",
        backup_rules_fit_vault_lock.backup_rules_fit_vault_lock,
        ("AWS::Backup::BackupPlan",),
        "error",
        "AWS Backup fails every job whose retention is outside a locked vault's bounds: the "
        "plan deploys, then no backup is ever taken.",
        f"{_PLAN_BACKUPS}; AWS Backup Vault Lock",
        "Keep each rule's and copy's retention (backup.retention_days, backup.rules, "
        "backup.cross_region_copy.retention_days) within backup.vault_lock's "
        "min_retention_days and max_retention_days.",
    ),
)

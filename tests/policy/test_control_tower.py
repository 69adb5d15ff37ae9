"""Control Tower's RDS proactive controls: each one refuses exactly what it names, the
shipped examples break only what their configuration chose (and the finding names the
setting that satisfies it), and nothing is reported unless check.control_tower asks."""

from __future__ import annotations

from typing import Any

import pytest

from pgplat.config.model import PgplatConfig
from pgplat.policy.assembly import Assembly
from pgplat.policy.control_tower import (
    CLUSTER,
    CLUSTER_PARAMETERS,
    CONTROLS,
    INSTANCE,
    PARAMETERS,
    PROXY,
    SUBSCRIPTION,
    control_tower_findings,
)

_INSTANCE_OK: dict[str, Any] = {
    "Engine": "postgres",
    "MultiAZ": True,
    "MonitoringInterval": 15,
    "MonitoringRoleArn": {"Fn::GetAtt": ["Role", "Arn"]},
    "DeletionProtection": True,
    "AutoMinorVersionUpgrade": True,
    "EnableIAMDatabaseAuthentication": True,
    "BackupRetentionPeriod": 14,
    "CopyTagsToSnapshot": True,
    "DBSubnetGroupName": {"Ref": "Subnets"},
    "EnableCloudwatchLogsExports": ["postgresql", "upgrade"],
    "Port": "5433",
    "MasterUsername": "pgplat_admin",
    "PubliclyAccessible": False,
    "StorageEncrypted": True,
    "KmsKeyId": "arn:aws:kms:us-east-1:111111111111:key/k",
}
_CLUSTER_OK: dict[str, Any] = {
    "Engine": "aurora-postgresql",
    "DeletionProtection": True,
    "EnableIAMDatabaseAuthentication": True,
    "CopyTagsToSnapshot": True,
    "StorageEncrypted": True,
    "MasterUsername": "pgplat_admin",
    "EnableCloudwatchLogsExports": ["postgresql"],
}
_EVENTS = ["configuration change", "failure", "maintenance"]
BROKEN: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    # control: (type, compliant properties, the one change that breaks it)
    "CT.RDS.PR.1": (INSTANCE, _INSTANCE_OK, {"MultiAZ": False}),
    "CT.RDS.PR.2": (INSTANCE, _INSTANCE_OK, {"MonitoringInterval": 0}),
    "CT.RDS.PR.3": (CLUSTER, _CLUSTER_OK, {"DeletionProtection": False}),
    "CT.RDS.PR.4": (CLUSTER, _CLUSTER_OK, {"EnableIAMDatabaseAuthentication": False}),
    "CT.RDS.PR.5": (INSTANCE, _INSTANCE_OK, {"AutoMinorVersionUpgrade": False}),
    "CT.RDS.PR.7": (INSTANCE, _INSTANCE_OK, {"EnableIAMDatabaseAuthentication": False}),
    "CT.RDS.PR.8": (INSTANCE, _INSTANCE_OK, {"BackupRetentionPeriod": 3}),
    "CT.RDS.PR.9": (CLUSTER, _CLUSTER_OK, {"CopyTagsToSnapshot": False}),
    "CT.RDS.PR.10": (INSTANCE, _INSTANCE_OK, {"CopyTagsToSnapshot": False}),
    "CT.RDS.PR.11": (INSTANCE, _INSTANCE_OK, {"DBSubnetGroupName": None}),
    "CT.RDS.PR.12": (
        SUBSCRIPTION,
        {"SourceType": "db-cluster", "EventCategories": ["failure", "maintenance"]},
        {"EventCategories": ["failover"]},
    ),
    "CT.RDS.PR.13": (INSTANCE, _INSTANCE_OK, {"DeletionProtection": False}),
    "CT.RDS.PR.14": (INSTANCE, _INSTANCE_OK, {"EnableCloudwatchLogsExports": ["postgresql"]}),
    "CT.RDS.PR.16": (CLUSTER, _CLUSTER_OK, {"StorageEncrypted": False}),
    "CT.RDS.PR.17": (
        SUBSCRIPTION,
        {"SourceType": "db-instance", "EventCategories": _EVENTS},
        {"EventCategories": ["failure", "maintenance"]},
    ),
    "CT.RDS.PR.18": (
        SUBSCRIPTION,
        {"SourceType": "db-parameter-group", "EventCategories": _EVENTS},
        {"Enabled": False},
    ),
    "CT.RDS.PR.20": (INSTANCE, _INSTANCE_OK, {"Port": "5432"}),
    "CT.RDS.PR.21": (CLUSTER, _CLUSTER_OK, {"MasterUsername": "postgres"}),
    "CT.RDS.PR.22": (INSTANCE, _INSTANCE_OK, {"MasterUsername": "admin"}),
    "CT.RDS.PR.23": (INSTANCE, _INSTANCE_OK, {"PubliclyAccessible": True}),
    "CT.RDS.PR.24": (INSTANCE, _INSTANCE_OK, {"StorageEncrypted": False}),
    "CT.RDS.PR.25": (CLUSTER, _CLUSTER_OK, {"EnableCloudwatchLogsExports": []}),
    "CT.RDS.PR.26": (PROXY, {"RequireTLS": True}, {"RequireTLS": False}),
    "CT.RDS.PR.27": (
        CLUSTER_PARAMETERS,
        {"Family": "aurora-postgresql17", "Parameters": {"rds.force_ssl": "1"}},
        {"Parameters": {"rds.force_ssl": "0"}},
    ),
    "CT.RDS.PR.28": (
        PARAMETERS,
        {"Family": "postgres17", "Parameters": {"rds.force_ssl": "1"}},
        {"Parameters": {}},
    ),
    "CT.RDS.PR.30": (INSTANCE, _INSTANCE_OK, {"KmsKeyId": None}),
}


def _answers(kind: str, properties: dict[str, Any]) -> dict[str, str]:
    """Every control's complaint about one resource (only the controls that apply to it)."""
    return {
        c.id: why
        for c in CONTROLS
        if kind in c.types
        and (why := c.check({k: v for k, v in properties.items() if v is not None}))
    }


def test_every_control_has_a_case() -> None:
    assert sorted(BROKEN) == sorted(c.id for c in CONTROLS)
    assert all(c.fix and c.title for c in CONTROLS)


@pytest.mark.parametrize("control_id", sorted(BROKEN))
def test_each_control_refuses_exactly_its_one_change(control_id: str) -> None:
    kind, compliant, change = BROKEN[control_id]
    assert _answers(kind, compliant) == {}
    assert list(_answers(kind, compliant | change)) == [control_id]


def _on(config: PgplatConfig) -> PgplatConfig:
    check = config.check.model_copy(update={"control_tower": True})
    return config.model_copy(update={"check": check})


def test_off_unless_the_configuration_asks(
    northwind_assembly: Assembly, northwind: PgplatConfig
) -> None:
    assert not northwind.check.control_tower
    assert control_tower_findings(northwind_assembly, northwind) == []


def test_the_examples_break_only_what_their_configuration_chose(
    innovate_assembly: Assembly,
    innovate: PgplatConfig,
    northwind_assembly: Assembly,
    northwind: PgplatConfig,
) -> None:
    northwind_found = control_tower_findings(northwind_assembly, _on(northwind))
    assert [(f.rule_id, f.environment) for f in northwind_found] == [("CT.RDS.PR.20", "prod")]
    assert "environments.<env>.port" in northwind_found[0].fix
    # innovate's production is Aurora; its dev database is a single-AZ RDS instance that
    # keeps one day of backups and may be deleted: each a setting of environments.dev
    innovate_found = control_tower_findings(innovate_assembly, _on(innovate))
    assert {f.environment for f in innovate_found} == {"dev"}
    assert sorted(f.rule_id for f in innovate_found) == [
        "CT.RDS.PR.1",
        "CT.RDS.PR.13",
        "CT.RDS.PR.20",
        "CT.RDS.PR.8",
    ]
    assert all(f.severity == "error" and f.fix for f in innovate_found)

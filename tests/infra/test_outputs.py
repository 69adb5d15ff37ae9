"""Outputs the access stacks and the tools read: exported under the stack's name."""

from __future__ import annotations

import pytest

from pgplat.infra.app import Synthesis

EXPECTED = {
    "WriterEndpoint",
    "ReaderEndpoint",
    "Port",
    "ResourceId",
    "MasterSecretArn",
    "KmsKeyArn",
    "SecurityGroupId",
}


@pytest.mark.parametrize(
    ("fixture", "stack", "user_secrets", "port"),
    [
        ("innovate_synth", "innovate-prod-data", {"ReportingSecretArn"}, "5432"),
        ("northwind_synth", "northwind-prod-data", {"OrdersApiSecretArn"}, "5432"),
        (  # the variant listens on environments.prod.port
            "multi_az_cluster_synth",
            "northwind-prod-data",
            {"OrdersApiSecretArn", "BiSecretArn"},
            "6432",
        ),
    ],
)
def test_outputs_are_exported(
    fixture: str, stack: str, user_secrets: set[str], port: str, request: pytest.FixtureRequest
) -> None:
    outputs = request.getfixturevalue(fixture).template(stack)["Outputs"]
    assert EXPECTED | user_secrets <= set(outputs)
    for name in EXPECTED | user_secrets:
        assert outputs[name]["Export"] == {"Name": f"{stack}-{name}"}
    assert outputs["Port"]["Value"] == port


def test_resource_id_feeds_rds_db_connect_arns(innovate_synth: Synthesis) -> None:
    outputs = innovate_synth.template("innovate-prod-data")["Outputs"]
    assert outputs["ResourceId"]["Value"]["Fn::GetAtt"][1] == "DBClusterResourceId"
    assert outputs["WriterEndpoint"]["Value"]["Fn::GetAtt"][1] == "Endpoint.Address"
    assert outputs["ReaderEndpoint"]["Value"]["Fn::GetAtt"][1] == "ReadEndpoint.Address"

"""`backup.restore_test.ca_bundle`: the RDS CA bundle reaches the validator Lambda as a layer."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk.assertions import Match, Template

from pgplat.config.model import PgplatConfig
from pgplat.errors import UserError
from pgplat.infra.app import synthesize
from pgplat.validator.settings import LAYER_CA_BUNDLE

PEM = "-----BEGIN CERTIFICATE-----\nMIIBstand-in\n-----END CERTIFICATE-----\n"


def _with_bundle(config: PgplatConfig, bundle: Path) -> PgplatConfig:
    prod = config.environments.prod
    restore_test = prod.backup.restore_test
    assert restore_test is not None
    backup = prod.backup.model_copy(
        update={"restore_test": restore_test.model_copy(update={"ca_bundle": str(bundle)})}
    )
    envs = config.environments.model_copy(
        update={"prod": prod.model_copy(update={"backup": backup})}
    )
    return config.model_copy(update={"environments": envs})


@pytest.mark.slow
def test_bundle_is_a_layer_the_validator_points_at(northwind: PgplatConfig, tmp_path: Path) -> None:
    bundle = tmp_path / "rds-ca.pem"
    bundle.write_text(PEM)
    synthesis = synthesize(_with_bundle(northwind, bundle), tmp_path / "cdk.out", ["prod"])
    template = Template.from_json(synthesis.template("northwind-prod-data"))
    template.resource_count_is("AWS::Lambda::LayerVersion", 1)
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": Match.string_like_regexp("handler"),
            "Layers": Match.any_value(),
            "Environment": {
                "Variables": Match.object_like({"PGPLAT_CA_BUNDLE": str(LAYER_CA_BUNDLE)})
            },
        },
    )
    staged = list(
        (tmp_path / "cdk.out" / "prod").glob(f"asset.*/{LAYER_CA_BUNDLE.relative_to('/opt')}")
    )
    assert [p.read_text() for p in staged] == [PEM]


def test_missing_bundle_is_one_line(northwind: PgplatConfig, tmp_path: Path) -> None:
    with pytest.raises(
        UserError, match=r"restore_test.ca_bundle: .* not found; write it with `pgplat certs"
    ):
        synthesize(_with_bundle(northwind, tmp_path / "absent.pem"), tmp_path / "cdk.out", ["prod"])

"""Production alarms reach a person (a subscribed topic or the configured alarm_topic_arn),
and CPU and memory are alarmed on every Aurora instance, not averaged over the cluster."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from pgplat.config.model import PgplatConfig
from pgplat.infra.app import Synthesis
from pgplat.policy.assembly import Assembly
from pgplat.policy.pack import run_rules
from pgplat.policy.rules import RULES
from pgplat.policy.rules.base import Compliance, Verdict
from tests.fixtures.policy import with_templates
from tests.policy.baseline import DELETE, INSTANCES, baseline, mutated
from tests.policy.templates import TODAY, context, stack

BY_ID = {rule.id: rule for rule in RULES}
PROPS = "Properties"
EXTERNAL = "arn:aws:sns:us-east-1:111111111111:oncall"


def _answer(
    rule_id: str, resources: dict[str, Any], target: str, config: PgplatConfig, env: str = "prod"
) -> Verdict:
    test_stack = stack(resources, environment=env)
    resource = test_stack.resource(target)
    assert resource is not None
    return BY_ID[rule_id].check(resource, context(config, test_stack))


def _with_topic_arn(config: PgplatConfig, arn: str | None) -> PgplatConfig:
    prod = config.environments.prod
    monitoring = prod.monitoring.model_copy(update={"alarm_topic_arn": arn})
    environments = config.environments.model_copy(
        update={"prod": prod.model_copy(update={"monitoring": monitoring})}
    )
    return config.model_copy(update={"environments": environments})


def test_an_unsubscribed_topic_reaches_nobody(innovate: PgplatConfig) -> None:
    silent = mutated(baseline(innovate), ("OnCall",), DELETE)
    answer = _answer("PGP-034", silent, "AlarmDeadlocks", innovate)
    assert answer.compliance is Compliance.NON_COMPLIANT
    assert "alarm_topic_arn" in BY_ID["PGP-034"].fix


def test_an_alarm_without_actions_reaches_nobody(innovate: PgplatConfig) -> None:
    mute = mutated(baseline(innovate), ("AlarmDeadlocks", PROPS, "AlarmActions"), DELETE)
    answer = _answer("PGP-034", mute, "AlarmDeadlocks", innovate)
    assert answer.compliance is Compliance.NON_COMPLIANT
    assert "no alarm action" in answer.detail


def test_the_configured_alarm_topic_reaches_someone(innovate: PgplatConfig) -> None:
    silent = mutated(baseline(innovate), ("OnCall",), DELETE)
    routed = mutated(
        silent, ("AlarmDeadlocks", PROPS, "AlarmActions"), [{"Ref": "Topic"}, EXTERNAL]
    )
    assert _answer("PGP-034", routed, "AlarmDeadlocks", innovate).compliance is (
        Compliance.NON_COMPLIANT
    ), "a topic ARN nobody configured is not known to reach anyone"
    configured = _with_topic_arn(innovate, EXTERNAL)
    assert _answer("PGP-034", routed, "AlarmDeadlocks", configured).compliance is (
        Compliance.COMPLIANT
    )


def test_a_topic_with_an_inline_subscription_reaches_someone(innovate: PgplatConfig) -> None:
    silent = mutated(baseline(innovate), ("OnCall",), DELETE)
    inline = mutated(
        silent,
        ("Topic", PROPS, "Subscription"),
        [{"Protocol": "email", "Endpoint": "dba@example.com"}],
    )
    assert _answer("PGP-034", inline, "AlarmDeadlocks", innovate).compliance is (
        Compliance.COMPLIANT
    )


def test_outside_production_alarms_may_stay_quiet(innovate: PgplatConfig) -> None:
    silent = mutated(baseline(innovate), ("OnCall",), DELETE)
    answer = _answer("PGP-034", silent, "AlarmDeadlocks", innovate, env="dev")
    assert answer.compliance is Compliance.NOT_APPLICABLE


@pytest.mark.parametrize("metric", ["CPUUtilization", "FreeableMemory"])
@pytest.mark.parametrize("instance", list(INSTANCES))
def test_every_aurora_instance_has_its_own_cpu_and_memory_alarm(
    metric: str, instance: str, innovate: PgplatConfig
) -> None:
    resources = baseline(innovate)
    del resources[f"Alarm{metric}{instance}"]
    resources[f"Alarm{metric}Cluster"] = {
        "Type": "AWS::CloudWatch::Alarm",
        PROPS: {
            "MetricName": metric,
            "Dimensions": [{"Name": "DBClusterIdentifier", "Value": "test-prod"}],
            "AlarmActions": [{"Ref": "Topic"}],
        },
    }
    answer = _answer("PGP-019", resources, "Cluster", innovate)
    assert answer.compliance is Compliance.NON_COMPLIANT
    assert f"{metric} of {INSTANCES[instance]}" in answer.detail


# On real synthesis -----------------------------------------------------------------------


@pytest.mark.parametrize("example", ["innovate", "northwind", "multi_az_cluster"])
def test_synthesized_alarms_reach_people(example: str, request: pytest.FixtureRequest) -> None:
    """The examples (alarm e-mails) and the variant with only alarm_topic_arn pass."""
    synthesis: Synthesis = request.getfixturevalue(f"{example}_synth")
    config_fixture = "multi_az_cluster_config" if example == "multi_az_cluster" else example
    config: PgplatConfig = request.getfixturevalue(config_fixture)
    assembly = Assembly.of_synthesis(synthesis, config)
    rules = tuple(r for r in RULES if r.id in ("PGP-019", "PGP-034"))
    assert run_rules(assembly, config, TODAY, rules) == []


def test_production_without_a_subscriber_fails_the_gate(
    innovate_assembly: Assembly, innovate: PgplatConfig
) -> None:
    """innovate as if it had no alarm e-mails: its topic keeps no subscription."""
    templates = {s.name: copy.deepcopy(dict(s.template)) for s in innovate_assembly.stacks}
    for template in templates.values():
        resources = template["Resources"]
        for logical_id in [
            k for k, v in resources.items() if v["Type"] == "AWS::SNS::Subscription"
        ]:
            del resources[logical_id]
    tampered = with_templates(innovate_assembly, templates)
    findings = [f for f in run_rules(tampered, innovate, TODAY) if f.rule_id == "PGP-034"]
    prod_alarms = {
        logical_id
        for stack in innovate_assembly.environment("prod")
        for logical_id, r in stack.template["Resources"].items()
        if r["Type"] == "AWS::CloudWatch::Alarm"
    }
    assert {f.logical_id for f in findings} == prod_alarms
    assert all(f.environment == "prod" and f.severity == "error" for f in findings)
    assert "which has no subscription" in findings[0].message

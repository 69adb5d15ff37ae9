"""Every production alarm notifies a person: one of its actions is an SNS topic someone
subscribes to, or the existing topic configured as monitoring.alarm_topic_arn (which pgplat
cannot see into and the organisation answers for). A topic with no subscription is silence."""

from __future__ import annotations

from typing import Any

from pgplat.policy.assembly import Resource
from pgplat.policy.rules.base import NOT_APPLICABLE, Context, Verdict, as_list, verdict

_TOPIC = "AWS::SNS::Topic"


def alarms_reach_a_person(resource: Resource, context: Context) -> Verdict:
    if not context.is_prod:
        return NOT_APPLICABLE
    actions = as_list(resource.properties.get("AlarmActions"))
    if not actions:
        return verdict(False, "the alarm has no alarm action")
    silent = [_silence(action, context) for action in actions]
    return verdict(None in silent, f"its actions reach nobody: {'; '.join(filter(None, silent))}")


def _silence(action: Any, context: Context) -> str | None:
    """Why ``action`` reaches nobody, or None when it reaches someone."""
    configured = _configured_topic(context)
    if configured is not None and action == configured:
        return None
    topic = context.resolve(action)
    if topic is None:
        return f"{action!r} is not a topic of this environment nor monitoring.alarm_topic_arn"
    if topic.type != _TOPIC:
        return f"{topic.logical_id} is a {topic.type}, not an SNS topic"
    if topic.properties.get("Subscription") or any(
        context.references(subscription.properties.get("TopicArn"), topic)
        for subscription in context.resources("AWS::SNS::Subscription")
    ):
        return None
    return f"{topic.logical_id}, which has no subscription"


def _configured_topic(context: Context) -> str | None:
    environment = context.config.environments.cloud().get(context.environment or "")
    return environment.monitoring.alarm_topic_arn if environment is not None else None

"""The Lambdas the CDK adds for pgplat, held to the bar of pgplat's own function.

``ec2.Vpc`` brings a handler that strips the default security group, and ``AwsCustomResource``
one that accepts the app account's TGW attachments. The first is a raw ``CfnResource`` that
``Tags.of(app)`` cannot reach, and neither bounds its concurrency or keeps its logs under the
CMK. :meth:`HelperFunctions.harden` fixes that on every such function of the stack, once the
stack is built: the configured tags, reserved concurrency, and one log group encrypted with
the data key, retained and expiring as configured. No dead-letter queue: CloudFormation is
their failure destination (a handler that fails reports it, and the stack rolls back).
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import CfnResource, RemovalPolicy, TagManager
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

HELPER_CONCURRENCY = 2
"""Concurrent runs each helper may use: enough for a stack's custom resources, never more."""
_TAGGED_TYPES = ("AWS::IAM::Role", "AWS::Lambda::Function")
"""Types the CDK's custom-resource provider emits as raw resources, outside the tag aspect."""


class HelperFunctions(Construct):
    """The helpers' shared log group, and :meth:`harden`, which configures every helper in
    the stack."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        key: kms.IKey,
        retention: logs.RetentionDays,
        tags: Mapping[str, str],
    ) -> None:
        super().__init__(scope, id)
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            encryption_key=key,
            retention=retention,
            removal_policy=RemovalPolicy.RETAIN,
        )
        self._tags = [{"Key": k, "Value": v} for k, v in sorted(tags.items())]

    def harden(self) -> None:
        """Configure each helper function of the stack: called once every construct of the
        stack is built. (An aspect did this during synthesis, at the cost of one call from
        Node into Python per construct of the stack: 0.2 s over innovate's two syntheses.)"""
        scope = self.node.scope
        assert scope is not None
        log_group = self.log_group.log_group_name
        for node in scope.node.find_all():
            # told apart by Python type first: asking each resource of the stack for its type
            # through jsii took a third of a second of every synthesis
            if isinstance(node, lambda_.CfnFunction):
                if node.logging_config is None:  # pgplat's own function logs where it says
                    _bound(node, log_group)
            elif type(node) is CfnResource:  # the provider framework's raw resources
                kind = node.cfn_resource_type
                if kind in _TAGGED_TYPES and not TagManager.is_taggable(node):
                    node.add_property_override("Tags", self._tags)
                if kind == "AWS::Lambda::Function":
                    _bound(node, log_group)


def _bound(function: CfnResource, log_group: str) -> None:
    """Logs in ``log_group``, and at most ``HELPER_CONCURRENCY`` runs at once."""
    function.add_property_override("LoggingConfig.LogGroup", log_group)
    function.add_property_override("ReservedConcurrentExecutions", HELPER_CONCURRENCY)

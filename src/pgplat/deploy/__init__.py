"""Deploying synthesized stacks across the data, app and non-prod accounts with the CDK CLI."""

"""Which accounts hold production, which do not, and how ARNs are spelled in them."""

from __future__ import annotations

from dataclasses import dataclass

from pgplat.config.model import PgplatConfig
from pgplat.naming import partition

OUTSIDER_ACCOUNT = "000000000000"
"""Stands for "any account outside production" when no non-prod account is configured."""


@dataclass(frozen=True)
class Perimeter:
    """The production accounts (data and app) and the non-prod account outside them."""

    partition: str
    region: str
    data_account: str
    app_account: str
    nonprod_account: str | None
    transit_gateway_id: str | None
    bunker_vault_arn: str | None = None
    """Production's copy target in the organisation's backup account: the one vault outside
    the data account that production backups may be copied into."""

    @classmethod
    def of(cls, config: PgplatConfig) -> Perimeter:
        bunker = config.environments.prod.backup.bunker_copy
        return cls(
            partition=partition(config.region),
            region=config.region,
            data_account=config.accounts.data,
            app_account=config.accounts.app,
            nonprod_account=config.accounts.nonprod,
            transit_gateway_id=config.environments.prod.network.transit_gateway_id,
            bunker_vault_arn=bunker.vault_arn if bunker else None,
        )

    @property
    def bunker_account(self) -> str | None:
        return self.bunker_vault_arn.split(":")[4] if self.bunker_vault_arn else None

    @property
    def prod_accounts(self) -> tuple[str, str]:
        return (self.data_account, self.app_account)

    @property
    def outsider(self) -> str:
        """An account outside production: the non-prod one, or a stand-in."""
        return self.nonprod_account or OUTSIDER_ACCOUNT

    def arn(self, service: str, account: str, resource: str, region: str = "*") -> str:
        """An ARN (or ARN pattern) in this partition; IAM ARNs have no region."""
        where = "" if service == "iam" else region
        return f"arn:{self.partition}:{service}:{where}:{account}:{resource}"

    def prod_arns(self, service: str, resource: str) -> list[str]:
        """The ARN pattern of ``resource`` in each production account."""
        return [self.arn(service, account, resource) for account in self.prod_accounts]

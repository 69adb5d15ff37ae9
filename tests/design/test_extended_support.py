"""What staying on a major costs, for the environments that will soon pay for it."""

from __future__ import annotations

import json
from datetime import date

from pgplat.config.model import PgplatConfig
from pgplat.design.extended_support import staying_costs
from tests.fixtures.cli import RunCli
from tests.fixtures.examples import INNOVATE


def _refusing(config: PgplatConfig, env: str) -> PgplatConfig:
    changed = config.environments.cloud()[env].model_copy(update={"extended_support": False})
    return config.model_copy(
        update={"environments": config.environments.model_copy(update={env: changed})}
    )


def test_every_environment_near_the_end_of_support_is_priced(innovate: PgplatConfig) -> None:
    costs = staying_costs(innovate, date(2026, 12, 1))
    assert set(costs) == {"prod", "dev"}
    assert costs["prod"].monthly_usd_years_1_2 > costs["dev"].monthly_usd_years_1_2


def test_far_from_the_end_or_refused_is_not(innovate: PgplatConfig) -> None:
    assert staying_costs(innovate, date(2025, 1, 1)) == {}
    assert set(staying_costs(_refusing(innovate, "dev"), date(2026, 12, 1))) == {"prod"}


def test_advise_prices_staying_in_json(run_cli: RunCli) -> None:
    result = run_cli(
        "-c", str(INNOVATE), "-o", "json", "advise", "--reads", "100", "--writes", "10",
        "--data-gib", "10",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    staying = json.loads(result.stdout)["extended_support"]
    assert staying["prod"]["major"] == 14
    assert staying["prod"]["starts"] == "2027-03-01"

"""`pgplat diagram`: who owns what, where routes and copies go, and a large estate that stays
readable. Assertions read the Graphviz graph (its JSON from `dot`), not pixels."""

from __future__ import annotations

import json
from copy import deepcopy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pgplat.config.model import PgplatConfig
from pgplat.design.diagram import Architecture, Group, describe, graph
from tests.fixtures.configs import Document, documents

SLOW = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def groups(arch: Architecture) -> dict[str, Group]:
    return {g.id: g for top in arch.groups for g in top.walk()}


def owner(arch: Architecture, node_id: str) -> Group:
    """The innermost group that holds ``node_id``."""
    return next(g for g in groups(arch).values() if any(n.id == node_id for n in g.nodes))


def holds(group: Group, node_id: str) -> bool:
    return any(n.id == node_id for g in group.walk() for n in g.nodes)


def laid_out(arch: Architecture) -> dict[str, Any]:
    """`dot`'s layout of the plain picture: its nodes, edges, clusters and bounding box."""
    layout: dict[str, Any] = json.loads(graph(arch, None).pipe(format="json"))
    return layout


def test_transit_gateway_and_its_share_belong_to_the_data_account(innovate: PgplatConfig) -> None:
    arch = describe(innovate, ["prod"])
    data = groups(arch)["prod_data"]
    assert holds(data, "prod_link")
    assert holds(data, "prod_ram")
    share = next(e for e in arch.edges if e.tail == "prod_ram")
    assert share.head == "prod_link"
    assert innovate.accounts.app in share.label
    assert not holds(groups(arch)["prod_app"], "prod_link")


def test_an_existing_or_same_account_gateway_has_no_share_drawn(innovate: PgplatConfig) -> None:
    """dev's account holds both sides (nothing to share); the RAM share is pgplat's only
    when pgplat creates the gateway."""
    arch = describe(innovate, ["dev"])
    assert not any(n.kind == "ram" for g in groups(arch).values() for n in g.nodes)


def test_routes_start_at_each_app_vpc(innovate: PgplatConfig) -> None:
    arch = describe(innovate, ["prod"])
    vpc = groups(arch)["prod_app_vpc_0"]
    route = next(n for n in vpc.nodes if n.kind == "route-table")
    assert "rtb-0a1b2c3d4e5f60001" in route.lines
    edge = next(e for e in arch.edges if e.tail == route.id)
    assert edge.head == "prod_link"
    assert edge.tail_group == "prod_app_vpc_0"
    drawn = graph(arch, None).source
    assert "ltail=cluster_prod_app_vpc_0" in drawn


def test_cross_region_copy_is_its_own_region_box(innovate: PgplatConfig) -> None:
    arch = describe(innovate, ["prod"])
    region = groups(arch)["prod_copy_region"]
    assert region.style == "region"
    assert any("us-west-2" in line for line in region.lines)
    assert [n.kind for n in region.nodes] == ["backup"]
    assert "35-day retention" in "\n".join(region.nodes[0].lines)
    assert any(e.tail == "prod_backup" and e.head == region.nodes[0].id for e in arch.edges)
    assert holds(groups(arch)["prod_data"], region.nodes[0].id)


def test_trail_and_restore_validator_appear(innovate: PgplatConfig) -> None:
    arch = describe(innovate)
    kinds = {n.id: n.kind for g in groups(arch).values() for n in g.nodes}
    assert kinds["prod_trail"] == "cloudtrail"
    assert owner(arch, "prod_trail").id == "prod_data"
    assert "dev_trail" not in kinds  # only production gets pgplat's trail
    assert kinds["prod_validator"] == "lambda"
    assert owner(arch, "prod_validator").id == "prod_data_vpc"
    assert any(e.tail == "prod_backup" and e.head == "prod_validator" for e in arch.edges)


def test_a_validator_exactly_where_a_restore_test_runs(
    innovate: PgplatConfig, northwind: PgplatConfig
) -> None:
    for config in (innovate, northwind):
        drawn = {n.id for g in groups(describe(config)).values() for n in g.nodes}
        for name, env in config.environments.cloud().items():
            assert (f"{name}_validator" in drawn) is (env.backup.restore_test is not None)


def test_an_organisation_trail_is_drawn_as_such(innovate: PgplatConfig) -> None:
    config = innovate.model_copy(
        update={"audit": innovate.audit.model_copy(update={"organization_trail": True})}
    )
    trail = next(
        n for g in groups(describe(config)).values() for n in g.nodes if n.id == "prod_trail"
    )
    assert "AWS Organizations trail" in trail.lines[0]


def test_schedules_read_as_words(innovate: PgplatConfig) -> None:
    text = describe(innovate).text()
    assert "restore test Saturdays 06:00 UTC" in text
    assert "cron(" not in text


def test_backup_rules_and_vault_lock_are_drawn(innovate: PgplatConfig) -> None:
    arch = describe(innovate, ["prod"])
    start = innovate.schedules("prod").aws_backup_start
    backup = "\n".join(
        next(n for n in groups(arch)["prod_data"].nodes if n.id == "prod_backup").lines
    )
    assert f"Monthly: day 1 of each month {start} UTC, 365-day retention" in backup
    assert "Vault Lock (governance), 7-3650 days" in backup
    copy = groups(arch)["prod_copy_region"].nodes[0]
    assert "Vault Lock (governance), 7-3650 days" in copy.lines


@SLOW
@given(documents())
def test_no_schedule_is_drawn_as_an_expression(document: Document) -> None:
    text = describe(PgplatConfig.model_validate(document)).text()
    assert "cron(" not in text
    assert " UTC" in text


# --- a large estate ---------------------------------------------------------------------


def estate(document: Document, users: int, namespaces: int, vpcs: int) -> PgplatConfig:
    """``document`` with ``users`` users over ``namespaces`` namespaces and ``vpcs`` app VPCs
    in production (192.168.x.0/24: apart from the generator's 10.x blocks)."""
    changed = deepcopy(document)
    changed["database"]["users"] = [
        {
            "name": f"user{i}",
            "auth": "secret",
            "kubernetes": {"namespace": f"ns{i % namespaces}", "service_account": f"sa{i}"},
        }
        for i in range(users)
    ]
    changed["environments"].pop("dev", None)
    network = changed["environments"]["prod"]["network"]
    network["app_vpcs"] = [{"cidr": f"192.168.{i}.0/24"} for i in range(vpcs)]
    return PgplatConfig.model_validate(changed)


def node_count(config: PgplatConfig) -> int:
    return sum(len(g.nodes) for g in groups(describe(config)).values())


def edge_count(config: PgplatConfig) -> int:
    return len(describe(config).edges)


def _grows_by_namespace(document: Document, users: int, namespaces: int, vpcs: int) -> None:
    namespaces = min(namespaces, users)
    base = node_count(estate(document, namespaces, namespaces, 1))
    config = estate(document, users, namespaces, vpcs)
    # one node per app VPC (its routes), one per namespace, nothing per user
    assert node_count(config) == base + (vpcs - 1)
    assert node_count(estate(document, namespaces, 1, 1)) == base - (namespaces - 1)
    # a namespace points at most at the secrets and the roles; each VPC at the link
    assert edge_count(config) <= edge_count(estate(document, 1, 1, 1)) + 3 * namespaces + 2 * vpcs
    assert sum(n.kind == "eks" for g in groups(describe(config)).values() for n in g.nodes) == 1


_ESTATES = given(documents(), st.integers(1, 10), st.integers(1, 5), st.integers(1, 4))
test_nodes_grow_with_namespaces_and_vpcs_not_users_times_vpcs = SLOW(_ESTATES(_grows_by_namespace))
test_fuzz_nodes_grow_with_namespaces_and_vpcs_not_users_times_vpcs = pytest.mark.fuzz(
    settings(SLOW, max_examples=300)(_ESTATES(_grows_by_namespace))
)


def test_a_large_estate_stays_readable(innovate: PgplatConfig) -> None:
    """10 users in 5 namespaces and 4 app VPCs: one EKS cluster, one node per namespace, and a
    picture barely larger than the example's."""
    document = innovate.model_dump(mode="json", exclude_unset=True)
    large = estate(document, 10, 5, 4)
    small = estate(document, 2, 2, 1)
    big, little = laid_out(describe(large)), laid_out(describe(small))
    drawn = [o for o in big["objects"] if "nodes" not in o]  # clusters list their nodes
    assert len(drawn) == node_count(large)
    namespaces = [o for o in drawn if o["label"].startswith("namespace ")]
    assert len(namespaces) == 5
    width, height = (float(v) for v in big["bb"].split(",")[2:])
    small_width, small_height = (float(v) for v in little["bb"].split(",")[2:])
    # was 2,784 x 9,353 px: every service account drawn once per VPC, a tall strip
    assert height <= 2 * small_height
    assert width <= 1.5 * small_width
    assert height <= width

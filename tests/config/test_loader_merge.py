"""YAML merge keys (``<<: *base``) are configuration, not duplicate keys: explicit keys
override merged ones, the first of several merged mappings wins, and errors inside merged
values still name the field they land on."""

from __future__ import annotations

import pytest

from pgplat.config.errors import ConfigError, dotted
from pgplat.config.loader import parse_config
from tests.fixtures.examples import INNOVATE

TEXT = INNOVATE.read_text()
PROD_EKS = "eks: {cluster_name: innovate-prod, identity: pod-identity}"
DEV_EKS = "eks: {cluster_name: innovate-dev, identity: pod-identity}"
TAGS = "tags:\n  owner: platform-team\n"


def _changed(*changes: tuple[str, str]) -> str:
    text = TEXT
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def test_merge_plus_override_in_a_flow_mapping() -> None:
    config = parse_config(
        _changed(
            (PROD_EKS, PROD_EKS.replace("eks: {", "eks: &eks {")),
            (DEV_EKS, "eks: {<<: *eks, cluster_name: innovate-dev}"),
        )
    )
    dev = config.environments.dev
    assert dev is not None
    assert dev.eks is not None
    assert dev.eks.cluster_name == "innovate-dev"
    assert dev.eks.identity == "pod-identity"


def test_merge_of_a_nested_mapping_with_a_nested_override() -> None:
    """A whole environment merged from another, overriding a nested mapping as one value."""
    text = _changed(
        ("  dev:\n    flavor: rds\n", "  dev:\n    <<: *prod_monitoring\n    flavor: rds\n"),
        ("    monitoring:\n", "    monitoring: &prod_monitoring\n"),
    )
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    # the merged keys of monitoring land on dev itself, where alarm_emails is no field
    assert [dotted(e.path) for e in info.value.problems] == ["environments.dev.alarm_emails"]
    assert info.value.message.startswith("unknown key")


def test_merge_into_a_block_mapping_with_an_override_below_it() -> None:
    config = parse_config(
        _changed(
            ("backup:\n      retention_days: 14\n", "backup: &backup\n      retention_days: 14\n"),
            (
                "    eks: {cluster_name: innovate-dev",
                "    backup:\n      <<: *backup\n      retention_days: 7\n"
                "      restore_test: null\n    eks: {cluster_name: innovate-dev",
            ),
        )
    )
    dev = config.environments.dev
    assert dev is not None
    assert dev.backup.retention_days == 7
    assert dev.backup.cross_region_copy == config.environments.prod.backup.cross_region_copy


def test_a_list_of_merges_first_mapping_wins_and_explicit_keys_win_over_all() -> None:
    config = parse_config(
        _changed(
            (
                TAGS,
                "tags:\n  <<: [{owner: first, team: first}, {owner: second, tier: second}]\n"
                "  project: explicit\n",
            ),
            ("  project: innovate\n", ""),
        )
    )
    assert config.tags["owner"] == "first"
    assert config.tags["team"] == "first"
    assert config.tags["tier"] == "second"
    assert config.tags["project"] == "explicit"


def test_an_override_before_the_merge_key_still_wins() -> None:
    config = parse_config(
        _changed(
            (PROD_EKS, PROD_EKS.replace("eks: {", "eks: &eks {")),
            (DEV_EKS, "eks:\n      cluster_name: innovate-dev\n      <<: *eks"),
        )
    )
    dev = config.environments.dev
    assert dev is not None
    assert dev.eks is not None
    assert dev.eks.cluster_name == "innovate-dev"


def test_a_bad_merged_value_is_reported_at_its_field_with_its_own_text() -> None:
    text = _changed(
        (PROD_EKS, "eks: &eks {cluster_name: innovate-prod, identity: 0042}"),
        (DEV_EKS, "eks: {<<: *eks, cluster_name: innovate-dev}"),
    )
    with pytest.raises(ConfigError) as info:
        parse_config(text, "pgplat.yaml")
    fields = {dotted(e.path): e for e in info.value.problems}
    assert set(fields) >= {"environments.prod.eks.identity", "environments.dev.eks.identity"}
    assert "got 0042" in fields["environments.dev.eks.identity"].message


def test_the_same_key_twice_is_still_refused_beside_a_merge() -> None:
    text = _changed(
        (PROD_EKS, PROD_EKS.replace("eks: {", "eks: &eks {")),
        (DEV_EKS, "eks: {<<: *eks, cluster_name: a, cluster_name: b}"),
    )
    with pytest.raises(ConfigError) as info:
        parse_config(text, "pgplat.yaml")
    assert dotted(info.value.path) == "environments.dev.eks.cluster_name"
    assert info.value.message == "key appears twice in the same mapping; keep one"

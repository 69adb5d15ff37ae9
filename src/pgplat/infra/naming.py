"""Names derived from the configuration, in one place."""

from __future__ import annotations


def pascal(name: str) -> str:
    """``orders_api`` -> ``OrdersApi``: construct ids and output names from user names."""
    return "".join(part.capitalize() for part in name.replace("-", "_").split("_"))

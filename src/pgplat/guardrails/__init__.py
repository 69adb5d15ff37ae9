"""Guardrails that make crossing from non-production to production data impossible by hand.

Service control policies for AWS Organizations and key-policy statements for the production
keys, generated from the configuration, each with the crossings it must deny
(:mod:`pgplat.guardrails.crossings`) so that the isolation proof can check them.
"""

from pgplat.guardrails.bundle import (
    Guardrails,
    build_guardrails,
    read_guardrails,
    write_guardrails,
)
from pgplat.guardrails.perimeter import Perimeter

__all__ = [
    "Guardrails",
    "Perimeter",
    "build_guardrails",
    "read_guardrails",
    "write_guardrails",
]

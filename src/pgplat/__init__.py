"""pgplat: production PostgreSQL on AWS, and a local twin that behaves like it."""

from __future__ import annotations

__version__ = "0.1.0"

"""The configuration file: model, loader and derived settings."""

from pgplat.config.errors import ConfigError
from pgplat.config.loader import load_config, parse_config
from pgplat.config.model import CloudEnvironment, PgplatConfig

__all__ = ["CloudEnvironment", "ConfigError", "PgplatConfig", "load_config", "parse_config"]

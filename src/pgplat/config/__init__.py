"""The configuration file: its model (:mod:`~pgplat.config.model`), the loader that reads and
validates it (:mod:`~pgplat.config.loader`), and the settings derived from it.

This package's own module imports nothing, so what needs only its light parts (the errors,
the YAML source with its line numbers) does not pay for building the pydantic model: an
unchanged `pgplat check` replays its report without it.
"""

"""CLI command groups: each module parses, calls the library, and renders; no logic lives here."""

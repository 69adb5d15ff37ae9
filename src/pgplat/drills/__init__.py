"""Drills that prove recovery works: restores from backups, and writer failovers."""

"""Traceability: who connected to the database, from which workload, through which roles."""

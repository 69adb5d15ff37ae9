"""Local PostgreSQL that mirrors production: binaries, cluster lifecycle, TLS, .env.

Public surface: :class:`~pgplat.local.cluster.LocalCluster` and
:class:`~pgplat.local.cluster.ServerInfo`.
"""

"""Kubernetes manifests that bind each workload to its database user (see ``manifests``)."""

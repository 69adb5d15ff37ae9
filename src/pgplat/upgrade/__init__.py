"""Major-version upgrades: plan the path, rehearse it on the local twin, run it on AWS.

A major upgrade is the one operation CloudFormation cannot do safely: Blue/Green deployments
live outside it. pgplat plans the path against the configuration (and the live data where it
can reach it), prices the alternative (Extended Support), and keeps the IaC true afterwards.
"""

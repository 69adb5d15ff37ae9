"""`python -m pgplat` is the `pgplat` command."""

from pgplat.cli import main

main()

"""`python -m pgplat` is the `pgplat` command."""

from pgplat.commands.app import main

main()

"""`python -m pgplat` is the `pgplat` command."""

from pgplat.commands.app import main

if __name__ == "__main__":
    main()

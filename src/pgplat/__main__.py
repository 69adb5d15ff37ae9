"""`python -m pgplat` is the `pgplat` command."""

from pgplat.commands.app import run

if __name__ == "__main__":
    run()

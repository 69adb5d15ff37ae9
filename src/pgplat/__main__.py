"""`python -m pgplat` is the `pgplat` command."""

from pgplat.commands.app import main

if __name__ == "__main__":  # not when a spawned worker (cfn-lint's) imports it as __mp_main__
    main()

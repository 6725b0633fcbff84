"""``python -m advisor``: the same command line as the ``advisor`` script."""

from advisor.cli import main

if __name__ == "__main__":  # importing it (pytest --doctest-modules does) runs nothing
    main(prog_name="advisor")

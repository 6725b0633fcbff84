"""The command line: options parsed into one request, one library call, one report written.

``advisor`` (the console script) and ``python -m advisor`` run :func:`main`.
"""

from advisor.cli.commands import main

__all__ = ["main"]

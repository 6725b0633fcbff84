"""The ``advisor`` group and how errors leave it.

A usage error (a bad option value, options that do not go together) is click's:
the usage and one line, exit 2. An error of the input (a missing file, an
unreadable log) is one line, exit 1. A bug is one line, exit 70, unless
ADVISOR_DEBUG asks for the traceback.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from advisor import __version__
from advisor.model.errors import AdvisorError, OptionError

EXIT_USER_ERROR = 1
EXIT_INTERNAL_ERROR = 70  # EX_SOFTWARE


class AdvisorCommand(click.Command):
    """A command whose requests' OptionErrors are click usage errors, with its usage."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OptionError as exc:
            raise click.UsageError(str(exc), ctx) from None


class AdvisorGroup(click.Group):
    """Turns errors a user can cause into one line on stderr and a non-zero exit."""

    command_class = AdvisorCommand

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AdvisorError as exc:
            click.echo(f"advisor: error: {exc}", err=True)
            sys.exit(EXIT_USER_ERROR)
        except BrokenPipeError:
            # The reader went away (| head): not an error of ours.
            sys.stderr.close()
            sys.exit(0)
        except KeyboardInterrupt:
            click.echo("advisor: interrupted", err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise  # click's own: --help, usage errors; click reports them
        except Exception as exc:  # a bug of ours: one line, unless asked for the traceback
            if os.environ.get("ADVISOR_DEBUG"):
                raise
            detail = str(exc).splitlines()[0] if str(exc) else ""
            click.echo(f"advisor: internal error: {type(exc).__name__}: {detail} (a bug in "
                       "advisor; ADVISOR_DEBUG=1 shows the traceback)", err=True)
            sys.exit(EXIT_INTERNAL_ERROR)


@click.group(cls=AdvisorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="advisor")
def main() -> None:
    """A workload-driven index advisor for SQLite.

    It reads captured query logs and works out which indexes the workload
    needs, from SQLite's own planner and measured replays.
    """

"""The ``advisor`` group and how errors leave it.

A usage error (a bad option value, options that do not go together) is click's:
the usage and one line, exit 2. An error of the input (a missing file, an
unreadable log, a database SQLite finds corrupt, locked or not a database) is
one line, exit 1. A bug is one line, exit 70, unless ADVISOR_DEBUG asks for the
traceback.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import sys
from typing import Any

import click

from advisor import __version__
from advisor.catalog.database import database_error
from advisor.model.errors import AdvisorError, OptionError
from advisor.model.interrupts import Interrupted, stopping_on_signals

EXIT_USER_ERROR = 1
EXIT_INTERNAL_ERROR = 70  # EX_SOFTWARE


class AdvisorCommand(click.Command):
    """A command whose requests' OptionErrors are click usage errors, with its usage, and
    whose SQLite errors that are a database's fault are named as such (with its --db)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OptionError as exc:
            raise click.UsageError(str(exc), ctx) from None
        except sqlite3.Error as exc:
            named = database_error(exc, ctx.params.get("db"))
            if named is None:
                raise  # not the database's fault: a bug of ours
            raise named from exc


class AdvisorGroup(click.Group):
    """Turns errors a user can cause into one line on stderr and a non-zero exit."""

    command_class = AdvisorCommand

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with stopping_on_signals():
                return super().invoke(ctx)
        except AdvisorError as exc:
            click.echo(f"advisor: error: {exc}", err=True)
            sys.exit(EXIT_USER_ERROR)
        except BrokenPipeError:
            # The reader went away (| head): not an error of ours.
            sys.stderr.close()
            sys.exit(0)
        except KeyboardInterrupt as exc:  # Ctrl-C or TERM: whatever ran has cleaned up
            signum = exc.signal if isinstance(exc, Interrupted) else signal.SIGINT
            click.echo(f"advisor: stopped by {signal.Signals(signum).name}", err=True)
            sys.exit(128 + signum)
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

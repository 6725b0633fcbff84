"""Progress on stderr while a user watches: the Feedback the library reports through.

Only when stderr is a terminal; a script reading advisor's output sees none of it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from advisor.model.feedback import QUIET, Feedback

PROGRESS_MIN_BYTES = 32 << 20  # shorter reading is over before a bar would help


def feedback() -> Feedback:
    if not sys.stderr.isatty():
        return QUIET
    return Feedback(step=_step, synthesis=_synthesis, reading=_reading)


def _step(message: str) -> None:
    click.echo(message, err=True)


def _synthesis(table: str, done: int, total: int) -> None:
    click.echo(f"\rsynthesising {table}: {done:,}/{total:,} rows\033[K", err=True,
               nl=done >= total)


@contextmanager
def _reading(total: int | None) -> Iterator[Callable[[int], None] | None]:
    """A progress bar over ``total`` input bytes, when reading them takes a while."""
    if total is None or total < PROGRESS_MIN_BYTES:
        yield None
        return
    with click.progressbar(length=total, label="reading", file=sys.stderr,
                           show_eta=True) as bar:
        seen = [0]

        def progress(done: int) -> None:
            # Compressed inputs read more bytes than they hold on disk.
            step = min(done, total) - seen[0]
            if step > 0:
                bar.update(step)
                seen[0] += step

        yield progress

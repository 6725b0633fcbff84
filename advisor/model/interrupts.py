"""Ctrl-C and TERM stop a run, even when they arrive inside a callback SQLite made.

While SQLite runs a statement, Python's signal handlers run only inside the
callbacks SQLite calls (the replay's progress handler, its authorizer), and
SQLite turns any exception a callback raises into an error of the statement:
a KeyboardInterrupt raised there would come back as "interrupted" and be
counted as the statement timing out. So the handlers installed by
:func:`stopping_on_signals` record the signal before raising, and code that
catches a statement's error calls :func:`raise_if_interrupted` first.

TERM is handled as INT is, so that ``finally`` blocks and context managers
(temporary copies, worker processes) clean up on it too.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_received: list[int] = []  # the signals received while stopping_on_signals is active


class Interrupted(KeyboardInterrupt):
    """A stop signal arrived; ``signal`` is its number (the exit status is 128 + it)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signal = signum


def _stop(signum: int, frame: FrameType | None) -> None:
    _received.append(signum)
    raise Interrupted(signum)


def raise_if_interrupted() -> None:
    """Raise the stop that a callback swallowed, if one arrived."""
    if _received:
        raise Interrupted(_received[0])


@contextmanager
def stopping_on_signals() -> Iterator[None]:
    """INT and TERM raise :class:`Interrupted` (recorded, see the module) while inside."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers; there, Python's defaults stand
        return
    previous = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    _received.clear()
    for signum in STOP_SIGNALS:
        signal.signal(signum, _stop)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, signal.SIG_DFL if handler is None else handler)
        _received.clear()

"""Progress on stderr: the Feedback the library reports through, shown as work goes.

Whether or not stderr is a terminal, a long step is never silent: on a
terminal one status line is rewritten in place, with the step's running time;
elsewhere (a log file, CI) each new step gets a line, and counted work a line
at most every LOG_EVERY_SECONDS, each stamped with the seconds since the
command started (a step's own time is nought when its line is written).
Nothing shows for the first DELAY_SECONDS, so a quick command (and the one
line of an error) stays clean; ``--quiet`` shows no progress. Notices
(unreadable records skipped) are kept until the work is done and shown then,
with ``--quiet`` too, when it succeeded: an error stays one line.

The library calls the Feedback from its own thread and only records where it
is; a ticker thread does the printing, so a step that runs long without
calling back (an index build, ANALYZE) still shows, with its elapsed time.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TextIO

from advisor.model.feedback import Feedback

DELAY_SECONDS = 1.0  # quieter than this, a command shows no progress
TICK_SECONDS = 0.2  # how often a terminal's status line is redrawn
LOG_EVERY_SECONDS = 10.0  # off a terminal: a line per new step, else one this often


@contextmanager
def feedback(options: Mapping[str, Any]) -> Iterator[Feedback]:
    """The Feedback for a command's run (notices alone with --quiet); its display is closed,
    the status line cleared, before anything else is written to stderr."""
    notices: list[str] = []
    if options.get("quiet"):
        yield Feedback(notice=notices.append)
    else:
        display = Display(sys.stderr, interactive=sys.stderr.isatty())
        try:
            yield Feedback(step=display.step, synthesis=display.synthesis,
                           reading=display.reading, count=display.count,
                           notice=notices.append)
        finally:
            display.close()
    for notice in notices:  # not reached when the work failed
        sys.stderr.write(f"advisor: {notice}\n")
    sys.stderr.flush()


class Display:
    """Where the work is (a step, and counts through it), shown by a ticker thread."""

    def __init__(self, stream: TextIO, interactive: bool) -> None:
        self.stream = stream
        self.interactive = interactive
        self.started = time.monotonic()
        self._lock = threading.Lock()
        self._text = ""  # the current step
        self._since = self.started
        self._done: int | None = None  # counted work: done of total (None: not counted)
        self._total: int | None = None
        self._unit = ""
        self._shown = ""  # off a terminal: the last step given a line, and when
        self._shown_at = 0.0
        self._line_open = False  # on a terminal: a status line waits to be cleared
        self._stop = threading.Event()
        self._ticker = threading.Thread(target=self._tick, name="advisor-progress",
                                        daemon=True)
        self._ticker.start()

    # --- what the library calls -----------------------------------------------------

    def step(self, message: str) -> None:
        with self._lock:
            self._text, self._since, self._done, self._total = message, time.monotonic(), None, None

    def count(self, what: str, done: int, total: int | None) -> None:
        self._counted(what, done, total, "")

    def synthesis(self, table: str, done: int, total: int) -> None:
        self._counted(f"synthesising {table}", done, total, " rows")

    @contextmanager
    def reading(self, total: int | None) -> Iterator[Callable[[int], None]]:
        def progress(done: int) -> None:
            self._counted("reading the logs", done, total, " bytes")

        yield progress

    def _counted(self, what: str, done: int, total: int | None, unit: str) -> None:
        if total is not None and done > total:
            total = None  # compressed logs give more bytes than their size on disk
        with self._lock:
            if what != self._text:
                self._since = time.monotonic()
            self._text, self._done, self._total, self._unit = what, done, total, unit

    # --- the ticker -----------------------------------------------------------------

    def _tick(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            now = time.monotonic()
            if now - self.started < DELAY_SECONDS:
                continue
            with self._lock:
                if not self._text:
                    continue
                if self.interactive:
                    self._write(f"\r{self._status()}, {now - self._since:.0f} s\033[K")
                    self._line_open = True
                elif self._text != self._shown or now - self._shown_at >= LOG_EVERY_SECONDS:
                    self._write(f"[{now - self.started:.0f} s] {self._status()}\n")
                    self._shown, self._shown_at = self._text, now

    def _status(self) -> str:
        """'step: done/total unit (pct)'."""
        status = self._text
        if self._done is not None:
            if self._unit == " bytes":
                counts = _bytes(self._done) + ("" if self._total is None
                                               else f" of {_bytes(self._total)}")
            else:
                counts = f"{self._done:,}" + ("" if self._total is None
                                              else f"/{self._total:,}{self._unit}")
            if self._total:
                counts += f" ({min(self._done / self._total, 1):.0%})"
            status += f": {counts}"
        return status

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # stderr closed or gone: progress is not worth an error
            self._stop.set()

    def close(self) -> None:
        self._stop.set()
        self._ticker.join()
        if self._line_open:
            self._write("\r\033[K")


def _bytes(count: int) -> str:
    return f"{count / (1 << 20):,.0f} MiB" if count >= 1 << 20 else f"{count:,} bytes"

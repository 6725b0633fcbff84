"""How long work tells a watching user how it goes: callbacks a front end supplies.

The library never prints; it calls these. Each is None when nobody watches; the
command line's --quiet drops the progress but keeps ``notice``: what it says
changes how the result is to be read.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass

# Given the bytes to read (None: unknown, e.g. stdin), a context whose value is called
# with the bytes read so far, or is None when the reading is not worth showing.
Reading = Callable[[int | None], AbstractContextManager[Callable[[int], None] | None]]


@dataclass(frozen=True)
class Feedback:
    step: Callable[[str], None] | None = None  # one line per step of long work
    synthesis: Callable[[str, int, int], None] | None = None  # (table, rows done, rows)
    reading: Reading | None = None  # the logs being read
    count: Callable[[str, int, int | None], None] | None = None  # (work, done, of total)
    notice: Callable[[str], None] | None = None  # a line the user must read beside the result


QUIET = Feedback()

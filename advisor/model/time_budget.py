"""A time budget: the wall seconds a command aims to finish in, counted from its start.

A measured recommendation's essential steps (the first round's set and its
drop-ones, every index earning its place, the set timed against today) always
run; the steps that refine it (a round's moves, another round, a repair of a
slowed template, the check in log order) run while what is left of the budget fits them, by
what the steps like them took so far. Skipping one is reported, never silent.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

TIME_BUDGET_SECONDS = 60.0  # recommend's default: the end-to-end target it is measured by


@dataclass(frozen=True)
class TimeBudget:
    """``seconds`` of wall time from ``started`` (by ``clock``); 0 or less: no limit."""

    seconds: float = 0.0
    clock: Callable[[], float] = field(default=time.monotonic, compare=False, repr=False)
    started: float = field(default=-1.0, compare=False)

    def __post_init__(self) -> None:
        if self.started < 0:
            object.__setattr__(self, "started", self.clock())

    @property
    def limited(self) -> bool:
        return self.seconds > 0

    def elapsed(self) -> float:
        return self.clock() - self.started

    def left(self) -> float:
        """Seconds left (infinite without a limit; negative once past it)."""
        return self.seconds - self.elapsed() if self.limited else math.inf

    def fits(self, seconds: float) -> bool:
        """Whether a step expected to take ``seconds`` ends within the budget."""
        return seconds <= self.left()

    def describe(self) -> str:
        """How much is used, for a report of what was skipped: ``52 s of the 60 s``."""
        return f"{self.elapsed():.0f} s of the {self.seconds:g} s time budget used"


NO_LIMIT = TimeBudget()

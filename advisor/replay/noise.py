"""Noise: whether two measured medians differ by more than the machine's jitter.

A replayed template is timed several times on each copy, the copies taking
turns run by run (advisor.replay.sandbox.time_together), so that a burst of load
falls on both sides of a comparison. What is left is jitter between runs,
and a systematic part no repetition removes (two copies are different files:
their pages sit in different places of the page cache). The band a
difference must leave has both:

- ``Z`` standard errors of the difference: run k on each side ran the same
  statement, so the spread of the paired differences (the median absolute
  deviation, scaled as for a normal sample: 1.4826 MAD / sqrt(n), times
  1.2533 for a median) is the jitter, without the statements' own spread;
- ``FLOOR`` of the larger median, for the systematic part.

The paired spread is jitter only where the runs repeat one statement. A
template's sampled statements differ (a workflow of 2 jobs, one of 2,000), and
a slow one runs only a few times, once per statement: its paired differences
then spread as its statements do, and a seek against a scan 100x slower (Torc's
is_workflow_complete: 0.015 ms against 1.4-8 ms) fell inside the band. When
every run on one side is ``SEPARATION`` times every run on the other, no
jitter explains it and only the floor is left. So too when each run is SEPARATION
times its paired run on the other side, all the same way round: a report run for
a small company and for a large one (2 ms and 30 ms a run without an index, 0.1
and 0.3 ms with it) overlaps as a whole, and its paired differences spread as the
companies do; read as jitter, the band of a ledger trial's drop-one came to 23.5 s
against a 9.1 s saving, and the index that kept its aging report off a scan per
invoice went as "no more than noise". A template slow enough to run fewer than
MIN_RUNS times on a side (that aging report: 0.9 s a run without the index, 4 ms
with it, twice and three times) is told apart by a gap SEPARATION times wider
for each run it lacks: its one or two paired differences, read as jitter, made
a band three times its own saving.

With six pairs or more, each run CONSISTENT times its pair, all the same way
round, is told apart too: an IoT trial's retention DELETE, 2 to 21,000 old rows
a cutoff, ran 1.2 to 2.9 times slower with an index to keep up in each of six
pairs, and both its paired differences and their ratios spread as the cutoffs
do (a band of 0.65 s against a slowdown of 0.35 s).

Over a workload the per-template differences are weighted by their counts;
their standard errors add in quadrature (the runs are independent), their
floors add up (a systematic error can push every template the same way).
The constants come from A/A comparisons: the same configuration on two copies,
timed as a comparison is (docs/recommend.md, "Noise").
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Z = 3.0  # standard errors a difference must exceed
FLOOR = 0.05  # of the larger median: what no repetition removes
MIN_RUNS = 3  # paired runs a spread is estimated from
SEPARATION = 2.0  # every run on one side at least this many times every run on the other
# Or, over at least CONSISTENT_RUNS pairs, each run at least CONSISTENT times its pair, the
# same side slower in every pair (see ``separated``).
CONSISTENT_RUNS = 6
CONSISTENT = 1.15


def standard_error(runs: Sequence[float]) -> float:
    """The standard error of the median of ``runs``, from their spread; with fewer than
    MIN_RUNS, their largest distance from 0 (a run or two can show no difference)."""
    if len(runs) < MIN_RUNS:
        return max((abs(run) for run in runs), default=0.0)
    middle = statistics.median(runs)
    mad = statistics.median(abs(run - middle) for run in runs)
    return 1.2533 * 1.4826 * mad / math.sqrt(len(runs))


@dataclass(frozen=True)
class Difference:
    """``other`` against ``base``, weighted: positive when ``other`` is slower."""

    delta: float  # weighted seconds: count x (median other - median base)
    jitter: float  # weighted standard error of the delta
    floor: float  # weighted systematic part: FLOOR of the larger side
    base: float  # weighted seconds of the base side
    other: float

    @property
    def band(self) -> float:
        """How far the delta must be from 0 to be more than noise."""
        return Z * self.jitter + self.floor

    @property
    def slower(self) -> bool:
        return self.delta > self.band

    @property
    def faster(self) -> bool:
        return -self.delta > self.band


def difference(base: Sequence[float], other: Sequence[float], count: int = 1) -> Difference:
    """One template's runs on two copies, weighted by its ``count``. The runs were taken
    in turns over the same statements, so run k of each ran the same statement: the
    jitter is that of their paired differences (the statements' own spread cancels)."""
    a, b = statistics.median(base), statistics.median(other)
    paired = [y - x for x, y in zip(base, other, strict=False)]
    jitter = 0.0 if separated(base, other) else standard_error(paired)
    return Difference(count * (b - a), count * jitter, count * FLOOR * max(a, b),
                      count * a, count * b)


def separated(base: Sequence[float], other: Sequence[float]) -> bool:
    """Whether every run of one side is SEPARATION times every run of the other, or
    each run SEPARATION times its paired run (the same statement), the same side
    slower in every pair: a difference no jitter between runs explains. With fewer
    than MIN_RUNS runs on a side, the factor is SEPARATION again for each one short;
    with CONSISTENT_RUNS pairs or more, CONSISTENT suffices pair by pair (six pairs
    the same way round by chance: 3 in 100, each by 15% far fewer).

    >>> separated([0.01, 0.02, 0.015], [1.4, 2.4, 8.0])
    True
    >>> separated([0.01, 0.02, 0.015], [0.015, 2.4, 8.0])
    False
    >>> separated([0.002, 0.03, 0.01], [0.0001, 0.0003, 0.0002])  # pair by pair
    True
    >>> separated([17, 18, 16, 18, 20, 33], [27, 50, 20, 27, 57, 38])  # six pairs
    True
    """
    runs = min(len(base), len(other))
    if not runs:
        return False
    # Fewer runs, a wider gap: SEPARATION once more for each run short of MIN_RUNS.
    factor = SEPARATION ** (1 + max(0, MIN_RUNS - runs))
    low, high = sorted((base, other), key=max)
    if min(high) > factor * max(low):
        return True
    pairs = list(zip(base, other, strict=False))
    if runs >= CONSISTENT_RUNS:
        factor = CONSISTENT
    return (all(b > factor * a for a, b in pairs)
            or all(a > factor * b for a, b in pairs))


def combine(differences: Iterable[Difference]) -> Difference:
    """Templates' differences summed: jitter in quadrature, floors added."""
    parts = list(differences)
    return Difference(sum(d.delta for d in parts), math.sqrt(sum(d.jitter ** 2 for d in parts)),
                      sum(d.floor for d in parts), sum(d.base for d in parts),
                      sum(d.other for d in parts))

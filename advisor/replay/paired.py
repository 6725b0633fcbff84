"""Paired statement times: copies that replayed the same log in order, compared robustly.

Eight copies with the very same indexes, the log replayed in order on each in
turn (advisor.replay.measure.measure_in_order), summed to totals 5% apart on the
ticketing workload, and one pair of twins came out 16% apart: one statement on
one copy, an insert that grew the file, took 10.9 ms where the others took
0.2 ms. Such a stall falls on one copy and one statement, where an index's
effect falls on every statement of the templates it serves. So a copy is
compared with the first statement by statement, and within each template of
at least ``TRIMMED`` statements the differences are winsorized at their
``QUANTILE`` and ``1 - QUANTILE`` quantiles: a systematic shift survives whole,
a lone stall is cut to the size of its template's ordinary differences.
"""

from __future__ import annotations

import math
import statistics
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field

from advisor.replay.sandbox import TemplateTiming

TRIMMED = 20  # a template with fewer statements keeps its differences as they are
QUANTILE = 0.05


@dataclass
class StatementTimes:
    """Each replayed statement's template, and its seconds on each copy (filled as the
    log is replayed)."""

    templates: list[str] = field(default_factory=list)
    seconds: list[array] = field(default_factory=list)  # one per copy, statement order
    kinds: dict[str, str] = field(default_factory=dict)  # template -> "read" or "write"

    def positions(self) -> dict[str, list[int]]:
        """Each template's statements by their place in the log, the templates in the
        order they first came."""
        found: dict[str, list[int]] = {}
        for position, template in enumerate(self.templates):
            found.setdefault(template, []).append(position)
        return found

    def per_template(self, copy: int) -> tuple[TemplateTiming, ...]:
        """Each template's statements on copy ``copy`` (one that did not run as 0): how
        many ran, the median and the sum of their seconds."""
        seconds = self.seconds[copy]
        out = []
        for template, positions in self.positions().items():
            runs = [seconds[i] for i in positions]
            out.append(TemplateTiming(template, self.kinds[template], statistics.median(runs),
                                      len(runs), total_seconds=math.fsum(runs)))
        return tuple(out)


def paired_seconds(times: StatementTimes) -> list[float]:
    """Each copy's seconds as the first copy's total plus its winsorized differences
    from the first copy, template by template (the first copy's is its own total)."""
    if not times.seconds:
        return []
    first = times.seconds[0]
    total = sum(first)
    by_template = times.positions()
    out = [total]
    for other in times.seconds[1:]:
        out.append(total + sum(_winsorized_sum([other[i] - first[i] for i in positions])
                               for positions in by_template.values()))
    return out


def _winsorized_sum(differences: Sequence[float]) -> float:
    """The sum of ``differences`` with those beyond their QUANTILE quantiles brought in
    to them (as they are below TRIMMED)."""
    if len(differences) < TRIMMED:
        return sum(differences)
    ordered = sorted(differences)
    cut = int(len(ordered) * QUANTILE)
    low, high = ordered[cut], ordered[-cut - 1]
    return sum(min(max(d, low), high) for d in differences)

"""Rank statistics: ranks with ties shared, and Spearman's rank correlation.

Compare judges the estimate against measured time by them (advisor.review.compare), and
the measured pricer VM steps against time (advisor.replay.pricing).

>>> ranks([3.0, 1.0, 3.0])
[2.5, 1.0, 2.5]
>>> spearman([1, 2, 3], [10, 20, 30])
1.0
"""

from __future__ import annotations

from collections.abc import Sequence

# What a listing of templates is ranked by (explain's ``ranked_by``, the audit's hot scans'
# ``basis``): the log's durations, their time replayed, the estimate's cost, or none (the
# templates were named).
LOGGED_TIME, MEASURED_TIME, ESTIMATED_COST = "logged time", "measured time", "estimated cost"
SELECTION = "selection"


def ranks(values: Sequence[float]) -> list[float]:
    """Ranks from 1, ties sharing their average rank (as Spearman's rho needs)."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    out = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            out[order[position]] = (start + end) / 2 + 1
        start = end + 1
    return out


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Spearman's rank correlation; None with fewer than three pairs or no variation."""
    if len(xs) < 3:
        return None
    rx, ry = ranks(xs), ranks(ys)
    mean_x, mean_y = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mean_x) * (b - mean_y) for a, b in zip(rx, ry, strict=True))
    var_x = sum((a - mean_x) ** 2 for a in rx)
    var_y = sum((b - mean_y) ** 2 for b in ry)
    if var_x == 0 or var_y == 0:
        return None
    return cov / (var_x * var_y) ** 0.5

"""Compare: index configurations side by side, estimated and (with a database) measured.

Estimated: the workload cost model of recommend (reads weighted by counts,
writes charged for index upkeep), with the analytic size of the indexes.
Measured: each configuration replayed on its own copy of the database
(advisor.measure). The verdict picks the configuration with the least
measured time (estimated cost without a database); among those within
``VERDICT_TOLERANCE`` of it, the one with the fewest indexes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from advisor.evaluate import Evaluator, WorkloadPricing, index_bytes
from advisor.explain import Explainer
from advisor.indexes import IndexSpec
from advisor.measure import Measurement, measure
from advisor.whatif import WhatIf
from advisor.workload import Workload

VERDICT_TOLERANCE = 0.05


@dataclass(frozen=True)
class Compared:
    label: str
    indexes: tuple[IndexSpec, ...]
    estimated_total: float
    estimated_read: float
    estimated_upkeep: float
    estimated_bytes: int
    per_template: dict[str, float]  # template id -> estimated weighted cost
    measurement: Measurement | None

    @property
    def measured_seconds(self) -> float | None:
        if self.measurement is None:
            return None
        return self.measurement.weighted_read_seconds + self.measurement.weighted_write_seconds


@dataclass(frozen=True)
class Comparison:
    configurations: tuple[Compared, ...]
    verdict: str
    best: str


def compare(workload: Workload, configurations: Sequence[tuple[str, tuple[IndexSpec, ...]]],
            database: Path | None = None, repetitions: int = 3,
            statement_seconds: float = 5.0) -> Comparison:
    whatif = WhatIf(workload.catalog, workload.statistics)
    evaluator = Evaluator(workload, Explainer(whatif, workload.statistics))
    pricing = WorkloadPricing(evaluator)
    compared = []
    for label, specs in configurations:
        config = frozenset(specs)
        total, read, upkeep = pricing.totals(config)
        per_template = {
            tid: evaluator.template_cost(tid, evaluator.restrict(config, tid)).weighted
            for tid in pricing.templates
        }
        measured = (measure(workload, database, specs, label, repetitions, statement_seconds)
                    if database is not None else None)
        size = sum(index_bytes(s, workload.catalog, workload.statistics) for s in specs)
        compared.append(Compared(label, tuple(specs), total, read, upkeep, size, per_template,
                                 measured))
    best, verdict = _verdict(compared)
    return Comparison(tuple(compared), verdict, best)


def _verdict(compared: list[Compared]) -> tuple[str, str]:
    measured = all(c.measured_seconds is not None for c in compared)

    def score(c: Compared) -> float:
        return c.measured_seconds if measured else c.estimated_total  # type: ignore[return-value]

    lowest = min(score(c) for c in compared)
    close = [c for c in compared if score(c) <= lowest * (1 + VERDICT_TOLERANCE)]
    best = min(close, key=lambda c: (len(c.indexes), score(c)))
    basis = "measured time" if measured else "estimated cost"
    others = [c for c in compared if c is not best]
    parts = []
    for other in others:
        if score(other) > 0:
            change = 1 - score(best) / score(other)
            direction = "less" if change >= 0 else "more"
            parts.append(f"{abs(change):.0%} {direction} {basis} than {other.label}")
    text = (f"{best.label}: the least {basis} within {VERDICT_TOLERANCE:.0%} of the best, "
            f"with {len(best.indexes)} indexes" + (f" ({'; '.join(parts)})" if parts else ""))
    return best.label, text


@dataclass(frozen=True)
class Misestimate:
    template_id: str
    configuration: str
    estimated: float  # per execution, cost units
    measured_seconds: float
    rank_gap: float  # |estimated rank - measured rank| over the pairs


@dataclass(frozen=True)
class Fidelity:
    """How well estimated cost orders (template, configuration) pairs as measured time does."""

    spearman_rho: float | None
    pairs: int
    worst: tuple[Misestimate, ...]


def _ranks(values: Sequence[float]) -> list[float]:
    """Ranks from 1, ties sharing their average rank (as Spearman's rho needs)."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            ranks[order[position]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def spearman(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Spearman's rank correlation; None with fewer than three pairs or no variation."""
    if len(xs) < 3:
        return None
    rx, ry = _ranks(xs), _ranks(ys)
    mean_x, mean_y = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mean_x) * (b - mean_y) for a, b in zip(rx, ry, strict=True))
    var_x = sum((a - mean_x) ** 2 for a in rx)
    var_y = sum((b - mean_y) ** 2 for b in ry)
    if var_x == 0 or var_y == 0:
        return None
    return cov / (var_x * var_y) ** 0.5


def fidelity(comparison: Comparison, workload: Workload, worst: int = 5) -> Fidelity:
    """Rank agreement of estimated per-execution cost and measured median time."""
    pairs = []
    for configured in comparison.configurations:
        if configured.measurement is None:
            continue
        for timing in configured.measurement.timings:
            if timing.median_seconds is None or timing.template_id not in configured.per_template:
                continue
            count = workload.digest.templates[timing.template_id].count
            pairs.append((timing.template_id, configured.label,
                          configured.per_template[timing.template_id] / count,
                          timing.median_seconds))
    estimated = [p[2] for p in pairs]
    measured = [p[3] for p in pairs]
    rho = spearman(estimated, measured)
    gaps = []
    if pairs:
        ranks_e, ranks_m = _ranks(estimated), _ranks(measured)
        gaps = sorted((Misestimate(p[0], p[1], p[2], p[3], abs(e - m))
                       for p, e, m in zip(pairs, ranks_e, ranks_m, strict=True)),
                      key=lambda miss: -miss.rank_gap)
    return Fidelity(rho, len(pairs), tuple(gaps[:worst]))

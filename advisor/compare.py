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
            tid: evaluator.template_cost(
                tid, frozenset(s for s in config
                               if s.table.lower() in evaluator.tables_of(tid))).weighted
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

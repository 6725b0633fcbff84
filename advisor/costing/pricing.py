"""Pricing: what a template costs under an index configuration, and the workload's total.

One question, one service. A ``Pricer`` answers, for a template and a
configuration (indexes added to today's), the plan and the price of one
execution: its read cost, plus, for a write, the upkeep of every index on the
table written (today's and the configuration's); weighted by the template's
count, and summed over the workload (memoised per configuration). Recommend,
compare, explain and the search (advisor.search.problem) ask it, never the
cost model directly.

``EstimatedPricer`` is the first implementation: the what-if planner's plan
priced by the cost model (advisor.costing.estimate). The statistics it prices
with, and the rows a template's replayed values match (advisor.replay.matches),
are given to it, not looked up: compare prices one workload in several
statistics states side by side. A measured implementation (the configuration's
indexes really built on a copy, the workload replayed) fits behind the same
seam: configuration in, ``Price`` out, the plan whatever SQLite chose there.

What pricing needs of a template is read once from the workload into a
``TemplateView``; the audit prices the plans it gets from a real database
through the same views (``TemplateView.estimate``).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import NamedTuple

from advisor.analysis.workload import Workload
from advisor.catalog.statistics import Matches, Statistics
from advisor.costing.estimate import (
    CLUMPED,
    STATEMENT_STEPS,
    WRITE_STATEMENT_STEPS,
    Estimate,
    estimate_plan,
    maintenance,
    packed_insert_steps,
)
from advisor.costing.sizes import Layout, layout
from advisor.model.access import DerivedFilter, TableAccess, WriteAccess
from advisor.model.indexes import IndexSpec
from advisor.whatif.planner import Plan, WhatIf

_LIMIT = re.compile(r"\bLIMIT\s+(\d+)(?:\s*,\s*(\d+))?", re.I)
_OFFSET = re.compile(r"\bOFFSET\s+(\d+)", re.I)


def limit_hint(samples: Iterable[str]) -> int | None:
    """The LIMIT value the samples used (their largest), if any."""
    values = [int(m.group(2) or m.group(1)) for sql in samples for m in _LIMIT.finditer(sql)]
    return max(values) if values else None


def offset_hint(samples: Iterable[str]) -> int:
    """The rows the samples' LIMIT skipped first (OFFSET n, or LIMIT n, m), their median:
    a paged listing reads them all before its first row."""
    values = sorted([int(m.group(1)) for sql in samples for m in _OFFSET.finditer(sql)]
                    + [int(m.group(1)) for sql in samples for m in _LIMIT.finditer(sql)
                       if m.group(2)])
    return values[len(values) // 2] if values else 0


@dataclass(frozen=True)
class TemplateView:
    """What pricing needs of one analysed template, and nothing else of the workload."""

    id: str
    text: str
    tables: frozenset[str]  # lower-cased: every table it reads or writes
    reads: tuple[TableAccess, ...]
    write: WriteAccess | None
    returns: str  # Analysis.returns
    limit: int | None  # the LIMIT its samples used (limit_hint)
    count: int  # executions in the workload
    offset: int = 0  # the rows its samples' LIMIT skipped (offset_hint)
    layout: Layout = field(default_factory=Layout)  # of the catalog's tables (sizes)
    derived_filters: tuple[DerivedFilter, ...] = ()  # Analysis.derived_filters
    aggregates: int = 0  # Analysis.aggregates
    bound: tuple[tuple[int, object], ...] = ()  # Analysis.bound: planned with these values

    def estimate(self, plan: Plan, statistics: Statistics,
                 indexes: Iterable[IndexSpec] = ()) -> Estimate:
        """The cost model's price of one execution planned as ``plan`` (its reads);
        ``indexes``: the hypothetical ones the plan may name."""
        return estimate_plan(plan, self.reads, statistics, self.limit, self.returns,
                             self.offset, self.layout.with_indexes(indexes),
                             self.derived_filters, self.aggregates,
                             STATEMENT_STEPS if self.write is None else WRITE_STATEMENT_STEPS)

    def upkeep(self, indexes: Iterable[IndexSpec], statistics: Statistics,
               rows_read: float = 1.0, built: Iterable[IndexSpec] = (),
               inserted: float = 0.0) -> float:
        """Index upkeep of one execution, ``indexes`` being every index that exists
        (0 for a read). ``rows_read``: the rows its read part yields (the estimate's),
        which an UPDATE or DELETE changes and an INSERT ... SELECT writes. ``built``:
        those of them just built, packed (``CREATE INDEX``), into which the workload
        inserts ``inserted`` rows in all."""
        if self.write is None:
            return 0.0
        written = rows_read if self.reads else 1.0
        if self.write.operation in ("INSERT", "UPSERT"):
            written = max(written, self.write.values_rows)
        rows = statistics.rows(self.write.table)
        packed = {spec: packed_insert_steps(
                      rows, self.layout.index_entry(spec.table, spec.column_names), inserted)
                  for spec in built if spec.table.lower() == self.write.table.lower()}
        return maintenance(self.write, indexes, statistics, written, packed, self.layout,
                           self.rows_apart(statistics)).total

    def rows_apart(self, statistics: Statistics) -> bool:
        """Whether the rows an UPDATE or DELETE changes lie apart in its table: those of a
        list of rowids (``id IN (SELECT ...)``), of a value whose rows were not written
        together, of a range on a column that does not go up with the rowid."""
        if self.write is None or self.write.operation not in ("UPDATE", "DELETE", "UPSERT"):
            return False
        table = self.write.table.lower()
        access = next((a for a in self.reads if a.table.lower() == table), None)
        if access is None:
            return False  # every row
        sought = [*access.equality, *access.in_list]
        if sought:
            return statistics.clumping(table, sought) < CLUMPED
        if access.range:
            return not statistics.ordered(table, access.range[0])
        return True

    @property
    def inserted(self) -> float:
        """Rows the workload's executions of this template insert: its count times its
        VALUES rows (an INSERT or a REPLACE; 0 for any other statement)."""
        if self.write is None or self.write.operation not in ("INSERT", "REPLACE"):
            return 0.0
        return self.count * self.write.values_rows


def template_views(workload: Workload) -> Mapping[str, TemplateView]:
    """A view of every analysed template, in the workload's order."""
    templates = workload.digest.templates
    tables = layout(workload.catalog)
    return MappingProxyType({
        tid: TemplateView(tid, templates[tid].template.text, analysis.tables, analysis.reads,
                          analysis.write, analysis.returns,
                          limit_hint(s.sql for s in templates[tid].samples),
                          templates[tid].count,
                          offset_hint(s.sql for s in templates[tid].samples), tables,
                          analysis.derived_filters, analysis.aggregates, analysis.bound)
        for tid, analysis in workload.analyses.items() if analysis.ok
    })


@dataclass(frozen=True)
class Price:
    """One template under one configuration: one execution's plan and cost, and its count."""

    template_id: str
    indexes: tuple[IndexSpec, ...]  # the configuration, in the order it was asked
    plan: Plan
    read: float  # per execution
    upkeep: float  # index maintenance per execution (writes only)
    count: int
    estimate: Estimate | None = None  # how the cost model got ``read``, when it did
    measured: bool = False  # replayed seconds (advisor.replay.pricing), not an estimate
    lower_bound: bool = False  # replayed runs stopped at the time limit: at least that

    @property
    def total(self) -> float:
        return self.read + self.upkeep

    @property
    def weighted(self) -> float:
        return self.total * self.count


class WorkloadPrice(NamedTuple):
    """The workload under one configuration: every priced template weighted by its count."""

    total: float
    read: float
    upkeep: float


class Pricer(ABC):
    """Prices templates under configurations, and the workload under a configuration."""

    def __init__(self, views: Mapping[str, TemplateView]) -> None:
        self.views = views
        # Those an index can change: the templates that read or write a table.
        self.templates = tuple(tid for tid, view in views.items() if view.tables)
        self._totals: dict[frozenset[IndexSpec], WorkloadPrice] = {}

    @abstractmethod
    def price(self, template_id: str, indexes: Sequence[IndexSpec]) -> Price:
        """One template with ``indexes`` added to today's."""

    def tables_of(self, template_id: str) -> frozenset[str]:
        return self.views[template_id].tables

    def restrict(self, config: Iterable[IndexSpec], template_id: str) -> frozenset[IndexSpec]:
        """The part of a configuration that can change this template: its tables' indexes."""
        tables = self.tables_of(template_id)
        return frozenset(s for s in config if s.table.lower() in tables)

    def priced(self, template_id: str, config: Iterable[IndexSpec]) -> Price:
        """One template under a workload's configuration: the part that can change it,
        in index order."""
        return self.price(template_id, tuple(sorted(self.restrict(config, template_id))))

    def used_together(self, template_id: str, config: Iterable[IndexSpec]
                      ) -> tuple[frozenset[IndexSpec], ...]:
        """The indexes of ``config`` the template's plan uses with all of them there:
        one set per statistics state it is planned in."""
        return (plan_uses(self.priced(template_id, config)),)

    def named_in_plan(self, template_id: str, config: Iterable[IndexSpec]
                      ) -> frozenset[IndexSpec] | None:
        """The indexes of ``config`` SQLite's own plan of the template names, where a
        replay knows that plan; None where only the what-if plan is known (here)."""
        return None

    def totals(self, config: frozenset[IndexSpec]) -> WorkloadPrice:
        """The workload under ``config``: the sum of its templates' weighted prices."""
        found = self._totals.get(config)
        if found is None:
            total = read = upkeep = 0.0
            for tid in self.templates:
                price = self.priced(tid, config)
                total += price.weighted
                read += price.read * price.count
                upkeep += price.upkeep * price.count
            found = self._totals[config] = WorkloadPrice(total, read, upkeep)
        return found


class EstimatedPricer(Pricer):
    """What-if plans priced by the cost model.

    ``whatif`` plans as the target's SQLite would (its statistics say whether the
    planner sees sqlite_stat1); ``statistics`` say what the data is, for the cost
    model; ``matches`` (template id -> rows its replayed values match) replace the
    averages in the read estimates of the templates they belong to, never in
    upkeep and never in the planner. Closing the pricer (a ``with`` block) closes
    ``whatif``.

    A read's estimate is a function of the template and its plan alone: the plan
    names the indexes it uses (a hypothetical index by ``IndexSpec.name``, which
    spells its columns), and the cost model reads their layout by those names. So
    it is worked out once per (template, plan) and every configuration planned
    alike reuses it; the search asks about many configurations the planner
    treats alike (Torc --estimate-only: 28,933 prices, 578 distinct plans). Upkeep depends
    on every index of the written table and is priced per configuration.
    """

    def __init__(self, whatif: WhatIf, views: Mapping[str, TemplateView],
                 statistics: Statistics, matches: Mapping[str, Matches] | None = None) -> None:
        super().__init__(views)
        self.whatif = whatif
        self.statistics = statistics
        self.matches = matches or {}
        self.existing = tuple(index.spec for index in whatif.catalog.indexes)
        self._estimates: dict[tuple[str, Plan], Estimate] = {}
        # Rows the workload inserts into each table (lower-cased): how often a packed
        # index just built on it splits a leaf (estimate.split_share).
        self.inserted: dict[str, float] = {}
        for view in views.values():
            if view.write is not None and view.inserted:
                table = view.write.table.lower()
                self.inserted[table] = self.inserted.get(table, 0.0) + view.inserted

    def price(self, template_id: str, indexes: Sequence[IndexSpec]) -> Price:
        view = self.views[template_id]
        plan = self.whatif.plan(view.text, view.tables, indexes, view.bound)
        estimate = self._estimates.get((template_id, plan))
        if estimate is None:
            matches = self.matches.get(template_id)
            estimate = self._estimates[(template_id, plan)] = view.estimate(
                plan, self.statistics.with_matches(matches) if matches else self.statistics,
                indexes)
        upkeep = 0.0
        if view.write is not None:
            upkeep = view.upkeep((*self.existing, *indexes), self.statistics, estimate.rows,
                                 indexes, self.inserted.get(view.write.table.lower(), 0.0))
        return Price(template_id, tuple(indexes), plan, estimate.total, upkeep, view.count,
                     estimate)

    def close(self) -> None:
        self.whatif.close()

    def __enter__(self) -> EstimatedPricer:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def estimated_pricer(workload: Workload, statistics: Statistics | None = None,
                     matches: Mapping[str, Matches] | None = None) -> EstimatedPricer:
    """The workload's templates estimated with ``statistics`` (default: the workload's)
    on a what-if planner of its own, closed with the pricer (use it in a ``with`` block)."""
    statistics = statistics or workload.statistics
    return EstimatedPricer(WhatIf(workload.catalog, statistics), template_views(workload),
                           statistics, matches)


def plan_uses(price: Price) -> frozenset[IndexSpec]:
    """The indexes of a price's configuration its plan names."""
    names = set(price.plan.indexes_used())
    return frozenset(spec for spec in price.indexes if spec.name in names)


def templates_on(pricer: Pricer, spec: IndexSpec) -> list[str]:
    """The templates ``spec`` can change: those reading or writing its table."""
    return [t for t in pricer.templates if spec.table.lower() in pricer.tables_of(t)]

"""Profile values: a scale profile as frozen data, and the sizes it implies.

:class:`Profile` holds what the TOML file states (read by
:mod:`advisor.catalog.profile.reader`): rows per table, rows per parent row,
dependency-table shapes, column hints and groups. The statistics stage reads
expected sizes from it (:meth:`Profile.table_rows`,
:meth:`Profile.rows_per_parent`); synthesisers and simulators draw concrete
sizes and values through :meth:`Distribution.allocate` and
:meth:`ColumnHint.draw`, whose draws live in
:mod:`advisor.catalog.profile.sampling`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from advisor.catalog.profile.sampling import (
    TABULATED_KINDS,
    TABULATED_MAX_MEAN,
    Value,
    apportion,
    geometric,
    poisson,
    round_randomly,
    tabulated,
    weighted_population,
    zipf_weights,
)
from advisor.model.errors import ProfileError

KINDS = ("fixed", "uniform", "poisson", "geometric", "zipf", "lognormal")
# Kinds that split a known total across parents rather than drawing each count alone.
SHARE_KINDS = ("fixed", "zipf", "lognormal")


def _empty() -> Mapping[str, Any]:
    """A fresh read-only empty mapping: the default of a dataclass field."""
    return MappingProxyType({})


@dataclass(frozen=True)
class Distribution:
    """How many rows a parent row has: a fixed count, a random draw, or shares of a total.

    Exactly one of ``mean`` and ``total`` is set, except for ``uniform`` given
    as ``min``..``max``. ``total`` spreads that many rows over all the parents
    this distribution sizes; ``mean`` is per parent row.
    """

    kind: str = "fixed"
    mean: float | None = None
    total: int | None = None
    min: int = 0
    max: int | None = None
    skew: float = 1.0

    def mean_per_parent(self, parents: int) -> float:
        """Expected rows per parent row when ``parents`` rows share this distribution."""
        if self.total is not None:
            return self.total / parents if parents else 0.0
        if self.mean is not None:
            return self.mean
        return (self.min + (self.max if self.max is not None else self.min)) / 2

    def expected_total(self, parents: int) -> float:
        """Expected rows over ``parents`` parent rows."""
        if self.total is not None:
            return float(self.total) if parents else 0.0
        return self.mean_per_parent(parents) * parents

    def largest(self, parents: int) -> int | None:
        """The most rows any one parent gets, where that is knowable without drawing."""
        if self.max is not None:
            return self.max
        if self.kind == "fixed" and self.total is None:
            return math.ceil(self.mean_per_parent(parents))
        if self.kind in ("fixed", "zipf") and parents:
            return max(apportion(round(self.expected_total(parents)), self._weights(parents),
                                 self.min))
        return None

    def allocate(self, parents: int, rng: random.Random, tabulate: bool = False) -> list[int]:
        """Concrete row counts for ``parents`` parent rows, reproducible from ``rng``.

        ``tabulate`` looks counts up rather than drawing them one by one (a whole
        fixed count takes no draw; Poisson and geometric ones one uniform each,
        see :mod:`~advisor.catalog.profile.sampling`): faster, with the same
        distribution but not the same numbers for one ``rng``.
        """
        if parents <= 0:
            return []
        mean = self.mean
        if tabulate and mean is not None and self._tabulable(mean):
            if self.kind == "fixed":
                return [self._clamp(int(mean))] * parents
            return tabulated(self.kind, mean, self.min, self.max, parents, rng)
        if self.kind in SHARE_KINDS and (self.total is not None or self.kind != "fixed"):
            weights = self._weights(parents, rng)
            return apportion(round(self.expected_total(parents)), weights, self.min)
        return [self._clamp(self._draw(rng)) for _ in range(parents)]

    def scaled(self, factor: float) -> Distribution:
        """The same shape with counts multiplied by ``factor`` (a smaller or larger database)."""
        return replace(
            self,
            mean=None if self.mean is None else self.mean * factor,
            total=None if self.total is None else round(self.total * factor),
            min=_scale_count(self.min, factor),
            max=None if self.max is None else max(_scale_count(self.max, factor), 1),
        )

    def _tabulable(self, mean: float) -> bool:
        """A whole fixed count per parent, or Poisson / geometric with a mean small enough
        for a table."""
        if self.kind == "fixed":
            return self.total is None and float(mean).is_integer()
        return self.kind in TABULATED_KINDS and mean <= TABULATED_MAX_MEAN

    def _weights(self, parents: int, rng: random.Random | None = None) -> list[float]:
        """Relative shares of the parents; zipf ranks are shuffled when ``rng`` is given."""
        if self.kind == "zipf":
            weights = zipf_weights(parents, self.skew)
            if rng is not None:
                rng.shuffle(weights)
            return weights
        if self.kind == "lognormal" and rng is not None:
            return [rng.lognormvariate(0.0, self.skew) for _ in range(parents)]
        return [1.0] * parents

    def _draw(self, rng: random.Random) -> int:
        """One independent count for one parent row."""
        mean = self.mean_per_parent(1)
        if self.kind == "uniform":
            high = self.max if self.max is not None else max(self.min, round(2 * mean - self.min))
            return rng.randint(self.min, high)
        if self.kind == "poisson":
            return poisson(rng, mean)
        if self.kind == "geometric":
            return geometric(rng, mean)
        return round_randomly(mean, rng)

    def _clamp(self, count: int) -> int:
        """Keep a drawn count within ``min`` and ``max``."""
        count = max(count, self.min)
        return count if self.max is None else min(count, self.max)


@dataclass(frozen=True)
class ColumnHint:
    """What a column's values look like: how many distinct, how skewed, how often NULL."""

    distinct: int | None = None
    null_fraction: float = 0.0
    values: tuple[tuple[Value, float], ...] = ()
    skew: float = 0.0
    width: int | None = None

    @property
    def distinct_values(self) -> int | None:
        """Distinct non-NULL values: the ``distinct`` hint, else the size of the value mix."""
        if self.distinct is not None:
            return self.distinct
        return len(self.values) or None

    def mix(self) -> tuple[tuple[Value, ...], tuple[float, ...]]:
        """The values drawn from (the mix, else ranks ``0..distinct-1``) and their cumulative
        weights (zipf by ``skew`` for ranks)."""
        return weighted_population(self.values, self.distinct, self.skew)

    def draw(self, rng: random.Random) -> Value | None:
        """One value: from the mix when given, else a rank in ``range(distinct)`` (zipf by skew).

        Raises ValueError when the hint names neither values nor a distinct count.
        """
        if self.null_fraction and rng.random() < self.null_fraction:
            return None
        if not self.values and self.distinct is None:
            raise ValueError("this column hint has neither values nor distinct to draw from")
        population, cumulative = self.mix()
        return rng.choices(population, cum_weights=cumulative)[0]


@dataclass(frozen=True)
class GraphShape:
    """An edge table that forms a DAG over its parent table's rows (job_blocked_by over job).

    Each parent row is a node; the table's ``per_parent`` distribution gives each
    node's incoming edges (fan-in), ``target`` names the column that points at
    the other node, ``within`` keeps edges inside one group (one workflow).
    """

    target: str
    within: str | None = None
    depth: int = 1
    max_fan_out: int | None = None


@dataclass(frozen=True)
class TableSpec:
    """Size and shape of one table."""

    name: str
    rows: int | None = None
    parent: str | None = None
    key: str | None = None
    per_parent: Distribution | None = None
    relative_to: str | None = None
    columns: Mapping[str, ColumnHint] = field(default_factory=_empty)
    graph: GraphShape | None = None


@dataclass(frozen=True)
class Group:
    """A slice of a root table's rows that differ from the rest in sizes or values.

    ``columns`` are hints for the rows of ``table`` itself; ``tables`` maps a
    table below it (a child, a grandchild...) to hints for the rows under the
    group's rows (the jobs of the focus workflow).
    """

    name: str
    table: str
    rows: int
    per_parent: Mapping[str, Distribution] = field(default_factory=_empty)
    columns: Mapping[str, ColumnHint] = field(default_factory=_empty)
    tables: Mapping[str, Mapping[str, ColumnHint]] = field(default_factory=_empty)
    app: Mapping[str, Any] = field(default_factory=_empty)

    def hints(self, table: str) -> Mapping[str, ColumnHint]:
        """The group's column hints for rows of ``table`` under its rows (none: empty)."""
        if table == self.table:
            return self.columns
        return self.tables.get(table) or _empty()


@dataclass(frozen=True)
class RowsPerParent:
    """How a child table's rows spread over its parent's rows (jobs per workflow)."""

    parent: str
    key: str
    mean: float
    max: int | None


@dataclass(frozen=True)
class Reference:
    """What scale 1 means in rows: ``rows`` of ``table`` (one of ``scales``) per ``per`` row.

    It lets a size be asked for as a count (``--scale 100k``: 100,000 jobs per
    workflow) rather than a multiplier; the user names which parent row it
    describes (Torc's 10,000-job focus workflow).
    """

    table: str
    rows: int
    per: str | None = None

    @property
    def unit(self) -> str:
        """The counted thing, for reports: ``job rows per workflow``."""
        return f"{self.table} rows" + (f" per {self.per}" if self.per else "")


@dataclass(frozen=True)
class Profile:
    """A loaded, validated scale profile. Pure data plus the sums a later stage needs."""

    name: str
    description: str = ""
    seed: int = 0
    scales: tuple[str, ...] = ()
    reference: Reference | None = None
    tables: Mapping[str, TableSpec] = field(default_factory=_empty)
    groups: tuple[Group, ...] = ()
    app: Mapping[str, Any] = field(default_factory=_empty)
    source: str = "<profile>"

    def table_rows(self) -> dict[str, int]:
        """Expected rows of every table whose size the profile determines, in file order."""
        sizes = {name: self._rows(name) for name in self.tables}
        return {name: round(rows) for name, rows in sizes.items() if rows is not None}

    def rows_per_parent(self) -> dict[str, RowsPerParent]:
        """For each child table of known size: mean and (where knowable) largest rows per parent."""
        found: dict[str, RowsPerParent] = {}
        for name, spec in self.tables.items():
            rows = self._rows(name)
            parent_rows = self._rows(spec.parent) if spec.parent else None
            if rows is None or not parent_rows or spec.parent is None or spec.key is None:
                continue
            found[name] = RowsPerParent(spec.parent, spec.key, rows / parent_rows,
                                        self._largest_per_parent(name))
        return found

    def groups_of(self, table: str) -> tuple[Group, ...]:
        """The groups that slice ``table``, in file order."""
        return tuple(group for group in self.groups if group.table == table)

    def sizing(self, table: str, group: Group | None = None) -> Distribution | None:
        """Rows per parent of ``table`` within ``group``: the group's override, else the table's."""
        if group is not None and table in group.per_parent:
            return group.per_parent[table]
        spec = self.tables.get(table)
        return spec.per_parent if spec else None

    def column_hint(self, table: str, column: str, group: Group | None = None) -> ColumnHint | None:
        """The hint for one column; a group's hint wins for rows under the group's rows
        (its table's, and those of the tables below it that it gives hints for)."""
        hint = group.hints(table).get(column) if group is not None else None
        if hint is not None:
            return hint
        spec = self.tables.get(table)
        return spec.columns.get(column) if spec else None

    def scaled(self, factor: float) -> Profile:
        """The profile with every count of the ``scales`` tables multiplied by ``factor``."""
        if not factor > 0:
            raise ProfileError(f"{self.source}: a scale factor must be above 0, got {factor!r}")
        tables = {
            name: _scale_table(spec, factor) if name in self.scales else spec
            for name, spec in self.tables.items()
        }
        groups = tuple(
            replace(
                group,
                rows=_scale_count(group.rows, factor) if group.table in self.scales else group.rows,
                per_parent=MappingProxyType({
                    child: dist.scaled(factor) if child in self.scales else dist
                    for child, dist in group.per_parent.items()
                }),
            )
            for group in self.groups
        )
        return replace(self, tables=MappingProxyType(tables), groups=groups)

    # The sums behind table_rows(): a table's rows are the sum over its parent's
    # slices (each group of the parent, then the parent rows no group covers).

    def _rows(self, table: str) -> float | None:
        spec = self.tables[table]
        if spec.rows is not None:
            return float(spec.rows)
        if spec.parent is None:
            groups = self.groups_of(table)
            return float(sum(g.rows for g in groups)) if groups else None
        slices = self._slices(spec.parent)
        if slices is None:
            return None
        total = 0.0
        for group, parents in slices:
            count = self._rows_in_slice(table, group, parents)
            if count is None:
                return None
            total += count
        return total

    def _slices(self, table: str) -> list[tuple[Group | None, int]] | None:
        total = self._rows(table)
        if total is None:
            return None
        groups = self.groups_of(table)
        rest = round(total) - sum(g.rows for g in groups)
        return [(g, g.rows) for g in groups] + ([(None, rest)] if rest > 0 else [])

    def _rows_in_slice(self, table: str, group: Group | None, parents: int) -> float | None:
        dist = self.sizing(table, group)
        if dist is None:
            return None
        relative = self.tables[table].relative_to
        if relative is None:
            return dist.expected_total(parents)
        units = self._rows_in_slice(relative, group, parents)
        return None if units is None else dist.mean_per_parent(1) * units

    def _largest_per_parent(self, table: str) -> int | None:
        spec = self.tables[table]
        slices = self._slices(spec.parent) if spec.parent else None
        if not slices:
            return None
        largest: list[int] = []
        for group, parents in slices:
            dist = self.sizing(table, group)
            if dist is None:
                return None
            if spec.relative_to is None:
                top = dist.largest(parents)
            else:
                units = self._largest_in_slice(spec.relative_to, group, parents)
                top = None if units is None else math.ceil(dist.mean_per_parent(1) * units)
            if top is None:
                return None
            largest.append(top)
        return max(largest)

    def _largest_in_slice(self, table: str, group: Group | None, parents: int) -> int | None:
        dist = self.sizing(table, group)
        return None if dist is None else dist.largest(parents)


def _scale_count(count: int, factor: float) -> int:
    """A scaled count that stays at least 1 when it was at least 1."""
    return max(round(count * factor), 1 if count >= 1 else 0)


def _scale_table(spec: TableSpec, factor: float) -> TableSpec:
    return replace(
        spec,
        rows=None if spec.rows is None else round(spec.rows * factor),
        per_parent=None if spec.per_parent is None else spec.per_parent.scaled(factor),
    )


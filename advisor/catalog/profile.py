"""Scale profiles: how many rows each table holds and how those rows are shaped.

A profile is a TOML file (format in ``docs/profile-format.md``) that states a
database's size without the database: rows per table, rows per parent row
(jobs per workflow), the shape of dependency tables, value mixes and distinct
counts per column, and groups of parent rows that differ from the rest (one
huge workflow among many small ones). The statistics stage reads expected
sizes from it (:meth:`Profile.table_rows`, :meth:`Profile.rows_per_parent`);
synthesisers and simulators draw concrete sizes and values from it
(:meth:`Distribution.allocate`, :meth:`ColumnHint.draw`).

>>> p = parse_profile('''
... [profile]
... name = "shop"
... [tables.customer]
... rows = 100
... [tables.order]
... parent = "customer"
... per_parent = { distribution = "poisson", mean = 3 }
... ''')
>>> p.table_rows()
{'customer': 100, 'order': 300}
"""

from __future__ import annotations

import math
import random
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

from advisor.model.errors import ProfileError

__all__ = [
    "ColumnHint",
    "Distribution",
    "GraphShape",
    "Group",
    "Profile",
    "Reference",
    "RowsPerParent",
    "TableSpec",
    "load_profile",
    "parse_profile",
]

DOCS = "docs/profile-format.md"

KINDS = ("fixed", "uniform", "poisson", "geometric", "zipf", "lognormal")
# Kinds that split a known total across parents rather than drawing each count alone.
SHARE_KINDS = ("fixed", "zipf", "lognormal")

TOP_KEYS = ("profile", "app", "tables", "groups")
PROFILE_KEYS = ("name", "description", "seed", "scales", "reference")
REFERENCE_KEYS = ("table", "per", "rows")
TABLE_KEYS = ("rows", "parent", "key", "per_parent", "relative_to", "columns", "graph")
DISTRIBUTION_KEYS = ("distribution", "mean", "total", "min", "max", "skew")
COLUMN_KEYS = ("distinct", "null_fraction", "values", "skew", "width")
GRAPH_KEYS = ("target", "within", "depth", "max_fan_out")
GROUP_KEYS = ("name", "table", "rows", "per_parent", "columns", "app")

_INTEGER_TEXT = re.compile(r"-?\d+\Z")

Value = str | int


def _empty() -> Mapping[str, Any]:
    """A fresh read-only empty mapping: the default of a dataclass field."""
    return MappingProxyType({})


# ---------------------------------------------------------------- value objects


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
            return max(_apportion(round(self.expected_total(parents)), self._weights(parents),
                                  self.min))
        return None

    def allocate(self, parents: int, rng: random.Random) -> list[int]:
        """Concrete row counts for ``parents`` parent rows, reproducible from ``rng``."""
        if parents <= 0:
            return []
        if self.kind in SHARE_KINDS and (self.total is not None or self.kind != "fixed"):
            weights = self._weights(parents, rng)
            return _apportion(round(self.expected_total(parents)), weights, self.min)
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

    def _weights(self, parents: int, rng: random.Random | None = None) -> list[float]:
        """Relative shares of the parents; zipf ranks are shuffled when ``rng`` is given."""
        if self.kind == "zipf":
            weights = [1.0 / (rank + 1) ** self.skew for rank in range(parents)]
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
            return _poisson(rng, mean)
        if self.kind == "geometric":
            return _geometric(rng, mean)
        whole = math.floor(mean)
        return whole + (1 if rng.random() < mean - whole else 0)

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

    def draw(self, rng: random.Random) -> Value | None:
        """One value: from the mix when given, else a rank in ``range(distinct)`` (zipf by skew).

        Raises ValueError when the hint names neither values nor a distinct count.
        """
        if self.null_fraction and rng.random() < self.null_fraction:
            return None
        if self.values:
            chosen = rng.choices([v for v, _ in self.values], [w for _, w in self.values])
            return chosen[0]
        if self.distinct is None:
            raise ValueError("this column hint has neither values nor distinct to draw from")
        weights = [1.0 / (rank + 1) ** self.skew for rank in range(self.distinct)]
        return rng.choices(range(self.distinct), weights)[0]


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
    """A slice of a root table's rows that differ from the rest in sizes or values."""

    name: str
    table: str
    rows: int
    per_parent: Mapping[str, Distribution] = field(default_factory=_empty)
    columns: Mapping[str, ColumnHint] = field(default_factory=_empty)
    app: Mapping[str, Any] = field(default_factory=_empty)


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
        """The hint for one column; a group's own hint wins for rows of the group's table."""
        if group is not None and group.table == table and column in group.columns:
            return group.columns[column]
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


# ---------------------------------------------------------------- loading


def load_profile(path: str | Path) -> Profile:
    """Read and validate a profile file; every problem is a ProfileError naming the key."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read the profile ({exc.strerror or exc})") from exc
    return parse_profile(text, source=str(path))


def parse_profile(text: str, source: str = "<profile>") -> Profile:
    """Validate profile TOML text into a :class:`Profile`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{source}: not valid TOML ({exc}); fix the syntax") from exc
    reader = _Reader(source)
    reader.keys(data, "the top level", TOP_KEYS)
    header = reader.table(data.get("profile"), "[profile]", required=True)
    reader.keys(header, "[profile]", PROFILE_KEYS)
    tables = {
        name: _parse_table(reader, name, spec)
        for name, spec in reader.table(data.get("tables"), "[tables]", required=True).items()
    }
    groups = tuple(_parse_group(reader, i, g) for i, g in enumerate(reader.list_of(
        data.get("groups"), "[[groups]]", dict, "tables: write [[groups]] entries")))
    profile = Profile(
        name=reader.text(header.get("name"), "[profile].name", required=True),
        description=reader.text(header.get("description"), "[profile].description") or "",
        seed=reader.count(header.get("seed"), "[profile].seed", allow_negative=True) or 0,
        scales=tuple(reader.list_of(header.get("scales"), "[profile].scales", str,
                                    'table names, e.g. ["job"]')),
        reference=_parse_reference(reader, header.get("reference")),
        tables=MappingProxyType(tables),
        groups=groups,
        app=_freeze(reader.table(data.get("app"), "[app]")),
        source=source,
    )
    _check_references(reader, profile)
    return profile


class _Reader:
    """Type checks that name the offending key and say how to fix it."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, message: str) -> ProfileError:
        return ProfileError(f"{self.source}: {message} (see {DOCS})")

    def keys(self, table: Mapping[str, Any], where: str, known: Iterable[str]) -> None:
        allowed = tuple(known)
        for key in table:
            if key not in allowed:
                raise self.fail(f"unknown key {key!r} in {where}; use one of: "
                                f"{', '.join(allowed)} (check the spelling, or remove it)")

    def table(self, value: Any, where: str, required: bool = False) -> dict[str, Any]:
        if value is None:
            if required:
                raise self.fail(f"{where} is missing; add it")
            return {}
        if not isinstance(value, dict):
            raise self.fail(f"{where} must be a table, got {_kind(value)}")
        return value

    def list_of(self, value: Any, where: str, item: type, noun: str) -> list[Any]:
        """A list whose items are all of type ``item``; absent means empty."""
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(v, item) for v in value):
            raise self.fail(f"{where} must be a list of {noun}")
        return value

    def text(self, value: Any, where: str, required: bool = False) -> str | None:
        if value is None:
            if required:
                raise self.fail(f"{where} is missing; give it as a string")
            return None
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(f"{where} must be a non-empty string, got {_kind(value)}")
        return value

    def count(self, value: Any, where: str, allow_negative: bool = False) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"{where} must be a whole number, got {_kind(value)}")
        if value < 0 and not allow_negative:
            raise self.fail(f"{where} must not be negative, got {value}; give a count >= 0")
        return value

    def number(self, value: Any, where: str, low: float = 0.0, high: float | None = None,
               strict: bool = False) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"{where} must be a number, got {_kind(value)}")
        too_low = value <= low if strict else value < low
        if too_low or (high is not None and value > high):
            bounds = f"{'above' if strict else 'at least'} {low:g}"
            bounds += f" and at most {high:g}" if high is not None else ""
            raise self.fail(f"{where} must be {bounds}, got {value}")
        return float(value)


def _parse_reference(reader: _Reader, value: Any) -> Reference | None:
    if value is None:
        return None
    where = "[profile].reference"
    reference = reader.table(value, where)
    reader.keys(reference, where, REFERENCE_KEYS)
    rows = reader.count(reference.get("rows"), f"{where}.rows")
    if not rows:
        raise reader.fail(f"{where}.rows must be a count above 0: the rows of the table at "
                          "scale 1, e.g. rows = 10000")
    return Reference(
        table=reader.text(reference.get("table"), f"{where}.table", required=True) or "",
        rows=rows,
        per=reader.text(reference.get("per"), f"{where}.per"),
    )


def _parse_table(reader: _Reader, name: str, spec: Any) -> TableSpec:
    where = f"[tables.{name}]"
    spec = reader.table(spec, where)
    reader.keys(spec, where, TABLE_KEYS)
    parent = reader.text(spec.get("parent"), f"{where}.parent")
    key = reader.text(spec.get("key"), f"{where}.key")
    if parent is None and (key or "per_parent" in spec or "relative_to" in spec):
        raise reader.fail(f"{where} gives key, per_parent or relative_to without parent; "
                          "add parent = \"<table>\"")
    if spec.get("rows") is not None and "per_parent" in spec:
        raise reader.fail(f"{where} gives both rows and per_parent; keep one of them")
    per_parent = spec.get("per_parent")
    return TableSpec(
        name=name,
        rows=reader.count(spec.get("rows"), f"{where}.rows"),
        parent=parent,
        key=key or (f"{parent}_id" if parent else None),
        per_parent=None if per_parent is None else _parse_distribution(
            reader, per_parent, f"{where}.per_parent"),
        relative_to=reader.text(spec.get("relative_to"), f"{where}.relative_to"),
        columns=_parse_columns(reader, spec.get("columns"), f"{where}.columns"),
        graph=_parse_graph(reader, spec.get("graph"), f"{where}.graph"),
    )


def _parse_distribution(reader: _Reader, value: Any, where: str) -> Distribution:
    if not isinstance(value, dict):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise reader.fail(f"{where} must be a number (a fixed count) or a table such as "
                              f"{{ distribution = \"poisson\", mean = 2 }}, got {_kind(value)}")
        return Distribution(mean=reader.number(value, where))
    reader.keys(value, where, DISTRIBUTION_KEYS)
    kind = value.get("distribution", "fixed")
    if kind not in KINDS:
        raise reader.fail(f"{where}.distribution must be one of {', '.join(KINDS)}, got {kind!r}")
    dist = Distribution(
        kind=kind,
        mean=reader.number(value.get("mean"), f"{where}.mean"),
        total=reader.count(value.get("total"), f"{where}.total"),
        min=reader.count(value.get("min"), f"{where}.min") or 0,
        max=reader.count(value.get("max"), f"{where}.max"),
        skew=reader.number(value.get("skew", 1.0), f"{where}.skew", strict=True) or 1.0,
    )
    _check_distribution(reader, dist, where)
    return dist


def _check_distribution(reader: _Reader, dist: Distribution, where: str) -> None:
    has_range = dist.kind == "uniform" and dist.max is not None
    if (dist.mean is None) == (dist.total is None) and not (has_range and dist.mean is None):
        raise reader.fail(f"{where} needs exactly one of mean (rows per parent row) and total "
                          "(rows over all parent rows)")
    if dist.total is not None and dist.kind not in SHARE_KINDS:
        raise reader.fail(f"{where}: total goes with distribution = fixed, zipf or lognormal; "
                          f"use mean with {dist.kind}")
    if dist.total is not None and dist.max is not None:
        raise reader.fail(f"{where}: max cannot be combined with total; drop max or use mean")
    if dist.max is not None and dist.max < dist.min:
        raise reader.fail(f"{where}: max ({dist.max}) is below min ({dist.min})")


def _parse_columns(reader: _Reader, value: Any, where: str) -> Mapping[str, ColumnHint]:
    columns = reader.table(value, where)
    return MappingProxyType({
        name: _parse_column(reader, hint, f"{where}.{name}") for name, hint in columns.items()
    })


def _parse_column(reader: _Reader, value: Any, where: str) -> ColumnHint:
    hint = reader.table(value, where, required=True)
    reader.keys(hint, where, COLUMN_KEYS)
    distinct = reader.count(hint.get("distinct"), f"{where}.distinct")
    if distinct == 0:
        raise reader.fail(f"{where}.distinct must be at least 1")
    return ColumnHint(
        distinct=distinct,
        null_fraction=reader.number(hint.get("null_fraction"), f"{where}.null_fraction",
                                    high=1.0) or 0.0,
        values=_parse_values(reader, hint.get("values"), f"{where}.values"),
        skew=reader.number(hint.get("skew"), f"{where}.skew") or 0.0,
        width=reader.count(hint.get("width"), f"{where}.width"),
    )


def _parse_values(reader: _Reader, value: Any, where: str) -> tuple[tuple[Value, float], ...]:
    """A value mix: keys are the values (bare integers read back as integers), weights >= 0."""
    mix = reader.table(value, where)
    weights = [(key, reader.number(w, f"{where}.{key}")) for key, w in mix.items()]
    total = sum(w for _, w in weights if w)
    if weights and not total:
        raise reader.fail(f"{where} has no positive weight; give at least one value a weight > 0")
    return tuple(
        (int(key) if _INTEGER_TEXT.match(key) else key, (w or 0.0) / total) for key, w in weights
    )


def _parse_graph(reader: _Reader, value: Any, where: str) -> GraphShape | None:
    if value is None:
        return None
    graph = reader.table(value, where)
    reader.keys(graph, where, GRAPH_KEYS)
    depth = reader.count(graph.get("depth"), f"{where}.depth")
    fan_out = reader.count(graph.get("max_fan_out"), f"{where}.max_fan_out")
    if depth == 0 or fan_out == 0:
        raise reader.fail(f"{where}: depth and max_fan_out must be at least 1")
    return GraphShape(
        target=reader.text(graph.get("target"), f"{where}.target", required=True) or "",
        within=reader.text(graph.get("within"), f"{where}.within"),
        depth=depth or 1,
        max_fan_out=fan_out,
    )


def _parse_group(reader: _Reader, index: int, value: dict[str, Any]) -> Group:
    where = f"[[groups]] #{index + 1}"
    reader.keys(value, where, GROUP_KEYS)
    name = reader.text(value.get("name"), f"{where}.name", required=True) or ""
    where = f"[[groups]] {name!r}"
    rows = reader.count(value.get("rows"), f"{where}.rows")
    if rows is None:
        raise reader.fail(f"{where}.rows is missing; say how many parent rows the group holds")
    sizes = reader.table(value.get("per_parent"), f"{where}.per_parent")
    return Group(
        name=name,
        table=reader.text(value.get("table"), f"{where}.table", required=True) or "",
        rows=rows,
        per_parent=MappingProxyType({
            child: _parse_distribution(reader, dist, f"{where}.per_parent.{child}")
            for child, dist in sizes.items()
        }),
        columns=_parse_columns(reader, value.get("columns"), f"{where}.columns"),
        app=_freeze(reader.table(value.get("app"), f"{where}.app")),
    )


def _check_references(reader: _Reader, profile: Profile) -> None:
    """Names that point at tables must point at tables the profile describes, without cycles."""
    tables = profile.tables
    for spec in tables.values():
        where = f"[tables.{spec.name}]"
        for key, target in (("parent", spec.parent), ("relative_to", spec.relative_to)):
            if target is not None and target not in tables:
                raise reader.fail(f"{where}.{key} names {target!r}, which has no [tables.{target}]"
                                  " entry; add one or fix the name")
        if spec.relative_to and tables[spec.relative_to].parent != spec.parent:
            raise reader.fail(f"{where}.relative_to must name a table with the same parent "
                              f"({spec.parent!r})")
        _check_no_cycle(reader, tables, spec.name)
    for name in profile.scales:
        if name not in tables:
            raise reader.fail(f"[profile].scales names {name!r}, which has no [tables.{name}]")
    reference = profile.reference
    if reference is not None and reference.table not in profile.scales:
        raise reader.fail(f"[profile].reference.table {reference.table!r} must be one of "
                          f"[profile].scales ({', '.join(profile.scales) or 'none given'})")
    if reference is not None and reference.per is not None and reference.per not in tables:
        raise reader.fail(f"[profile].reference.per names {reference.per!r}, which has no "
                          f"[tables.{reference.per}]")
    names = [group.name for group in profile.groups]
    for group in profile.groups:
        _check_group(reader, profile, group, names.count(group.name) > 1)


def _check_no_cycle(reader: _Reader, tables: Mapping[str, TableSpec], start: str) -> None:
    seen = [start]
    current = tables[start]
    while current.parent is not None or current.relative_to is not None:
        nxt = current.relative_to or current.parent
        if nxt in seen:
            raise reader.fail(f"tables {' -> '.join([*seen, nxt or ''])} form a cycle of "
                              "parent / relative_to; break it")
        seen.append(nxt or "")
        current = tables[nxt or ""]


def _check_group(reader: _Reader, profile: Profile, group: Group, duplicate: bool) -> None:
    where = f"[[groups]] {group.name!r}"
    if duplicate:
        raise reader.fail(f"{where}: two groups share this name; rename one")
    spec = profile.tables.get(group.table)
    if spec is None:
        raise reader.fail(f"{where}.table names {group.table!r}, which has no "
                          f"[tables.{group.table}] entry; add one")
    if spec.parent is not None:
        raise reader.fail(f"{where}.table must be a table without a parent ({group.table!r} has "
                          f"parent {spec.parent!r}); groups slice root tables")
    for child in group.per_parent:
        if child not in profile.tables or profile.tables[child].parent != group.table:
            raise reader.fail(f"{where}.per_parent.{child}: {child!r} must be a table whose "
                              f"parent is {group.table!r}")
    grouped = sum(g.rows for g in profile.groups_of(group.table))
    if spec.rows is not None and grouped > spec.rows:
        raise reader.fail(f"[tables.{group.table}].rows is {spec.rows} but its groups hold "
                          f"{grouped}; raise rows or drop it")


# ---------------------------------------------------------------- helpers


def _kind(value: Any) -> str:
    return f"{value!r} ({type(value).__name__})"


def _freeze(value: Any) -> Any:
    """Read-only copies of nested tables, so a loaded profile cannot be changed in place."""
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _scale_count(count: int, factor: float) -> int:
    """A scaled count that stays at least 1 when it was at least 1."""
    return max(round(count * factor), 1 if count >= 1 else 0)


def _scale_table(spec: TableSpec, factor: float) -> TableSpec:
    return replace(
        spec,
        rows=None if spec.rows is None else round(spec.rows * factor),
        per_parent=None if spec.per_parent is None else spec.per_parent.scaled(factor),
    )


def _apportion(total: int, weights: list[float], minimum: int) -> list[int]:
    """Split ``total`` into integer shares by weight, each at least ``minimum`` where possible.

    Largest-remainder rounding, ties broken by position, so the result is exact
    and reproducible.
    """
    parents = len(weights)
    minimum = min(minimum, total // parents)
    rest = total - minimum * parents
    whole = sum(weights)
    raw = [rest * w / whole for w in weights]
    shares = [math.floor(r) for r in raw]
    order = sorted(range(parents), key=lambda i: (-(raw[i] - shares[i]), i))
    for i in order[: rest - sum(shares)]:
        shares[i] += 1
    return [minimum + s for s in shares]


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw: Knuth's method for small means, a rounded normal for large ones."""
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def _geometric(rng: random.Random, mean: float) -> int:
    """Failures before the first success, with the given mean."""
    if mean <= 0:
        return 0
    p = 1.0 / (1.0 + mean)
    return math.floor(math.log(1.0 - rng.random()) / math.log(1.0 - p))

"""The profile reader: TOML text → a validated :class:`~advisor.catalog.profile.values.Profile`.

Every key is checked (format in ``docs/profile-format.md``): an unknown key,
a wrong type, a negative count or a name that points nowhere stops the load
with a ProfileError that names the key and says how to fix it.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, overload

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

from advisor.catalog.profile.values import (
    KINDS,
    SHARE_KINDS,
    ColumnHint,
    Distribution,
    GraphShape,
    Group,
    Profile,
    Reference,
    TableSpec,
    Value,
)
from advisor.model.errors import ProfileError

DOCS = "docs/profile-format.md"

TOP_KEYS = ("profile", "app", "tables", "groups")
PROFILE_KEYS = ("name", "description", "seed", "scales", "reference")
REFERENCE_KEYS = ("table", "per", "rows")
TABLE_KEYS = ("rows", "parent", "key", "per_parent", "relative_to", "columns", "graph")
DISTRIBUTION_KEYS = ("distribution", "mean", "total", "min", "max", "skew")
COLUMN_KEYS = ("distinct", "null_fraction", "values", "skew", "width")
GRAPH_KEYS = ("target", "within", "depth", "max_fan_out")
GROUP_KEYS = ("name", "table", "rows", "per_parent", "columns", "tables", "app")
GROUP_TABLE_KEYS = ("columns",)

_INTEGER_TEXT = re.compile(r"-?\d+\Z")


def load_profile(path: str | os.PathLike[str]) -> Profile:
    """Read and validate a profile file; every problem is a ProfileError naming the key."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProfileError(f"{path}: cannot read the profile ({exc.strerror or exc})") from exc
    except UnicodeDecodeError:
        raise ProfileError(f"{path}: not a text file; a profile is TOML "
                           "(docs/profile-format.md)") from None
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

    @overload
    def text(self, value: Any, where: str, required: Literal[True]) -> str: ...

    @overload
    def text(self, value: Any, where: str, required: bool = False) -> str | None: ...

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
        tables=MappingProxyType({
            table: _parse_group_table(reader, spec, f"{where}.tables.{table}")
            for table, spec in reader.table(value.get("tables"), f"{where}.tables").items()
        }),
        app=_freeze(reader.table(value.get("app"), f"{where}.app")),
    )


def _parse_group_table(reader: _Reader, value: Any, where: str) -> Mapping[str, ColumnHint]:
    """A group's entry for a table below its own: column hints only (checked for being
    below it once every table is read)."""
    spec = reader.table(value, where)
    reader.keys(spec, where, GROUP_TABLE_KEYS)
    return _parse_columns(reader, spec.get("columns"), f"{where}.columns")


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
    for table in group.tables:
        _check_below(reader, profile, group, table)
    grouped = sum(g.rows for g in profile.groups_of(group.table))
    if spec.rows is not None and grouped > spec.rows:
        raise reader.fail(f"[tables.{group.table}].rows is {spec.rows} but its groups hold "
                          f"{grouped}; raise rows or drop it")


def _check_below(reader: _Reader, profile: Profile, group: Group, table: str) -> None:
    """A group's ``tables`` entry must name a table below the group's, following ``parent``."""
    where = f"[[groups]] {group.name!r}.tables.{table}"
    if table not in profile.tables:
        raise reader.fail(f"{where}: {table!r} has no [tables.{table}] entry; add one or fix "
                          "the name")
    if table == group.table:
        raise reader.fail(f"{where}: {table!r} is the group's own table; give its hints in "
                          f"[[groups]] {group.name!r}.columns")
    parent = profile.tables[table].parent
    while parent is not None and parent != group.table:
        parent = profile.tables[parent].parent
    if parent is None:
        raise reader.fail(f"{where}: {table!r} must be a table below {group.table!r} (its "
                          f"parent, or its parent's parent and so on, is {group.table!r})")


def _kind(value: Any) -> str:
    return f"{value!r} ({type(value).__name__})"


def _freeze(value: Any) -> Any:
    """Read-only copies of nested tables, so a loaded profile cannot be changed in place."""
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value

"""Candidates: the indexes that could help a workload, syntactically.

Per table access of a template: its equality columns (most selective first),
then at most one range or IN column (or an IN column and then a range column:
SQLite seeks each listed value and ranges within it), or else its ORDER BY /
GROUP BY columns with their directions; the same with a join column added,
and with all of them (what the inner side of a join, or a subquery correlated
on two columns, seeks on); a covering variant of each when the statement
reads few columns, and where it reads a wide column (sampled values of
``WIDE_VALUE_BYTES`` or more) one without the wide columns too, which the
search prefers where it is as fast (fewer bytes); and a partial index when
the access carries a constant predicate.
Candidates are merged across templates. One that an existing index already
serves (its columns are that index's leading columns) is dropped, with the
reason. Whether any of them is worth having is the what-if and search stages'
decision, not this one's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from advisor.catalog.schema import Catalog
from advisor.catalog.statistics import Statistics
from advisor.model.access import Analysis, TableAccess
from advisor.model.indexes import IndexSpec, KeyExpression
from advisor.model.reasons import Decision, Reason

COVERING_MAX_COLUMNS = 6
JOIN_COVERING_EXTRA = 1  # a join seek's covering variant adds at most this many columns
RANGE_COVERING_EXTRA = 2  # a range's covering variant adds at most this many columns
# A column whose values take this many bytes on average (sampled) is wide: copied into
# an index it more than doubles an entry of a few keys (1-8 bytes each, with the rowid
# and the cell's header). A web shop's set copied review bodies (108 bytes) into an
# index of 30 MiB that measured no faster than the same index without them.
WIDE_VALUE_BYTES = 64


@dataclass(frozen=True)
class Candidate:
    spec: IndexSpec
    templates: tuple[str, ...]  # template ids it was derived from
    shapes: tuple[str, ...]  # how: equality, range, order, group, join, covering, partial


@dataclass(frozen=True)
class Dropped:
    spec: IndexSpec
    reason: Decision  # SERVED_BY_EXISTING or SERVED_BY_ROWID
    templates: tuple[str, ...]


@dataclass(frozen=True)
class CandidateSet:
    kept: tuple[Candidate, ...]
    dropped: tuple[Dropped, ...]

    def for_template(self, template_id: str) -> tuple[Candidate, ...]:
        return tuple(c for c in self.kept if template_id in c.templates)


def generate(analyses: Mapping[str, Analysis], catalog: Catalog,
             statistics: Statistics) -> CandidateSet:
    """Candidates for every analysed template, merged, with already-served ones dropped."""
    found: dict[IndexSpec, tuple[list[str], list[str]]] = {}
    for template_id, analysis in analyses.items():
        if not analysis.ok:
            continue
        for access in analysis.reads:
            table = catalog.table(access.table)
            if table is not None and table.virtual:
                continue  # SQLite cannot index a virtual table; its module finds the rows
            rowid = table.rowid_alias if table else None
            for spec, shape in access_candidates(access, statistics, rowid):
                templates, shapes = found.setdefault(spec, ([], []))
                if template_id not in templates:
                    templates.append(template_id)
                if shape not in shapes:
                    shapes.append(shape)
    kept: list[Candidate] = []
    dropped: list[Dropped] = []
    for spec in sorted(found):
        templates, shapes = found[spec]
        reason = served_by_existing(spec, catalog)
        if reason:
            dropped.append(Dropped(spec, reason, tuple(templates)))
        else:
            kept.append(Candidate(spec, tuple(templates), tuple(shapes)))
    return CandidateSet(tuple(kept), tuple(dropped))


def access_candidates(access: TableAccess, statistics: Statistics,
                      rowid: str | None = None) -> list[tuple[IndexSpec, str]]:
    """The candidate indexes of one table access, each with the shape that made it.

    ``rowid`` names the table's INTEGER PRIMARY KEY: an equality on it already
    finds one row, so it never leads a candidate.
    """
    table = access.table

    def selective_first(columns: Iterable[str]) -> list[str]:
        unique = [c for c in dict.fromkeys(columns) if c != rowid]
        return sorted(unique, key=lambda c: -statistics.distinct_values(table, (c,)))

    if rowid is not None and rowid in (*access.equality, *access.in_list):
        return []  # the rowid finds the row(s); no index does better
    equality = selective_first((*access.equality, *access.is_null))
    bases = [(equality, "equality")]
    joined = [c for c in selective_first(access.join) if c not in equality]
    for column in joined:
        bases.append(([*equality, column], "join"))
    if len(joined) > 1:  # a correlated subquery or a chain seeks on all of them at once
        bases.append(([*equality, *joined], "join"))
    out: list[tuple[IndexSpec, str]] = []

    def add(columns: list[tuple[str, bool]], shape: str, where: str | None = None) -> None:
        if columns:
            out.append((IndexSpec(table, _dedupe(columns), where), shape))

    order = [(t.column, t.descending) for t in access.order_by]
    wide = frozenset(c.lower() for c in access.columns_read if is_wide(statistics, table, c))
    for prefix, shape in bases:
        base = [(c, False) for c in prefix]
        add(base, shape)
        for column in (*access.in_list, *access.range):
            if column not in prefix and column != rowid:
                add([*base, (column, False)], "range")
                # An ORDER BY after a range serves only as the columns it covers: one the
                # range's key holds already (``name COLLATE NOCASE`` holds name) adds
                # nothing but bytes.
                held = set(column.holds) if isinstance(column, KeyExpression) else set()
                after = [term for term in order if term[0] not in held]
                if after:
                    add([*base, (column, False), *after], "range")
        for listed in access.in_list:  # an IN list seeks each value, then ranges within
            for column in access.range:
                if rowid not in (listed, column) and not {listed, column} & set(prefix):
                    add([*base, (listed, False), (column, False)], "range")
        if order:
            # The index gives the order; a range filters what it walks.
            add([*base, *order], "order")
        if access.group_by:
            add([*base, *((c, False) for c in access.group_by)], "group")
    for spec, shape in list(out):
        # A join's inner side too, when it reads one column more (the next join's key,
        # an aggregated value): each match then skips its row fetch. Wider ones, on a
        # fact table joined for many of its columns, multiplied the candidates (TPC-H:
        # 71 -> 104 uncapped, 85 with two columns, 74 with one) and recommend's time.
        if shape in ("equality", "order", "group", "join", "range"):
            extra = {"join": JOIN_COVERING_EXTRA, "range": RANGE_COVERING_EXTRA}.get(shape)
            for leave_out in dict.fromkeys((frozenset(), wide)):
                covering = _covering(spec, access, rowid, extra, leave_out)
                if covering is not None:
                    add(list(covering.columns), "covering")
    for predicate in access.constant_predicates:
        fixed = predicate.split()[0]
        rest = [(c, False) for c in equality if c != fixed]
        rest += [(c, False) for c in (*access.in_list, *access.range) if c != fixed]
        add(rest + order or [(fixed, False)], "partial", where=predicate)
    return out


def _covering(spec: IndexSpec, access: TableAccess, rowid: str | None,
              extra: int | None = None, leave_out: frozenset[str] = frozenset()
              ) -> IndexSpec | None:
    """The spec extended with every other column the access reads but those (lower
    case) in ``leave_out``, when that is few (and no more than ``extra`` columns, if
    given).

    The rowid is in every index already, so it is never added.
    """
    missing = [c for c in access.columns_read if c not in spec.columns_held and c != rowid
               and c.lower() not in leave_out]
    if (not missing or len(spec.columns) + len(missing) > COVERING_MAX_COLUMNS
            or (extra is not None and len(missing) > extra)):
        return None
    return IndexSpec(spec.table, (*spec.columns, *((c, False) for c in missing)), spec.where)


def is_wide(statistics: Statistics, table: str, column: str) -> bool:
    """Whether a sample measured the column's values at WIDE_VALUE_BYTES or more."""
    return (statistics.value_bytes(table, column) or 0.0) >= WIDE_VALUE_BYTES


def narrower_variants(specs: Iterable[IndexSpec], statistics: Statistics
                      ) -> dict[IndexSpec, tuple[IndexSpec, ...]]:
    """Of ``specs``, each one holding wide columns (``WIDE_VALUE_BYTES``) with the one
    among them that holds the same keys in the same order without its wide columns,
    where there is one: the variant the search takes in its place when the workload's
    cost stays within the tolerance (advisor.search.search, narrowing)."""
    given = set(specs)
    out: dict[IndexSpec, tuple[IndexSpec, ...]] = {}
    for spec in sorted(given):
        kept = tuple((name, descending) for name, descending in spec.columns
                     if isinstance(name, KeyExpression)
                     or not is_wide(statistics, spec.table, name))
        variant = IndexSpec(spec.table, kept, spec.where)
        if kept and len(kept) < len(spec.columns) and variant in given:
            out[spec] = (variant,)
    return out


def _dedupe(columns: list[tuple[str, bool]]) -> tuple[tuple[str, bool], ...]:
    seen: dict[str, bool] = {}
    for name, descending in columns:
        seen.setdefault(name, descending)
    return tuple(seen.items())


def served_by_existing(spec: IndexSpec, catalog: Catalog) -> Decision | None:
    """Why an existing index (or the rowid) already gives what ``spec`` would, or None.

    An existing index serves a candidate whose columns are its leading
    columns, in the same directions or all reversed (SQLite scans an index
    backwards for an ORDER BY), unless the candidate is partial.
    """
    if spec.where is not None:
        return None
    table = catalog.table(spec.table)
    if table is not None and table.rowid_alias and spec.column_names == (table.rowid_alias,):
        return Decision.of(Reason.SERVED_BY_ROWID, table=table.name, column=table.rowid_alias)
    flipped = tuple((name, not desc) for name, desc in spec.columns)
    for index in catalog.indexes_on(spec.table):
        if index.where is not None or index.unmodelled is not None:
            continue  # partial, or on an expression or in a collation: not the same seeks
        existing = index.spec
        if (IndexSpec(spec.table, spec.columns).is_prefix_of(existing)
                or IndexSpec(spec.table, flipped).is_prefix_of(existing)):
            kind = {"pk": "PRIMARY KEY index", "u": "UNIQUE constraint's index"}.get(
                index.origin, "index")
            return Decision.of(Reason.SERVED_BY_EXISTING, kind=kind, index=index.name,
                               definition=existing.describe())
    return None

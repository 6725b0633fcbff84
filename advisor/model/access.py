"""Access patterns: what a statement asks of each table, as values.

``analysis`` produces these from a template and the catalog; ``candidates``
turns them into index candidates and ``costing`` reads the write side. They
name columns exactly as the catalog does, so later stages never look at SQL
text again.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Any, NamedTuple


@dataclass(frozen=True)
class OrderTerm:
    """One ORDER BY term on a plain column of the table."""

    column: str
    descending: bool = False


@dataclass(frozen=True)
class TableAccess:
    """How one statement reads one occurrence of a table.

    A table read twice (a self-join, a subquery on the same table) gives two
    TableAccess values. Column tuples are in the order the statement names
    them, without duplicates.
    """

    table: str  # as the catalog names it
    alias: str  # as the statement names it (the table name when there is no alias)
    equality: tuple[str, ...] = ()  # col = value, col IS value
    in_list: tuple[str, ...] = ()  # col IN (...), col IN (SELECT ...)
    range: tuple[str, ...] = ()  # <, <=, >, >=, BETWEEN, LIKE 'prefix%'
    is_null: tuple[str, ...] = ()  # col IS NULL
    join: tuple[str, ...] = ()  # col = other_table.col (join and correlation keys)
    excluded: tuple[str, ...] = ()  # col <> value, col NOT IN (values): no index seeks on it
    order_by: tuple[OrderTerm, ...] = ()  # the ORDER BY, when every term is this table's
    group_by: tuple[str, ...] = ()
    distinct: bool = False
    columns_read: tuple[str, ...] = ()  # every column read, for covering indexes
    has_limit: bool = False
    # Predicates whose value is fixed in the application's SQL or in every
    # sample ("status = 5"): what a partial index's WHERE could hold.
    constant_predicates: tuple[str, ...] = ()
    # For the costing, which reads SQLite's plan loop by loop:
    # (column, alias of the other side) of every join equality: the loop applies it as a
    # filter once the other side's loop runs outside it;
    join_partners: tuple[tuple[str, str], ...] = ()
    # (column, how many values its IN list held, on average over the samples);
    in_list_sizes: tuple[tuple[str, float], ...] = ()
    # (column, how many values its NOT IN list held, on average over the samples);
    excluded_sizes: tuple[tuple[str, float], ...] = ()
    # of ``range``, the columns bounded on both sides (BETWEEN, LIKE 'abc%', > and <);
    bounded: tuple[str, ...] = ()
    # read by EXISTS or by a scalar subquery that does not aggregate: SQLite stops at the
    # first row it finds.
    first_row: bool = False
    # of the columns compared with a value, those compared with a subquery's (``l_quantity <
    # (SELECT ...)``): SQLite tests such a term last, once the subquery has run.
    after_subquery: tuple[str, ...] = ()
    # Of the first top-level OR of its SELECT's WHERE that names it (``(a = ? AND b > ?) OR
    # (c = ?)``), what each branch, in text order, compares of it: SQLite's MULTI-INDEX OR
    # plans each branch on its own, and tests a branch's terms on the loops outside first.
    or_branches: tuple[TableAccess, ...] = ()

    def with_branch(self, branch: TableAccess) -> TableAccess:
        """This access with one of its OR's branches ANDed in: what a MULTI-INDEX OR's
        loop for that branch compares."""
        def both(first: tuple[Any, ...], second: tuple[Any, ...]) -> tuple[Any, ...]:
            return tuple(dict.fromkeys((*first, *second)))

        return replace(
            self, equality=both(self.equality, branch.equality),
            in_list=both(self.in_list, branch.in_list), range=both(self.range, branch.range),
            is_null=both(self.is_null, branch.is_null), join=both(self.join, branch.join),
            excluded=both(self.excluded, branch.excluded),
            join_partners=both(self.join_partners, branch.join_partners),
            in_list_sizes=both(self.in_list_sizes, branch.in_list_sizes),
            excluded_sizes=both(self.excluded_sizes, branch.excluded_sizes),
            bounded=both(self.bounded, branch.bounded), or_branches=())

    def only(self, columns: Collection[str]) -> TableAccess:
        """This access with only its comparisons on ``columns`` (lower-cased): what an
        index holding just those columns tests on its entries."""
        def kept(names: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(c for c in names if c.lower() in columns)

        def kept_pairs(pairs: tuple[tuple[str, Any], ...]) -> tuple[tuple[str, Any], ...]:
            return tuple(p for p in pairs if p[0].lower() in columns)

        return replace(
            self, equality=kept(self.equality), in_list=kept(self.in_list),
            range=kept(self.range), is_null=kept(self.is_null), join=kept(self.join),
            excluded=kept(self.excluded), bounded=kept(self.bounded),
            join_partners=kept_pairs(self.join_partners),
            in_list_sizes=kept_pairs(self.in_list_sizes),
            excluded_sizes=kept_pairs(self.excluded_sizes), or_branches=())

    @property
    def filtered(self) -> tuple[str, ...]:
        """Columns an index could seek on, in the order a candidate would use."""
        seen: dict[str, None] = {}
        for column in (*self.equality, *self.join, *self.is_null, *self.in_list, *self.range):
            seen.setdefault(column, None)
        return tuple(seen)


@dataclass(frozen=True)
class WriteAccess:
    """The table a write changes, and how."""

    table: str
    operation: str  # INSERT, UPDATE, DELETE, UPSERT (INSERT ... ON CONFLICT DO UPDATE)
    columns_set: tuple[str, ...] = ()  # UPDATE SET / DO UPDATE SET columns; INSERT: all given
    values_rows: float = 1.0  # rows an INSERT ... VALUES writes at once (mean over the samples)


class DerivedFilter(NamedTuple):
    """One reading of a CTE or a FROM subquery: its columns compared with values.

    ``live``: the share of the samples under which a row of the source can pass the
    comparisons at all. Where the source's SELECT makes a compared column a constant
    for a sample's values (``0 AS should_cancel``, or a CASE that folds to one) and
    the comparison rejects it (``jtp.should_cancel = 1``), the reading keeps no row:
    a recursive walk seeded so stops at its first generation."""

    alias: str
    equalities: int
    ranges: int
    live: float = 1.0


@dataclass(frozen=True)
class Analysis:
    """A template's access patterns, or the named reason it could not be analysed."""

    template_id: str
    reads: tuple[TableAccess, ...] = ()
    write: WriteAccess | None = None
    unanalysed: str | None = None  # e.g. "unknown table: jobs", "parse error: ..."
    # What comes back to the caller: every row read ("rows"), one per group ("groups"),
    # one aggregate row ("one"), or nothing (a write without RETURNING: "none").
    returns: str = "rows"
    # Each reading of a CTE or a FROM subquery, in text order: its columns compared with
    # values (``jtp.level < ?``). Such a source has no statistics: the costing keeps a
    # default share of its rows per comparison.
    derived_filters: tuple[DerivedFilter, ...] = ()
    # Aggregate calls of the outermost SELECT (its columns and HAVING): each costs a
    # little for every row it aggregates.
    aggregates: int = 0
    # (parameter position, value) of each placeholder an equality always holds the same
    # literal in (``status = ?`` always 5): planned with it bound, as SQLite plans once
    # the value is bound (a partial index WHERE status = 5 is usable then, never with
    # the placeholder unbound).
    bound: tuple[tuple[int, object], ...] = ()

    @property
    def ok(self) -> bool:
        return self.unanalysed is None

    @property
    def tables(self) -> frozenset[str]:
        """Every table the statement reads or writes, lower-cased (SQLite's names fold)."""
        names = {access.table.lower() for access in self.reads}
        if self.write is not None:
            names.add(self.write.table.lower())
        return frozenset(names)

"""Matches: how many rows a replayed statement's own values match, counted.

The planner prices an equality with the average rows per value (sqlite_stat1),
and so does the cost model by default. A workload is not average: Torc's
claims and listings go to the workflows that exist and are large, so
``workflow_id = ?`` matches 10,000 jobs where the average is 5,000, and a
running workflow's compute nodes are 80 where the average is 3. When the
replayed statements and their database are at hand (compare, fidelity), the
rows each table occurrence's equalities match are counted there, for every
subset of its equality columns (the plan may seek on some and filter on the
rest), and once more with its range bounds applied (SQLite's rule of thumb
keeps a quarter per bound; Torc's claim caps such as ``num_cpus <= 128`` keep
nine rows in ten) and its lists of values (``status IN ('sent', 'partial')`` keeps
6% of a ledger's invoices, where two of five statuses would be two fifths; a NOT
IN list's values are bounds too, and a LIKE or GLOB pattern: ``title LIKE 'How do
I%'`` keeps 904 of a forum's 540,000 posts, where a prefix's two bounds are taken to
keep a sixty-fourth), how many rows each list subquery yields (``id IN (SELECT
seat_id FROM holds WHERE expires_at <= ?)``: one rowid seek a row), and how many rows
are stored before the first one all its
equalities match (where a scan that stops at its first row finds it: Torc's
is_workflow_complete asks about the newest workflows, whose jobs are stored
last). Only ANDed terms count: an equality under OR filters
nothing for sure. The median over the template's statements goes to the
costing (never to the planner: SQLite plans with averages). The counts a scan
of the whole table answers are taken together, one scan a table (``_Counts``).
"""

from __future__ import annotations

import itertools
import sqlite3
import statistics
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from sqlglot import exp
from sqlglot.errors import SqlglotError

from advisor.analysis.binding import Unanalysable, parse_statement
from advisor.analysis.workload import Workload
from advisor.catalog.database import open_read_only
from advisor.catalog.schema import quote_identifier
from advisor.catalog.statistics import FIRST_MARK, LIST_ROWS, RANGE_MARK, Matches
from advisor.model.indexes import compared_key
from advisor.replay.measure import ReplaySet
from advisor.replay.parameters import Prepared, prepare

Query = tuple[str, tuple[str, ...], tuple[object, ...]]  # (table, (condition,), values)
MAX_COLUMNS = 4  # equality columns per occurrence counted in every combination
BATCH = 64  # conditions counted in one scan of a table
LISTED = "IN"  # a bound's operator for one value of an IN list
LIST_SECONDS = 2.0  # a list subquery's rows counted within this, else left uncounted


def value_matches(workload: Workload, database: Path, replayed: ReplaySet
                  ) -> dict[str, Matches]:
    """Per template id: (table, equality columns) -> rows matched, the median over its
    replayed statements."""
    connection = open_read_only(database)
    try:
        counts = _Counts(connection)
        asked: dict[str, dict[tuple[str, frozenset[str]], list[Query]]] = {}
        for template_id, _, statements in replayed.statements:
            sums = asked.setdefault(template_id, {})
            # Its statements have list subqueries where its text has: read once a template.
            template = workload.digest.templates.get(template_id)
            listing = template is not None and bool(_list_subqueries(template.template.text))
            analysis = workload.analyses.get(template_id)
            stops = analysis is not None and any(  # a LIMIT, EXISTS or scalar subquery
                access.has_limit or access.first_row for access in analysis.reads)
            for sql in dict.fromkeys(statements):
                for table, pairs, bounds in _predicates(sql, workload, replayed.parsed):
                    for width in range(1, len(pairs) + 1):
                        for subset in itertools.combinations(pairs, width):
                            key = (table.lower(), frozenset(c.lower() for c, _ in subset))
                            sums.setdefault(key, []).append(counts.ask(table, subset))
                    if pairs and stops:  # where the first row they all match is stored
                        first = counts.first(table, tuple(pairs))
                        if first is not None:
                            key = (table.lower(), frozenset(
                                [c.lower() for c, _ in pairs] + [FIRST_MARK]))
                            sums.setdefault(key, []).append(first)
                    # All equalities with every bound together (what a scan keeps); and
                    # each column's bounds alone, with all equalities and with none (what
                    # an index seeks: a range on one column after an equal prefix).
                    for equal, kept in _bounded(tuple(pairs), bounds):
                        key = (table.lower(), frozenset(
                            [c.lower() for c, _ in equal]
                            + [_bounded_key(workload, table, c, operator)
                               for c, operator, _ in kept]))
                        sums.setdefault(key, []).append(counts.ask(table, equal, kept))
                for place, subquery in enumerate(_list_subqueries(sql) if listing else []):
                    counted = counts.rows_of(subquery)
                    if counted is not None:
                        sums.setdefault((LIST_ROWS, frozenset({str(place)})), []).append(
                            counted)
        counts.run()
        # The median, as the timing's median is one statement's time.
        return {template_id: {key: statistics.median(counts.done[q] for q in queries)
                              for key, queries in sums.items()}
                for template_id, sums in asked.items() if sums}
    finally:
        connection.close()


Bound = tuple[str, str, object]  # (column, operator, value)
Pairs = tuple[tuple[str, object], ...]  # (column, value) of the ANDed equalities


def _predicates(sql: str, workload: Workload, parsed: Mapping[str, Prepared]
                ) -> list[tuple[str, list[tuple[str, object]], list[Bound]]]:
    """Per table occurrence of ``sql``: its ANDed equality (column, value) pairs and range
    bounds (an equality under OR filters nothing for sure). ``parsed``: statements
    parsed already (as filling them did)."""
    prepared = parsed.get(sql)
    if prepared is None:
        try:
            prepared = prepare(sql, workload.catalog)
        except Unanalysable:
            return []
    equal: dict[tuple[str, str], dict[str, object]] = {}
    bounds: dict[tuple[str, str], list[Bound]] = {}
    for slot in prepared.slots:
        if not (slot.conjunct and slot.table and slot.column) or slot.placeholder:
            continue
        where = (slot.table, slot.occurrence or slot.table)
        if slot.role == "equal":
            equal.setdefault(where, {}).setdefault(slot.column, slot.value)
        elif slot.role == "in":  # a list of values keeps the rows holding any of them
            bounds.setdefault(where, []).append((slot.column, LISTED, slot.value))
        elif slot.operator is not None:
            bounds.setdefault(where, []).append((slot.column, slot.operator, slot.value))
    return [(where[0], list(equal.get(where, {}).items())[:MAX_COLUMNS], bounds.get(where, []))
            for where in dict.fromkeys([*equal, *bounds])]


def _list_subqueries(sql: str) -> list[str]:
    """The SQL of each ``IN (SELECT ...)`` list of a statement, in text order."""
    try:
        parsed = parse_statement(sql)
    except (Unanalysable, SqlglotError, RecursionError):  # nothing read, no list counted
        return []
    lists = [node.args["query"] for node in parsed.find_all(exp.In, bfs=False)
             if node.args.get("query")]
    return [(node.this if isinstance(node, exp.Subquery) else node).sql(dialect="sqlite")
            for node in lists]


def _bounded_key(workload: Workload, table: str, column: str, operator: str) -> str:
    """A bound's column in a ``matches`` key: as the analysis names its range (a LIKE's,
    which SQLite seeks only in NOCASE, as that key where the column is declared in
    another collation), marked a bound."""
    if operator == "LIKE":
        declared = workload.catalog.table(table)
        column = compared_key(column, "NOCASE",
                              declared.collation(column) if declared is not None else "BINARY")
    return column.lower() + RANGE_MARK


def _bounded(pairs: Pairs, bounds: list[Bound]) -> list[tuple[Pairs, list[Bound]]]:
    """The (equalities, bounds) combinations counted where there are range bounds, each
    once: all of them together (and all but the lists of values, which an index may seek
    instead); each column's bounds with all equalities, and alone."""
    wanted = [(pairs, bounds)] if bounds else []
    unlisted = [bound for bound in bounds if bound[1] != LISTED]
    if unlisted and len(unlisted) < len(bounds):
        wanted.append((pairs, unlisted))
    for column in dict.fromkeys(c for c, _, _ in bounds):
        own = [bound for bound in bounds if bound[0] == column]
        wanted += [(pairs, own), ((), own)]
    unique: dict[tuple[int, tuple[Bound, ...]], tuple[Pairs, list[Bound]]] = {}
    for equal, kept in wanted:
        unique.setdefault((len(equal), tuple(kept)), (equal, kept))
    return list(unique.values())


class _Counts:
    """The counts the statements ask for, each query once: those SQLite answers by
    scanning the whole table are run after all are asked, together, one scan a table
    (``count(*) FILTER (WHERE ...)``, BATCH at a time); the rest, by a seek, each
    alone. Each alone, 222 scans took 6.9 s of the start of a recommend on a 200 MB
    bookings database; eight conditions on its 3.2 million nights took 1.7 s one scan
    each and 0.7 s together."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.done: dict[Query, int] = {}
        self.pending: dict[Query, None] = {}

    def ask(self, table: str, pairs: Pairs, bounds: Sequence[Bound] = ()) -> Query:
        """The rows of ``table`` the equalities and bounds match, counted by ``run``."""
        condition, values = _where(pairs, bounds)
        query = (table, (condition,), values)
        if query not in self.done:
            self.pending[query] = None
        return query

    def rows_of(self, subquery: str) -> Query | None:
        """The rows a list subquery yields, counted now (once a text) within LIST_SECONDS;
        None where it is correlated (it names a column outside it) or takes longer."""
        query: Query = (LIST_ROWS, (subquery,), ())
        if query in self.done:
            return query
        deadline = time.perf_counter() + LIST_SECONDS
        self.connection.set_progress_handler(lambda: time.perf_counter() > deadline, 10_000)
        try:
            self.done[query] = self.connection.execute(
                f"SELECT count(*) FROM ({subquery})").fetchone()[0]
        except sqlite3.Error:
            return None
        finally:
            self.connection.set_progress_handler(None, 0)
        return query

    def first(self, table: str, pairs: Pairs) -> Query | None:
        """Rows stored before the first one the equalities match (every row when none
        does), counted now; None where the table has no rowid."""
        condition, values = _where(pairs)
        query = (table, (FIRST_MARK, condition), values)
        if query not in self.done:
            name = quote_identifier(table)
            try:
                self.done[query] = self.connection.execute(
                    f"SELECT count(*) FROM {name} WHERE rowid < coalesce((SELECT min(rowid) "
                    f"FROM {name} WHERE {condition}), (SELECT max(rowid) + 1 FROM {name}))",
                    values).fetchone()[0]
            except sqlite3.OperationalError:  # WITHOUT ROWID
                return None
        return query

    def run(self) -> None:
        """Count every query asked for and not counted yet."""
        scans: dict[str, list[Query]] = {}
        for query in self.pending:
            if self._scans(query):
                scans.setdefault(query[0], []).append(query)
            else:
                self.done[query] = self._alone(query)
        for table, queries in scans.items():
            for start in range(0, len(queries), BATCH):
                self._together(table, queries[start:start + BATCH])
        self.pending.clear()

    def _scans(self, query: Query) -> bool:
        """Whether SQLite counts ``query`` by scanning the whole table (or an index)."""
        plan = self.connection.execute(f"EXPLAIN QUERY PLAN {_counting(query)}",
                                       query[2]).fetchall()
        return any(str(row[-1]).startswith("SCAN") for row in plan)

    def _alone(self, query: Query) -> int:
        return int(self.connection.execute(_counting(query), query[2]).fetchone()[0])

    def _together(self, table: str, queries: Sequence[Query]) -> None:
        """``queries`` of ``table`` counted in one scan (each alone where this SQLite has
        no FILTER clause, before 3.30)."""
        columns = ", ".join(f"count(*) FILTER (WHERE {q[1][0]})" for q in queries)
        try:
            row = self.connection.execute(
                f"SELECT {columns} FROM {quote_identifier(table)}",
                tuple(v for q in queries for v in q[2])).fetchone()
        except sqlite3.OperationalError:
            row = [self._alone(q) for q in queries]
        self.done.update(zip(queries, (int(n) for n in row), strict=True))


def _counting(query: Query) -> str:
    """The statement that counts ``query``'s rows alone."""
    table, (condition,), _ = query
    return f"SELECT count(*) FROM {quote_identifier(table)} WHERE {condition}"


def _where(pairs: Pairs, bounds: Sequence[Bound] = ()
           ) -> tuple[str, tuple[object, ...]]:
    """The equalities (``IS``: NULL matches NULL) and bounds ANDed, with their values; a
    column's listed values (LISTED) as one IN list."""
    terms = [f"{quote_identifier(c)} IS ?" for c, _ in pairs]
    values = [v for _, v in pairs]
    listed: dict[str, list[object]] = {}
    for column, operator, value in bounds:
        if operator == LISTED:
            listed.setdefault(column, []).append(value)
        else:
            terms.append(f"{quote_identifier(column)} {operator} ?")
            values.append(value)
    for column, items in listed.items():
        terms.append(f"{quote_identifier(column)} IN ({', '.join(['?'] * len(items))})")
        values += items
    return " AND ".join(terms), tuple(values)

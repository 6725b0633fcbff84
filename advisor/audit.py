"""Audit: the indexes a database already has, judged by what it runs ("monitor and refine").

Given a live database (only ever read: opened read-only, experiments on copies)
and, optionally, the log of what it ran, the audit finds:

1. unused indexes: no template's plan uses them;
2. redundant ones: exact duplicates, and left prefixes of a longer index that no
   template needs on its own (no estimated cost rises when the prefix goes);
3. harmful ones: a template measurably slower with the index than without it,
   replayed on copies of the database;
4. partial indexes whose WHERE no logged statement implies;
5. sqlite_stat1 missing or stale, and the templates whose plan ANALYZE changes;
6. tables that hot templates read in full;
7. the drop list, with the write time each drop saves.

Plans are SQLite's own. Today's plans come from the database itself (EXPLAIN
QUERY PLAN on the read-only connection). What-if plans (an index dropped,
statistics removed or refreshed) come from an empty in-memory copy of the
schema holding the database's sqlite_stat1 rows verbatim: SQLite's planner
reads only the schema and those rows, so the copy plans as the database does;
the two are compared for every template and any difference is reported.
advisor.whatif writes stat1 lines derived from estimates instead, which suits
hypothetical indexes but would not be the database's real statistics state.
"""

from __future__ import annotations

import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from statistics import median

from advisor.access import WriteAccess
from advisor.catalog import Catalog, Index, catalog_from_database
from advisor.costing import estimate_plan, maintenance
from advisor.digest import Digest, TemplateStats
from advisor.errors import InputError
from advisor.evaluate import index_bytes
from advisor.explain import NO_GAIN, limit_hint
from advisor.fingerprint import has_placeholders
from advisor.indexes import IndexSpec
from advisor.measure import configured_copy, replay_set
from advisor.replay import Sandbox, Tally, copy_database, time_sampled
from advisor.statistics import Statistics, from_database
from advisor.whatif import Plan, PlanStep, nulls_for
from advisor.workload import Workload

Progress = Callable[[str], None]

# sqlite_stat1 is stale for a table when its recorded row count and today's
# differ by more than this factor (either way). Tables under STALE_MIN_ROWS
# rows (both counts) are left alone: their plans hardly depend on it.
STALE_FACTOR = 2.0
STALE_MIN_ROWS = 100
# A template is hot from this share of the workload's logged time (of its
# estimated cost when the log carries no durations); a full scan matters on a
# table of at least FULL_SCAN_MIN_ROWS rows.
HOT_SHARE = 0.01
FULL_SCAN_MIN_ROWS = 1_000
# Measured with the index slower than without it by more than both: medians of
# the same statement on the same copy move by 10% and more between rounds (more
# on a loaded machine), and sub-50 µs differences are at the timer's and the
# page cache's noise level.
HARMFUL_RATIO = 1.2
HARMFUL_MIN_SECONDS = 0.05e-3
ROUNDS = 3  # alternations of (with, without) per index: a slowdown must show in each
DEFAULT_MAX_REPLAYS = 16
# A template's estimated cost "rises" without an index beyond this share
# (explain's threshold for a real difference).
COST_TOLERANCE = NO_GAIN
SQLITE_HEADER = b"SQLite format 3\x00"
PLANNED_KINDS = ("read", "write")
_PLAIN_SCAN = re.compile(r"^SCAN (\S+)$")
_INDEX_IN_STEP = re.compile(r" INDEX (.+?)(?= \(|$)")  # USING [COVERING] INDEX name (…)

Statement = tuple[str, tuple[object, ...]]  # SQL and its parameters
Timings = dict[str, tuple[str, float | None]]  # template id -> (kind, median seconds)


# ------------------------------------------------------------------ results


@dataclass(frozen=True)
class AuditedIndex:
    """An index of the database and what the workload does with it."""

    name: str
    table: str
    definition: str  # table(col, col DESC) WHERE …
    origin: str  # "c" CREATE INDEX, "pk", "u" (constraints: never dropped)
    unique: bool
    bytes: int
    bytes_measured: bool  # from dbstat; else an analytic estimate
    used_by: tuple[str, ...]  # template ids whose plan uses it today
    used_after_analyze: tuple[str, ...] | None  # None: that state was not planned
    foreign_key_writes: tuple[str, ...]  # writes whose foreign-key checks can use it


@dataclass(frozen=True)
class Unused:
    index: str
    definition: str
    bytes: int
    drop: bool  # False when it still serves something the plans do not show
    note: str | None


@dataclass(frozen=True)
class CostRise:
    """A template that gets dearer (estimated) without an index."""

    template_id: str
    count: int
    cost_with: float | None  # per execution; None when the template cannot be costed
    cost_without: float | None
    plan_without: tuple[str, ...]


@dataclass(frozen=True)
class Redundancy:
    index: str
    definition: str
    kind: str  # "duplicate", "prefix", "rowid"
    covered_by: str
    covered_definition: str
    verdict: str  # "redundant", "possibly redundant" (no log), "needed"
    templates_checked: int
    needed_by: tuple[CostRise, ...]


@dataclass(frozen=True)
class Slower:
    template_id: str
    kind: str
    count: int
    seconds_with: float  # median with every index
    seconds_without: float  # median without the one index


@dataclass(frozen=True)
class Replayed:
    """One index measured: every template on its table, with all indexes and without it."""

    index: str
    templates: int
    read_seconds_saved: float  # Σ count × (with − without) over reads: > 0, the drop helps
    write_seconds_saved: float
    uncertainty_seconds: float  # how far the two sums can move by chance (round spread)
    slower: tuple[Slower, ...]  # templates slower with the index in every round


@dataclass(frozen=True)
class Harmful:
    index: str
    definition: str
    slower: tuple[Slower, ...]
    net_seconds_saved: float  # measured: what dropping it saves, weighted by the log's counts
    uncertainty_seconds: float
    estimated_saving: float | None  # the cost model's: upkeep saved − read cost added
    fixed_by_analyze: tuple[str, ...]  # slower reads whose plan drops it after ANALYZE
    drop: bool
    note: str | None  # why it is kept


@dataclass(frozen=True)
class UnusablePartial:
    index: str
    definition: str
    where: str
    statements_checked: int
    templates_checked: int
    unchecked: int  # statements SQLite could not be asked about (rewrite failed)


@dataclass(frozen=True)
class TableStat:
    table: str
    rows_now: int | None
    rows_recorded: int | None  # sqlite_stat1's count; None when it records none
    indexes: int
    state: str  # "ok", "stale", "not analysed", "no statistics"


@dataclass(frozen=True)
class PlanChange:
    template_id: str
    sql: str
    count: int
    plan_without_stats: tuple[str, ...]
    plan_with_stats: tuple[str, ...]
    cost_without_stats: float | None  # estimated per execution, on today's data
    cost_with_stats: float | None
    analyze_changes_it: bool  # today's plan differs from the plan after ANALYZE


@dataclass(frozen=True)
class StatsFinding:
    state: str  # "missing", "stale", "fresh"
    tables: tuple[TableStat, ...]
    advice: str | None
    changes: tuple[PlanChange, ...] | None  # None without a log
    stat4: bool


@dataclass(frozen=True)
class FullScan:
    template_id: str
    sql: str
    count: int
    table: str
    rows: int
    share: float
    basis: str  # "logged time" or "estimated cost"
    plan_line: str


@dataclass(frozen=True)
class Drop:
    index: str
    table: str
    definition: str
    reasons: tuple[str, ...]
    bytes: int
    write_seconds_saved: float | None  # measured, weighted by the log's counts
    read_seconds_saved: float | None  # measured; negative: reads get slower without it
    uncertainty_seconds: float | None  # of the two measured sums
    upkeep_saved: float  # analytic, row steps
    upkeep_basis: str
    create_sql: str | None


@dataclass(frozen=True)
class Audit:
    database: str
    sqlite_version: str
    with_log: bool
    templates_planned: int
    plan_mismatches: tuple[str, ...]  # templates the schema copy plans unlike the database
    indexes: tuple[AuditedIndex, ...]
    unused: tuple[Unused, ...]
    redundant: tuple[Redundancy, ...]
    harmful: tuple[Harmful, ...]
    unusable_partial: tuple[UnusablePartial, ...]
    statistics: StatsFinding
    full_scans: tuple[FullScan, ...]
    drops: tuple[Drop, ...]
    replayed: tuple[Replayed, ...]
    not_replayed: tuple[str, ...]  # indexes worth replaying beyond --max-replays
    notes: tuple[str, ...]


# ------------------------------------------------------------------ the database


def check_database(path: str | Path) -> Path:
    """The path of a readable SQLite database file, or an InputError that says why not."""
    target = Path(path)
    if not target.exists():
        raise InputError(f"{target}: no such database file")
    if not target.is_file():
        raise InputError(f"{target}: not a file")
    try:
        with target.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise InputError(f"{target}: cannot read it ({exc.strerror})") from None
    if header != SQLITE_HEADER:
        raise InputError(f"{target}: not a SQLite database (no 'SQLite format 3' header)")
    return target


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _describe(index: Index) -> str:
    """``table(col, col DESC) WHERE …``; an expression index as its CREATE INDEX writes it
    (the catalog knows an expression column only by position)."""
    if index.sql is None or not any(c.name.startswith("<expression") for c in index.columns):
        return index.describe()
    rest = index.sql[index.sql.upper().index(" ON ") + 4:]
    return re.sub(r"\s+", " ", rest).replace(" (", "(", 1).strip()


@dataclass(frozen=True)
class _Facts:
    """What the audit reads from the database once (read-only)."""

    sqlite_version: str
    rows: dict[str, int | None]  # table (lower) -> COUNT(*) now
    stat_rows: tuple[tuple[str, str | None, str], ...] | None  # None: no sqlite_stat1
    stat4: bool
    keys: dict[str, tuple[tuple[str, bool, str], ...] | None]  # index -> (col, desc, coll)
    bytes: dict[str, int]  # index -> bytes (dbstat), where dbstat answers


def _read_facts(connection: sqlite3.Connection, catalog: Catalog) -> _Facts:
    version = connection.execute("SELECT sqlite_version()").fetchone()[0]
    rows: dict[str, int | None] = {}
    for table in catalog.tables.values():
        try:
            rows[table.name.lower()] = connection.execute(
                f"SELECT count(*) FROM {_quote(table.name)}").fetchone()[0]
        except sqlite3.Error:  # a virtual table whose module this SQLite lacks
            rows[table.name.lower()] = None
    names = {r[0] for r in connection.execute(
        "SELECT name FROM sqlite_schema WHERE name LIKE 'sqlite_stat%'")}
    stat_rows = (tuple(connection.execute("SELECT tbl, idx, stat FROM sqlite_stat1"))
                 if "sqlite_stat1" in names else None)
    keys: dict[str, tuple[tuple[str, bool, str], ...] | None] = {}
    for index in catalog.indexes:
        columns = [row for row in connection.execute(f"PRAGMA index_xinfo({_quote(index.name)})")
                   if row[5]]
        # An expression column (cid -2) has no name to compare: such an index is
        # never called a duplicate or a prefix.
        keys[index.name] = None if any(row[1] == -2 for row in columns) else tuple(
            (row[2].lower(), bool(row[3]), (row[4] or "BINARY").upper()) for row in columns)
    sizes: dict[str, int] = {}
    try:
        for index in catalog.indexes:
            found = connection.execute("SELECT sum(pgsize) FROM dbstat WHERE name = ?",
                                       (index.name,)).fetchone()[0]
            if found is not None:
                sizes[index.name] = int(found)
    except sqlite3.Error:
        pass  # no dbstat in this SQLite: sizes are estimated
    return _Facts(version, rows, stat_rows, "sqlite_stat4" in names, keys, sizes)


def _analysed(database: Path, catalog: Catalog,
              ) -> tuple[tuple[tuple[str, str | None, str], ...], Statistics]:
    """sqlite_stat1 as ``ANALYZE`` would write it today (ANALYZE run on a temporary
    copy), and the statistics it gives: rows and distinct values as they are now."""
    with tempfile.TemporaryDirectory(prefix="advisor-audit-") as folder:
        copy = Path(folder) / "analyze.db"
        copy_database(database, copy)
        connection = sqlite3.connect(copy)
        try:
            connection.execute("ANALYZE")
            connection.commit()
            rows = tuple(connection.execute("SELECT tbl, idx, stat FROM sqlite_stat1"))
        finally:
            connection.close()
        return rows, from_database(catalog, copy)


# ------------------------------------------------------------------ plans


def _explain(connection: sqlite3.Connection, statement: Statement) -> Plan:
    sql, params = statement
    try:
        rows = connection.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
    except sqlite3.Error as exc:
        return Plan((), error=str(exc))
    return Plan(tuple(PlanStep(row[0], row[1], row[3]) for row in rows))


class _Planner:
    """SQLite's planner on an empty in-memory copy of the schema holding the given
    sqlite_stat1 rows verbatim (None: no sqlite_stat1, as before any ANALYZE).
    Indexes can be taken away per question and come back with their rows."""

    def __init__(self, catalog: Catalog,
                 stat_rows: Sequence[tuple[str, str | None, str]] | None) -> None:
        # No statement cache: a cached EXPLAIN QUERY PLAN reads no table, so SQLite never
        # notices the schema changed under it and would replay the plan from before a drop.
        self._db = sqlite3.connect(":memory:", isolation_level=None, cached_statements=0)
        self.failed_ddl: list[str] = []
        for ddl in catalog.ddl:
            try:
                self._db.execute(ddl)
            except sqlite3.Error as exc:
                self.failed_ddl.append(f"{ddl.split('(', 1)[0].strip()}: {exc}")
        self._stats = stat_rows is not None
        self._rows_of: dict[str, list[tuple[str, str | None, str]]] = {}
        if stat_rows is not None:
            self._db.execute("ANALYZE")  # creates sqlite_stat1; the tables are empty
            self._db.execute("DELETE FROM sqlite_stat1")
            self._db.executemany("INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)",
                                 stat_rows)
            self._reload()
            for row in stat_rows:
                if row[1]:
                    self._rows_of.setdefault(row[1].lower(), []).append(row)
        self._create = {index.name: index.sql for index in catalog.droppable if index.sql}
        self._absent: frozenset[str] = frozenset()
        self._cache: dict[tuple[str, str, frozenset[str]], Plan] = {}

    def _reload(self) -> None:
        self._db.execute("ANALYZE sqlite_schema")  # re-reads sqlite_stat1, analyses nothing

    def plan(self, statement: Statement, without: frozenset[str] = frozenset()) -> Plan:
        key = (statement[0], repr(statement[1]), without)
        found = self._cache.get(key)
        if found is None:
            self._set_absent(without)
            found = self._cache[key] = _explain(self._db, statement)
        return found

    def _set_absent(self, without: frozenset[str]) -> None:
        if without == self._absent:
            return
        for name in self._absent - without:
            self._db.execute(self._create[name])
            if self._stats:  # DROP INDEX took its sqlite_stat1 rows with it
                self._db.executemany(
                    "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES (?, ?, ?)",
                    self._rows_of.get(name.lower(), []))
        for name in without - self._absent:
            self._db.execute(f"DROP INDEX {_quote(name)}")
        self._absent = without
        if self._stats:
            self._reload()

    def usable(self, statement: Statement, table: str, index: str) -> bool | None:
        """Whether SQLite can use ``index`` for ``table`` in the statement (INDEXED BY on
        each occurrence of the table in turn); None when the statement cannot be asked."""
        from sqlglot import exp
        from sqlglot.errors import SqlglotError

        from advisor.binding import DIALECT, Unanalysable, parse_statement

        self._set_absent(frozenset())
        try:
            tree = parse_statement(statement[0])
        except Unanalysable:
            return None
        occurrences = [node for node in tree.find_all(exp.Table)
                       if node.name.lower() == table.lower()
                       and not isinstance(node.parent, (exp.Schema, exp.Insert))]
        if not occurrences:
            return False  # the table is only written (INSERT … VALUES): nothing to seek
        asked = False
        for node in occurrences:
            node.set("indexed", exp.to_identifier(index, quoted=True))
            try:
                sql = tree.sql(dialect=DIALECT)
            except SqlglotError:
                sql = None
            node.set("indexed", None)
            if sql is None:
                continue
            plan = _explain(self._db, (sql, statement[1]))
            if plan.error is None:
                return True
            asked = asked or "no query solution" in plan.error
        return False if asked else None

    def close(self) -> None:
        self._db.close()


def _statements(stats: TemplateStats) -> list[Statement]:
    """What to plan for a template: its samples with their logged values (values decide
    whether a partial index applies), else the template with NULLs bound."""
    found: list[Statement] = []
    for sample in stats.samples:
        if not has_placeholders(sample.sql):
            found.append((sample.sql, ()))
        elif isinstance(sample.params, (list, tuple)):
            found.append((sample.sql, tuple(sample.params)))
    text = stats.template.text
    return found or [(text, nulls_for(text))]


# ------------------------------------------------------------------ the audit


class _Auditor:
    """Holds what every finding needs: catalog, facts, plans, and the workload if any."""

    def __init__(self, path: Path, catalog: Catalog, facts: _Facts, workload: Workload | None,
                 say: Progress) -> None:
        self.path = path
        self.catalog = catalog
        self.facts = facts
        self.workload = workload
        self.say = say
        self.notes: list[str] = []
        rows = {name: count for name, count in facts.rows.items() if count is not None}
        base = workload.statistics if workload else Statistics("database", (), {})
        # Costs describe the data as it is now: today's counts over stale stat1 counts.
        self.data = replace(base, table_rows={**base.table_rows, **rows})
        self.templates: dict[str, list[Statement]] = {}
        if workload is not None:
            self.templates = {
                tid: _statements(stats) for tid, stats in workload.digest.templates.items()
                if stats.template.kind in PLANNED_KINDS}
        self.stats_state = _stats_state(catalog, facts)[0]
        self.current = _Planner(catalog, facts.stat_rows)
        self.fresh: _Planner | None = None
        self.none: _Planner | None = None
        self.today: dict[str, list[Plan]] = {}
        self._indexes = {index.name: index for index in catalog.indexes}

    # -- plans

    def plan_today(self, connection: sqlite3.Connection) -> tuple[str, ...]:
        """Today's plans from the database; returns templates the copy plans otherwise."""
        mismatched = []
        for tid, statements in self.templates.items():
            plans = [_explain(connection, s) for s in statements]
            if all(p.error for p in plans):  # logged values that do not run here
                text = self.workload.digest.templates[tid].template.text  # type: ignore[union-attr]
                statements[:] = [(text, nulls_for(text))]
                plans = [_explain(connection, statements[0])]
            self.today[tid] = plans
            copied = [self.current.plan(s) for s in statements]
            if [p.lines() for p in copied] != [p.lines() for p in plans]:
                mismatched.append(tid)
        return tuple(mismatched)

    def plan_states(self) -> None:
        """Planners without statistics and with statistics as ANALYZE would write them now."""
        state = self.stats_state
        if state == "fresh":
            self.fresh = self.current
        else:
            self.say("audit: running ANALYZE on a copy to plan with fresh statistics")
            rows, measured = _analysed(self.path, self.catalog)
            self.fresh = _Planner(self.catalog, rows)
            # Without (fresh) sqlite_stat1 the estimates would take SQLite's default of
            # ten rows per key; the copy's ANALYZE measured the real spread.
            self.data = measured
        self.none = self.current if self.facts.stat_rows is None else _Planner(self.catalog,
                                                                                 None)

    def cost(self, tid: str, plan: Plan) -> float | None:
        assert self.workload is not None
        analysis = self.workload.analyses[tid]
        if not analysis.ok or plan.error:
            return None
        stats = self.workload.digest.templates[tid]
        return estimate_plan(plan, analysis.reads, self.data,
                             limit_hint(s.sql for s in stats.samples), analysis.returns).total

    def index(self, name: str) -> Index:
        return self._indexes[name]

    def count(self, tid: str) -> int:
        assert self.workload is not None
        return self.workload.digest.templates[tid].count

    def tables_of(self, tid: str) -> frozenset[str]:
        assert self.workload is not None
        analysis = self.workload.analyses[tid]
        if analysis.ok:
            return analysis.tables
        return frozenset(t.lower() for t in self.workload.digest.templates[tid].template.tables)

    def on_table(self, table: str) -> list[str]:
        return [tid for tid in self.templates if table.lower() in self.tables_of(tid)]

    def close(self) -> None:
        for planner in {id(p): p for p in (self.current, self.fresh, self.none) if p}.values():
            planner.close()

    # -- indexes

    def affected(self, index: AuditedIndex) -> set[str]:
        """Templates dropping ``index`` can change: those whose plan uses it, and writes
        that maintain it (every INSERT and DELETE on its table, an UPDATE that sets one of
        its columns); an unanalysed template on its table, to be safe."""
        assert self.workload is not None
        spec = IndexSpec.from_index(self.index(index.name))
        found = set(index.used_by)
        for tid in self.on_table(index.table):
            analysis = self.workload.analyses[tid]
            if not analysis.ok or (analysis.write is not None and maintenance(
                    analysis.write, (spec,), self.data).per_index):
                found.add(tid)
        return found

    def used_by(self, plans: dict[str, list[Plan]]) -> dict[str, set[str]]:
        """Index (lower-cased name) -> templates whose plans use it. Names are matched
        against the catalog's, so that a name with spaces in it is found whole."""
        known = {name.lower() for name in self._indexes}
        found: dict[str, set[str]] = {}
        for tid, template_plans in plans.items():
            for plan in template_plans:
                for step in plan.steps:
                    for match in _INDEX_IN_STEP.finditer(step.detail):
                        name = match.group(1).lower()
                        if name in known:
                            found.setdefault(name, set()).add(tid)
        return found

    def foreign_key_writes(self, index: Index) -> tuple[str, ...]:
        """Writes to a parent table whose foreign-key checks look up the children through
        this index (its leading columns are the child key). EXPLAIN QUERY PLAN does not
        show those lookups; they run when the application enables foreign_keys."""
        if self.workload is None:
            return ()
        table = self.catalog.table(index.table)
        leading = [c.lower() for c in index.column_names]
        found = set()
        for fk in table.foreign_keys if table else ():
            if set(leading[:len(fk.columns)]) != {c.lower() for c in fk.columns}:
                continue
            parent = self.catalog.table(fk.parent)
            key = {c.lower() for c in (fk.parent_columns or (parent.primary_key if parent
                                                                else ()))}
            for tid, analysis in self.workload.analyses.items():
                write = analysis.write
                if write is None or write.table.lower() != fk.parent.lower():
                    continue
                if write.operation in ("DELETE", "REPLACE") or key & {
                        c.lower() for c in write.columns_set}:
                    found.add(tid)
        return tuple(sorted(found))


def audit(database: str | Path, workload: Workload | None = None, measure: bool = True,
          repetitions: int = 3, statement_seconds: float = 5.0,
          max_replays: int = DEFAULT_MAX_REPLAYS, progress: Progress | None = None) -> Audit:
    """Audit the indexes of ``database`` (only read) against ``workload``, if any."""
    from advisor.database import open_read_only

    path = check_database(database)
    say = progress or (lambda _message: None)
    catalog = catalog_from_database(path)
    connection = open_read_only(path)
    try:
        try:
            facts = _read_facts(connection, catalog)
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{path}: not a readable SQLite database: {exc}") from None
        auditor = _Auditor(path, catalog, facts, workload, say)
        mismatches: tuple[str, ...] = ()
        if workload is not None:
            say(f"audit: planning {len(auditor.templates)} templates")
            mismatches = auditor.plan_today(connection)
    finally:
        connection.close()
    if auditor.current.failed_ddl:
        auditor.notes.append("the schema copy could not create: " +
                             "; ".join(auditor.current.failed_ddl))
    if workload is not None:
        auditor.plan_states()
    indexes = _audited_indexes(auditor)
    unused = _unused(auditor, indexes)
    replayed, not_replayed = ((), ())
    if workload is not None and measure:
        replayed, not_replayed = _replay(auditor, indexes, repetitions, statement_seconds,
                                         max_replays)
    harmful = _harmful(auditor, replayed, indexes)
    dropping = {u.index for u in unused if u.drop} | {h.index for h in harmful if h.drop}
    redundant = _redundant(auditor, indexes, dropping)
    statistics = _statistics(auditor)
    drops = _drops(auditor, indexes, unused, redundant, harmful, replayed)
    notes = auditor.notes
    if workload is None:
        notes.append("no log: unused, harmful and partial-index findings, full scans and the "
                     "plans ANALYZE would change need the log of what the database runs; "
                     "prefixes are only 'possibly redundant' until a log shows no template "
                     "needs them")
    elif not measure:
        notes.append("replays skipped: no harmful findings, write savings estimated")
    if not_replayed:
        notes.append(f"not replayed (over --max-replays {max_replays}): "
                     f"{', '.join(not_replayed)}")
    if facts.stat4:
        notes.append("the database has sqlite_stat4: the schema copy holds sqlite_stat1 only, "
                     "so what-if plans ignore it (plan_mismatches shows where that matters)")
    unusable = _unusable_partial(auditor, indexes)
    scans = _full_scans(auditor)
    auditor.close()
    return Audit(
        database=str(database), sqlite_version=facts.sqlite_version,
        with_log=workload is not None, templates_planned=len(auditor.today),
        plan_mismatches=mismatches, indexes=indexes, unused=unused, redundant=redundant,
        harmful=harmful, unusable_partial=unusable, statistics=statistics,
        full_scans=scans, drops=drops, replayed=replayed, not_replayed=not_replayed,
        notes=tuple(notes))


def _audited_indexes(auditor: _Auditor) -> tuple[AuditedIndex, ...]:
    today = auditor.used_by(auditor.today)
    after: dict[str, set[str]] | None = None
    if auditor.fresh is not None and auditor.fresh is not auditor.current:
        fresh = auditor.fresh
        after = auditor.used_by({tid: [fresh.plan(s) for s in statements]
                                 for tid, statements in auditor.templates.items()})
    out = []
    for index in auditor.catalog.indexes:
        spec = IndexSpec.from_index(index)
        measured = index.name in auditor.facts.bytes
        size = (auditor.facts.bytes[index.name] if measured
                else index_bytes(spec, auditor.catalog, auditor.data))
        lowered = index.name.lower()
        out.append(AuditedIndex(
            index.name, index.table, _describe(index), index.origin, index.unique, size,
            measured, tuple(sorted(today.get(lowered, ()))),
            None if after is None else tuple(sorted(after.get(lowered, ()))),
            auditor.foreign_key_writes(index)))
    return tuple(out)


def _unused(auditor: _Auditor, indexes: Iterable[AuditedIndex]) -> tuple[Unused, ...]:
    if auditor.workload is None:
        return ()
    out = []
    for index in indexes:
        if index.origin != "c" or index.used_by:
            continue
        notes = []
        if index.unique:
            notes.append("it enforces uniqueness: drop it only if that constraint is not needed")
        if index.used_after_analyze:
            notes.append(f"after ANALYZE SQLite would use it for "
                         f"{', '.join(index.used_after_analyze)}")
        if index.foreign_key_writes:
            notes.append(f"foreign-key checks of {', '.join(index.foreign_key_writes)} can use "
                         f"it (not shown in plans; when the application enables foreign_keys)")
        out.append(Unused(index.name, index.definition, index.bytes, not notes,
                          "; ".join(notes) or None))
    return tuple(out)


# ------------------------------------------------------------------ redundancy


def _where_key(where: str | None) -> str:
    """A partial index's WHERE with spacing and keyword case normalised (not literals)."""
    if not where:
        return ""
    parts = re.split(r"('(?:[^']|'')*')", where)
    return "".join(p if p.startswith("'") else re.sub(r"\s+", "", p).lower() for p in parts)


def _redundant(auditor: _Auditor, indexes: Sequence[AuditedIndex],
               dropping: set[str]) -> tuple[Redundancy, ...]:
    """Duplicates, indexes on the rowid alone, and left prefixes a longer index covers.

    Judged one after another against the final state: what is already being dropped
    (unused, harmful, earlier redundant ones) is absent, so a covering index is never
    itself dropped and two prefixes are never dropped on each other's account."""
    by_name = {index.name: index for index in indexes}
    keys = auditor.facts.keys
    order = {index.name: position for position, index in enumerate(auditor.catalog.indexes)}
    comparable = [ix for ix in auditor.catalog.indexes if keys.get(ix.name) is not None]

    def full_key(index: Index) -> tuple[object, ...]:
        return (index.table.lower(), keys[index.name], _where_key(index.where))

    def keeper_rank(index: Index) -> tuple[object, ...]:
        # Keep a constraint's index, then a unique one, one the plans use, the oldest.
        return (index.origin == "c", not index.unique, not by_name[index.name].used_by,
                order[index.name])

    out: list[Redundancy] = []
    groups: dict[tuple[object, ...], list[Index]] = {}
    for index in comparable:
        groups.setdefault(full_key(index), []).append(index)
    for group in groups.values():
        if len(group) < 2:
            continue
        keeper = min(group, key=keeper_rank)
        for index in group:
            if index is keeper or index.origin != "c":
                continue
            if index.unique and not keeper.unique:
                continue  # keeper_rank puts unique ones first; this one keeps a constraint
            dropping.add(index.name)
            out.append(Redundancy(index.name, _describe(index), "duplicate", keeper.name,
                                  _describe(keeper), "redundant", 0, ()))
    for index in comparable:
        table = auditor.catalog.table(index.table)
        key = keys[index.name]
        if (index.origin == "c" and table is not None
                and table.rowid_alias and index.where is None and key is not None
                and len(key) == 1 and key[0][0] == table.rowid_alias.lower()):
            dropping.add(index.name)
            out.append(Redundancy(index.name, _describe(index), "rowid", "rowid",
                                  f"{table.name}({table.rowid_alias}) INTEGER PRIMARY KEY",
                                  "redundant", 0, ()))
    # Longest prefixes first: a shorter one is then judged without them.
    prefixes = sorted((ix for ix in comparable if ix.origin == "c" and not ix.unique
                       and ix.name not in dropping),
                      key=lambda ix: (ix.table.lower(), -len(keys[ix.name] or ())))
    for index in prefixes:
        key = keys[index.name] or ()
        longer = sorted((other for other in comparable
                         if other is not index and other.name not in dropping
                         and other.table.lower() == index.table.lower()
                         and _where_key(other.where) == _where_key(index.where)
                         and len(keys[other.name] or ()) > len(key)
                         and (keys[other.name] or ())[:len(key)] == key),
                        key=lambda other: (len(keys[other.name] or ()), order[other.name]))
        if not longer:
            continue
        entry = _judge_prefix(auditor, index, longer[0], frozenset(dropping))
        if entry.verdict == "redundant":
            dropping.add(index.name)
        out.append(entry)
    return tuple(out)


def _judge_prefix(auditor: _Auditor, index: Index, longer: Index,
                  dropping: frozenset[str]) -> Redundancy:
    """Redundant when no template on its table gets dearer (estimated) without it, in
    today's statistics state and after ANALYZE."""
    if auditor.workload is None:
        return Redundancy(index.name, _describe(index), "prefix", longer.name,
                          _describe(longer), "possibly redundant", 0, ())
    templates = auditor.on_table(index.table)
    planners = [auditor.current]
    if auditor.fresh is not None and auditor.fresh is not auditor.current:
        planners.append(auditor.fresh)
    base = dropping
    rises: dict[str, CostRise] = {}
    for planner in planners:
        for tid in templates:
            statement = auditor.templates[tid][0]
            with_it = planner.plan(statement, base)
            without = planner.plan(statement, base | {index.name})
            if with_it.lines() == without.lines():
                continue
            cost_with, cost_without = auditor.cost(tid, with_it), auditor.cost(tid, without)
            # A changed plan that cannot be costed counts as needing the index.
            rose = (cost_with is None or cost_without is None
                    or cost_without > cost_with * (1 + COST_TOLERANCE))
            if rose and tid not in rises:
                rises[tid] = CostRise(tid, auditor.count(tid), cost_with, cost_without,
                                      tuple(without.lines()))
    needed = sorted(rises.values(), key=lambda r: -_weighted_rise(r))
    return Redundancy(index.name, _describe(index), "prefix", longer.name, _describe(longer),
                      "needed" if needed else "redundant", len(templates), tuple(needed))


def _weighted_rise(rise: CostRise) -> float:
    if rise.cost_with is None or rise.cost_without is None:
        return float("inf")
    return (rise.cost_without - rise.cost_with) * rise.count


# ------------------------------------------------------------------ replays


def _replay(auditor: _Auditor, indexes: Sequence[AuditedIndex], repetitions: int,
            statement_seconds: float, max_replays: int,
            ) -> tuple[tuple[Replayed, ...], tuple[str, ...]]:
    """Replay, with every index and without one, the templates that index can change:
    reads and writes whose plan uses it, and writes that maintain it. (Any other
    template runs the same program either way; timing it would only add noise.)
    Tested: CREATE INDEX, non-unique indexes with such templates, the most used
    first, at most ``max_replays``.

    Two copies of the database, each warmed by an untimed pass: one with every index
    (shared by the indexes of a table) and one with the index dropped; ROUNDS of
    timings alternate between them, so machine load falls on both alike. (Dropping
    inside a rolled-back savepoint on one copy would be cheaper, but the dropped
    pages then crowd the page cache and slow the "without" side.)"""
    workload = auditor.workload
    assert workload is not None
    affected = {ix.name: auditor.affected(ix) for ix in indexes
                if ix.origin == "c" and not ix.unique}
    worth = sorted((ix for ix in indexes if affected.get(ix.name)),
                   key=lambda ix: (-sum(auditor.count(t) for t in ix.used_by),
                                   -sum(auditor.count(t) for t in affected[ix.name]), ix.name))
    tested, skipped = worth[:max_replays], tuple(ix.name for ix in worth[max_replays:])
    if not tested:
        return (), skipped
    union = set().union(*(affected[ix.name] for ix in tested))
    auditor.say(f"audit: replaying {len(union)} templates with every index and without each "
                f"of {len(tested)} indexes")
    only = replace(workload, digest=Digest(templates={t: workload.digest.templates[t]
                                                      for t in union}))
    statements = replay_set(only, auditor.path, repetitions)
    if statements.without_values:
        auditor.notes.append(f"{len(statements.without_values)} templates could not be "
                             f"replayed (no values to run them with)")
    out = []
    number = 0
    for table in sorted({ix.table.lower() for ix in tested}):
        group = [ix for ix in tested if ix.table.lower() == table]
        on_table = set().union(*(affected[ix.name] for ix in group))
        with configured_copy(auditor.path, (), statement_seconds) as (every, _, _):
            time_sampled(every, [s for s in statements.statements if s[0] in on_table], 1,
                         Tally())  # warms the copy's caches, untimed
            for index in group:
                number += 1
                auditor.say(f"audit: replaying without {index.name} ({number}/{len(tested)})")
                subset = [s for s in statements.statements if s[0] in affected[index.name]]
                with configured_copy(auditor.path, (), statement_seconds) as (without, _, _):
                    dropped = without.run(f"DROP INDEX {_quote(index.name)}")
                    if dropped.status != "ok":
                        auditor.notes.append(f"{index.name}: not replayed, the copy refused "
                                             f"the drop ({dropped.detail})")
                        continue
                    time_sampled(without, subset, 1, Tally())
                    rounds = _alternate(every, without, subset, repetitions)
                out.append(_compared(auditor, index.name, *rounds))
    return tuple(out), skipped


def _alternate(every: Sandbox, without: Sandbox,
               subset: Sequence[tuple[str, str, tuple[str, ...]]], repetitions: int,
               ) -> tuple[list[Timings], list[Timings]]:
    """ROUNDS of timings on the copy with every index, then on the one without."""
    states: tuple[list[Timings], list[Timings]] = ([], [])
    for _ in range(ROUNDS):
        for position, sandbox in enumerate((every, without)):
            timings = time_sampled(sandbox, subset, repetitions, Tally())
            states[position].append({t.template_id: (t.kind, t.median_seconds)
                                     for t in timings})
    return states


def _compared(auditor: _Auditor, index: str, with_all: list[Timings],
              without: list[Timings]) -> Replayed:
    """Weighted savings of the drop (medians over the rounds) with their uncertainty,
    and the templates slower with the index in every round, beyond the thresholds."""
    saved = {"read": 0.0, "write": 0.0}
    uncertainty = 0.0
    slower = []
    measured = 0
    for tid, (kind, _) in with_all[0].items():
        rounds_with = [w[tid][1] for w in with_all]
        rounds_without = [o.get(tid, (kind, None))[1] for o in without]
        if None in rounds_with or None in rounds_without:
            continue
        a: list[float] = rounds_with  # type: ignore[assignment]
        b: list[float] = rounds_without  # type: ignore[assignment]
        measured += 1
        count = auditor.count(tid)
        saved[kind] += count * (median(a) - median(b))
        # Half the spread of repeated rounds of one state: how far a median can move
        # by chance; weighted like the savings.
        uncertainty += count * max(max(a) - min(a), max(b) - min(b)) / 2
        if min(a) > max(b) * HARMFUL_RATIO and min(a) - max(b) > HARMFUL_MIN_SECONDS:
            slower.append(Slower(tid, kind, count, median(a), median(b)))
    slower.sort(key=lambda s: -(s.seconds_with - s.seconds_without) * s.count)
    return Replayed(index, measured, saved["read"], saved["write"], uncertainty,
                    tuple(slower))


def _harmful(auditor: _Auditor, replayed: Iterable[Replayed],
             indexes: Iterable[AuditedIndex]) -> tuple[Harmful, ...]:
    """Indexes with a measurably slower template. Dropped only when the replays say the
    drop saves time beyond their uncertainty, the cost model agrees (a few replayed
    samples can miss the values that make the index pay), and ANALYZE would not by
    itself stop the planner from misusing it."""
    audited = {ix.name: ix for ix in indexes}
    out = []
    for entry in replayed:
        if not entry.slower:
            continue
        index = audited[entry.index]
        net = entry.read_seconds_saved + entry.write_seconds_saved
        estimated = _estimated_drop_saving(auditor, index)
        after = set(index.used_after_analyze or ())
        fixed = tuple(s.template_id for s in entry.slower
                      if s.kind == "read" and index.used_after_analyze is not None
                      and s.template_id not in after)
        notes = []
        if estimated is None or estimated <= 0:
            notes.append("the cost model expects the drop to cost more than it saves" if
                         estimated is not None else "the cost model cannot price the drop")
        if fixed:
            notes.append(f"after ANALYZE SQLite stops using it for {', '.join(fixed)}: run "
                         f"ANALYZE, then audit again")
        drop = net > entry.uncertainty_seconds and not notes
        if net <= entry.uncertainty_seconds:
            notes.insert(0, "the drop would not save measurable time over its table's "
                            "templates")
        out.append(Harmful(entry.index, index.definition, entry.slower, net,
                           entry.uncertainty_seconds, estimated, fixed, drop,
                           "; ".join(notes) or None))
    return tuple(out)


def _estimated_drop_saving(auditor: _Auditor, index: AuditedIndex) -> float | None:
    """The cost model's view of dropping ``index`` (today's plans and statistics): index
    upkeep saved minus read cost added, weighted by the log's counts; None if a changed
    plan cannot be priced."""
    spec = IndexSpec.from_index(auditor.index(index.name))
    saving = 0.0
    for tid in auditor.affected(index):
        analysis = auditor.workload.analyses[tid]  # type: ignore[union-attr]
        statement = auditor.templates[tid][0]
        with_it = auditor.current.plan(statement)
        without = auditor.current.plan(statement, frozenset({index.name}))
        if with_it.lines() != without.lines():
            before, after = auditor.cost(tid, with_it), auditor.cost(tid, without)
            if before is None or after is None:
                return None
            saving -= (after - before) * auditor.count(tid)
        if analysis.write is not None:
            saving += maintenance(analysis.write, (spec,), auditor.data).indexes * \
                auditor.count(tid)
    return saving


# ------------------------------------------------------------------ partial indexes


def _unusable_partial(auditor: _Auditor,
                      indexes: Iterable[AuditedIndex]) -> tuple[UnusablePartial, ...]:
    """Partial indexes no logged statement can use: SQLite refuses INDEXED BY for every
    occurrence of the table in every statement (its WHERE is implied by none)."""
    if auditor.workload is None:
        return ()
    out = []
    for audited in indexes:
        index = auditor.index(audited.name)
        if index.where is None or audited.used_by:
            continue
        templates = auditor.on_table(index.table)
        checked = unchecked = 0
        usable = False
        for tid in templates:
            for statement in auditor.templates[tid]:
                answer = auditor.current.usable(statement, index.table, index.name)
                if answer is None:
                    unchecked += 1
                    continue
                checked += 1
                usable = usable or answer
            if usable:
                break
        if not usable:
            out.append(UnusablePartial(index.name, _describe(index), index.where, checked,
                                       len(templates), unchecked))
    return tuple(out)


# ------------------------------------------------------------------ statistics


def _recorded_rows(catalog: Catalog, stat_rows: Iterable[tuple[str, str | None, str]],
                   ) -> dict[str, int]:
    """Rows per table as sqlite_stat1 records them: a table's own row, else the first
    number of a full (non-partial) index's row (a partial index counts its own rows)."""
    partial = {ix.name.lower() for ix in catalog.indexes if ix.where}
    found: dict[str, int] = {}
    for table, index, stat in stat_rows:
        first = stat.split()[0] if stat else ""
        if not first.isdigit() or (index and index.lower() in partial):
            continue
        if index is None:
            found[table.lower()] = int(first)
        else:
            found.setdefault(table.lower(), int(first))
    return found


def _stats_state(catalog: Catalog, facts: _Facts) -> tuple[str, tuple[TableStat, ...]]:
    recorded = _recorded_rows(catalog, facts.stat_rows or ())
    has_stats = bool(facts.stat_rows)
    tables = []
    for table in catalog.tables.values():
        name = table.name.lower()
        now = facts.rows.get(name)
        then = recorded.get(name)
        count = len(catalog.indexes_on(table.name))
        if not has_stats:
            state = "no statistics" if count and (now or 0) >= STALE_MIN_ROWS else "ok"
        elif then is None:
            state = "not analysed" if count and (now or 0) >= STALE_MIN_ROWS else "ok"
        elif now is not None and max(now, then) >= STALE_MIN_ROWS and (
                max(now, then) > STALE_FACTOR * max(min(now, then), 1)):
            state = "stale"
        else:
            state = "ok"
        tables.append(TableStat(table.name, now, then, count, state))
    if not has_stats:
        overall = "missing"
    elif any(t.state != "ok" for t in tables):
        overall = "stale"
    else:
        overall = "fresh"
    return overall, tuple(tables)


def _statistics(auditor: _Auditor) -> StatsFinding:
    state, tables = _stats_state(auditor.catalog, auditor.facts)
    lagging = [t.table for t in tables if t.state in ("stale", "not analysed")]
    advice = None
    if state == "missing" and any(t.state == "no statistics" for t in tables):
        advice = ("run ANALYZE; once (SQLite then plans from the real sizes instead of "
                  "assuming about a million rows per table and ten per key), then keep it "
                  "current with PRAGMA optimize; before long-lived connections close")
    elif state == "stale":
        advice = (f"run ANALYZE; (or ANALYZE on {', '.join(lagging)}): sqlite_stat1 no longer "
                  f"matches the data; PRAGMA optimize; (PRAGMA optimize=0x10002; at connection "
                  f"open, which also checks tables the connection has not used) keeps it current")
    changes = None
    if auditor.workload is not None and auditor.fresh is not None and auditor.none is not None:
        found = []
        for tid, statements in auditor.templates.items():
            statement = statements[0]
            without = auditor.none.plan(statement)
            with_stats = auditor.fresh.plan(statement)
            current = auditor.current.plan(statement)
            if without.lines() == with_stats.lines() and current.lines() == with_stats.lines():
                continue
            found.append(PlanChange(
                tid, auditor.workload.digest.templates[tid].template.text, auditor.count(tid),
                tuple(without.lines()), tuple(with_stats.lines()), auditor.cost(tid, without),
                auditor.cost(tid, with_stats), current.lines() != with_stats.lines()))
        found.sort(key=lambda c: -max(c.cost_without_stats or 0, c.cost_with_stats or 0)
                   * c.count)
        changes = tuple(found)
    return StatsFinding(state, tables, advice, changes, auditor.facts.stat4)


# ------------------------------------------------------------------ full scans


def _full_scans(auditor: _Auditor) -> tuple[FullScan, ...]:
    """Plain SCANs (no index) of large tables by templates with a hot share of the time."""
    workload = auditor.workload
    if workload is None:
        return ()
    digest = workload.digest
    timed = digest.total_ns > 0
    weights: dict[str, float] = {}
    for tid, plans in auditor.today.items():
        if timed:
            weights[tid] = float(digest.templates[tid].total_ns)
        else:
            cost = auditor.cost(tid, plans[0])
            weights[tid] = (cost or 0.0) * auditor.count(tid)
    total = sum(weights.values()) if not timed else float(digest.total_ns)
    out = []
    for tid, plans in auditor.today.items():
        share = weights[tid] / total if total else 0.0
        if share < HOT_SHARE:
            continue
        aliases = {a.alias.lower(): a.table for a in workload.analyses[tid].reads}
        for step in plans[0].steps:
            match = _PLAIN_SCAN.match(step.detail)
            if not match:
                continue
            name = match.group(1)
            table = aliases.get(name.lower()) or (name if auditor.catalog.table(name) else None)
            rows = auditor.facts.rows.get(table.lower()) if table else None
            if table is None or rows is None or rows < FULL_SCAN_MIN_ROWS:
                continue
            out.append(FullScan(tid, digest.templates[tid].template.text, auditor.count(tid),
                                table, rows, share, "logged time" if timed else "estimated cost",
                                step.detail))
    out.sort(key=lambda f: -f.share)
    return tuple(out)


# ------------------------------------------------------------------ drops


def _drops(auditor: _Auditor, indexes: Iterable[AuditedIndex], unused: Iterable[Unused],
           redundant: Iterable[Redundancy], harmful: Iterable[Harmful],
           replayed: Iterable[Replayed]) -> tuple[Drop, ...]:
    reasons: dict[str, list[str]] = {}
    for entry in unused:
        if entry.drop:
            reasons.setdefault(entry.index, []).append("unused: no logged template's plan "
                                                       "uses it")
    for r in redundant:
        if r.verdict != "redundant":
            continue
        if r.kind == "duplicate":
            text = f"duplicate of {r.covered_by}"
        elif r.kind == "rowid":
            text = "indexes the rowid alone: the table's INTEGER PRIMARY KEY already does"
        else:
            text = (f"prefix of {r.covered_by}: no template's estimated cost rises without "
                    f"it ({r.templates_checked} on its table checked)")
        reasons.setdefault(r.index, []).append(text)
    for h in harmful:
        if h.drop:
            worst = h.slower[0]
            reasons.setdefault(h.index, []).append(
                f"harmful: {worst.template_id} runs {worst.seconds_with * 1000:.3f} ms with it, "
                f"{worst.seconds_without * 1000:.3f} ms without")
    measured = {r.index: r for r in replayed}
    bytes_of = {ix.name: ix.bytes for ix in indexes}
    out = []
    for name, why in reasons.items():
        index = auditor.index(name)
        upkeep, basis = _upkeep(auditor, index)
        replay = measured.get(name)
        out.append(Drop(name, index.table, _describe(index), tuple(why), bytes_of[name],
                        replay.write_seconds_saved if replay else None,
                        replay.read_seconds_saved if replay else None,
                        replay.uncertainty_seconds if replay else None, upkeep, basis,
                        index.sql))
    out.sort(key=lambda d: (d.table, d.index))
    return tuple(out)


def _upkeep(auditor: _Auditor, index: Index) -> tuple[float, str]:
    """The cost model's index upkeep: over the log's writes weighted by their counts, or,
    without a log, for one row inserted or deleted."""
    spec = IndexSpec.from_index(index)
    if auditor.workload is None:
        one = maintenance(WriteAccess(index.table, "INSERT"), (spec,), auditor.data)
        return one.indexes, "row steps per row inserted or deleted (estimated, no log)"
    total = 0.0
    for tid, analysis in auditor.workload.analyses.items():
        write = analysis.write
        if write is not None and analysis.ok and tid in auditor.templates:
            total += maintenance(write, (spec,), auditor.data).indexes * auditor.count(tid)
    return total, "row steps over the log's writes (estimated)"

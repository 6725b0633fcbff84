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

Plans are SQLite's own: today's from the database itself, what-ifs from a
schema copy holding its sqlite_stat1 rows verbatim (advisor.review.audit.plans, which
also holds the ``Auditor`` every finding reads). Harmful indexes are measured,
not estimated: replays on copies of the database (advisor.review.audit.replay). This
module turns those into findings and the ``Audit`` result.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from advisor.advise.explain import NO_GAIN
from advisor.analysis.workload import Workload
from advisor.catalog.schema import Catalog, Index, catalog_from_database
from advisor.costing.estimate import maintenance
from advisor.costing.sizes import index_bytes
from advisor.model.access import WriteAccess
from advisor.model.errors import InputError
from advisor.model.reasons import Decision, Reason
from advisor.review.audit.plans import Auditor, DatabaseFacts, Progress, read_facts
from advisor.review.audit.replay import (
    DEFAULT_MAX_REPLAYS,
    Harmful,
    Replayed,
    judge_harmful,
    replay,
)

# Re-exported: the report and the tests read every threshold and result from this module.
from advisor.review.audit.replay import HARMFUL_MIN_SECONDS as HARMFUL_MIN_SECONDS
from advisor.review.audit.replay import HARMFUL_RATIO as HARMFUL_RATIO
from advisor.review.audit.replay import ROUNDS as ROUNDS
from advisor.review.audit.replay import Slower as Slower

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
# A template's estimated cost "rises" without an index beyond this share
# (explain's threshold for a real difference).
COST_TOLERANCE = NO_GAIN
SQLITE_HEADER = b"SQLite format 3\x00"
# A pass over every row: no index, or a covering index read end to end (still every
# entry: Torc's hottest query scanned job_blocked_by's key that way).
_PLAIN_SCAN = re.compile(r"^SCAN (\S+)(?: USING COVERING INDEX \S+)?$")


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
    reasons: tuple[Decision, ...]  # UNUSED, DUPLICATE, SERVED_BY_ROWID, PREFIX, HARMFUL
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


def _describe(index: Index) -> str:
    """``table(col, col DESC) WHERE …``; an expression index as its CREATE INDEX writes it
    (the catalog knows an expression column only by position)."""
    if index.sql is None or not any(c.name.startswith("<expression") for c in index.columns):
        return index.describe()
    rest = index.sql[index.sql.upper().index(" ON ") + 4:]
    return re.sub(r"\s+", " ", rest).replace(" (", "(", 1).strip()


# ------------------------------------------------------------------ the audit


def audit(database: str | Path, workload: Workload | None = None, measure: bool = True,
          repetitions: int = 3, statement_seconds: float = 5.0,
          max_replays: int = DEFAULT_MAX_REPLAYS, progress: Progress | None = None) -> Audit:
    """Audit the indexes of ``database`` (only read) against ``workload``, if any."""
    from advisor.catalog.database import open_read_only

    path = check_database(database)
    say = progress or (lambda _message: None)
    catalog = catalog_from_database(path)
    connection = open_read_only(path)
    try:
        try:
            facts = read_facts(connection, catalog)
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{path}: not a readable SQLite database: {exc}") from None
        auditor = Auditor(path, catalog, facts, workload, say)
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
        auditor.plan_states(_stats_state(catalog, facts)[0] == "fresh")
    indexes = _audited_indexes(auditor)
    unused = _unused(auditor, indexes)
    replayed, not_replayed = ((), ())
    if workload is not None and measure:
        replayed, not_replayed = replay(auditor, indexes, repetitions, statement_seconds,
                                        max_replays)
    harmful = judge_harmful(auditor, replayed, indexes)
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


def _audited_indexes(auditor: Auditor) -> tuple[AuditedIndex, ...]:
    today = auditor.used_by(auditor.today)
    after: dict[str, set[str]] | None = None
    if auditor.fresh is not None and auditor.fresh is not auditor.current:
        fresh = auditor.fresh
        after = auditor.used_by({tid: [fresh.plan(s) for s in statements]
                                 for tid, statements in auditor.templates.items()})
    out = []
    for index in auditor.catalog.indexes:
        spec = index.spec
        measured = index.name in auditor.facts.bytes
        size = (auditor.facts.bytes[index.name] if measured
                else index_bytes(spec, auditor.catalog, auditor.data))
        lowered = index.name.lower()
        out.append(AuditedIndex(
            index.name, index.table, _describe(index), index.origin, index.unique, size,
            measured, tuple(sorted(today.get(lowered, ()))),
            None if after is None else tuple(sorted(after.get(lowered, ()))),
            _foreign_key_writes(auditor, index)))
    return tuple(out)


def _foreign_key_writes(auditor: Auditor, index: Index) -> tuple[str, ...]:
    """Writes to a parent table whose foreign-key checks look up the children through
    this index (its leading columns are the child key). EXPLAIN QUERY PLAN does not
    show those lookups; they run when the application enables foreign_keys."""
    if auditor.workload is None:
        return ()
    table = auditor.catalog.table(index.table)
    leading = [c.lower() for c in index.column_names]
    found = set()
    for fk in table.foreign_keys if table else ():
        if set(leading[:len(fk.columns)]) != {c.lower() for c in fk.columns}:
            continue
        parent = auditor.catalog.table(fk.parent)
        key = {c.lower() for c in (fk.parent_columns or (parent.primary_key if parent
                                                            else ()))}
        for tid, analysis in auditor.workload.analyses.items():
            write = analysis.write
            if write is None or write.table.lower() != fk.parent.lower():
                continue
            if write.operation in ("DELETE", "REPLACE") or key & {
                    c.lower() for c in write.columns_set}:
                found.add(tid)
    return tuple(sorted(found))


def _unused(auditor: Auditor, indexes: Iterable[AuditedIndex]) -> tuple[Unused, ...]:
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


def _redundant(auditor: Auditor, indexes: Sequence[AuditedIndex],
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


def _judge_prefix(auditor: Auditor, index: Index, longer: Index,
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


# ------------------------------------------------------------------ partial indexes


def _unusable_partial(auditor: Auditor,
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


def _stats_state(catalog: Catalog, facts: DatabaseFacts) -> tuple[str, tuple[TableStat, ...]]:
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


def _statistics(auditor: Auditor) -> StatsFinding:
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


def _full_scans(auditor: Auditor) -> tuple[FullScan, ...]:
    """Full SCANs (no index, or a covering index end to end) of large tables by templates
    with a hot share of the time."""
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


def _drops(auditor: Auditor, indexes: Iterable[AuditedIndex], unused: Iterable[Unused],
           redundant: Iterable[Redundancy], harmful: Iterable[Harmful],
           replayed: Iterable[Replayed]) -> tuple[Drop, ...]:
    reasons: dict[str, list[Decision]] = {}
    for entry in unused:
        if entry.drop:
            reasons.setdefault(entry.index, []).append(Decision.of(Reason.UNUSED))
    for r in redundant:
        if r.verdict != "redundant":
            continue
        if r.kind == "duplicate":
            why = Decision.of(Reason.DUPLICATE, other=r.covered_by)
        elif r.kind == "rowid":
            table = auditor.catalog.table(auditor.index(r.index).table)
            assert table is not None and table.rowid_alias  # what made it a rowid finding
            why = Decision.of(Reason.SERVED_BY_ROWID, table=table.name, column=table.rowid_alias)
        else:
            why = Decision.of(Reason.PREFIX, longer=r.covered_by)
        reasons.setdefault(r.index, []).append(why)
    for h in harmful:
        if h.drop:
            worst = h.slower[0]
            reasons.setdefault(h.index, []).append(Decision.of(
                Reason.HARMFUL, template=worst.template_id, ms_with=worst.seconds_with * 1000,
                ms_without=worst.seconds_without * 1000))
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


def _upkeep(auditor: Auditor, index: Index) -> tuple[float, str]:
    """The cost model's index upkeep: over the log's writes weighted by their counts, or,
    without a log, for one row inserted or deleted."""
    spec = index.spec
    if auditor.workload is None:
        one = maintenance(WriteAccess(index.table, "INSERT"), (spec,), auditor.data)
        return one.indexes, "row steps per row inserted or deleted (estimated, no log)"
    total = 0.0
    for tid, analysis in auditor.workload.analyses.items():
        write = analysis.write
        if write is not None and analysis.ok and tid in auditor.templates:
            total += maintenance(write, (spec,), auditor.data).indexes * auditor.count(tid)
    return total, "row steps over the log's writes (estimated)"

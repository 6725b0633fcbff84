"""What-if plans are SQLite's own: equal to a real database's with the same stats and index."""

from __future__ import annotations

import sqlite3

import pytest
from torc import CLAIM, TORC

from advisor.catalog.index_lists import read_index
from advisor.catalog.profile import load_profile
from advisor.catalog.schema import catalog_from_sql, load_catalog
from advisor.catalog.statistics import Statistics, defaults, from_profile
from advisor.model.indexes import IndexSpec
from advisor.whatif.planner import WhatIf

# (statement, tables it touches, candidate indexes)
CASES = [
    ("SELECT * FROM job WHERE workflow_id = ? AND status = ?", ["job"],
     ["job(workflow_id)", "job(workflow_id, status)"]),
    ("SELECT * FROM job WHERE workflow_id = ? AND status = ?", ["job"], ["job(status)"]),
    ("SELECT job_id FROM job_blocked_by WHERE blocked_by_job_id = ?", ["job_blocked_by"],
     ["job_blocked_by(blocked_by_job_id)"]),
    ("SELECT status, count(*) FROM job WHERE workflow_id = ? GROUP BY status", ["job"],
     ["job(workflow_id, status)"]),
    (CLAIM, ["ready_queue", "resource_requirements", "job"],
     ["resource_requirements(num_gpus, runtime_s, memory_bytes)"]),
    (CLAIM, ["ready_queue", "resource_requirements", "job"],
     ["ready_queue(workflow_id, resource_requirements_id)"]),
    ("SELECT * FROM result WHERE workflow_id = ? AND run_id = ?", ["result"],
     ["result(workflow_id)", "result(workflow_id, run_id)"]),
    ("UPDATE job SET status = ? WHERE workflow_id = ? AND status = ?", ["job"],
     ["job(workflow_id, status)"]),
]


@pytest.fixture(scope="module")
def torc_statistics() -> tuple:
    catalog = load_catalog(TORC / "schema.sql")
    return catalog, from_profile(catalog, load_profile(TORC / "profile.toml"))


def _real_plan(catalog, statistics: Statistics, indexes: list[IndexSpec], sql: str) -> list[str]:
    """A database that really has the schema, the indexes and the same sqlite_stat1."""
    db = sqlite3.connect(":memory:")
    for ddl in catalog.ddl:
        db.execute(ddl)
    for number, spec in enumerate(indexes):
        db.execute(spec.create_sql(f"real_{number}"))
    if statistics.planner_has_stats:
        db.execute("ANALYZE")
        db.execute("DELETE FROM sqlite_stat1")
        for table in catalog.tables.values():
            db.execute("INSERT INTO sqlite_stat1 VALUES (?, NULL, ?)",
                       (table.name, str(statistics.rows(table.name))))
        for index in catalog.indexes:
            db.execute("INSERT INTO sqlite_stat1 VALUES (?, ?, ?)", (
                index.table, index.name,
                statistics.stat1_line(index.table, index.column_names, index.unique)))
        for number, spec in enumerate(indexes):
            db.execute("INSERT INTO sqlite_stat1 VALUES (?, ?, ?)", (
                spec.table, f"real_{number}", statistics.stat1_line(spec.table,
                                                                     spec.column_names)))
        db.execute("ANALYZE sqlite_schema")
    rows = db.execute(f"EXPLAIN QUERY PLAN {sql}", (None,) * sql.count("?")).fetchall()
    db.close()
    return [row[3] for row in rows]


def _normalise(details: list[str], names: dict[str, str]) -> list[str]:
    out = []
    for detail in details:
        for name, label in names.items():
            detail = detail.replace(f"INDEX {name} ", f"INDEX {label} ").replace(
                f"INDEX {name}", f"INDEX {label}")
        out.append(detail)
    return out


@pytest.mark.parametrize("with_profile", [True, False], ids=["profile-stats", "no-stats"])
@pytest.mark.parametrize(("sql", "tables", "config"), CASES)
def test_whatif_plan_equals_real_database_plan(torc_statistics, with_profile: bool, sql: str,
                                               tables: list[str], config: list[str]) -> None:
    catalog, profile_stats = torc_statistics
    statistics = profile_stats if with_profile else defaults(catalog)
    specs = [read_index(text, catalog) for text in config]
    with WhatIf(catalog, statistics) as whatif:
        # Plan other configurations first so the comparison also covers reuse.
        whatif.plan(sql, tables, [])
        plan = whatif.plan(sql, tables, specs)
        hypothetical = {whatif.hypothetical_name(spec): f"I{n}" for n, spec in enumerate(specs)}
    real = {f"real_{n}": f"I{n}" for n in range(len(specs))}
    assert plan.error is None
    assert _normalise([s.detail for s in plan.steps], hypothetical) == _normalise(
        _real_plan(catalog, statistics, specs, sql), real)


def test_plans_are_cached_by_the_indexes_on_touched_tables(torc_statistics) -> None:
    catalog, statistics = torc_statistics
    sql = "SELECT * FROM job WHERE workflow_id = ?"
    on_job = read_index("job(workflow_id)", catalog)
    elsewhere = read_index("event(workflow_id)", catalog)
    with WhatIf(catalog, statistics) as whatif:
        first = whatif.plan(sql, ["job"], [on_job])
        second = whatif.plan(sql, ["job"], [on_job, elsewhere])  # event is not touched: a hit
        third = whatif.plan(sql, ["job"], [])
        counters = whatif.counters
    assert first == second
    assert "INDEX" in first.text() and "INDEX" not in third.text()
    assert (counters.calls, counters.hits) == (3, 1)


def test_unplannable_statement_reports_sqlite_error(torc_statistics) -> None:
    catalog, statistics = torc_statistics
    with WhatIf(catalog, statistics) as whatif:
        plan = whatif.plan("SELECT nope FROM job", ["job"])
    assert plan.error is not None and "nope" in plan.error


def test_a_planner_is_closed_when_its_with_block_ends(torc_statistics) -> None:
    catalog, statistics = torc_statistics
    with WhatIf(catalog, statistics) as whatif:
        assert whatif.plan("SELECT * FROM job", ["job"]).error is None
    after = whatif.plan("SELECT * FROM event", ["event"])
    assert after.error is not None and "closed database" in after.error


def test_a_dropped_hypothetical_index_leaves_the_plan_without_statistics() -> None:
    """Without sqlite_stat1 nothing reloads the schema: a cached EXPLAIN statement
    replayed the plan from before the drop."""
    catalog = catalog_from_sql([("s", "CREATE TABLE t (id INTEGER PRIMARY KEY, a, b)")], "s")
    sql = "SELECT * FROM t WHERE a = ?"
    with WhatIf(catalog, defaults(catalog)) as whatif:
        with_index = whatif.plan(sql, ["t"], [read_index("t(a)", catalog)])
        assert "USING INDEX" in with_index.steps[0].detail
        assert whatif.plan(sql, ["t"], []).steps[0].detail == "SCAN t"


def test_indexes_on_tables_a_statement_does_not_touch_stay_built(torc_statistics) -> None:
    """The search asks for one configuration template by template: another table's
    template does not make the planner drop and build this table's indexes again."""
    catalog, statistics = torc_statistics
    on_job = read_index("job(workflow_id)", catalog)
    on_event = read_index("event(workflow_id)", catalog)
    jobs = "SELECT * FROM job WHERE workflow_id = ?"
    events = "SELECT * FROM event WHERE workflow_id = ?"
    with WhatIf(catalog, statistics) as whatif:
        first = whatif.plan(jobs, ["job"], [on_job, on_event])
        whatif.plan(events, ["event"], [on_job, on_event])
        whatif.plan(jobs, ["job"], [on_job])  # a miss (another key), nothing to build
        assert whatif.counters.builds == 2
        assert whatif.plan(events, ["event"], []).text() == "SCAN event"
    assert on_job.name in first.text()


def test_with_a_view_only_the_configurations_indexes_exist() -> None:
    """A view reads tables its caller's text does not name: an index left built on
    another table would change its plan, so none is."""
    catalog = catalog_from_sql([("s", "CREATE TABLE t (id INTEGER PRIMARY KEY, a, b);\n"
                                      "CREATE TABLE u (id INTEGER PRIMARY KEY, c);\n"
                                      "CREATE VIEW v AS SELECT b FROM t WHERE a = 1")], "s")
    on_a = read_index("t(a)", catalog)
    with WhatIf(catalog, defaults(catalog)) as whatif:
        assert on_a.name in whatif.plan("SELECT b FROM t WHERE a = ?", ["t"], [on_a]).text()
        through_view = whatif.plan("SELECT * FROM v, u", ["u"], [on_a])
    assert on_a.name not in through_view.text()


def test_a_value_the_log_always_shows_is_planned_as_the_literal_the_replay_runs(
        torc_statistics) -> None:
    """SQLite's planner reads a literal where it cannot read a bound value: ``status = 1``
    (a flag-like integer) is taken to keep half a table's rows, ``status = ?`` a quarter.
    Torc's unblocking walk, after ANALYZE, is planned from job_blocked_by with the one
    and from job with the other; the replay runs the log's text, the literal."""
    catalog, statistics = torc_statistics
    template = ("SELECT jbb.job_id FROM job_blocked_by jbb JOIN job j ON jbb.job_id = j.id "
                "WHERE jbb.blocked_by_job_id = ? AND jbb.workflow_id = ? AND j.status = ?")
    logged = template.removesuffix("?") + "1"
    tables = ["job_blocked_by", "job"]
    with WhatIf(catalog, statistics) as whatif:
        unbound = [step.detail for step in whatif.plan(template, tables).steps]
        bound = [step.detail for step in whatif.plan(template, tables, bound=[(2, 1)]).steps]
    assert bound == _real_plan(catalog, statistics, [], logged)
    assert bound != unbound  # else the case shows nothing

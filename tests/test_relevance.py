"""Which hypothetical indexes the planner could use for a statement; plans keyed by them
are the plans of the whole configuration, whatever the planner was asked before."""

from __future__ import annotations

import random

import pytest
from torc import TORC

from advisor.catalog.index_lists import read_index
from advisor.catalog.profile import load_profile
from advisor.catalog.schema import catalog_from_sql, load_catalog
from advisor.catalog.statistics import defaults, from_profile
from advisor.whatif.planner import WhatIf
from advisor.whatif.relevance import Relevance

SCHEMA = """
CREATE TABLE t (id INTEGER PRIMARY KEY, a INT, b INT, c TEXT);
CREATE TABLE k (x INT, y INT, z INT, PRIMARY KEY (x, y)) WITHOUT ROWID;
"""


@pytest.fixture(scope="module")
def relevance() -> Relevance:
    return Relevance(catalog_from_sql([("s", SCHEMA)], "s"))


@pytest.mark.parametrize(("sql", "kept"), [
    ("SELECT c FROM t WHERE a = ?", {"t(a)", "t(c)"}),  # seeks on a; covers with c
    ("SELECT count(*) FROM t", {"t(a)", "t(b)", "t(c)"}),  # any index covers
    ("SELECT id FROM t WHERE id > ?", {"t(a)", "t(b)", "t(c)"}),  # the rowid: all hold it
    ("SELECT * FROM t WHERE a = ?", {"t(a)", "t(b)", "t(c)"}),  # every column
    ("SELECT t.* FROM t WHERE a = ?", {"t(a)", "t(b)", "t(c)"}),
    ("SELECT a * b FROM t", {"t(a)", "t(b)"}),  # a product, not every column
    ("SELECT \"b\" FROM t ORDER BY a", {"t(a)", "t(b)"}),
    ("SELECT c FROM t NATURAL JOIN k", {"t(a)", "t(b)", "t(c)"}),
    ("UPDATE t SET c = ? WHERE b = ?", {"t(b)", "t(c)"}),
])
def test_an_index_naming_nothing_the_statement_names_is_of_no_use(
        relevance: Relevance, sql: str, kept: set[str]) -> None:
    catalog = relevance.catalog
    given = [read_index(text, catalog) for text in ("t(a)", "t(b)", "t(c)")]
    assert {str(spec) for spec in relevance.usable(sql, given)} == kept


def test_a_without_rowid_tables_key_is_in_every_index(relevance: Relevance) -> None:
    on_z = read_index("k(z)", relevance.catalog)
    assert relevance.usable("SELECT y FROM k WHERE x = ?", [on_z]) == {on_z}
    assert relevance.usable("SELECT y FROM k WHERE x = ? AND y > 3", [on_z]) == {on_z}
    on_y = read_index("k(y)", relevance.catalog)
    assert relevance.usable("SELECT z FROM k WHERE x = ?", [on_y]) == frozenset()


def test_a_partial_index_is_kept(relevance: Relevance) -> None:
    partial = read_index("t(b) WHERE c IS NULL", relevance.catalog)
    assert relevance.usable("SELECT a FROM t WHERE a = ?", [partial]) == {partial}


STATEMENTS = [
    ("SELECT * FROM job WHERE workflow_id = ? AND status = ?", ["job"]),
    ("SELECT id FROM job WHERE workflow_id = ? AND status = ? ORDER BY id", ["job"]),
    ("SELECT count(*) FROM job WHERE workflow_id = ?", ["job"]),
    ("SELECT j.id FROM job j JOIN job_blocked_by b ON b.job_id = j.id "
     "WHERE b.blocked_by_job_id = ? AND j.status = ?", ["job", "job_blocked_by"]),
    ("SELECT job_id FROM job_blocked_by WHERE workflow_id = ?", ["job_blocked_by"]),
]
INDEXES = ["job(workflow_id)", "job(workflow_id, status)", "job(status)",
           "job(status, workflow_id)", "job(workflow_id, id)", "job(name)",
           "job_blocked_by(blocked_by_job_id)", "job_blocked_by(workflow_id)",
           "job_blocked_by(workflow_id, job_id)", "job_blocked_by(job_id)"]


@pytest.mark.parametrize("with_profile", [True, False], ids=["profile-stats", "no-stats"])
def test_plans_do_not_depend_on_what_was_asked_before(with_profile: bool) -> None:
    """Keyed by the usable indexes and built in index order, a plan is the one a fresh
    planner gives the whole configuration (SQLite breaks ties by build order)."""
    catalog = load_catalog(TORC / "schema.sql")
    statistics = (from_profile(catalog, load_profile(TORC / "profile.toml")) if with_profile
                  else defaults(catalog))
    specs = [read_index(text, catalog) for text in INDEXES]
    draw = random.Random(11)
    asks = [(sql, tables, draw.sample(specs, draw.randint(0, 5)))
            for _ in range(60) for sql, tables in [draw.choice(STATEMENTS)]]
    with WhatIf(catalog, statistics) as asked_before:
        seen = [asked_before.plan(sql, tables, config).text() for sql, tables, config in asks]
        assert asked_before.counters.hits > 0
    for (sql, tables, config), plan in zip(asks, seen, strict=True):
        with WhatIf(catalog, statistics) as fresh:
            assert fresh.plan(sql, tables, config).text() == plan

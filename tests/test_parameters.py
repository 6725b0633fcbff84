"""Parameters drawn from the database: replayed statements hit real rows."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from advisor.catalog.schema import catalog_from_database
from advisor.digest.fingerprint import canonicalize
from advisor.replay.parameters import ParameterSource, Prepared, fill_samples, prepare

SCHEMA = """
CREATE TABLE workflow (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE job (
    id INTEGER PRIMARY KEY,
    workflow_id INTEGER NOT NULL REFERENCES workflow(id),
    status INTEGER NOT NULL,
    label TEXT
);
"""


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "app.db"
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    db.executemany("INSERT INTO workflow (id, name) VALUES (?, ?)",
                   [(w, f"wf-{w}") for w in range(100, 110)])
    # workflow w holds jobs of status w % 3 only: a random pair of values rarely agrees.
    db.executemany("INSERT INTO job (workflow_id, status, label) VALUES (?, ?, ?)",
                   [(100 + i % 10, (100 + i % 10) % 3, f"it's {i}") for i in range(2000)])
    db.commit()
    db.close()
    return path


@pytest.fixture
def source(database: Path) -> ParameterSource:
    connection = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)
    yield ParameterSource(connection, catalog_from_database(database), seed=7)
    connection.close()


def fill(source: ParameterSource, sql: str, rows: float | None = None, sample: int = 0) -> str:
    filled = source.fill(canonicalize(sql).id, sql, random.Random(sample), rows)
    assert filled is not None
    return filled


def rows(source: ParameterSource, sql: str) -> list[tuple]:
    return source.connection.execute(sql).fetchall()


def test_logged_values_that_hit_rows_are_kept(source: ParameterSource) -> None:
    sql = "SELECT * FROM job WHERE workflow_id = 101 AND status = 2"
    assert fill(source, sql) == sql
    assert source.tally.kept == 1 and source.tally.replaced == 0


def test_ids_the_database_lacks_are_replaced_by_ones_it_has(source: ParameterSource) -> None:
    sql = "SELECT * FROM job WHERE workflow_id = 40 AND status = 1 ORDER BY id LIMIT 5"
    filled = fill(source, sql)
    assert filled != sql and rows(source, filled)
    assert canonicalize(filled).id == canonicalize(sql).id
    assert source.tally.replaced == 1


def test_a_logged_value_the_database_has_stays_beside_an_id_it_lacks(
        source: ParameterSource) -> None:
    """Workflow 40 names no row; status 1 is kept, and the workflow drawn from a job of
    that status (the statement still asks for what the log asked: a partial index on
    status = 1 serves it replayed as it served the server)."""
    sql = "SELECT * FROM job WHERE workflow_id = 40 AND status = 1"
    for sample in range(10):
        filled = fill(source, sql, sample=sample)
        assert filled.endswith("status = 1") and "workflow_id = 40" not in filled
        assert rows(source, filled), filled
    assert source.tally.replaced == 10


def test_equality_values_on_one_table_come_from_one_row(source: ParameterSource) -> None:
    # Independent draws would pair a workflow with a status it never has, 2 times in 3.
    sql = "SELECT count(*) FROM job j WHERE j.workflow_id = ? AND j.status = :status"
    for sample in range(20):
        filled = fill(source, sql, sample=sample)
        assert rows(source, filled)[0][0] > 0, filled
    assert source.tally.drawn == 20


def test_numbered_and_named_placeholders_are_filled_but_strings_left_alone(
        source: ParameterSource) -> None:
    sql = "SELECT * FROM job WHERE label <> 'a ? :b' AND workflow_id = ?1 AND id > ?2"
    filled = fill(source, sql)
    assert "'a ? :b'" in filled and "?1" not in filled and "?2" not in filled
    assert rows(source, filled)


def test_limit_follows_the_logs_rows_and_offset_starts_at_the_first_page(
        source: ParameterSource) -> None:
    sql = "SELECT * FROM job WHERE workflow_id = ? ORDER BY id LIMIT ? OFFSET ?"
    filled = fill(source, sql, rows=7.2)
    assert filled.endswith("LIMIT 8 OFFSET 0")
    assert len(rows(source, filled)) == 8


def test_in_lists_hold_rows_that_agree_with_the_other_predicates(
        source: ParameterSource) -> None:
    sql = "SELECT id FROM job WHERE id IN (900001, 900002, 900003) AND status = 1"
    filled = fill(source, sql)
    assert len(rows(source, filled)) == 3


def test_not_in_values_stand_even_where_no_row_has_them(source: ParameterSource) -> None:
    """They exclude: replaced by a row's, "is a job of the workflow not finished?"
    would ask about another status."""
    sql = "SELECT 1 FROM job WHERE workflow_id = 101 AND status NOT IN (7, 9) LIMIT 1"
    assert fill(source, sql) == sql
    lacking = fill(source, "SELECT 1 FROM job WHERE workflow_id = 40 AND status NOT IN (7, 9)")
    assert lacking.endswith("status NOT IN (7, 9)") and "workflow_id = 40" not in lacking


def test_negative_literals_are_replaced_whole(source: ParameterSource) -> None:
    filled = fill(source, "SELECT * FROM job WHERE workflow_id = -5")
    assert "-" not in filled and rows(source, filled)


def test_inserts_get_fresh_keys_and_existing_parents(source: ParameterSource,
                                                     database: Path) -> None:
    sql = "INSERT INTO job (id, workflow_id, status, label) VALUES (?, ?, ?, ?), (?, ?, ?, ?)"
    filled = fill(source, sql)
    writable = sqlite3.connect(database)
    writable.execute("PRAGMA foreign_keys = ON")
    writable.execute(filled)  # a duplicate key or a missing parent would raise
    inserted = writable.execute("SELECT id, workflow_id FROM job WHERE id > 2000").fetchall()
    assert [job_id for job_id, _ in inserted] == [2001, 2002]
    assert all(100 <= workflow < 110 for _, workflow in inserted)
    writable.rollback()
    writable.close()
    logged = "INSERT INTO workflow (id, name) VALUES (5, 'x')"
    assert "VALUES (110, 'x')" in fill(source, logged)  # keys are always fresh ones


def test_a_placeholder_bound_to_no_column_cannot_run(source: ParameterSource) -> None:
    sql = "SELECT ? + 1"
    assert source.fill(canonicalize(sql).id, sql, random.Random(0)) is None
    assert source.tally.unfilled == 1 and source.tally.reasons


def test_draws_repeat_for_the_same_seed(source: ParameterSource, database: Path) -> None:
    sql = "SELECT * FROM job WHERE workflow_id = ?"
    first = fill_samples(source, canonicalize(sql).id, [sql], 4)
    again = ParameterSource(source.connection, catalog_from_database(database), seed=7)
    assert fill_samples(again, canonicalize(sql).id, [sql], 4) == first
    assert len(set(first)) > 1  # repetitions run different values


def test_inserted_composite_keys_are_new(tmp_path: Path) -> None:
    """A composite key an inserted row would repeat is made new: the column naming no
    parent gets a fresh integer, a link row draws its parent again; the insert runs."""
    path = tmp_path / "keys.db"
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE orders (id INTEGER PRIMARY KEY);
        CREATE TABLE line (order_id INTEGER NOT NULL REFERENCES orders(id),
                           line_no INTEGER NOT NULL, PRIMARY KEY (order_id, line_no));
        CREATE TABLE link (a INTEGER NOT NULL REFERENCES orders(id),
                           b INTEGER NOT NULL REFERENCES orders(id), PRIMARY KEY (a, b));
    """)
    db.executemany("INSERT INTO orders VALUES (?)", [(k,) for k in range(1, 21)])
    db.executemany("INSERT INTO line VALUES (?, ?)",
                   [(k, n) for k in range(1, 21) for n in range(1, 4)])
    db.executemany("INSERT INTO link VALUES (?, ?)",
                   [(a, b) for a in range(1, 21) for b in range(1, 21)
                     if a == b or (a + b) % 4 == 0])
    db.commit()
    connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    source = ParameterSource(connection, catalog_from_database(path), seed=3)
    for sample in range(6):
        for sql in ("INSERT INTO line (order_id, line_no) VALUES (999, 1)",
                    "INSERT INTO line (order_id, line_no) VALUES (?, ?)",
                    "INSERT INTO link (a, b) VALUES (1, 1)",
                    "INSERT INTO link (a, b) VALUES (?, ?)"):
            db.execute("SAVEPOINT s")
            db.execute(fill(source, sql, sample=sample))  # a taken key would raise
            db.execute("ROLLBACK TO s")
            db.execute("RELEASE s")
    assert "VALUES (" in fill(source, "INSERT INTO line (order_id, line_no) VALUES (999, 1)")
    connection.close()
    db.close()


def test_each_filled_statement_is_kept_with_the_parse_prepare_would_give_it(
        database: Path) -> None:
    """What reads the filled statements' values again (the matches counted for the
    costing) takes them from the parse filling made, so it must be the parse of the
    text filled: every slot moved to where its value now sits, holding that value. A
    label ``it's 7`` is longer than the placeholder it replaces, and a negative literal
    shorter than the id it gives way to, so the slots after them move both ways."""
    connection = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)
    catalog = catalog_from_database(database)
    parsed: dict[str, Prepared] = {}
    source = ParameterSource(connection, catalog, seed=3, parsed=parsed)
    samples = [
        "SELECT * FROM job WHERE workflow_id = 40 AND status = 1 ORDER BY id LIMIT 5",
        "SELECT * FROM job WHERE label = ? AND workflow_id = -5 AND status IN (?, ?)",
        "SELECT count(*) FROM job j WHERE j.workflow_id = ? AND j.status = :status",
        "SELECT * FROM job WHERE workflow_id = ? ORDER BY id LIMIT ? OFFSET ?",
        "INSERT INTO job (id, workflow_id, status, label) VALUES (?, ?, ?, ?)",
        "UPDATE job SET label = ? WHERE id = ?",
        "SELECT * FROM job WHERE workflow_id = 101 AND status = 2",
    ]
    try:
        filled = [sql for sample in samples
                  for sql in fill_samples(source, canonicalize(sample).id, [sample], 3)]
    finally:
        connection.close()
    assert len(filled) == 3 * len(samples) and sorted(parsed) == sorted(set(filled))
    for sql in filled:
        assert parsed[sql] == prepare(sql, catalog), sql
    assert "it''s" in " ".join(filled)

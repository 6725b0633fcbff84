"""Run lengths in stored order, read from a database, and the clumping the costing
takes from them."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from pathlib import Path

import pytest

from advisor.catalog import clustering
from advisor.catalog.clustering import run_lengths
from advisor.catalog.schema import load_catalog
from advisor.catalog.statistics import Statistics


@pytest.fixture
def database(tmp_path: Path) -> Path:
    """1,000 rows: ``batch`` in runs of 50, ``spread`` changing every row, ``pair`` in
    runs of 2; and a WITHOUT ROWID table."""
    path = tmp_path / "runs.db"
    connection = sqlite3.connect(path)
    connection.executescript(
        "CREATE TABLE item (id INTEGER PRIMARY KEY, batch INT, spread INT, pair INT);"
        "CREATE TABLE keyed (k INT PRIMARY KEY, v INT) WITHOUT ROWID;")
    connection.executemany("INSERT INTO item VALUES (?, ?, ?, ?)",
                           [(i, i // 50, i % 7, i // 2) for i in range(1_000)])
    connection.executemany("INSERT INTO keyed VALUES (?, ?)", [(i, 1) for i in range(10)])
    connection.commit()
    connection.close()
    return path


WANTED = [("item", "batch"), ("item", "spread"), ("ITEM", "Pair"), ("keyed", "v"),
          ("nowhere", "x"), ("item", "lower(name)")]


def test_a_table_read_whole_gives_each_columns_mean_run(database: Path) -> None:
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    found = run_lengths(database, load_catalog(database), WANTED)
    # no WITHOUT ROWID, no table or column the catalog lacks, no expression
    assert found.runs == {("item", "batch"): 50.0, ("item", "spread"): 1.0,
                          ("item", "pair"): 2.0}
    assert found.rows_read == 1_000
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before


def test_stretches_of_a_large_table_count_runs_within_each(
        database: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Four stretches of 100 rows: a run of 50 is seen whole; a stretch starting inside a
    run starts one too (so the mean is a lower bound, never above the truth)."""
    monkeypatch.setattr(clustering, "CHUNKS", 4)
    monkeypatch.setattr(clustering, "CHUNK_ROWS", 100)
    found = run_lengths(database, load_catalog(database), WANTED)
    assert found.rows_read == 400
    assert 40.0 <= found.runs[("item", "batch")] <= 50.0
    assert found.runs[("item", "spread")] == 1.0


def test_clumping_divides_out_what_values_spread_at_random_give(database: Path) -> None:
    found = run_lengths(database, load_catalog(database), WANTED)
    statistics = Statistics("counted", (), {"item": 1_000},
                            {("item", ("batch",)): 20, ("item", ("spread",)): 7,
                             ("item", ("pair",)): 500}).with_run_lengths(found)
    assert statistics.clumping("item", ["batch"]) == pytest.approx(50 * (1 - 1 / 20))
    assert statistics.clumping("item", ["spread"]) == 1.0
    assert statistics.clumping("item", ["spread", "batch"]) == pytest.approx(47.5)  # longest
    assert statistics.clumping("item", ["id"]) == 1.0  # unmeasured: spread
    assert "run lengths of 3 columns" in statistics.notes[-1]


def test_a_column_that_goes_up_with_the_rowid_is_ordered(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch
                                                          ) -> None:
    """A timestamp written as rows are inserted, a few rows out of place (a question whose
    last activity came later), is ordered; a value that restarts in every batch (a
    position within its parent), one spread at random, a text column and a constant are
    not. Read whole and in four stretches."""
    path = tmp_path / "times.db"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE post (id INTEGER PRIMARY KEY, at INT, position INT, "
                       "spread INT, title TEXT, kind INT)")
    connection.executemany("INSERT INTO post VALUES (?, ?, ?, ?, ?, ?)", [
        (i, 1_700_000_000 + 3_600 * i + (86_400 if i % 5 == 0 else 0), i % 20, i * 7919 % 1000,
         f"post {i}", 1) for i in range(2_000)])
    connection.commit()
    connection.close()
    columns = [("post", "at"), ("post", "position"), ("post", "spread"),
               ("post", "title"), ("post", "kind")]
    assert run_lengths(path, load_catalog(path), columns).ordered == {("post", "at")}
    monkeypatch.setattr(clustering, "CHUNKS", 4)
    monkeypatch.setattr(clustering, "CHUNK_ROWS", 100)
    found = run_lengths(path, load_catalog(path), columns)
    assert found.ordered == {("post", "at")}
    statistics = Statistics("counted", (), {"post": 2_000}).with_run_lengths(found)
    assert statistics.ordered("POST", "At") and not statistics.ordered("post", "spread")


def test_a_text_timestamp_written_as_rows_are_inserted_is_ordered(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A ticketing site's orders.created_at is ISO text: no numbers to correlate, so it
    is ordered where its values rise row to row, and over FAR rows, and from one stretch
    to the next (one row in a hundred a little early: still ordered). Names numbered
    without padding rise row to row but not over FAR rows; a status that flips between
    two values rises half the time."""
    path = tmp_path / "orders.db"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, created_at TEXT, "
                       "name TEXT, status TEXT)")
    minute = 60

    def stamp(i: int) -> str:  # as ISO text, zero-padded: text order is time order
        early = 5 * minute if i % 100 == 7 else 0
        return time.strftime("%Y-%m-%d %H:%M:%S",
                             time.gmtime(1_700_000_000 + minute * i - early))

    connection.executemany("INSERT INTO orders VALUES (?, ?, ?, ?)", [
        (i, stamp(i), f"order {i}", "paid" if i % 2 else "refunded") for i in range(3_000)])
    connection.commit()
    connection.close()
    columns = [("orders", "created_at"), ("orders", "name"), ("orders", "status")]
    assert run_lengths(path, load_catalog(path), columns).ordered == {("orders", "created_at")}
    monkeypatch.setattr(clustering, "CHUNKS", 4)
    monkeypatch.setattr(clustering, "CHUNK_ROWS", 200)
    assert run_lengths(path, load_catalog(path), columns).ordered == {("orders", "created_at")}

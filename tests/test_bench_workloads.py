"""The benchmark workloads TPC-H and TPC-C-like (workloads/tpch, workloads/tpcc): their logs
are what advisor reads and analyses, they run on their schemas, and their generators are
deterministic. None of this needs tpchgen-cli: the TPC-H log needs no database, and its
loader is tried on a few hand-made rows."""

from __future__ import annotations

import runpy
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import pytest

from advisor.analysis.workload import load_workload

ROOT = Path(__file__).resolve().parent.parent
TPCH = ROOT / "workloads" / "tpch"
TPCC = ROOT / "workloads" / "tpcc"


def script(path: Path) -> SimpleNamespace:
    """A workload's script as a namespace (they are not a package; both have a build.py)."""
    return SimpleNamespace(**runpy.run_path(str(path)))


@pytest.fixture(scope="module")
def tpch_workload():
    return load_workload([str(TPCH / "workload.log")], schema=str(TPCH / "schema.sql"))


@pytest.fixture(scope="module")
def tpcc_workload():
    return load_workload([str(TPCC / "workload.log")], schema=str(TPCC / "schema.sql"))


def _unanalysed(workload) -> dict[str, str]:
    return {tid: str(analysis) for tid, analysis in workload.analyses.items()
            if not analysis.ok}


def _statements(log: Path) -> list[str]:
    return [line.rstrip("\n").removesuffix(";") for line in log.read_text().splitlines()
            if line.strip() and not line.startswith("--")]


# --- TPC-H ------------------------------------------------------------------------------


def test_every_tpch_template_is_analysed(tpch_workload):
    assert _unanalysed(tpch_workload) == {}
    assert tpch_workload.digest.unreadable == 0


def test_tpch_log_holds_22_queries_20_times_and_the_refresh_functions(tpch_workload):
    templates = tpch_workload.digest.templates.values()
    reads = [t for t in templates if t.template.kind == "read"]
    assert len(reads) == 22
    assert all(t.count == 20 for t in reads)
    writes = {t.template.text.split("(")[0].split(" WHERE")[0]: t.count
              for t in templates if t.template.kind == "write"}
    # RF1: 15 orders (SF 0.01 x 1,500) per stream, 1-7 lineitems each; RF2: 15 orders.
    assert writes["INSERT INTO orders"] == 300
    assert 300 <= writes["INSERT INTO lineitem"] <= 2100
    assert writes["DELETE FROM orders"] == writes["DELETE FROM lineitem"] == 300


def test_tpch_statements_run_on_the_schema():
    connection = sqlite3.connect(":memory:")
    connection.executescript((TPCH / "schema.sql").read_text())
    for sql in _statements(TPCH / "workload.log"):
        if sql not in ("BEGIN", "COMMIT"):
            connection.execute(sql).fetchall()


def test_tpch_generator_is_deterministic_and_wrote_the_committed_log(tmp_path):
    generate = script(TPCH / "generate.py")
    first, second = tmp_path / "a.log", tmp_path / "b.log"
    generate.write_log(first, 0.001, seed=3, streams=2)
    generate.write_log(second, 0.001, seed=3, streams=2)
    assert first.read_bytes() == second.read_bytes()
    generate.write_log(second, 0.001, seed=4, streams=2)
    assert first.read_bytes() != second.read_bytes()
    committed = tmp_path / "committed.log"
    generate.write_log(committed, 0.01)
    assert committed.read_bytes() == (TPCH / "workload.log").read_bytes()


def test_tpch_refresh_keys_are_new_for_rf1_and_loaded_for_rf2():
    generate = script(TPCH / "generate.py")
    loaded = {generate.order_key(i, 0) for i in range(1, 15_001)}
    assert max(loaded) == 60_000 and min(loaded) == 1  # tpchgen-cli's keys at SF 0.01
    statements = list(generate.statements(0.01))
    inserted = {int(s.split("VALUES (")[1].split(",")[0]) for s in statements
                if s.startswith("INSERT INTO orders")}
    deleted = {int(s.rsplit("= ", 1)[1]) for s in statements
               if s.startswith("DELETE FROM orders")}
    assert len(inserted) == len(deleted) == 300
    assert not inserted & loaded and deleted <= loaded


def test_tpch_loader_reads_tbl_files(tmp_path):
    build = script(TPCH / "build.py")
    rows = {
        "region": "0|AFRICA|x|", "nation": "0|ALGERIA|0|x|",
        "part": "1|blue lace|Manufacturer#1|Brand#13|PROMO BURNISHED COPPER|7|JUMBO PKG|901.00|x|",
        "supplier": "1|Supplier#1|addr|0|10-123|5755.94|x|",
        "partsupp": "1|1|3325|771.64|x|",
        "customer": "1|Customer#1|addr|0|10-123|711.56|BUILDING|x|",
        "orders": "1|1|O|172799.49|1996-01-02|5-LOW|Clerk#000000951|0|x|",
        "lineitem": "1|1|1|1|17|24710.35|0.04|0.02|N|O|1996-03-13|1996-02-12|1996-03-22|"
                    "DELIVER IN PERSON|TRUCK|x|",
    }
    data = tmp_path / "data"
    data.mkdir()
    for table, row in rows.items():
        (data / f"{table}.tbl").write_text(row + "\n")
    path = tmp_path / "tpch.sqlite"
    build.load(path, data, log=lambda _: None)
    connection = sqlite3.connect(path)
    assert connection.execute("SELECT typeof(l_quantity), typeof(l_extendedprice), "
                              "typeof(l_shipdate), l_shipmode FROM lineitem").fetchone() == (
        "real", "real", "text", "TRUCK")
    assert build.database_path(0.01, tmp_path).name.startswith("tpch-sf0.01-")


# --- TPC-C-like --------------------------------------------------------------------------


def test_every_tpcc_template_is_analysed(tpcc_workload):
    assert _unanalysed(tpcc_workload) == {}
    assert tpcc_workload.digest.unreadable == 0


def test_tpcc_log_is_write_heavy_with_customers_by_name_and_by_id(tpcc_workload):
    templates = tpcc_workload.digest.templates.values()
    counts = {kind: sum(t.count for t in templates if t.template.kind == kind)
              for kind in ("read", "write")}
    assert counts["write"] > counts["read"]
    texts = [t.template.text for t in templates]
    assert any("FROM customer WHERE" in t and "c_last = ?" in t for t in texts)
    assert any("FROM customer WHERE" in t and "c_id = ?" in t for t in texts)
    for table in ("orders", "order_line", "new_order", "history", "stock", "district"):
        assert any(t.template.kind == "write" and table in t.template.tables
                   for t in templates), table
    # TPC-C's mix: new-order, payment and delivery (92%) write; order-status and
    # stock-level do not.
    transactions = " ".join(_statements(TPCC / "workload.log")).split("BEGIN ")[1:]
    writing = [t for t in transactions if any(w in t for w in ("INSERT", "UPDATE", "DELETE"))]
    assert len(writing) / len(transactions) > 0.85


def test_tpcc_statements_run_on_the_schema():
    connection = sqlite3.connect(":memory:", isolation_level=None)
    connection.executescript((TPCC / "schema.sql").read_text())
    for sql in _statements(TPCC / "workload.log"):
        connection.execute(sql).fetchall()


def test_tpcc_builder_and_log_are_deterministic(tmp_path):
    build = script(TPCC / "build.py")
    generate = script(TPCC / "generate.py")
    logs, dumps = [], []
    for run in ("a", "b"):
        database = build.database(build.TINY, seed=5, folder=tmp_path / run, log=lambda _: None)
        log = tmp_path / f"{run}.log"
        generate.write_log(log, database, build.TINY, transactions=60, seed=9)
        logs.append(log.read_bytes())
        connection = sqlite3.connect(database)
        dumps.append(list(connection.iterdump()))
        connection.close()
    assert logs[0] == logs[1]
    assert dumps[0] == dumps[1]
    other = tmp_path / "other.log"
    generate.write_log(other, database, build.TINY, transactions=60, seed=10)
    assert other.read_bytes() != logs[0]
    # The log's last names are those the database holds.
    connection = sqlite3.connect(database)
    names = {row[0] for row in connection.execute("SELECT DISTINCT c_last FROM customer")}
    connection.close()
    logged = {part.split("'")[1] for part in logs[0].decode().split("c_last = ")[1:]}
    assert logged and logged <= names

"""The benchmark workloads TPC-H, TPC-C-like, event ticketing and accounting ledger
(workloads/tpch, workloads/tpcc, workloads/tickets, workloads/ledger): their logs are what
advisor reads and analyses, they run on their schemas, and their generators are
deterministic. None of this needs tpchgen-cli: the TPC-H log needs no database, and its
loader is tried on a few hand-made rows; the others' builders are tried at a tiny scale."""

from __future__ import annotations

import re
import runpy
import sqlite3
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest

from advisor.analysis.workload import load_workload

ROOT = Path(__file__).resolve().parent.parent
TPCH = ROOT / "workloads" / "tpch"
TPCC = ROOT / "workloads" / "tpcc"
TICKETS = ROOT / "workloads" / "tickets"
LEDGER = ROOT / "workloads" / "ledger"


def script(path: Path) -> SimpleNamespace:
    """A workload's script as a namespace (they are not a package; both have a build.py)."""
    return SimpleNamespace(**runpy.run_path(str(path)))


@pytest.fixture(scope="module")
def tpch_workload():
    return load_workload([str(TPCH / "workload.log")], schema=str(TPCH / "schema.sql"))


@pytest.fixture(scope="module")
def tpcc_workload():
    return load_workload([str(TPCC / "workload.log")], schema=str(TPCC / "schema.sql"))


@pytest.fixture(scope="module")
def tickets_workload():
    return load_workload([str(TICKETS / "workload.log")], schema=str(TICKETS / "schema.sql"))


@pytest.fixture(scope="module")
def ledger_workload():
    return load_workload([str(LEDGER / "workload.log")], schema=str(LEDGER / "schema.sql"))


def _unanalysed(workload) -> dict[str, str]:
    return {tid: str(analysis) for tid, analysis in workload.analyses.items()
            if not analysis.ok}


def _statements(log: Path) -> list[str]:
    return [line.rstrip("\n").removesuffix(";") for line in log.read_text().splitlines()
            if line.strip() and not line.startswith("--")]


def _kinds(workload) -> dict[str, int]:
    """Statements of the log by kind: read, write."""
    templates = workload.digest.templates.values()
    return {kind: sum(t.count for t in templates if t.template.kind == kind)
            for kind in ("read", "write")}


def _most_written(workload) -> str:
    """The table the log's writes touch most often."""
    written: Counter[str] = Counter()
    for t in workload.digest.templates.values():
        if t.template.kind == "write":
            written.update(dict.fromkeys(t.template.tables, t.count))
    return written.most_common(1)[0][0]


# --- all of them --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["tpch", "tpcc", "tickets", "ledger"])
def test_every_template_is_analysed(name, request):
    workload = request.getfixturevalue(f"{name}_workload")
    assert _unanalysed(workload) == {}
    assert workload.digest.unreadable == 0


@pytest.mark.parametrize("folder", [TPCH, TPCC, TICKETS, LEDGER],
                         ids=lambda folder: folder.name)
def test_statements_run_on_the_schema(folder):
    connection = sqlite3.connect(":memory:", isolation_level=None)
    connection.executescript((folder / "schema.sql").read_text())
    for sql in _statements(folder / "workload.log"):
        connection.execute(sql).fetchall()


# --- TPC-H ------------------------------------------------------------------------------


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


def test_tpcc_log_is_write_heavy_with_customers_by_name_and_by_id(tpcc_workload):
    templates = tpcc_workload.digest.templates.values()
    counts = _kinds(tpcc_workload)
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


def test_tpcc_builder_and_log_are_deterministic(tmp_path):
    database, log = _built_and_generated_twice(TPCC, tmp_path, transactions=60)
    # The log's last names are those the database holds.
    connection = sqlite3.connect(database)
    names = {row[0] for row in connection.execute("SELECT DISTINCT c_last FROM customer")}
    connection.close()
    logged = {part.split("'")[1] for part in log.split("c_last = ")[1:]}
    assert logged and logged <= names


def _built_and_generated_twice(workload: Path, tmp_path: Path, **count: int) -> tuple[Path, str]:
    """The workload's tiny database built twice, in folders of their own, and a log
    generated on each: the same to the byte, and another log for another run seed.
    Returns the database and the log."""
    build = script(workload / "build.py")
    generate = script(workload / "generate.py")
    logs, dumps = [], []
    for run in ("a", "b"):
        database = build.database(build.TINY, seed=5, folder=tmp_path / run, log=lambda _: None)
        log = tmp_path / f"{run}.log"
        generate.write_log(log, database, build.TINY, seed=9, **count)
        logs.append(log.read_bytes())
        connection = sqlite3.connect(database)
        dumps.append(list(connection.iterdump()))
        connection.close()
    assert logs[0] == logs[1]
    assert dumps[0] == dumps[1]
    other = tmp_path / "other.log"
    generate.write_log(other, database, build.TINY, seed=10, **count)
    assert other.read_bytes() != logs[0]
    return database, logs[0].decode()


# --- event ticketing ---------------------------------------------------------------------


def test_tickets_log_mixes_reads_and_writes_and_writes_holds_most(tickets_workload):
    templates = tickets_workload.digest.templates.values()
    counts = _kinds(tickets_workload)
    assert 0.35 < counts["write"] / (counts["read"] + counts["write"]) < 0.65
    assert _most_written(tickets_workload) == "holds"
    # The seat search asks the write-hot table about every candidate seat.
    assert any("NOT EXISTS (SELECT" in t.template.text and "holds" in t.template.tables
               and t.template.kind == "read" for t in templates)


def test_tickets_builder_and_log_are_deterministic(tmp_path):
    database, log = _built_and_generated_twice(TICKETS, tmp_path, sessions=60)
    # The log's values are the database's: the emails logged in with, the barcodes scanned
    # at the door (but for the odd forged one).
    connection = sqlite3.connect(database)
    emails = {row[0] for row in connection.execute("SELECT email FROM customers")}
    barcodes = {row[0] for row in connection.execute("SELECT barcode FROM tickets")}
    connection.close()
    logged = set(re.findall(r"WHERE email = '([^']*)'", log))
    scanned = set(re.findall(r"WHERE barcode = '([^']*)'", log))
    assert logged and logged <= emails
    assert scanned & barcodes and len(scanned - barcodes) <= len(scanned) // 4


def test_tickets_database_holds_together(tmp_path):
    """A sold seat has one ticket, a held one one hold, an order's total is its seats'
    prices, and order ids follow the orders' dates."""
    build = script(TICKETS / "build.py")
    connection = sqlite3.connect(build.database(build.TINY, folder=tmp_path, log=lambda _: None))

    def one(sql: str) -> int:
        return connection.execute(sql).fetchone()[0]

    assert one("SELECT count(*) FROM seats WHERE status = 'sold'") == one(
        "SELECT count(DISTINCT seat_id) FROM tickets") == one("SELECT count(*) FROM tickets")
    assert one("SELECT count(*) FROM seats WHERE status = 'held'") == one(
        "SELECT count(*) FROM holds h JOIN seats s ON s.id = h.seat_id AND s.status = 'held'")
    assert one("SELECT count(*) FROM orders o WHERE total_cents != (SELECT sum(s.price_cents) "
               "FROM tickets t JOIN seats s ON s.id = t.seat_id WHERE t.order_id = o.id)") == 0
    assert one("SELECT count(*) FROM orders a JOIN orders b ON b.id = a.id + 1 "
               "WHERE b.created_at < a.created_at") == 0
    assert one("SELECT count(*) FROM holds h JOIN events e ON e.id = h.event_id "
               "WHERE e.status != 'onsale'") == 0
    connection.close()


# --- accounting ledger -------------------------------------------------------------------


def test_ledger_log_writes_a_third_and_asks_the_ledgers_questions(ledger_workload):
    templates = ledger_workload.digest.templates.values()
    counts = _kinds(ledger_workload)
    assert 0.3 < counts["write"] / (counts["read"] + counts["write"]) < 0.45
    assert _most_written(ledger_workload) == "journal_lines"
    reads = [t.template.text for t in templates if t.template.kind == "read"]
    # The reconciliation's anti-join, the aging's NOT EXISTS, the search by reference
    # prefix, an account's ledger paged in date order, the trial balance.
    assert any("NOT IN (SELECT journal_line_id FROM bank_transactions" in t
               and "journal_lines" in t for t in reads)
    assert any("NOT EXISTS (SELECT" in t and "FROM payments" in t for t in reads)
    assert any("reference LIKE ?" in t for t in reads)
    assert any("ORDER BY e.entry_date, e.id LIMIT ? OFFSET ?" in t for t in reads)
    assert any("GROUP BY a.id" in t and "e.entry_date <= ?" in t for t in reads)


def test_ledger_builder_and_log_are_deterministic(tmp_path):
    database, log = _built_and_generated_twice(LEDGER, tmp_path, sessions=60)
    # The log's values are the database's: the users who log in, the companies they
    # work for.
    connection = sqlite3.connect(database)
    emails = {row[0] for row in connection.execute("SELECT email FROM users")}
    connection.close()
    logged = set(re.findall(r"WHERE email = '([^']*)'", log))
    assert logged and logged <= emails


def test_ledger_database_holds_together(tmp_path):
    """Every entry balances; a paid invoice's payments add up to its total and its entry
    names it; a matched bank line is its journal line's amount on the bank's account; no
    draft is dated in a closed period; a company's entries are spread among the others'."""
    build = script(LEDGER / "build.py")
    connection = sqlite3.connect(build.database(build.TINY, folder=tmp_path, log=lambda _: None))

    def one(sql: str) -> int:
        return connection.execute(sql).fetchone()[0]

    assert one("SELECT count(*) FROM (SELECT entry_id FROM journal_lines GROUP BY entry_id "
               "HAVING sum(debit) != sum(credit))") == 0
    assert one("SELECT count(*) FROM journal_lines WHERE (debit > 0) = (credit > 0)") == 0
    assert one("SELECT count(*) FROM invoices i WHERE status = 'paid' AND total != "
               "(SELECT sum(amount) FROM payments p WHERE p.invoice_id = i.id)") == 0
    assert one("SELECT count(*) FROM invoices i JOIN journal_entries e ON e.id = i.entry_id "
               "WHERE e.reference != i.number OR e.company_id != i.company_id") == 0
    assert one("SELECT count(*) FROM bank_transactions t JOIN journal_lines l "
               "ON l.id = t.journal_line_id JOIN bank_accounts b ON b.id = t.bank_account_id "
               "WHERE t.amount != l.debit - l.credit OR b.account_id != l.account_id") == 0
    assert one("SELECT count(*) FROM bank_transactions WHERE reconciled = 1 "
               "AND journal_line_id IS NULL") == 0
    assert one("SELECT count(*) FROM journal_entries e JOIN periods p "
               "ON p.company_id = e.company_id AND e.entry_date BETWEEN p.starts_on AND p.ends_on "
               "WHERE e.status = 'draft' AND p.status = 'closed'") == 0
    statuses = dict(connection.execute("SELECT status, count(*) FROM journal_entries "
                                       "GROUP BY status").fetchall())
    assert statuses["posted"] > 0.9 * sum(statuses.values()) and statuses["void"] > 0
    assert one("SELECT count(*) FROM journal_entries a JOIN journal_entries b ON b.id = a.id + 1 "
               "WHERE b.company_id != a.company_id") > 0.3 * one(
        "SELECT count(*) FROM journal_entries")
    connection.close()

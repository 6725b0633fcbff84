"""Statistics from the data: every candidate's sqlite_stat1 line from a sampled ANALYZE, so
that the what-if planner plans as SQLite does on the real rows, after ANALYZE and as found."""

from __future__ import annotations

import hashlib
import random
import sqlite3
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import command_json, run_command

from advisor.analysis.workload import Workload, load_workload
from advisor.candidates.generate import generate
from advisor.candidates.sampled import with_sampled_statistics
from advisor.catalog.distinct_values import estimate_distinct
from advisor.catalog.sampled_analyze import SampleCopy
from advisor.catalog.schema import load_catalog
from advisor.model.indexes import IndexSpec, parse_index
from advisor.replay.sandbox import copy_database
from advisor.whatif.planner import Plan, WhatIf, explain_plan, nulls_for

ROWS = 30_000
FLAGS = "NRA"  # three values, one of them half the rows (as l_returnflag)

# (statement, the indexes built), each planned on the what-if copy and on a real copy.
QUERIES = [
    ("SELECT * FROM t WHERE flag = ?", ["t(flag)"]),
    ("SELECT * FROM t WHERE flag = ? AND u = ?", ["t(flag)", "t(u)"]),
    ("SELECT id FROM t WHERE u = ?", ["t(flag, u)"]),  # a skip-scan over three values
    ("SELECT count(*) FROM t WHERE flag = ? AND grp = ?", ["t(flag)", "t(grp)"]),
    ("SELECT * FROM t WHERE flag = ? ORDER BY u LIMIT 10", ["t(flag)", "t(u)"]),
    ("SELECT s.id FROM s JOIN t ON t.id = s.t_id WHERE t.flag = ? AND s.kind = ?",
     ["t(flag)", "s(kind)", "s(t_id)"]),
]


def _database(path: Path, analyzed: bool = False) -> Path:
    """``t``: a three-valued ``flag``, a unique ``u`` the schema does not declare unique, a
    skewed ``grp``; ``s``: two to six rows per row of t, stored side by side."""
    rng = random.Random(5)
    db = sqlite3.connect(path)
    db.executescript("CREATE TABLE t (id INTEGER PRIMARY KEY, flag TEXT, u INTEGER, "
                     "grp INTEGER, pay TEXT);"
                     "CREATE TABLE s (id INTEGER PRIMARY KEY, t_id INTEGER, kind INTEGER);")
    db.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?)", (
        (i, rng.choices(FLAGS, (2, 1, 1))[0], i * 7919 % 1_000_003, int(rng.paretovariate(1.2)),
         "x" * 30) for i in range(1, ROWS + 1)))
    db.executemany("INSERT INTO s (t_id, kind) VALUES (?, ?)", (
        (i, rng.randrange(50)) for i in range(1, ROWS // 10 + 1)
        for _ in range(rng.randrange(2, 7))))
    if analyzed:
        db.execute("ANALYZE")
    db.commit()
    db.close()
    return path


def _workload(folder: Path, database: Path) -> Workload:
    log = folder / "app.log"
    log.write_text("\n".join(sql.replace("?", "'N'", 1).replace("?", "7")
                             for sql, _ in QUERIES) + "\n")
    return load_workload([str(log)], db=str(database))


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _database(tmp_path_factory.mktemp("sampled") / "app.db")


def _real_plan(database: Path, folder: Path, specs: list[IndexSpec], sql: str,
               analyze: bool) -> Plan:
    """SQLite's plan on a real copy with the indexes built (and ANALYZE run, if asked)."""
    copy = folder / "real.db"
    copy.unlink(missing_ok=True)
    copy_database(database, copy)
    connection = sqlite3.connect(copy)
    try:
        for spec in specs:
            connection.execute(spec.create_sql())
        if analyze:
            connection.execute("ANALYZE")
        return explain_plan(connection, sql, nulls_for(sql))
    finally:
        connection.close()


def test_a_three_valued_column_gets_a_third_of_the_rows_per_value(database: Path,
                                                                  tmp_path: Path) -> None:
    workload = _workload(tmp_path, database)
    sampled = with_sampled_statistics(workload, database).statistics
    flag, unique = parse_index("t(flag)"), parse_index("t(u)")
    rows, per_flag = (int(n) for n in sampled.index_stat1(flag).split())
    assert rows == ROWS and ROWS / 4 <= per_flag <= ROWS / 2  # 'N' is half, the rest a quarter
    assert per_flag == round(ROWS / 3, -1) or abs(per_flag - ROWS / 3) < ROWS / 30
    assert sampled.index_stat1(unique) == f"{ROWS} 1"
    # Without the sample, a column no index describes was guessed at ten rows per value.
    assert workload.statistics.index_stat1(flag) == f"{ROWS} 10"
    assert sampled.distinct_values("t", ("flag",)) == 3
    assert sampled.sampling is not None and sampled.sampling.sampled_tables == ("t",)
    assert sampled.sampling.describe().startswith("index statistics from ANALYZE on a sample")


@pytest.mark.parametrize("max_rows", [100_000, 4_000], ids=["whole", "sampled"])
@pytest.mark.parametrize(("sql", "indexes"), QUERIES, ids=[sql[:40] for sql, _ in QUERIES])
def test_whatif_plans_equal_the_real_planners_after_analyze(
        database: Path, tmp_path: Path, sql: str, indexes: list[str], max_rows: int) -> None:
    workload = _workload(tmp_path, database)
    specs = [parse_index(text) for text in indexes]
    sampled = with_sampled_statistics(workload, database, max_rows).statistics
    analyzed = replace(sampled, planner_has_stats=True)
    with WhatIf(workload.catalog, analyzed) as whatif:
        planned = whatif.plan(sql, ["t", "s"], specs)
    assert planned.text() == _real_plan(database, tmp_path, specs, sql, analyze=True).text()


def test_as_found_a_database_never_analysed_is_planned_without_statistics(
        database: Path, tmp_path: Path) -> None:
    workload = _workload(tmp_path, database)
    sampled = with_sampled_statistics(workload, database).statistics
    assert not sampled.planner_has_stats  # the database has no sqlite_stat1
    with WhatIf(workload.catalog, sampled) as whatif:
        for sql, indexes in QUERIES:
            specs = [parse_index(text) for text in indexes]
            real = _real_plan(database, tmp_path, specs, sql, analyze=False)
            assert whatif.plan(sql, ["t", "s"], specs).text() == real.text(), sql


def test_candidates_lead_with_the_column_measured_most_selective(database: Path,
                                                                 tmp_path: Path) -> None:
    workload = _workload(tmp_path, database)
    sampled = with_sampled_statistics(workload, database)
    guessed = {c.spec for c in generate(workload.analyses, workload.catalog,
                                        workload.statistics).kept}
    measured = {c.spec for c in generate(sampled.analyses, sampled.catalog,
                                         sampled.statistics).kept}
    # flag = ? AND grp = ?: guessed alike, in the order the statement names them.
    assert parse_index("t(flag, grp)") in guessed and parse_index("t(grp, flag)") not in guessed
    assert parse_index("t(grp, flag)") in measured and parse_index("t(flag, grp)") not in measured
    # Every candidate of the later stages has its line from the data.
    assert measured <= set(sampled.statistics.index_stats)


def _lineitem(path: Path, rows: int) -> Path:
    """A TPC-H-like lineitem, made by SQLite: three or four lines per order side by side, a
    three-valued return flag with one value on half the rows, two line statuses, parts
    and ship dates spread by multiplicative hashes of the line number."""
    db = sqlite3.connect(path)
    db.execute(f"""CREATE TABLE lineitem AS WITH RECURSIVE line(i) AS (
        SELECT 1 UNION ALL SELECT i + 1 FROM line WHERE i < {rows})
        SELECT i * 3 / 11 AS l_orderkey, i * 48271 % 2147483647 % 20000 AS l_partkey,
               substr('ANNR', i * 2654435761 % 4294967291 % 4 + 1, 1) AS l_returnflag,
               substr('FO', i * 69069 % 2147483647 % 2 + 1, 1) AS l_linestatus,
               i * 16807 % 2147483647 % 2526 AS l_shipdate FROM line""")
    db.commit()
    db.close()
    return path


def test_a_sampled_table_is_scaled_to_the_whole_within_a_factor(tmp_path: Path) -> None:
    database = _lineitem(tmp_path / "tpch.db", 120_000)
    catalog = load_catalog(database)
    specs = [parse_index(text) for text in (
        "lineitem(l_returnflag)", "lineitem(l_returnflag, l_linestatus)",
        "lineitem(l_orderkey)", "lineitem(l_partkey)", "lineitem(l_shipdate)",
        "lineitem(l_returnflag, l_shipdate)", "lineitem(l_orderkey, l_partkey)",
        "lineitem(l_partkey) WHERE l_returnflag = 'R'")]
    with SampleCopy(database, catalog, max_rows=1_000_000) as whole:
        exact = whole.stat1_lines(specs)
    with SampleCopy(database, catalog, max_rows=10_000) as sample:
        estimated = sample.stat1_lines(specs)
        cost = sample.statistics.cost
    assert cost.sampled_tables == ("lineitem",) and 9_000 < cost.rows_copied < 11_000
    for spec in specs:
        real, guess = ([int(n) for n in line.split()] for line in (exact[spec], estimated[spec]))
        assert abs(guess[0] - real[0]) <= 0.05 * real[0], spec
        for truth, estimate in zip(real[1:], guess[1:], strict=True):
            assert max(truth, estimate) / min(truth, estimate) <= 1.5, (spec, real, guess)


def _frequencies(values: list[int], taken: int, rng: random.Random) -> dict[int, int]:
    seen: dict[int, int] = {}
    for value in rng.sample(values, taken):
        seen[value] = seen.get(value, 0) + 1
    frequencies: dict[int, int] = {}
    for count in seen.values():
        frequencies[count] = frequencies.get(count, 0) + 1
    return frequencies


@pytest.mark.parametrize("shape", ["uniform", "children", "mostly_one", "zipf", "unique"])
def test_distinct_values_estimated_within_a_factor_on_every_shape(shape: str) -> None:
    rng = random.Random(3)
    rows = 100_000
    values = {
        "uniform": [rng.randrange(20_000) for _ in range(rows)],
        "children": [i // 7 for i in range(rows)],
        "mostly_one": [0 if rng.random() < 0.9 else i for i in range(rows)],
        "zipf": [int(1 / (rng.random() + 1e-9)) for _ in range(rows)],
        "unique": list(range(rows)),
    }[shape]
    truth = len(set(values))
    estimate = estimate_distinct(_frequencies(values, 10_000, rng), rows)
    assert 1 / 1.5 <= estimate / truth <= 1.5


def test_sparse_rowids_and_without_rowid_tables_are_sampled_too(tmp_path: Path) -> None:
    database = tmp_path / "odd.db"
    db = sqlite3.connect(database)
    db.execute("CREATE TABLE sparse (id INTEGER PRIMARY KEY, k INTEGER)")
    db.execute("CREATE TABLE keyed (a INTEGER, b INTEGER, PRIMARY KEY (a, b)) WITHOUT ROWID")
    db.executemany("INSERT INTO sparse VALUES (?, ?)", ((i * 1000, i % 3) for i in range(20_000)))
    db.executemany("INSERT INTO keyed VALUES (?, ?)", ((i // 4, i) for i in range(20_000)))
    db.commit()
    db.close()
    specs = [parse_index("sparse(k)"), parse_index("keyed(b)"), parse_index("keyed(a)")]
    with SampleCopy(database, load_catalog(database), max_rows=2_000) as sample:
        lines = sample.stat1_lines(specs)
        assert sample.statistics.cost.sampled_tables == ("keyed", "sparse")
        assert 1_500 < sample.copied["sparse"] < 2_500 and 1_500 < sample.copied["keyed"] < 2_500
    rows, per_value = (int(n) for n in lines[specs[0]].split())
    assert rows == 20_000 and 6_000 <= per_value <= 7_500
    assert lines[specs[1]] == "20000 1"
    assert 3 <= int(lines[specs[2]].split()[1]) <= 6


def test_the_database_is_only_read_and_the_copy_always_removed(
        database: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    catalog = load_catalog(database)
    with SampleCopy(database, catalog, max_rows=2_000) as sample:
        assert any(scratch.iterdir())
        sample.stat1_lines([parse_index("t(flag)"), parse_index("t(nonesuch)")])
    assert not any(scratch.iterdir())
    with pytest.raises(RuntimeError), SampleCopy(database, catalog):
        raise RuntimeError("a failure half-way")
    assert not any(scratch.iterdir())
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before


def test_recommend_with_a_database_says_how_much_was_sampled(tmp_path: Path) -> None:
    database = _database(tmp_path / "app.db", analyzed=True)
    log = tmp_path / "app.log"
    log.write_text("SELECT * FROM t WHERE u = 7\n" * 20)
    document = command_json("recommend", str(log), "--db", str(database))
    assert document["statistics"]["sampling"].startswith(
        "index statistics from ANALYZE on a sample")
    code, out, _ = run_command("recommend", str(log), "--db", str(database))
    assert code == 0
    line = next(text for text in out.splitlines() if text.startswith("Statistics:"))
    assert "sees sqlite_stat1; index statistics from ANALYZE on a sample" in line


def test_a_sample_measures_each_columns_bytes_as_a_record_stores_them(
        database: Path) -> None:
    """t.pay holds 30 bytes of text in every row; flag one character; u an integer of
    up to 1,000,003 (three bytes from 8,388,607 down to 32,768, two below)."""
    with SampleCopy(database, load_catalog(database), max_rows=5_000) as copy:
        widths = copy.statistics.column_bytes
    assert widths[("t", "pay")] == 30.0 and widths[("t", "flag")] == 1.0
    assert 2.5 < widths[("t", "u")] <= 3.0
    assert widths[("s", "kind")] == 1.0  # 0-49
    with_them = _workload(database.parent, database)
    assert with_them.statistics.value_bytes("T", "PAY") is None  # not sampled yet
    sampled = with_sampled_statistics(with_them, database).statistics
    assert sampled.value_bytes("T", "PAY") == 30.0

"""Candidates from access patterns; index specs; statistics sources."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from torc import TORC

from advisor.advise.recommend import recommend
from advisor.analysis.analyze import analyze
from advisor.analysis.inputs import Inputs, read_workload
from advisor.analysis.workload import Workload
from advisor.candidates.generate import generate
from advisor.catalog.index_lists import read_index
from advisor.catalog.profile import load_profile
from advisor.catalog.schema import load_catalog
from advisor.catalog.statistics import DEFAULT_ROWS, defaults, from_database, from_profile
from advisor.costing.pricing import estimated_pricer
from advisor.digest.fingerprint import canonicalize
from advisor.model.access import Analysis, OrderTerm, TableAccess
from advisor.model.indexes import IndexSpecError, parse_index
from advisor.model.reasons import Reason
from advisor.search.problem import candidate_specs


@pytest.fixture(scope="module")
def torc():
    catalog = load_catalog(TORC / "schema.sql")
    return catalog, from_profile(catalog, load_profile(TORC / "profile.toml"))


def _claim() -> Analysis:
    return Analysis("claim", reads=(
        TableAccess("ready_queue", "rq", equality=("workflow_id",),
                    join=("resource_requirements_id", "job_id"),
                    columns_read=("workflow_id", "job_id", "resource_requirements_id")),
        TableAccess("resource_requirements", "rr", join=("id",),
                    range=("memory_bytes", "num_cpus"),
                    order_by=(OrderTerm("num_gpus", True), OrderTerm("runtime_s", True),
                              OrderTerm("memory_bytes", True)),
                    columns_read=("id", "num_gpus", "runtime_s", "memory_bytes", "num_cpus")),
        TableAccess("job", "job", join=("id",)),
    ))


def test_claim_query_yields_the_sort_order_index_and_join_keys(torc) -> None:
    catalog, statistics = torc
    result = generate({"claim": _claim()}, catalog, statistics)
    kept = {c.spec.describe(): c for c in result.kept}
    assert "resource_requirements(num_gpus DESC, runtime_s DESC, memory_bytes DESC)" in kept
    assert "ready_queue(workflow_id, resource_requirements_id)" in kept
    assert kept["ready_queue(workflow_id, resource_requirements_id)"].shapes == ("join",)
    # Never an index led by the rowid, and never the rowid inside a covering index.
    assert not any(spec.startswith(("job(id", "resource_requirements(id")) for spec in kept)
    assert not any(" id" in spec or "(id," in spec for spec in kept
                   if spec.startswith("resource_requirements"))


def test_candidates_served_by_primary_keys_are_dropped_with_the_reason(torc) -> None:
    catalog, statistics = torc
    result = generate({"claim": _claim()}, catalog, statistics)
    dropped = {d.spec.describe(): d.reason for d in result.dropped}
    served = dropped["ready_queue(workflow_id)"]
    assert served.code is Reason.SERVED_BY_EXISTING
    assert "sqlite_autoindex_ready_queue_1" in served.sentence
    # Served backwards too: a DESC-only prefix of an ASC key index.
    reversed_spec = parse_index("ready_queue(workflow_id DESC, job_id DESC)")
    from advisor.candidates.generate import served_by_existing
    backwards = served_by_existing(reversed_spec, catalog)
    assert backwards is not None and backwards.code is Reason.SERVED_BY_EXISTING
    rowid = served_by_existing(parse_index("job(id)"), catalog)
    assert rowid is not None and rowid.code is Reason.SERVED_BY_ROWID
    assert rowid.sentence == "served by the INTEGER PRIMARY KEY job.id (the rowid)"


def test_equality_columns_most_selective_first_and_merged_across_templates(torc) -> None:
    catalog, statistics = torc
    access = TableAccess("job", "job", equality=("status", "workflow_id"))
    result = generate({"a": Analysis("a", reads=(access,)), "b": Analysis("b", reads=(access,))},
                      catalog, statistics)
    specs = [c for c in result.kept if c.spec.describe() == "job(workflow_id, status)"]
    assert len(specs) == 1 and specs[0].templates == ("a", "b")


def test_constant_predicate_gives_a_partial_index(torc) -> None:
    catalog, statistics = torc
    access = TableAccess("job", "job", equality=("workflow_id", "status"),
                         constant_predicates=("status = 5",))
    result = generate({"a": Analysis("a", reads=(access,))}, catalog, statistics)
    assert "job(workflow_id) WHERE status = 5" in {c.spec.describe() for c in result.kept}


def test_an_order_by_after_a_range_in_another_collation_adds_no_copy_of_its_column() -> None:
    """``name LIKE ? AND active = ? ORDER BY name``: the range is on name COLLATE NOCASE,
    which holds name's value; products(active, name COLLATE NOCASE, name) gives no order
    a NOCASE walk lacks and copies the column twice (a shop trial's set held it)."""
    from advisor.candidates.generate import access_candidates
    from advisor.catalog.statistics import Statistics
    from advisor.model.indexes import collated_key

    nocase = collated_key("name", "NOCASE")
    access = TableAccess("products", "products", equality=("active",), range=(nocase,),
                         order_by=(OrderTerm("name"),), columns_read=("id", "name", "price"),
                         has_limit=True)
    stats = Statistics("test", (), {"products": 20_000}, {})
    described = {spec.describe() for spec, _ in access_candidates(access, stats, "id")}
    assert "products(active, name COLLATE NOCASE)" in described
    assert "products(active, name COLLATE NOCASE, price)" in described  # covering
    assert not [d for d in described if "NOCASE, name" in d]
    # In binary order, the ORDER BY after the range still makes a candidate of its own.
    plain = replace(access, range=("name",), order_by=(OrderTerm("price"),))
    described = {spec.describe() for spec, _ in access_candidates(plain, stats, "id")}
    assert "products(active, name, price)" in described


def test_a_covering_variant_copying_a_wide_column_comes_with_one_without_it() -> None:
    """``WHERE product_id = ? ORDER BY created_at DESC LIMIT ?`` reading a review's rating,
    title and 108-byte body: the covering variant, and the same without the body,
    which ``narrower_variants`` names as its narrower variant."""
    from advisor.candidates.generate import WIDE_VALUE_BYTES, access_candidates, narrower_variants
    from advisor.catalog.statistics import Statistics

    access = TableAccess("reviews", "reviews", equality=("product_id",),
                         order_by=(OrderTerm("created_at", True),),
                         columns_read=("id", "rating", "title", "body"), has_limit=True)
    widths = {("reviews", "body"): 108.0, ("reviews", "title"): 16.0,
              ("reviews", "rating"): 1.0}
    stats = Statistics("test", (), {"reviews": 200_000}, {}, column_bytes=widths)
    found = [spec for spec, _ in access_candidates(access, stats, "id")]
    wide = parse_index("reviews(product_id, created_at DESC, rating, title, body)")
    narrow = parse_index("reviews(product_id, created_at DESC, rating, title)")
    assert wide in found and narrow in found
    variants = narrower_variants(found, stats)
    assert variants[wide] == (narrow,)
    assert all(b.columns == tuple(c for c in a.columns if c[0] != "body")
               for a, (b,) in variants.items())
    # Unsampled (or narrow enough), no such variant.
    plain = [spec for spec, _ in access_candidates(access, replace(stats, column_bytes={}),
                                                   "id")]
    assert wide in plain and narrow not in plain
    narrowish = replace(stats, column_bytes={**widths, ("reviews", "body"): WIDE_VALUE_BYTES - 1})
    assert narrower_variants(found, narrowish) == {}


def test_unanalysed_templates_give_no_candidates(torc) -> None:
    catalog, statistics = torc
    result = generate({"x": Analysis("x", unanalysed="unknown table: nope")}, catalog, statistics)
    assert result.kept == () and result.dropped == ()


@pytest.mark.parametrize(("text", "expected"), [
    ("job(workflow_id, status DESC)", "job(workflow_id, status DESC)"),
    ("job ( workflow_id ASC )", "job(workflow_id)"),
    ('"job"(status) WHERE status = 5', "job(status) WHERE status = 5"),
])
def test_index_specs_read_and_write_the_same_notation(text: str, expected: str) -> None:
    assert parse_index(text).describe() == expected


@pytest.mark.parametrize("text", ["job", "job(a b c)", "job(status SIDEWAYS)", "(a)"])
def test_unreadable_index_specs_are_named_errors(text: str) -> None:
    with pytest.raises(IndexSpecError):
        parse_index(text)


def test_a_partial_index_as_the_reports_print_it_reads_back() -> None:
    """The reports print partial candidates whose WHERE holds a list; read back, the
    columns end at the first parenthesis that closes them (it once ran on to the
    list's, and any such index given to --against or compare was refused)."""
    spec = parse_index("workflow_action(workflow_id, executed, id) "
                       "WHERE trigger_type IN ('on_workflow_start', 'on_jobs_ready')")
    assert spec.column_names == ("workflow_id", "executed", "id")
    assert spec.where == "trigger_type IN ('on_workflow_start', 'on_jobs_ready')"
    assert parse_index(spec.describe()) == spec


def test_index_spec_checked_against_the_catalog(torc) -> None:
    catalog, _ = torc
    with pytest.raises(IndexSpecError, match="no column"):
        read_index("job(nope)", catalog)
    with pytest.raises(IndexSpecError, match="no table"):
        read_index("jobs(id)", catalog)


def test_prefix_relation() -> None:
    short, long = parse_index("job(workflow_id)"), parse_index("job(workflow_id, status)")
    assert short.is_prefix_of(long) and not long.is_prefix_of(short)
    assert short in long.prefixes()
    assert not parse_index("job(workflow_id DESC)").is_prefix_of(long)


def test_profile_statistics_follow_the_profile(torc) -> None:
    _catalog, statistics = torc
    assert statistics.rows("job") == 200_000
    assert statistics.distinct_values("job", ("workflow_id",)) == statistics.rows("workflow")
    assert statistics.stat1_line("job", ("id",), unique=True).endswith(" 1")


def test_default_statistics_are_sqlites_assumptions(torc) -> None:
    catalog, _ = torc
    stats = defaults(catalog)
    assert stats.rows("job") == DEFAULT_ROWS and not stats.planner_has_stats
    assert stats.stat1_line("job", ("workflow_id",)) == f"{DEFAULT_ROWS} 10"
    assert "SQLite assumes" in stats.notes[0]


def test_database_statistics_measured_and_stat1_read(tmp_path: Path, torc) -> None:
    db_path = tmp_path / "app.db"
    db = sqlite3.connect(db_path)
    db.executescript("CREATE TABLE t (id INTEGER PRIMARY KEY, g INTEGER);"
                     "CREATE INDEX t_g ON t(g);")
    db.executemany("INSERT INTO t (g) VALUES (?)", [(i % 7,) for i in range(700)])
    db.commit()
    catalog = load_catalog(db_path)
    unanalysed = from_database(catalog, db_path)
    assert unanalysed.rows("t") == 700 and not unanalysed.planner_has_stats
    assert "ANALYZE" in unanalysed.notes[0]
    db.execute("ANALYZE")
    db.commit()
    db.close()
    analysed = from_database(catalog, db_path)
    assert analysed.planner_has_stats and analysed.source == "sqlite_stat1"
    assert analysed.distinct_values("t", ("g",)) == 7


def test_a_subquery_correlated_on_two_columns_gets_both_join_columns() -> None:
    """TPC-H Q20's subquery seeks lineitem on the part and the supplier of the outer row
    and ranges on the ship date: one join column at a time, SQLite picked the supplier
    index for it and the query ran 6x slower than with both."""
    root = Path(__file__).resolve().parent.parent
    catalog = load_catalog(root / "workloads" / "tpch" / "schema.sql")
    sql = ("SELECT ps_suppkey FROM partsupp WHERE ps_availqty > (SELECT 0.5 * sum(l_quantity) "
           "FROM lineitem WHERE l_partkey = ps_partkey AND l_suppkey = ps_suppkey "
           "AND l_shipdate >= '1994-01-01' AND l_shipdate < '1995-01-01')")
    analysis = analyze(canonicalize(sql), catalog)
    kept = {c.spec.describe() for c in generate({"q20": analysis}, catalog,
                                                defaults(catalog)).kept}
    assert {"lineitem(l_partkey, l_suppkey, l_shipdate)", "lineitem(l_partkey, l_suppkey)",
            "lineitem(l_partkey, l_shipdate)", "lineitem(l_suppkey, l_shipdate)"} <= kept


def _status_five_jobs(tmp_path: Path) -> Workload:
    """20,000 jobs of 50 workflows, 1% of them in status 5, and a log that looks for a
    workflow's first job in status 5."""
    database = tmp_path / "jobs.db"
    connection = sqlite3.connect(database)
    connection.execute("CREATE TABLE job (id INTEGER PRIMARY KEY, workflow_id INT NOT NULL, "
                       "status INT NOT NULL, name TEXT)")
    connection.executemany("INSERT INTO job (workflow_id, status, name) VALUES (?, ?, 'x')",
                           [(i % 50, 5 if i % 100 == 0 else i % 4) for i in range(20_000)])
    connection.commit()
    connection.close()
    log = tmp_path / "w.log"
    log.write_text("".join(f"SELECT id FROM job WHERE workflow_id = {k % 50} AND status = 5 "
                           "LIMIT 1\n" for k in range(30)))
    return read_workload(Inputs(logs=(str(log),), db=str(database)))


def test_a_partial_index_for_a_constant_equality_is_planned_with_its_value_bound(
        tmp_path: Path) -> None:
    """``status = ?`` always holds 5 in the samples: the analysis binds it, the what-if
    planner plans with it bound (as SQLite does once the application binds it), and the
    partial candidate job(workflow_id) WHERE status = 5 is then used. With the
    parameter left NULL, no partial index could ever be planned, or recommended."""
    workload = _status_five_jobs(tmp_path)
    (template_id,) = workload.analyses
    assert workload.analyses[template_id].bound == ((1, 5),)  # workflow_id varies: unbound
    partial = parse_index("job(workflow_id) WHERE status = 5")
    assert partial in candidate_specs(generate(workload.analyses, workload.catalog,
                                               workload.statistics))
    with estimated_pricer(workload) as pricer:
        assert partial.name in pricer.price(template_id, (partial,)).plan.indexes_used()
        view = pricer.views[template_id]
        unbound = pricer.whatif.plan(view.text, view.tables, (partial,))
        assert partial.name not in unbound.indexes_used()
    chosen = recommend(workload).chosen
    assert [c.spec for c in chosen] == [partial]


def test_a_seek_on_a_partial_index_finds_only_the_rows_its_where_keeps(
        tmp_path: Path) -> None:
    """Every entry of job(workflow_id) WHERE status = 5 is a status-5 job: a seek on a
    workflow finds its first one at once, as job(workflow_id, status) does (both 12 us
    measured), where job(workflow_id) reads on through its other jobs (155 us). Priced
    as the plain index, the partial one lost to the composite by more than the band."""
    workload = _status_five_jobs(tmp_path)
    (template_id,) = workload.analyses
    with estimated_pricer(workload) as pricer:
        def seek(index: str) -> float:
            return pricer.price(template_id, (parse_index(index),)).estimate.loops[0].cost
        partial, composite = seek("job(workflow_id) WHERE status = 5"), seek(
            "job(workflow_id, status)")
        plain = seek("job(workflow_id)")
    assert partial < 3 * composite  # a row fetch more: the partial index does not cover
    assert plain > 5 * partial


def test_a_range_that_reads_two_more_columns_gets_a_covering_variant(
        tmp_path: Path) -> None:
    """TPC-H Q3 ranges over half of orders by o_orderdate and reads o_custkey and
    o_shippriority: after ANALYZE SQLite took orders(o_orderdate, ...) for the range and
    fetched each row, 2.2-2.9x the scan with no index, and no candidate read the range's
    rows from the index alone. A range's covering variant adds up to two columns; one
    that would add three is not made (the candidates multiply)."""
    schema = tmp_path / "schema.sql"
    schema.write_text(
        "CREATE TABLE orders (o_orderkey INTEGER PRIMARY KEY, o_custkey INT, "
        "o_orderdate TEXT, o_shippriority INT, o_comment TEXT, o_clerk TEXT);\n")
    catalog = load_catalog(schema)
    statistics = defaults(catalog)

    def kept(sql: str) -> dict[str, tuple[str, ...]]:
        analysis = analyze(canonicalize(sql), catalog)
        return {c.spec.describe(): c.shapes
                for c in generate({"q": analysis}, catalog, statistics).kept}

    two = kept("SELECT o_orderkey, o_custkey, o_shippriority FROM orders "
               "WHERE o_orderdate < '1995-03-15'")
    assert two["orders(o_orderdate, o_custkey, o_shippriority)"] == ("covering",)
    three = kept("SELECT o_custkey, o_shippriority, o_clerk FROM orders "
                 "WHERE o_orderdate < '1995-03-15'")
    assert not any(spec.startswith("orders(o_orderdate,") for spec in three)


def test_a_join_lookup_that_reads_one_more_column_gets_a_covering_variant(
        tmp_path: Path) -> None:
    """The box office's promoter dashboard walks each event's tickets and reads each
    ticket's seat: with tickets(event_id) alone every match fetches its row for
    seat_id. Replayed in log order, tickets(event_id, seat_id) ran the workload 13%
    faster, and it was never a candidate: covering variants were made for equality,
    order and group seeks, not for a join's, and the variant seeking on both join
    columns puts the more selective, seat_id, first (the seek is on event_id)."""
    schema = tmp_path / "schema.sql"
    schema.write_text(
        "CREATE TABLE events (id INTEGER PRIMARY KEY, organizer_id INT, title TEXT);\n"
        "CREATE TABLE seats (id INTEGER PRIMARY KEY, event_id INT, price_cents INT);\n"
        "CREATE TABLE tickets (id INTEGER PRIMARY KEY, event_id INT, seat_id INT, "
        "barcode TEXT);\n")
    catalog = load_catalog(schema)
    statistics = replace(defaults(catalog), distinct={("tickets", ("event_id",)): 3_000,
                                                      ("tickets", ("seat_id",)): 300_000})
    sql = ("SELECT e.id, e.title, count(t.id), sum(s.price_cents) FROM events e "
           "JOIN tickets t ON t.event_id = e.id JOIN seats s ON s.id = t.seat_id "
           "WHERE e.organizer_id = ? GROUP BY e.id, e.title")
    analysis = analyze(canonicalize(sql), catalog)
    kept = {c.spec.describe(): c.shapes
            for c in generate({"dashboard": analysis}, catalog, statistics).kept}
    assert "join" in kept["tickets(seat_id, event_id)"]
    assert kept["tickets(event_id, seat_id)"] == ("covering",)
    assert not any(spec.startswith("tickets") and "barcode" in spec for spec in kept)

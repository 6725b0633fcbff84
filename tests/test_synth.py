"""The synthesiser: sizes, links, DAGs, hints, constraints, determinism and the cache.

The Torc profile is built once at 2% scale (4,000 jobs, about 30,000 rows); a
small shop schema covers what Torc does not use (UNIQUE text columns, a
foreign key to a non-rowid column, a self reference, WITHOUT ROWID, generated
columns).
"""

from __future__ import annotations

import math
import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest
from torc import PROFILE, SCHEMA

from advisor.catalog.profile import ColumnHint, Distribution, Profile, load_profile, parse_profile
from advisor.catalog.schema import Catalog, catalog_from_sql, load_catalog
from advisor.model.errors import ProfileError
from advisor.replay.synth import (
    SynthReport,
    build_dag,
    cached_database,
    default_cache_dir,
    synthesize,
)

SCALE = 0.02

SHOP_SCHEMA = """
CREATE TABLE customer (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    country TEXT NOT NULL,
    tier TEXT,
    note TEXT,
    created_at TEXT NOT NULL,
    referrer_id INTEGER REFERENCES customer (id)
);
CREATE TABLE "order" (
    id INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customer (id),
    code TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL DEFAULT 'open',
    total REAL,
    doubled INTEGER GENERATED ALWAYS AS (id * 2) VIRTUAL
);
CREATE TABLE order_line (
    order_code TEXT NOT NULL REFERENCES "order" (code),
    line INTEGER NOT NULL,
    sku TEXT,
    qty INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (order_code, line)
) WITHOUT ROWID;
CREATE INDEX order_status ON "order" (status);
"""

SHOP_PROFILE = """
[profile]
name = "shop"
seed = 7
scales = ["customer"]

[tables.customer]
rows = 300

[tables.customer.columns]
country = { values = { DE = 0.4, FR = 0.3, IT = 0.2, ES = 0.1 } }
email = { width = 24 }
tier = { distinct = 5, skew = 1.0 }
note = { null_fraction = 0.5, width = 40 }

[tables.order]
parent = "customer"
per_parent = { distribution = "geometric", mean = 4, max = 120 }

[tables.order.columns]
status = { values = { shipped = 0.9, open = 0.08, canceled = 0.02 } }

[tables.order_line]
parent = "order"
key = "order_code"
per_parent = { distribution = "poisson", mean = 2.5, min = 1, max = 40 }

[[groups]]
name = "wholesale"
table = "customer"
rows = 20
per_parent = { order = { distribution = "zipf", total = 3000, skew = 1.2 } }
columns = { country = { values = { DE = 1 } } }
"""


# ---------------------------------------------------------------- fixtures and helpers


@pytest.fixture(scope="module")
def torc_catalog() -> Catalog:
    return load_catalog(SCHEMA)


@pytest.fixture(scope="module")
def torc_profile() -> Profile:
    return load_profile(PROFILE)


@pytest.fixture(scope="module")
def torc(tmp_path_factory: pytest.TempPathFactory, torc_catalog: Catalog,
         torc_profile: Profile) -> SynthReport:
    path = tmp_path_factory.mktemp("synth") / "torc.sqlite"
    return synthesize(torc_catalog, torc_profile, path, scale=SCALE)


@pytest.fixture
def db(torc: SynthReport) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(torc.path)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sqlite3.Connection]:
    path = tmp_path_factory.mktemp("shop") / "shop.sqlite"
    report = synthesize(catalog_from_sql([("shop", SHOP_SCHEMA)], "shop"),
                        parse_profile(SHOP_PROFILE), path)
    assert not report.refused
    connection = sqlite3.connect(path)
    yield connection
    connection.close()


def scalar(connection: sqlite3.Connection, sql: str) -> object:
    return connection.execute(sql).fetchone()[0]


def close_to(actual: float, expected: float) -> bool:
    """Within what a random draw plausibly gives: 10%, or four standard deviations when small."""
    return abs(actual - expected) <= max(0.1 * expected, 4 * math.sqrt(expected) + 2)


def contents(path: Path) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


# ---------------------------------------------------------------- sizes


def test_row_counts_match_the_profile(torc: SynthReport, torc_profile: Profile) -> None:
    expected = torc_profile.scaled(SCALE).table_rows()
    for table, rows in expected.items():
        assert close_to(torc.rows[table], rows), (table, torc.rows[table], rows)
    # Whole counts per parent are exact; scheduled_compute_node's 1.5 per active workflow
    # (the Slurm allocations of the half that have schedulers) is rounded at random.
    fixed = ("workflow", "workflow_status", "job", "job_internal", "local_scheduler",
             "compute_node")
    assert {t: torc.rows[t] for t in fixed} == {t: expected[t] for t in fixed}
    assert not torc.refused
    assert torc.scale == SCALE and torc.seed == torc_profile.seed


def test_groups_shape_the_workflows(db: sqlite3.Connection) -> None:
    sizes = dict(db.execute("SELECT workflow_id, count(*) FROM job GROUP BY 1"))
    assert sizes[40] == 200  # the focus workflow: 10,000 jobs at 2%
    history = sorted((sizes[w] for w in range(1, 36)), reverse=True)
    assert sum(history) == 3680 and min(history) >= 4  # zipf total 184,000, min 200
    assert history[0] > 5 * history[len(history) // 2]  # one giant, many small
    assert sum(sizes[w] for w in range(36, 40)) == 120
    results = dict(db.execute("SELECT workflow_id, count(*) FROM result GROUP BY 1"))
    assert results[40] == 198 and set(results) <= set(range(36, 41))  # 0.99 per focus job


def test_scale_multiplies_the_scaled_tables(tmp_path: Path, torc_catalog: Catalog,
                                            torc_profile: Profile, torc: SynthReport) -> None:
    double = synthesize(torc_catalog, torc_profile, tmp_path / "x2.sqlite", scale=2 * SCALE)
    assert double.rows["job"] == 2 * torc.rows["job"]
    assert double.rows["workflow"] == torc.rows["workflow"]


# ---------------------------------------------------------------- links and constraints


def test_every_foreign_key_resolves(db: sqlite3.Connection) -> None:
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert scalar(db, "SELECT count(*) FROM workflow w JOIN workflow_status s "
                      "ON s.id = w.status_id") == 40


def test_links_stay_within_their_workflow(db: sqlite3.Connection) -> None:
    checks = {
        "job": "JOIN resource_requirements r ON r.id = x.resource_requirements_id "
               "WHERE r.workflow_id != x.workflow_id",
        "result": "JOIN job j ON j.id = x.job_id WHERE j.workflow_id != x.workflow_id",
        "job_input_file": "JOIN file f ON f.id = x.file_id JOIN job j ON j.id = x.job_id "
                          "WHERE f.workflow_id != j.workflow_id OR x.workflow_id != j.workflow_id",
        "ready_queue": "JOIN resource_requirements r ON r.id = x.resource_requirements_id "
                       "WHERE r.workflow_id != x.workflow_id",
    }
    for table, where in checks.items():
        assert scalar(db, f"SELECT count(*) FROM {table} x {where}") == 0, table


def test_job_blocked_by_is_a_dag_within_each_workflow(db: sqlite3.Connection) -> None:
    assert scalar(db, "SELECT count(*) FROM job_blocked_by b JOIN job j ON j.id = b.job_id "
                      "JOIN job k ON k.id = b.blocked_by_job_id WHERE j.workflow_id != "
                      "k.workflow_id OR b.workflow_id != j.workflow_id") == 0
    graph = nx.DiGraph(db.execute("SELECT blocked_by_job_id, job_id FROM job_blocked_by"))
    assert nx.is_directed_acyclic_graph(graph)
    assert all(u < v for u, v in graph.edges)  # earlier jobs block later ones
    assert max(d for _, d in graph.out_degree) <= 40  # max_fan_out
    focus = graph.subgraph(j for (j,) in db.execute("SELECT id FROM job WHERE workflow_id = 40"))
    assert nx.dag_longest_path_length(focus) == 11  # depth 12: chains of 12 jobs
    fan_in = scalar(db, "SELECT count(*) * 1.0 / (SELECT count(*) FROM job) FROM job_blocked_by")
    assert 1.35 < fan_in < 1.65  # poisson mean 1.5 over every job


def test_unique_constraints_hold(db: sqlite3.Connection) -> None:
    keys = {"result": "job_id, run_id", "workflow_result": "workflow_id, job_id",
            "ready_queue": "workflow_id, job_id", "job_input_file": "job_id, file_id",
            "job_blocked_by": "job_id, blocked_by_job_id"}
    for table, key in keys.items():
        assert scalar(db, f"SELECT count(*) FROM (SELECT {key} FROM {table} GROUP BY {key} "
                          "HAVING count(*) > 1)") == 0, table
        assert scalar(db, f"SELECT count(*) FROM {table}") > 0, table


def test_schema_indexes_only_and_no_statistics(db: sqlite3.Connection) -> None:
    created = db.execute("SELECT name FROM sqlite_schema WHERE type = 'index' "
                         "AND sql IS NOT NULL").fetchall()
    assert created == []
    assert scalar(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_stat1'") == 0


# ---------------------------------------------------------------- values


def test_column_hints_are_respected(db: sqlite3.Connection) -> None:
    def share(sql: str) -> float:
        return float(scalar(db, sql))  # type: ignore[arg-type]

    assert abs(share("SELECT avg(cancel_on_blocking_job_failure = 1) FROM job") - 0.8) < 0.03
    assert abs(share("SELECT avg(supports_termination = 1) FROM job") - 0.1) < 0.03
    assert abs(share("SELECT avg(scheduler_id IS NULL) FROM job") - 0.7) < 0.03
    # The statuses the simulated window leaves: blocked, ready, done, canceled (1% of the
    # focus workflow's 200 jobs at this scale: about two, none with this seed).
    statuses = dict(db.execute("SELECT status, count(*) FROM job GROUP BY status"))
    assert {1, 4, 5} <= set(statuses) <= {1, 2, 4, 5} and max(statuses, key=statuses.get) == 1
    # The groups' own mixes: the focus workflow (40) ran to completion, the active ones
    # (36-39) in part, the history ones (1-35) never.
    by_group = {group: set(map(int, found.split(","))) for group, found in db.execute(
        "SELECT CASE WHEN workflow_id <= 35 THEN 'history' WHEN workflow_id < 40 THEN 'active' "
        "ELSE 'focus' END, group_concat(DISTINCT status) FROM job GROUP BY 1")}
    assert by_group["history"] == {1, 5} and by_group["active"] == {1, 4, 5}
    assert by_group["focus"] <= {2, 4}
    assert share("SELECT avg(status = 4) FROM job WHERE workflow_id = 40") > 0.95
    assert abs(share("SELECT avg(status = 4) FROM job WHERE workflow_id BETWEEN 36 AND 39")
               - 0.15) < 0.1
    assert scalar(db, "SELECT count(DISTINCT user) FROM workflow") <= 8
    assert abs(share("SELECT avg(length(command)) FROM job") - 28) < 3
    cpus = {row[0] for row in db.execute("SELECT DISTINCT num_cpus FROM resource_requirements")}
    assert cpus <= {1, 4, 16, 64}
    assert set(dict(db.execute("SELECT DISTINCT memory, 1 FROM resource_requirements"))) <= {
        "1g", "8g", "32g", "128g"}


def test_group_column_hints_override(db: sqlite3.Connection) -> None:
    rows = dict(db.execute("SELECT id, jobs_sort_method || ':' || is_archived FROM workflow "
                           "WHERE id > 35"))
    assert rows == {36: "gpus_memory_runtime:0", 37: "gpus_memory_runtime:0",
                    38: "gpus_memory_runtime:0", 39: "gpus_memory_runtime:0",
                    40: "gpus_runtime_memory:0"}


def test_not_null_columns_get_values(db: sqlite3.Connection, torc_catalog: Catalog) -> None:
    for table in torc_catalog.tables.values():
        for column in table.columns:
            if column.not_null:
                assert scalar(db, f'SELECT count(*) FROM {table.name} '
                                  f'WHERE "{column.name}" IS NULL') == 0, column


def test_a_general_schema(shop: sqlite3.Connection) -> None:
    assert shop.execute("PRAGMA foreign_key_check").fetchall() == []
    assert scalar(shop, "SELECT count(*) FROM customer") == 300
    assert scalar(shop, "SELECT count(*) FROM customer WHERE id <= 20 AND country != 'DE'") == 0
    assert scalar(shop, 'SELECT count(*) FROM "order" WHERE customer_id <= 20') == 3000
    orders = scalar(shop, 'SELECT count(*) FROM "order"')
    assert close_to(orders, 3000 + 280 * 4)  # type: ignore[arg-type]
    assert scalar(shop, "SELECT min(n) FROM (SELECT count(*) n FROM order_line "
                        "GROUP BY order_code)") >= 1
    assert scalar(shop, 'SELECT count(*) FROM "order" WHERE doubled != 2 * id') == 0
    assert abs(float(scalar(shop, "SELECT avg(note IS NULL) FROM customer")) - 0.5) < 0.1  # type: ignore[arg-type]
    assert scalar(shop, "SELECT count(DISTINCT tier) FROM customer") <= 5
    assert abs(float(scalar(shop, "SELECT avg(length(email)) FROM customer")) - 24) < 3  # type: ignore[arg-type]
    assert scalar(shop, "SELECT count(*) FROM order_line WHERE qty != 1") == 0  # its DEFAULT
    assert scalar(shop, "SELECT count(*) FROM sqlite_schema WHERE name = 'order_status'") == 1
    shipped = float(scalar(shop, 'SELECT avg(status = \'shipped\') FROM "order"'))  # type: ignore[arg-type]
    assert abs(shipped - 0.9) < 0.03


# ---------------------------------------------------------------- the DAG builder


def test_build_dag_honours_depth_fan_in_and_fan_out() -> None:
    fan_in = Distribution(kind="poisson", mean=2.0, max=6)
    graph = build_dag(3000, fan_in, depth=5, max_fan_out=3, rng=random.Random(1))
    assert nx.is_directed_acyclic_graph(graph) and graph.number_of_nodes() == 3000
    assert all(u < v for u, v in graph.edges)
    assert max(d for _, d in graph.out_degree) <= 3
    assert nx.dag_longest_path_length(graph) == 4
    assert 1.8 < graph.number_of_edges() / 3000 < 2.1
    assert not any(graph.in_degree(n) for n in range(600))  # the first layer: roots


# ---------------------------------------------------------------- determinism, progress, cache


def test_same_seed_same_contents(tmp_path: Path, torc_catalog: Catalog, torc_profile: Profile,
                                 torc: SynthReport) -> None:
    again = synthesize(torc_catalog, torc_profile, tmp_path / "again.sqlite", scale=SCALE)
    assert contents(again.path) == contents(torc.path)
    other = synthesize(torc_catalog, torc_profile, tmp_path / "other.sqlite", seed=1,
                       scale=SCALE)
    assert contents(other.path) != contents(torc.path)


def test_progress_reaches_each_tables_total(tmp_path: Path) -> None:
    calls: list[tuple[str, int, int]] = []
    report = synthesize(catalog_from_sql([("shop", SHOP_SCHEMA)], "shop"),
                        parse_profile(SHOP_PROFILE), tmp_path / "s.sqlite",
                        progress=lambda *call: calls.append(call))
    last = {table: (done, total) for table, done, total in calls}
    assert last == {t: (n, n) for t, n in report.rows.items()}
    assert [t for t, done, _ in calls if done == 0] == ["customer", "order", "order_line"]


def test_refuses_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "taken.sqlite"
    path.write_text("mine")
    with pytest.raises(Exception, match="already exists"):
        synthesize(catalog_from_sql([("shop", SHOP_SCHEMA)], "shop"),
                   parse_profile(SHOP_PROFILE), path)
    assert path.read_text() == "mine"


def test_the_cache_builds_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               torc_profile: Profile) -> None:
    first = cached_database(SCHEMA, PROFILE, scale=0.01, cache_dir=tmp_path)
    built = first.stat().st_ino  # a rebuild replaces the file (reuse only marks it used)
    rebuilt: list[object] = []
    again = cached_database(SCHEMA, PROFILE, seed=torc_profile.seed, scale=0.01,
                            cache_dir=tmp_path, progress=lambda *call: rebuilt.append(call))
    assert again == first and first.stat().st_ino == built and not rebuilt
    other = cached_database(SCHEMA, PROFILE, seed=3, scale=0.01, cache_dir=tmp_path)
    assert other != first and other.parent == tmp_path
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path / "root"))
    assert default_cache_dir() == tmp_path / "root" / "synth"


# ---------------------------------------------------------------- profile errors


@pytest.mark.parametrize(("change", "message"), [
    (("[[groups]]", "[tables.orders]\nrows = 3\n[[groups]]"),
     r"\[tables\.orders\] names a table the schema lacks"),
    (("status = {", "state = {"), r"names column 'state', which table order lacks"),
    (('key = "order_code"', 'key = "order_id"'), r"\[tables\.order_line\]\.key names column"),
    (("columns = { country", "tables = { order = { columns = { state = { distinct = 2 } } } }\n"
                            "columns = { country"),
     r"\[\[groups\]\] 'wholesale'\.tables\.order\.columns\.state names column 'state'"),
])
def test_profile_naming_what_the_schema_lacks(tmp_path: Path, change: tuple[str, str],
                                              message: str) -> None:
    profile = parse_profile(SHOP_PROFILE.replace(*change))
    with pytest.raises(ProfileError, match=message):
        synthesize(catalog_from_sql([("shop", SHOP_SCHEMA)], "shop"), profile,
                   tmp_path / "bad.sqlite")
    assert not list(tmp_path.iterdir())


def test_not_null_reference_to_an_unsized_table(tmp_path: Path) -> None:
    profile = parse_profile('[profile]\nname = "x"\n[tables.order]\nrows = 5\n')
    with pytest.raises(ProfileError, match=r"order\.customer_id is NOT NULL and references "
                                           r"customer"):
        synthesize(catalog_from_sql([("shop", SHOP_SCHEMA)], "shop"), profile,
                   tmp_path / "bad.sqlite")


# ---------------------------------------------------------------- a group's hints below its table

# The wholesale customers' orders are all open, their order lines all of 12 (a grandchild,
# and a column the schema gives a DEFAULT that no table-level hint names).
GROUP_TABLES = """
[groups.tables.order.columns]
status = { values = { open = 1 } }

[groups.tables.order_line.columns]
qty = { values = { 12 = 1 } }
"""


def test_a_group_reads_hints_for_the_tables_below_it() -> None:
    profile = parse_profile(SHOP_PROFILE + GROUP_TABLES)
    (wholesale,) = profile.groups
    assert {t: dict(h) for t, h in wholesale.tables.items()} == {
        "order": {"status": ColumnHint(values=(("open", 1.0),))},
        "order_line": {"qty": ColumnHint(values=((12, 1.0),))}}
    assert profile.column_hint("order", "status", wholesale) == ColumnHint(values=(("open", 1.0),))
    assert profile.column_hint("order", "status") == profile.tables["order"].columns["status"]
    assert profile.column_hint("order_line", "qty", wholesale) == ColumnHint(values=((12, 1.0),))
    assert profile.column_hint("order_line", "qty") is None
    assert profile.column_hint("customer", "country", wholesale) == wholesale.columns["country"]
    assert profile.scaled(2).groups[0].tables == wholesale.tables
    with pytest.raises(TypeError):  # frozen, as the rest of the profile
        wholesale.tables["customer"] = {}  # type: ignore[index]


@pytest.mark.parametrize(("tables", "message"), [
    ("[groups.tables.order]\nrows = 3\n",
     r"unknown key 'rows' in \[\[groups\]\] 'wholesale'\.tables\.order; use one of: columns"),
    ("[groups.tables]\norder = 3\n",
     r"\[\[groups\]\] 'wholesale'\.tables\.order must be a table, got 3"),
    ("[groups.tables.orders.columns]\nstatus = { distinct = 2 }\n",
     r"'wholesale'\.tables\.orders: 'orders' has no \[tables\.orders\] entry"),
    ("[groups.tables.customer.columns]\ntier = { distinct = 2 }\n",
     r"'customer' is the group's own table; give its hints in \[\[groups\]\] "
     r"'wholesale'\.columns"),
    ("[groups.tables.warehouse.columns]\nname = { distinct = 2 }\n",
     r"'wholesale'\.tables\.warehouse: 'warehouse' must be a table below 'customer'"),
    ("[groups.tables.order.columns]\nstatus = { distinct = 0 }\n",
     r"\[\[groups\]\] 'wholesale'\.tables\.order\.columns\.status\.distinct must be at least 1"),
    ("[groups.tables.order.columns]\nstatus = { values = { open = -1 } }\n",
     r"'wholesale'\.tables\.order\.columns\.status\.values\.open must be at least 0"),
])
def test_a_bad_group_table_is_named(tables: str, message: str) -> None:
    warehouse = "[tables.warehouse]\nrows = 2\n"  # a root table beside customer
    with pytest.raises(ProfileError, match=message):
        parse_profile(SHOP_PROFILE.replace("[[groups]]", warehouse + "[[groups]]") + tables)


def test_a_groups_rows_below_it_take_its_hints(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite"
    report = synthesize(catalog_from_sql([("shop", SHOP_SCHEMA)], "shop"),
                        parse_profile(SHOP_PROFILE + GROUP_TABLES), path)
    assert not report.refused
    connection = sqlite3.connect(path)
    try:
        statuses = dict(connection.execute(
            'SELECT customer_id <= 20, group_concat(DISTINCT status) FROM "order" GROUP BY 1'))
        assert statuses[1] == "open"  # the 20 wholesale customers' 3,000 orders
        shipped = float(scalar(connection, "SELECT avg(status = 'shipped') FROM \"order\" "
                                           "WHERE customer_id > 20"))  # type: ignore[arg-type]
        assert abs(shipped - 0.9) < 0.05  # the others: the table's mix
        lines = dict(connection.execute(
            'SELECT o.customer_id <= 20, avg(l.qty = 12) FROM order_line l '
            'JOIN "order" o ON o.code = l.order_code GROUP BY 1'))
        assert lines[1] == 1.0 and lines[0] < 0.01
    finally:
        connection.close()

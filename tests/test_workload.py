"""End to end: the default Torc workload's two captured logs, its schema and its index files."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from types import ModuleType
from typing import Any

import pytest
from conftest import command_json, digest_json
from torc import MIGRATIONS, SCHEMA, TORC

from advisor.catalog.index_lists import load_index_list
from advisor.catalog.schema import load_catalog


def _load_make_schema() -> ModuleType:
    """workloads/torc/make_schema.py, loaded by path (workloads/ is not a package)."""
    spec = importlib.util.spec_from_file_location("torc_make_schema", TORC / "make_schema.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_schema = _load_make_schema()


# Both logs ship gzip-compressed under their plain names (gzip is read by content).
PLAIN = TORC / "workload.log"
SQLX = TORC / "workload.sqlx.log"


@pytest.fixture(scope="module")
def documents() -> list[dict[str, Any]]:
    return [digest_json(str(path), "--strict") for path in (PLAIN, SQLX)]


def test_both_logs_give_the_same_templates_and_counts(documents: list[dict[str, Any]]) -> None:
    """Every statement is in both logs but the BEGIN and COMMIT of sqlx's pool.begin()
    transactions, which sqlx sends below its query logger: the trace log has them, the
    sqlx log has only the BEGIN IMMEDIATE transactions the claim queries open themselves."""
    plain, sqlx = ({t["sql"]: t["count"] for t in document["templates"]}
                   for document in documents)
    assert "BEGIN" not in sqlx and plain["BEGIN"] > 0
    assert plain["COMMIT"] == sqlx["COMMIT"] + plain["BEGIN"]
    assert sqlx["COMMIT"] == sqlx["BEGIN IMMEDIATE"]
    rest = ("BEGIN", "COMMIT")
    assert ({k: v for k, v in plain.items() if k not in rest}
            == {k: v for k, v in sqlx.items() if k not in rest})
    assert len(plain) >= 100  # the server's statements, not a handful


def test_the_default_workload_is_clean(documents: list[dict[str, Any]]) -> None:
    for document in documents:
        totals = document["totals"]
        assert totals["unreadable"] == 0  # --strict passed too
        assert totals["statements"] > 0
        kinds = {t["kind"] for t in document["templates"]}
        assert {"read", "write", "transaction"} <= kinds
    sqlx = documents[1]
    assert sqlx["sources"][0]["format"].startswith("sqlx")
    assert sqlx["totals"]["timed_statements"] == sqlx["totals"]["statements"]  # sqlx times all


def test_the_servers_hot_statements_are_there(documents: list[dict[str, Any]]) -> None:
    """The statements that dominate Torc's server: the completion check after every
    completion and runner poll, the recursive unblock, and the claim in both sort orders."""
    texts = [t["sql"] for t in documents[0]["templates"]]
    assert any(t.startswith("SELECT ? AS found FROM job WHERE workflow_id = ? AND status NOT IN")
               for t in texts)
    assert any(t.startswith("WITH RECURSIVE jobs_to_process") for t in texts)
    claims = [t for t in texts if t.startswith("SELECT rq.workflow_id, rq.job_id")]
    assert any("ORDER BY rr.num_gpus DESC, rr.runtime_s DESC, rr.memory_bytes DESC" in t
               for t in claims)
    assert any("ORDER BY rr.num_gpus DESC, rr.memory_bytes DESC, rr.runtime_s DESC" in t
               for t in claims)


def test_schema_sql_is_the_migrations_rendered() -> None:
    """schema.sql (what advisor reads next to the logs) is generated from migrations/."""
    done = subprocess.run([sys.executable, str(TORC / "make_schema.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    from_file, from_folder = load_catalog(SCHEMA), load_catalog(MIGRATIONS)
    assert from_file.tables == from_folder.tables
    assert from_file.indexes == from_folder.indexes
    assert len(from_folder.tables) == 21
    assert not from_folder.droppable  # no secondary index at ff3df9a: keys only


def test_the_migrations_and_schema_sql_give_sqlite_the_same_catalog() -> None:
    """At SQLite's level (declared types, NOT NULL, defaults, key positions, implicit
    indexes, foreign keys and their actions): the up scripts applied in order build what
    schema.sql builds, and the down scripts applied in reverse undo them. The catalog is
    the one Torc's own migrations at ff3df9a build (workloads/torc/README.md, "Schema")."""
    ups = [p.read_text(encoding="utf-8") for p in sorted(MIGRATIONS.glob("*.up.sql"))]
    downs = [p.read_text(encoding="utf-8")
             for p in sorted(MIGRATIONS.glob("*.down.sql"), reverse=True)]
    assert len(ups) == len(downs) == 21
    built = make_schema.migrations_catalog(MIGRATIONS)
    assert built == make_schema.sqlite_catalog([SCHEMA.read_text(encoding="utf-8")])
    assert len(built) == 206  # what Torc's 21 migrations at ff3df9a give, row for row
    assert make_schema.sqlite_catalog(ups + downs) == []


def test_advisor_reads_the_migrations_folder() -> None:
    document = command_json("explain", "--schema", str(MIGRATIONS), "--sql",
                            "SELECT id FROM job WHERE workflow_id = 1 AND status = 5")
    assert document["templates"], document


@pytest.mark.parametrize("name, count", [("seed-indexes.sql", 13), ("torc-indexes.sql", 4)])
def test_the_index_lists_name_real_columns(name: str, count: int) -> None:
    indexes = load_index_list(str(TORC / name), load_catalog(MIGRATIONS))
    assert len(indexes) == count

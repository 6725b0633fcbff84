"""The catalog reads schemas through SQLite itself: DDL, migrations, live databases."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from torc import SCHEMA

from advisor.catalog.schema import SchemaError, load_catalog
from advisor.model.indexes import KeyExpression

DDL = """
CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE child (
    parent_id INTEGER NOT NULL REFERENCES parent(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    state TEXT,
    PRIMARY KEY (parent_id, seq)
) WITHOUT ROWID;
CREATE INDEX child_state ON child(state DESC, seq) WHERE state IS NOT NULL;
CREATE INDEX parent_lower ON parent(lower(name));
"""


def test_ddl_file_gives_tables_keys_and_every_index(tmp_path: Path) -> None:
    schema = tmp_path / "schema.sql"
    schema.write_text(DDL)
    catalog = load_catalog(schema)
    assert sorted(catalog.tables) == ["child", "parent"]
    child = catalog.table("CHILD")
    assert child is not None and child.without_rowid
    assert child.primary_key == ("parent_id", "seq")
    assert child.rowid_alias is None
    assert child.foreign_keys[0].parent == "parent"
    assert child.foreign_keys[0].on_delete == "CASCADE"
    parent = catalog.table("parent")
    assert parent is not None and parent.rowid_alias == "id"
    by_name = {index.name: index for index in catalog.indexes}
    assert by_name["sqlite_autoindex_parent_1"].origin == "u"
    assert by_name["sqlite_autoindex_parent_1"].column_names == ("name",)
    partial = by_name["child_state"]
    assert partial.describe() == "child(state DESC, seq) WHERE state IS NOT NULL"
    assert partial.origin == "c"
    # An expression key is read from the CREATE INDEX, as advisor writes it.
    assert isinstance(by_name["parent_lower"].columns[0].name, KeyExpression)
    assert by_name["parent_lower"].unmodelled is None


def test_migrations_folder_applies_up_scripts_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "20240101_create.up.sql").write_text("CREATE TABLE t (a INTEGER, b TEXT);")
    (tmp_path / "20240101_create.down.sql").write_text("DROP TABLE t;")
    (tmp_path / "20240202_index.up.sql").write_text("CREATE INDEX t_a ON t(a);")
    (tmp_path / "20240202_index.down.sql").write_text("DROP INDEX t_a;")
    catalog = load_catalog(tmp_path)
    assert [index.name for index in catalog.indexes_on("t")] == ["t_a"]


def test_live_database_is_read_without_being_changed(tmp_path: Path) -> None:
    database = tmp_path / "app.db"
    connection = sqlite3.connect(database)
    connection.executescript(DDL + "INSERT INTO parent(name) VALUES ('a');")
    connection.close()
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    catalog = load_catalog(database)
    assert "child_state" in {index.name for index in catalog.indexes}
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before


def test_torc_schema_has_21_tables_and_only_key_indexes() -> None:
    catalog = load_catalog(SCHEMA)
    assert len(catalog.tables) == 21
    assert all(index.origin in ("pk", "u") for index in catalog.indexes)
    ready_queue = catalog.indexes_on("ready_queue")
    assert [index.column_names for index in ready_queue] == [("workflow_id", "job_id")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("CREATE TABLE t (a INTEGER", "SQLite rejects it"),
        (None, "no such file"),
    ],
)
def test_bad_schemas_are_named_errors(tmp_path: Path, content: str | None, message: str) -> None:
    schema = tmp_path / "schema.sql"
    if content is not None:
        schema.write_text(content)
    with pytest.raises(SchemaError, match=message):
        load_catalog(schema)


def test_empty_migrations_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match=r"no \*\.up\.sql"):
        load_catalog(tmp_path)

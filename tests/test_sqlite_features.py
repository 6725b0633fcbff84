"""Schemas and logs with the SQLite features applications use: FTS5 tables kept by
triggers, views queried in the log, quoted names (tests/fixtures/features)."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import command_json, run_command

from advisor.analysis.binding import bind, parse_statement
from advisor.analysis.literals import value_nodes
from advisor.catalog.schema import load_catalog
from advisor.model.indexes import IndexSpec, parse_index
from advisor.whatif.planner import SchemaCopy, indexes_named

FIXTURES = Path(__file__).parent / "fixtures" / "features"
SCHEMA = str(FIXTURES / "schema.sql")
LOG = str(FIXTURES / "workload.log")


def test_a_virtual_tables_shadow_tables_are_its_storage_not_the_schema() -> None:
    catalog = load_catalog(SCHEMA)
    assert not [name for name in catalog.tables if name.startswith("messages_fts_")]
    fts = catalog.table("messages_fts")
    assert fts is not None and fts.virtual
    assert {"messages_fts", "rank"} <= set(fts.column_names)  # hidden, but queries name them
    with SchemaCopy(catalog.ddl, None):  # creating the FTS5 table creates its storage again
        pass


def test_fts_and_view_templates_are_analysed_and_virtual_tables_get_no_candidate() -> None:
    document = command_json("explain", LOG, "--schema", SCHEMA)
    templates = {t["sql"].split(" FROM ")[1].split()[0]: t for t in document["templates"]}
    assert all(not t["unanalysed"] for t in document["templates"])
    candidates = [c["index"] for t in document["templates"] for c in t["candidates"]]
    assert not [c for c in candidates if c.startswith("messages_fts")]
    assert "messages(channel_id)" in candidates  # the FTS query's join to messages
    # the view's own tables: the members' rows, and the correlated count of messages
    unread = {c["index"] for c in templates["unread"]["candidates"]}
    assert any(c.startswith("memberships(") for c in unread)
    assert any(c.startswith("messages(") for c in unread)
    assert [c["index"] for c in templates["authors"]["candidates"]] == ["messages(author_id)"]


def test_an_index_on_a_virtual_table_is_an_input_error() -> None:
    code, _, err = run_command("explain", "--schema", SCHEMA, "--sql", "SELECT 1",
                               "--index", "messages_fts(body)")
    assert code == 1 and "virtual table" in err


def test_a_views_literals_are_not_values_of_the_statement() -> None:
    catalog = load_catalog(SCHEMA)
    binding = bind(parse_statement("SELECT n FROM unread AS u WHERE u.user_id = 7"), catalog)
    assert [node.sql() for node in value_nodes(binding.root)] == ["7"]
    assert {o.table for o in binding.occurrences} == {"memberships", "messages"}


def test_a_prefix_like_is_planned_with_its_pattern_bound() -> None:
    """``LIKE ?`` unbound scans; the application's 'ada%' seeks on the NOCASE key."""
    sql = "SELECT id FROM users WHERE handle LIKE 'ada%' ORDER BY handle LIMIT 10"
    today = command_json("explain", "--schema", SCHEMA, "--sql", sql)["templates"][0]["today"]
    assert today["plan"] == [
        "SEARCH users USING COVERING INDEX sqlite_autoindex_users_1 (handle>? AND handle<?)"]
    sql = "SELECT id FROM users WHERE handle LIKE '%ada' ORDER BY handle LIMIT 10"
    today = command_json("explain", "--schema", SCHEMA, "--sql", sql)["templates"][0]["today"]
    assert "handle>?" not in today["plan"][0]


def test_index_names_with_spaces_are_read_whole_from_plans() -> None:
    """An index the user named "by user" is used, not unused; advisor's own names are
    one word even on a quoted table or column."""
    assert indexes_named(["SEARCH t USING COVERING INDEX by user (a>? AND a<?)",
                          "SCAN m USING INDEX by user LEFT-JOIN",
                          "SEARCH m USING PRIMARY KEY (channel_id=?) LEFT-JOIN"]) == (
        "by user", "by user")
    name = IndexSpec("audit log", (("user id", False), ("at", True))).name
    assert re.fullmatch(r"advisor_audit_log_user_id_at_[0-9a-f]{6}", name)


def test_an_index_on_quoted_names_reads_back_as_it_is_written() -> None:
    spec = parse_index('"audit log"("user id", at DESC)')
    assert spec == IndexSpec("audit log", (("user id", False), ("at", True)))
    assert parse_index(spec.describe()) == spec
    document = command_json("explain", "--schema", SCHEMA, "--sql",
                            'SELECT at FROM "audit log" WHERE "user id" = 4 ORDER BY at DESC',
                            "--index", spec.describe())
    given = document["templates"][0]["given"][0]
    assert given["indexes"] == [spec.describe()] and "advisor_audit_log" in given["plan"][0]

"""Indexes on expressions: ``lower(email) = ?`` is served by users(lower(email)).

A web application's case-insensitive login lookup scans the users table unless an
index holds the expression; a column index on email does not serve it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import command_json, run_command

from advisor.costing.estimate import _constraint_terms, maintenance
from advisor.model.access import WriteAccess
from advisor.model.indexes import IndexSpec, IndexSpecError, KeyExpression, parse_index

USERS = "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL, name TEXT, org INTEGER)"


def test_an_expression_key_reads_back_and_is_created_as_it_is_written() -> None:
    spec = parse_index("users(LOWER(u.email) DESC, org) WHERE org IS NOT NULL")
    [(key, descending), (org, _)] = spec.columns
    assert isinstance(key, KeyExpression) and key == "lower(email)" and descending
    assert not isinstance(org, KeyExpression)
    assert spec.describe() == "users(lower(email) DESC, org) WHERE org IS NOT NULL"
    assert parse_index(spec.describe()) == spec
    assert spec.columns_read == ("email", "org")
    assert spec.create_sql("i") == (
        'CREATE INDEX "i" ON "users" (lower(email) DESC, "org") WHERE org IS NOT NULL')
    assert spec.name.startswith("advisor_users_lower_email__org_")
    # A quoted name holding parentheses is a column's, as before.
    quoted = parse_index('t("odd(name)")')
    assert quoted == IndexSpec("t", (("odd(name)", False),))
    assert not isinstance(quoted.columns[0][0], KeyExpression)
    assert quoted.create_sql("q") == 'CREATE INDEX "q" ON "t" ("odd(name)")'
    with pytest.raises(IndexSpecError, match="cannot read"):
        parse_index("users(lower(email)")


def test_an_update_of_the_column_an_expression_reads_keeps_its_index_up() -> None:
    from advisor.catalog.statistics import Statistics

    stats = Statistics("test", (), {"users": 10_000}, {})
    expression, other = parse_index("users(lower(email))"), parse_index("users(org)")
    insert = maintenance(WriteAccess("users", "INSERT", ("email",)), [expression], stats)
    moved = maintenance(WriteAccess("users", "UPDATE", ("email",)), [expression, other], stats)
    assert [name for name, _ in moved.per_index] == ["users(lower(email))"]
    assert moved.per_index[0][1] == pytest.approx(2 * insert.per_index[0][1])
    untouched = maintenance(WriteAccess("users", "UPDATE", ("name",)), [expression], stats)
    assert untouched.per_index == ()


def test_a_seek_sqlite_writes_as_expr_is_on_the_index_s_key_in_that_place() -> None:
    keys = ("org", "lower(email)")
    assert _constraint_terms("org=? AND <expr>>?", keys) == (["org"], ["lower(email)"])
    assert _constraint_terms("<expr>=?") == (["<expr>"], [])  # a seek, its key unknown


@pytest.fixture(scope="module")
def logins(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """20,000 users; a log of case-insensitive logins, lookups by org and sign-ups."""
    folder = tmp_path_factory.mktemp("logins")
    database, log = folder / "app.db", folder / "app.log"
    connection = sqlite3.connect(database)
    connection.execute(USERS)
    connection.executemany("INSERT INTO users (email, name, org) VALUES (?, ?, ?)",
                           ((f"User{i}@Example.com", f"user {i}", i % 50)
                            for i in range(20_000)))
    connection.commit()
    connection.close()
    log.write_text(
        "".join(f"SELECT id, name FROM users WHERE lower(email) = 'user{i * 37}@example.com';\n"
                for i in range(150))
        + "".join(f"SELECT count(*) FROM users WHERE org = {i % 50};\n" for i in range(20))
        + "".join(f"INSERT INTO users (email, name, org) VALUES ('new{i}@x.org', 'n', 1);\n"
                  for i in range(50)))
    return database, log


def test_a_lookup_by_an_expression_gets_an_index_on_it(logins: tuple[Path, Path]) -> None:
    """Measured: the login lookup seeks through users(lower(email)); its CREATE INDEX
    runs on a copy, where SQLite plans the lookup through it."""
    database, log = logins
    before = database.read_bytes()
    document = command_json("recommend", str(log), "--db", str(database))
    assert database.read_bytes() == before
    # users(lower(email)), or a covering one led by it (the measured rounds take either).
    [create] = [i["create_sql"] for i in document["indexes"] if i["table"] == "users"
                and (i["columns"][0]["name"], i["columns"][0]["expression"]) == (
                    "lower(email)", True)]
    copy = database.parent / "copy.db"
    copy.write_bytes(before)
    connection = sqlite3.connect(copy)
    connection.execute(create)
    plan = connection.execute("EXPLAIN QUERY PLAN SELECT id, name FROM users "
                              "WHERE lower(email) = 'user1@example.com'").fetchall()
    connection.close()
    assert plan[0][3].startswith("SEARCH users USING") and "(<expr>=?)" in plan[0][3]


def test_an_expression_index_can_be_named_on_the_command_line(
        logins: tuple[Path, Path]) -> None:
    database, _ = logins
    sql = "SELECT id FROM users WHERE lower(email) = 'user5@example.com'"
    document = command_json("explain", "--db", str(database), "--sql", sql,
                            "--index", "users(lower(email))")
    given = document["templates"][0]["given"][0]
    assert given["indexes"] == ["users(lower(email))"]
    assert "(<expr>=?)" in given["plan"][0]
    for index, said in (("users(lower(mail))", "has no column 'mail'"),
                        ("users(app_normalise(email))", "no such function: app_normalise"),
                        ("users(random() + org)", "non-deterministic"),
                        ("users((SELECT 1))", "cannot read the key")):
        code, _, err = run_command("explain", "--db", str(database), "--sql", sql,
                                   "--index", index)
        assert code == 1 and said in err and "internal error" not in err, (index, err)


def test_a_database_s_own_index_on_the_expression_serves_it(
        logins: tuple[Path, Path], tmp_path: Path) -> None:
    """The database has users(LOWER(email)) already: read back as that expression, it
    serves the candidate, which is not recommended again."""
    database, log = logins
    copy = tmp_path / "indexed.db"
    copy.write_bytes(database.read_bytes())
    connection = sqlite3.connect(copy)
    connection.execute("CREATE INDEX users_login ON users (LOWER( email ))")
    connection.commit()
    connection.close()
    document = command_json("recommend", str(log), "--db", str(copy), "--estimate-only")
    assert {d["index"]: d["code"] for d in document["dropped"]}.get(
        "users(lower(email))") == "served-by-existing"
    assert all(c["name"] != "lower(email)" for i in document["indexes"] for c in i["columns"])


def test_sqlite_is_asked_whether_it_indexes_an_expression() -> None:
    """What SQLite refuses in an index is no key: random(), an application's function."""
    from advisor.model.indexes import sqlite_refuses

    assert sqlite_refuses(KeyExpression("lower(email)")) is None
    assert sqlite_refuses(KeyExpression("json_extract(meta, '$.plan')")) is None
    assert "non-deterministic" in (sqlite_refuses(KeyExpression("random() + a")) or "")
    assert "no such function" in (sqlite_refuses(KeyExpression("app_normalise(email)")) or "")


def test_a_comparison_in_another_collation_gets_an_index_in_it(
        logins: tuple[Path, Path], tmp_path: Path) -> None:
    """email = ? COLLATE NOCASE: SQLite seeks only an index in NOCASE (a plain one on
    email it scans); the set holds users(email COLLATE NOCASE), which also holds email."""
    database, _ = logins
    log = tmp_path / "nocase.log"
    log.write_text("".join(
        f"SELECT id, email FROM users WHERE email = 'user{i * 37}@example.com' COLLATE NOCASE;\n"
        for i in range(150)))
    document = command_json("recommend", str(log), "--db", str(database))
    [index] = [i for i in document["indexes"]
               if (i["columns"][0]["name"], i["columns"][0]["expression"]) == (
                   "email COLLATE NOCASE", True)]
    assert 'ON "users" (email COLLATE NOCASE' in index["create_sql"]
    assert "COVERING INDEX" in index["serves"][0]["plan_after"][0]

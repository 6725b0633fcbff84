"""The standing bad-input corpus: every command, fed what a user might wrongly give it.

Each case must end in exit 1 (one line: ``advisor: error: …``) or exit 2 (click's
usage, then one ``Error:`` line), print nothing on stdout and no traceback
(conftest turns a bug into a failed test), leave the database, its -wal and the
header of its -shm byte-identical, and leave no file behind: not next to the
inputs, not in the working folder, not in the temporary folder. Hypothesis adds
generated logs and option values on top.

The database is in WAL mode with a connection holding it open, as an
application's would: its -wal and -shm are on disk while advisor reads. SQLite's
readers all write their read marks into the -shm (the application's own do too),
so of the -shm the wal-index header is compared, which no reader changes.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import Result
from conftest import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torc import PROFILE, SCHEMA

import advisor.cli.terminal

WAL_INDEX_HEADER = 96  # bytes of the -shm's two header copies and checkpoint info start


@dataclass(frozen=True)
class World:
    folder: Path
    db: Path

    def path(self, name: str) -> str:
        return str(self.folder / name)

    def snapshot(self) -> dict[str, str]:
        """Every file of the folder (and below) by content, the -shm by its header."""
        found = {}
        for path in sorted(self.folder.rglob("*")):
            if path.is_file():
                data = path.read_bytes()
                if path.name.endswith("-shm"):
                    data = data[:WAL_INDEX_HEADER]
                found[str(path.relative_to(self.folder))] = hashlib.sha256(data).hexdigest()
        return found


SCHEMA_SQL = """
CREATE TABLE workflow (id INTEGER PRIMARY KEY, name TEXT NOT NULL, status INTEGER);
CREATE TABLE job (id INTEGER PRIMARY KEY, workflow_id INTEGER NOT NULL REFERENCES workflow(id),
                  name TEXT, status INTEGER);
CREATE INDEX job_status ON job(status);
"""
GOOD_LOG = "".join(f"SELECT * FROM job WHERE workflow_id = {i} AND status = {i % 3}\n"
                   f"UPDATE job SET status = 2 WHERE id = {i}\n" for i in range(1, 20))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("bad-inputs")
    db = folder / "app.db"
    app = sqlite3.connect(db)  # the application: WAL, open, with unchecked-pointed writes
    app.execute("PRAGMA journal_mode = WAL")
    app.execute("PRAGMA wal_autocheckpoint = 0")
    app.executescript(SCHEMA_SQL)
    app.executemany("INSERT INTO workflow VALUES (?, ?, 0)", [(i, f"w{i}") for i in range(40)])
    app.executemany("INSERT INTO job (workflow_id, name, status) VALUES (?, ?, ?)",
                    [(i % 40, f"j{i}", i % 3) for i in range(3000)])
    app.commit()
    (folder / "app.log").write_text(GOOD_LOG)
    (folder / "schema.sql").write_text(SCHEMA_SQL)
    (folder / "binary.bin").write_bytes(bytes(range(256)) * 64)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "prose.txt").write_text("Dear reader,\nthis is not SQL at all.\n")
    (folder / "bad-ddl.sql").write_text("CREATE TABLE (;\n")
    (folder / "broken.gz").write_bytes(gzip.compress(GOOD_LOG.encode() * 50)[:300])
    (folder / "bad.toml").write_text("[profile\nname = 'x'\n")
    (folder / "incomplete.toml").write_text("[profile]\nname = 'x'\n")
    (folder / "bad-indexes.sql").write_text("job(no_such_column)\n")
    (folder / "junk-indexes.sql").write_text("this is not an index\n")
    (folder / "folder").mkdir()
    (folder / "only-comments.log").write_text("-- nothing\n/* here */\n\n")
    (folder / "unknown-tables.log").write_text("SELECT * FROM nowhere WHERE a = 1\n"
                                               "SELECT b FROM elsewhere WHERE c = 2\n")
    (folder / "failing.log").write_text("SELECT no_such_column FROM job WHERE id = 1\n")
    (folder / "unterminated.log").write_text("SELECT 1\nSELECT * FROM job WHERE name = 'x\n")
    corrupt = folder / "corrupt.db"
    plain = sqlite3.connect(corrupt)
    plain.executescript(SCHEMA_SQL)
    plain.executemany("INSERT INTO job (workflow_id, name, status) VALUES (?, ?, ?)",
                      [(i % 40, "x" * 200, i % 3) for i in range(2000)])
    plain.commit()
    plain.close()
    with corrupt.open("r+b") as handle:  # the pages after the schema's, overwritten
        handle.seek(4096 * 3)
        handle.write(b"\xff" * 4096 * 20)
    try:
        yield World(folder, db)
    finally:
        app.close()


@pytest.fixture(autouse=True)
def quiet_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    """Errors are what this corpus reads; progress is tested apart (test_progress)."""
    monkeypatch.setattr(advisor.cli.terminal, "DELAY_SECONDS", 3600.0)


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """TMPDIR, the working folder and the synthesis cache in places of their own."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setenv("TMPDIR", str(temporary))
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    monkeypatch.setenv("ADVISOR_CACHE_DIR", str(tmp_path / "cache"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return tmp_path


def assert_one_error_line(result: Result, expected_exit: int | None = None) -> None:
    """Exit 1 with ``advisor: error:`` alone, or exit 2 with click's usage and one error."""
    assert result.exit_code in (1, 2), (result.exit_code, result.stdout, result.stderr)
    if expected_exit is not None:
        assert result.exit_code == expected_exit, result.stderr
    assert result.stdout == "", result.stdout
    lines = result.stderr.splitlines()
    assert "Traceback" not in result.stderr
    if result.exit_code == 1:
        assert len(lines) == 1 and lines[0].startswith("advisor: error: "), lines
    else:
        usage, hint, blank, error = lines
        assert usage.startswith("Usage: advisor ") and hint.startswith("Try 'advisor ")
        assert blank == "" and error.startswith("Error: "), lines


# (arguments, the exit: 1 an error of the input, 2 a usage error). Names in {} are files
# of the world; {db} its database.
LOG = "{app.log}"
CASES: dict[str, tuple[list[str], int]] = {}


def case(name: str, exit_code: int, *args: str) -> None:
    assert name not in CASES, name
    CASES[name] = (list(args), exit_code)


# --- numbers no option means: nan, inf, out of range, not a number ------------------------
for bad in ("nan", "inf", "-inf", "1e999", "-1", "0", "lots", ""):
    case(f"replay-statement-timeout-{bad or 'blank'}", 2, "replay", LOG, "--db", "{db}",
         "-c", "none", "--statement-timeout", bad)
    case(f"recommend-scale-{bad or 'blank'}", 2, "recommend", LOG, "--db", "{db}",
         "--scale", bad)
    case(f"capacity-max-synth-scale-{bad or 'blank'}", 2, "capacity", LOG, "--schema",
         str(SCHEMA), "--profile", str(PROFILE), "--max-synth-scale", bad)
for bad in ("nan", "inf", "1.5", "-0.1"):
    case(f"recommend-tolerance-{bad}", 2, "recommend", LOG, "--db", "{db}", "--tolerance", bad)
    case(f"recommend-min-saving-{bad}", 2, "recommend", LOG, "--db", "{db}",
         "--min-saving", bad)
for bad in ("0", "-3", "100000", "2.5", "many"):
    case(f"digest-workers-{bad}", 2, "digest", LOG, "--workers", bad)
for bad in ("0", "-1", "x"):
    case(f"digest-top-{bad}", 2, "digest", LOG, "--top", bad)
    case(f"explain-top-{bad}", 2, "explain", LOG, "--db", "{db}", "--top", bad)
    case(f"compare-repetitions-{bad}", 2, "compare", LOG, "--db", "{db}", "-c", "none",
         "-c", "recommended", "--repetitions", bad)
    if bad != "0":  # no replay at all is a choice
        case(f"audit-max-replays-{bad}", 2, "audit", "--db", "{db}", "--max-replays", bad)
for bad in ("lots", "1e999GB", "-5MB", "nanMB"):
    case(f"recommend-max-bytes-{bad}", 2, "recommend", LOG, "--db", "{db}", "--max-bytes", bad)
for bad in ("10", "1023", "-1"):
    case(f"digest-max-line-bytes-{bad}", 2, "digest", LOG, "--max-line-bytes", bad)
for bad in ("10q", "", "0", "-5k", "inf", "nan", "x0", "1e999", ",,"):
    case(f"capacity-scales-{bad or 'blank'}", 2, "capacity", LOG, "--schema", str(SCHEMA),
         "--profile", str(PROFILE), "--scales", bad)

# --- choices and options that do not go together ----------------------------------------
case("digest-format-sql", 2, "digest", LOG, "--format", "sql")
case("replay-format-markdown", 2, "replay", LOG, "--db", "{db}", "-c", "none",
     "--format", "markdown")
case("replay-mode-bogus", 2, "replay", LOG, "--db", "{db}", "-c", "none", "--mode", "fast")
case("replay-stats-bogus", 2, "replay", LOG, "--db", "{db}", "-c", "none", "--stats", "some")
case("digest-log-format-bogus", 2, "digest", LOG, "--log-format", "csv")
case("recommend-algorithm-bogus", 2, "recommend", LOG, "--db", "{db}", "--algorithm", "magic")
case("digest-no-log", 2, "digest")
case("replay-no-config", 2, "replay", LOG, "--db", "{db}")
case("compare-one-config", 2, "compare", LOG, "--db", "{db}", "-c", "none")
case("explain-nothing", 2, "explain", "--db", "{db}")
case("capacity-nothing", 2, "capacity", "--schema", str(SCHEMA), "--profile", str(PROFILE))
case("audit-no-db", 2, "audit", LOG)
case("unknown-option", 2, "recommend", LOG, "--no-such-option")
case("unknown-command", 2, "advise", LOG)
case("cache-unknown", 2, "cache", "purge")
case("digest-db-not-an-option", 2, "digest", LOG, "--db", "{db}")

# --- files: missing, folders, empty, binary, text where a database belongs ----------------
for command, extra in (("digest", []), ("explain", ["--db", "{db}"]),
                       ("recommend", ["--db", "{db}"]),
                       ("replay", ["--db", "{db}", "-c", "none"]),
                       ("compare", ["--db", "{db}", "-c", "none", "-c", "recommended"]),
                       ("audit", ["--db", "{db}"])):
    case(f"{command}-log-missing", 1, command, "{missing.log}", *extra)
    case(f"{command}-log-folder", 1, command, "{folder}", *extra)
    case(f"{command}-log-binary", 1, command, "{binary.bin}", *extra)
    if command != "digest":  # digest reports an empty log; the rest need statements
        case(f"{command}-log-empty", 1, command, "{empty.txt}", *extra)
        case(f"{command}-log-only-comments", 1, command, "{only-comments.log}", *extra)
        case(f"{command}-log-prose", 1, command, "{prose.txt}", *extra)
    case(f"{command}-log-strict", 1, command, "{unterminated.log}", "--strict", *extra)
    case(f"{command}-log-broken-gzip-strict", 1, command, "{broken.gz}", "--strict", *extra)
for command, extra in (("explain", []), ("recommend", []), ("replay", ["-c", "none"]),
                       ("compare", ["-c", "none", "-c", "recommended"]), ("audit", [])):
    log = [] if command == "audit" else [LOG]
    case(f"{command}-db-empty", 1, command, *log, "--db", "{empty.txt}", *extra)
    case(f"{command}-db-text", 1, command, *log, "--db", "{schema.sql}", *extra)
    case(f"{command}-db-binary", 1, command, *log, "--db", "{binary.bin}", *extra)
    case(f"{command}-db-missing", 1, command, *log, "--db", "{missing.db}", *extra)
    case(f"{command}-db-folder", 1, command, *log, "--db", "{folder}", *extra)
case("replay-db-corrupt", 1, "replay", LOG, "--db", "{corrupt.db}", "-c", "none")
case("recommend-db-corrupt-validate", 1, "recommend", LOG, "--db", "{corrupt.db}",
     "--validate")
case("audit-db-corrupt", 1, "audit", "--db", "{corrupt.db}", LOG)
for command in ("explain", "recommend"):
    case(f"{command}-schema-binary", 1, command, LOG, "--schema", "{binary.bin}")
    case(f"{command}-schema-bad-ddl", 1, command, LOG, "--schema", "{bad-ddl.sql}")
    case(f"{command}-schema-empty-folder", 1, command, LOG, "--schema", "{folder}")
    case(f"{command}-profile-binary", 1, command, LOG, "--schema", "{schema.sql}",
         "--profile", "/bin/ls")
    case(f"{command}-profile-bad-toml", 1, command, LOG, "--schema", "{schema.sql}",
         "--profile", "{bad.toml}")
    case(f"{command}-profile-incomplete", 1, command, LOG, "--schema", "{schema.sql}",
         "--profile", "{incomplete.toml}")
case("capacity-profile-binary", 1, "capacity", LOG, "--schema", str(SCHEMA), "--profile",
     "{binary.bin}", "-c", "job(workflow_id)")
# A named file missing (or a folder where a file belongs) is an input error, as a missing
# log or --db is: not click's usage error.
for command, extra in (("explain", []), ("recommend", []), ("replay", ["-c", "none"]),
                       ("compare", ["-c", "none", "-c", "recommended"])):
    case(f"{command}-schema-missing", 1, command, LOG, "--schema", "{missing.sql}", *extra)
    case(f"{command}-profile-missing", 1, command, LOG, "--schema", "{schema.sql}",
         "--profile", "{missing.toml}", *extra)
    case(f"{command}-profile-folder", 1, command, LOG, "--schema", "{schema.sql}",
         "--profile", "{folder}", *extra)
case("capacity-schema-missing", 1, "capacity", LOG, "--schema", "{missing.sql}", "--profile",
     str(PROFILE), "-c", "job(workflow_id)")
case("capacity-profile-missing", 1, "capacity", LOG, "--schema", str(SCHEMA), "--profile",
     "{missing.toml}", "-c", "job(workflow_id)")
case("recommend-against-missing", 1, "recommend", LOG, "--db", "{db}", "--against",
     "{missing.sql}")
case("recommend-against-folder", 1, "recommend", LOG, "--db", "{db}", "--against", "{folder}")
case("replay-no-database", 1, "replay", LOG, "--schema", "{schema.sql}", "-c", "none")

# --- what is in the files: statements that cannot be analysed, replayed or named ----------
case("recommend-nothing-analysed", 1, "recommend", "{unknown-tables.log}", "--db", "{db}")
case("replay-every-statement-fails", 1, "replay", "{failing.log}", "--db", "{db}",
     "-c", "none")
case("recommend-against-binary", 1, "recommend", LOG, "--db", "{db}", "--against",
     "{binary.bin}")
case("recommend-against-bad-column", 1, "recommend", LOG, "--db", "{db}", "--against",
     "{bad-indexes.sql}")
case("recommend-against-junk", 1, "recommend", LOG, "--db", "{db}", "--against",
     "{junk-indexes.sql}")
case("replay-config-bad-spec", 1, "replay", LOG, "--db", "{db}", "-c", "job(")
case("replay-config-unknown-table", 1, "replay", LOG, "--db", "{db}", "-c", "nowhere(a)")
case("replay-config-missing-file", 1, "replay", LOG, "--db", "{db}", "-c", "{missing.sql}")
case("compare-config-missing-file", 1, "compare", LOG, "--db", "{db}", "-c", "none",
     "-c", "{missing.sql}")
case("capacity-config-missing-file", 1, "capacity", "--schema", str(SCHEMA), "--profile",
     str(PROFILE), "-c", "{missing.sql}")
case("compare-config-bad-column", 1, "compare", LOG, "--db", "{db}", "-c", "none",
     "-c", "job(nope)")
case("explain-index-bad", 1, "explain", LOG, "--db", "{db}", "--index", "job(nope)")
case("explain-sql-not-sql", 1, "explain", "--db", "{db}", "--sql", "hello there")
# A statement the schema cannot hold was explained as "Not analysed", exit 0.
case("explain-sql-unknown-table", 1, "explain", "--db", "{db}", "--sql",
     "SELECT * FROM nosuch WHERE a = 1")
case("explain-template-unknown", 1, "explain", LOG, "--db", "{db}", "--template", "ffffff")
case("compare-template-unknown", 1, "compare", LOG, "--db", "{db}", "-c", "none",
     "-c", "recommended", "--template", "ffffff", "--estimate-only")
case("explain-log-format-wrong", 1, "explain", LOG, "--db", "{db}", "--log-format", "jsonl")
case("digest-log-format-wrong-strict", 1, "digest", LOG, "--log-format", "jsonl",
     "--strict")


def _filled(args: list[str], world: World) -> list[str]:
    return [arg.replace("{db}", str(world.db)) if arg == "{db}" else
            world.path(arg[1:-1]) if arg.startswith("{") and arg.endswith("}") else arg
            for arg in args]


def _tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_one_line_and_changes_nothing(name: str, world: World,
                                                   private_tmp: Path) -> None:
    args, expected_exit = CASES[name]
    before, private_before = world.snapshot(), _tree(private_tmp)
    result = run_cli(*_filled(args, world))
    assert_one_error_line(result, expected_exit)
    assert world.snapshot() == before, "the inputs changed, or a file was left beside them"
    left = _tree(private_tmp) - private_before
    assert not [p for p in left if not p.startswith("cache")], left
    assert not any(Path(private_tmp, p).is_file() for p in left), left


def test_the_corpus_is_large_and_covers_every_command() -> None:
    from advisor.cli import main

    assert len(CASES) >= 100
    commands = {args[0] for args, _ in CASES.values()}
    assert set(main.commands) <= commands


# --- generated on top ---------------------------------------------------------------------

_FUZZ = settings(max_examples=40, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture])


@_FUZZ
@given(value=st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(alphabet="0123456789.eE+-xkKmMinfa ", max_size=12)))
def test_generated_numbers_are_taken_or_refused_with_one_line(value: str, world: World,
                                                               private_tmp: Path) -> None:
    """Whatever --statement-timeout and --scale are given: a run or one clear line."""
    for args in (["recommend", LOG, "--db", "{db}", "--scale", value, "--format", "json"],
                 ["capacity", "--schema", str(SCHEMA), "--profile", str(PROFILE),
                  "-c", "job(workflow_id)", "--scales", f"{value},x0.001",
                  "--max-synth-scale", "0.0001"]):
        result = run_cli(*_filled(args, world))
        if result.exit_code != 0:
            assert_one_error_line(result)


@_FUZZ
@given(data=st.binary(max_size=2000))
def test_generated_logs_never_break_a_command(data: bytes, world: World,
                                             private_tmp: Path) -> None:
    """Bytes as a log: digested (bad records counted) or refused with one line."""
    log = private_tmp / "work" / "fuzz.log"
    log.write_bytes(data)
    before = world.snapshot()
    for args in (["digest", str(log), "--format", "json"],
                 ["explain", str(log), "--db", "{db}", "--format", "json"],
                 ["recommend", str(log), "--db", "{db}", "--format", "json"]):
        result = run_cli(*_filled(args, world))
        if result.exit_code != 0:
            assert_one_error_line(result, 1)
    assert world.snapshot() == before
    log.unlink()


@_FUZZ
@given(lines=st.lists(st.sampled_from([
    "SELECT * FROM job WHERE id = 1", "SELECT * FROM nowhere", "UPDATE job SET x = 1",
    "DELETE FROM workflow WHERE id IN (1, 2, 3)", "BEGIN", "COMMIT", "PRAGMA journal_mode",
    "ATTACH 'x.db' AS x", "SELECT load_extension('evil')", "VACUUM INTO 'copy.db'",
    "INSERT INTO job (workflow_id) VALUES (1), (2)", "SELECT '", "garbage", "",
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c",
]), min_size=1, max_size=8))
def test_generated_statements_replay_or_refuse_without_touching_anything(
        lines: list[str], world: World, private_tmp: Path) -> None:
    log = private_tmp / "work" / "fuzz.sql"
    log.write_text("\n".join(lines) + "\n")
    before = world.snapshot()
    result = run_cli(*_filled(["replay", str(log), "--db", "{db}", "-c", "none",
                               "--repetitions", "1", "--statement-timeout", "0.2",
                               "--stats", "as-found", "--format", "json"], world))
    if result.exit_code != 0:
        assert_one_error_line(result, 1)
    assert world.snapshot() == before
    assert not (private_tmp / "work" / "x.db").exists()
    assert not (private_tmp / "work" / "copy.db").exists()
    log.unlink()


@pytest.mark.parametrize("args", [
    ["replay", LOG, "--db", "{db}", "-c", "{config}"],
    ["compare", LOG, "--db", "{db}", "-c", "none", "-c", "{config}", "--estimate-only"],
    ["capacity", "--schema", str(SCHEMA), "--profile", str(PROFILE), "-c", "{config}"],
], ids=lambda args: args[0])
@pytest.mark.parametrize("form", ["{}", "mine={}"])
def test_a_config_file_that_is_not_there_is_named_so(args: list[str], form: str, world: World,
                                                     private_tmp: Path) -> None:
    """Not "cannot read index 'nosuch.sql'": without a parenthesis it can only be a file."""
    filled = [form.format("nosuch.sql") if arg == "{config}" else arg for arg in args]
    result = run_cli(*_filled(filled, world))
    assert_one_error_line(result, 1)
    assert result.stderr.startswith("advisor: error: no such config file: nosuch.sql (")


def test_a_named_config_with_nothing_after_the_equals_sign_is_named_so(world: World) -> None:
    """"-c none=" (a name and nothing): not "no such config file: none="."""
    result = run_cli(*_filled(["replay", LOG, "--db", "{db}", "-c", "none="], world))
    assert_one_error_line(result, 1)
    assert result.stderr.startswith("advisor: error: config none=: nothing after '=' (")


def test_config_names_still_name_configurations(world: World, private_tmp: Path) -> None:
    result = run_cli(*_filled([
        "compare", LOG, "--db", "{db}", "-c", "none", "-c", "recommended", "-c",
        "job(workflow_id)", "--estimate-only", "--format", "json"], world))
    assert result.exit_code == 0, result.stderr


DB_COMMANDS = {"explain": [LOG], "recommend": [LOG], "replay": [LOG, "-c", "none"],
               "compare": [LOG, "-c", "none", "-c", "recommended"], "audit": []}


@pytest.mark.parametrize("command", sorted(DB_COMMANDS))
def test_a_missing_db_is_named_like_a_missing_log_and_not_created(
        command: str, world: World, private_tmp: Path) -> None:
    """Not click's usage error (exit 2), and no empty database left where it was named."""
    missing = private_tmp / "work" / "typo.db"
    result = run_cli(command, *_filled(DB_COMMANDS[command], world), "--db", str(missing))
    assert_one_error_line(result, 1)
    assert result.stderr == f"advisor: error: {missing}: no such database file\n"
    assert not missing.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file of mode 000")
@pytest.mark.parametrize("command", sorted(DB_COMMANDS))
def test_an_unreadable_db_is_named(command: str, world: World, private_tmp: Path) -> None:
    unreadable = private_tmp / "work" / "secret.db"
    unreadable.write_bytes(world.db.read_bytes())
    unreadable.chmod(0)
    result = run_cli(command, *_filled(DB_COMMANDS[command], world), "--db", str(unreadable))
    assert_one_error_line(result, 1)
    assert result.stderr.startswith(f"advisor: error: {unreadable}: cannot read it")


NAMED_FILES = {"--schema": "schema file or folder", "--profile": "profile file",
               "--against": "file of indexes"}  # what the error calls the file
FILE_COMMANDS = {"explain": [], "recommend": [], "replay": ["-c", "none"],
                 "compare": ["-c", "none", "-c", "recommended"],
                 "capacity": ["-c", "job(workflow_id)"]}
FILE_CASES = [*((command, option) for command in sorted(FILE_COMMANDS)
                for option in ("--schema", "--profile")), ("recommend", "--against")]


@pytest.mark.parametrize(("command", "option"), FILE_CASES,
                         ids=[f"{command}{option}" for command, option in FILE_CASES])
def test_a_missing_named_file_is_named_like_a_missing_db_before_the_logs(
        command: str, option: str, private_tmp: Path) -> None:
    """One line and exit 1, not click's usage error; checked before the logs are read
    (the log is missing too: the file is what is named), and never created."""
    missing = private_tmp / "work" / "typo"
    given = {"--schema": str(SCHEMA), "--profile": str(PROFILE)} if command == "capacity" else {}
    given[option] = str(missing)
    result = run_cli(command, str(private_tmp / "work" / "absent.log"), *FILE_COMMANDS[command],
                     *(word for pair in given.items() for word in pair))
    assert_one_error_line(result, 1)
    assert result.stderr == f"advisor: error: {missing}: no such {NAMED_FILES[option]}\n"
    assert not missing.exists()


@pytest.mark.parametrize("args", [
    ["replay", "--db", "{db}", "-c", "none", "-c", "nosuch.sql"],
    ["compare", "--schema", str(SCHEMA), "--profile", str(PROFILE), "-c", "none",
     "-c", "mine=nosuch.sql"],
    ["capacity", "--schema", str(SCHEMA), "--profile", str(PROFILE), "-c", "nosuch.sql"],
], ids=lambda args: args[0])
def test_a_missing_config_file_is_named_before_the_logs_are_read(
        args: list[str], world: World, private_tmp: Path) -> None:
    """Before the logs are read (the log is missing too) and before a database is
    synthesised to measure on (compare without --db)."""
    command, *rest = _filled(args, world)
    result = run_cli(command, str(private_tmp / "work" / "absent.log"), *rest)
    assert_one_error_line(result, 1)
    assert result.stderr.startswith("advisor: error: no such config file: nosuch.sql (")
    assert not (private_tmp / "cache").exists()  # nothing synthesised


def test_a_locked_database_is_named(world: World, private_tmp: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Another connection writing (rollback journal, EXCLUSIVE lock): one line, named."""
    locked = private_tmp / "work" / "locked.db"
    with closing(sqlite3.connect(locked)) as fresh:  # a rollback journal, not WAL
        fresh.executescript(SCHEMA_SQL)
    holder = sqlite3.connect(locked, timeout=0)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        import advisor.catalog.database as database

        monkeypatch.setattr(database, "BUSY_SECONDS", 0.1)
        result = run_cli("audit", "--db", str(locked))
    finally:
        holder.rollback()
        holder.close()
    assert_one_error_line(result, 1)
    assert "locked by another connection" in result.stderr
    assert os.path.getsize(locked) > 0


def test_a_migrations_folder_that_cannot_be_made_is_named_before_the_logs(
        world: World, private_tmp: Path) -> None:
    """--migrations-dir where no folder can be made (a file on its way) is one line and
    exit 1 before the logs are read (the log is missing too), not an internal error
    once the work is done; nothing is made."""
    blocker = private_tmp / "notes.txt"
    blocker.write_text("a file, not a folder\n")
    target = blocker / "migrations"
    result = run_cli("recommend", str(private_tmp / "absent.log"), "--db", str(world.db),
                     "--estimate-only", "--migrations-dir", str(target))
    assert_one_error_line(result, 1)
    assert result.stderr == (f"advisor: error: {target}: cannot make a migrations folder "
                             f"there ({blocker} is not a folder)\n")
    assert blocker.read_text() == "a file, not a folder\n"


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_a_migrations_folder_where_no_file_can_be_written_is_named_before_the_logs(
        world: World, private_tmp: Path) -> None:
    """/proc takes no files, though root may write anywhere by its permissions: a
    newcomer's run, as root, failed there only once its work was done. Now one line and
    exit 1 before the logs are read (the log is missing too)."""
    target = Path("/proc/advisor-migrations")
    result = run_cli("recommend", str(private_tmp / "absent.log"), "--db", str(world.db),
                     "--estimate-only", "--migrations-dir", str(target))
    assert_one_error_line(result, 1)
    assert result.stderr.startswith(
        f"advisor: error: {target}: cannot write a migrations folder in /proc (")


def test_a_report_file_that_cannot_be_written_is_one_line(private_tmp: Path) -> None:
    """A file a report writes that cannot be written once the work is done (the checks
    before it cannot foresee a full disk) is an error naming it, not an internal one."""
    from advisor.model.errors import InputError
    from advisor.report.common import Report, emit

    blocker = private_tmp / "full"
    blocker.write_text("")
    report = Report({}, lambda _document, _markdown: "text",
                    files={blocker / "phase_1.up.sql": "CREATE INDEX …;\n"})
    with pytest.raises(InputError, match=r"phase_1\.up\.sql: cannot write it \("):
        emit(report, "table")


@pytest.mark.parametrize("command", ["replay", "compare", "capacity"])
def test_an_index_spec_that_cannot_be_read_is_named_before_the_logs(
        command: str, world: World, private_tmp: Path) -> None:
    """-c 'table((' is refused before the logs are read (the log is missing too): a
    newcomer waited 5.5 s of reading a log for it."""
    where = {"replay": ["--db", str(world.db)],
             "compare": ["--db", str(world.db)],
             "capacity": ["--schema", str(SCHEMA), "--profile", str(PROFILE)]}[command]
    result = run_cli(command, str(private_tmp / "absent.log"), *where, "-c", "none",
                     "-c", "job((")
    assert_one_error_line(result, 1)
    assert result.stderr == ("advisor: error: cannot read index 'job((': write it as "
                             "table(col, col DESC)\n")

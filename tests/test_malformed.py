"""Malformed input: counted by reason with its first lines, never a traceback."""

from __future__ import annotations

import gzip
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import RunCli
from logs import VARIANTS, digest_files, snapshot, workload, write

import advisor.cli.terminal
from advisor.digest.fingerprint import canonicalize

LONG = b"SELECT '" + b"x" * 3000 + b"'"


def _truncated_gzip() -> tuple[bytes, int]:
    """A gzip log cut in the middle, and how many whole lines survive the cut."""
    text = b"".join(b"SELECT * FROM job WHERE id = %d\n" % i for i in range(3000))
    packed = gzip.compress(text)[:4000]
    recoverable = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(packed)
    return packed, recoverable.count(b"\n")


TRUNCATED_GZIP, GZIP_WHOLE_LINES = _truncated_gzip()


@dataclass(frozen=True)
class Case:
    """A malformed log and what the digest must make of it."""

    data: bytes
    statements: int  # readable statements counted into templates
    problems: dict[str, tuple[int, list[int]]] = field(default_factory=dict)  # reason: count, lines
    log_format: str | None = None  # None: auto-detect
    max_line_bytes: int | None = None

    def options(self) -> list[str]:
        options = [] if self.log_format is None else ["--log-format", self.log_format]
        if self.max_line_bytes is not None:
            options += ["--max-line-bytes", str(self.max_line_bytes)]
        return options


CORPUS = {
    "bad-utf8": Case(b"SELECT 1\nSELECT 'caf\xe9'\nSELECT 2\nSELECT '\xff\xfe'\n", 2,
                     {"bad-utf8": (2, [2, 4])}),
    "jsonl-broken": Case(
        b'{"sql": "SELECT 1", "duration_ms": 1.5}\n'
        b'{"sql": "SELECT * FROM job WHE\n'  # truncated
        b'{"ts": "2024-01-01T00:00:00Z", "duration_ms": 2}\n'  # no sql
        b'{"sql": "SELECT \xff\xfe"}\n'  # bad UTF-8 inside JSON
        b'[1, 2, 3]\n'  # JSON, not an object
        b'{"sql": "   "}\n'
        b'{"sql": 42}\n'
        b'{"sql": "SELECT 2", "duration_ms": 0.25}\n'
        b'{"sql": "hello there"}\n',
        2, {"bad-json": (2, [2, 5]), "no-sql": (3, [3, 6, 7]), "bad-utf8": (1, [4]),
            "not-sql": (1, [9])}),
    "unterminated-string": Case(
        b"SELECT 1\nSELECT * FROM job WHERE name = 'abc\nSELECT 2\n", 2,
        {"unterminated-string": (1, [2])}),
    "many-bad-lines": Case(
        b"".join(b"SELECT * FROM job WHERE name = 'n%d\nSELECT %d\n" % (i, i) for i in range(7)),
        7, {"unterminated-string": (7, [1, 3, 5, 7, 9])}),
    "over-long-lines": Case(b"SELECT 1\n" + LONG + b"\nSELECT 2\n" + LONG, 2,
                            {"too-long": (2, [2, 4])}, max_line_bytes=1024),
    "binary-junk": Case(
        b"SELECT 1\n\x00\x01\x02junk\x00\nSELECT 2\n\x7fELF\x02\x01\x01\x00\x00\nSELECT 3\n", 3,
        {"binary": (2, [2, 4])}, log_format="sql"),
    "junk-lines-in-a-line-log": Case(
        b"SELECT 1\nSELECT 2\nconnection reset by peer\nSELECT 3\nSELECT 4\n"
        b"retrying in 5s\nSELECT 5\nSELECT 6\nSELECT 7\nSELECT 8\n", 8,
        {"not-sql": (2, [3, 6])}),
    "sqlx-broken": Case(
        '2024-01-01T00:00:00Z DEBUG sqlx::query: summary="SELECT a FROM t …" '
        'db.statement="" rows_affected=0 rows_returned=1 elapsed=1ms elapsed_secs=0.001\n'
        "2024-01-01T00:00:01Z DEBUG sqlx::query: rows_affected=0 elapsed=1ms\n"
        '2024-01-01T00:00:02Z DEBUG sqlx::query: summary="COMMIT" db.statement="" '
        "rows_affected=0 rows_returned=0 elapsed=1ms elapsed_secs=0.001\n".encode(), 1,
        {"summary-only": (1, [1]), "no-sql": (1, [2])}),
    "truncated-gzip": Case(TRUNCATED_GZIP, GZIP_WHOLE_LINES,
                           {"read-error": (1, [GZIP_WHOLE_LINES + 1])}),
    "empty": Case(b"", 0),
    "blank-lines-and-comments": Case(b"\n\n-- only a comment\n   \n/* and another */\n\t\n", 0),
    "crlf": Case(b"SELECT 1\r\nSELECT 2;\r\n\r\nSELECT * FROM t WHERE a = 'x'\r\n", 3),
}


@pytest.fixture(params=sorted(CORPUS))
def case(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Case, Path]:
    return CORPUS[request.param], write(tmp_path / request.param, CORPUS[request.param].data)


def test_each_record_is_counted_under_its_reason(case: tuple[Case, Path]) -> None:
    expected, path = case
    options = {} if expected.max_line_bytes is None else {
        "max_line_bytes": expected.max_line_bytes}
    digest = digest_files([path], log_format=expected.log_format, **options)
    problems = {reason: (t.count, [line for _, line in t.refs])
                for reason, t in digest.problems.items()}
    assert problems == expected.problems
    assert digest.statements == expected.statements
    assert all(source == str(path) for t in digest.problems.values() for source, _ in t.refs)


def test_cli_reports_them_and_exits_0(case: tuple[Case, Path], cli: RunCli) -> None:
    expected, path = case
    result = cli("digest", str(path), *expected.options(), "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert {u["reason"]: (u["count"], [f["line"] for f in u["first"]])
            for u in document["unreadable"]} == expected.problems
    assert document["totals"]["statements"] == expected.statements
    assert document["totals"]["unreadable"] == sum(c for c, _ in expected.problems.values())
    table = cli("digest", str(path), *expected.options())
    assert table.exit_code == 0
    for reason, (count, lines) in expected.problems.items():
        assert f"{reason}: {count:,} (first at {path}:{lines[0]}" in table.stdout


def test_strict_makes_them_one_line_errors(case: tuple[Case, Path], cli: RunCli) -> None:
    expected, path = case
    result = cli("digest", str(path), *expected.options(), "--strict")
    if not expected.problems:
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 1
    assert result.stdout == ""
    message = result.stderr.strip()
    assert message.startswith("advisor: error:") and "\n" not in message
    for reason, (count, lines) in expected.problems.items():
        assert f"{reason}: {count} (first at {path}:{lines[0]})" in message


def test_a_ten_megabyte_line_is_skipped_as_it_streams(tmp_path: Path) -> None:
    path = tmp_path / "big.sql"
    with path.open("wb") as handle:
        handle.write(b"SELECT 1\nSELECT * FROM job WHERE note = '")
        handle.write(b"x" * (10 << 20))
        handle.write(b"'\nSELECT 2\n")
    digest = digest_files([path])
    assert {r: (t.count, t.refs) for r, t in digest.problems.items()} == {
        "too-long": (1, ((str(path), 2),))}
    stats = digest.templates[canonicalize("SELECT 1").id]
    assert [s.line for s in stats.samples] == [1, 3]
    assert digest.lines == 3


def test_a_truncated_gzip_keeps_every_whole_line_before_the_cut(tmp_path: Path) -> None:
    """Large enough to pass format detection; --log-format skips it altogether."""
    text = b"".join(b"SELECT * FROM job WHERE id = %d AND note = '%030d'\n" % (i, i * 7919)
                    for i in range(60_000))
    packed = gzip.compress(text, compresslevel=1)
    packed = packed[: len(packed) // 2]
    whole_lines = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(packed).count(b"\n")
    path = write(tmp_path / "cut.log.gz", packed)
    for log_format in (None, "sql"):
        digest = digest_files([path], log_format=log_format)
        assert digest.statements == whole_lines
        assert digest.problems["read-error"].refs == ((str(path), whole_lines + 1),)


GZIP_LINES = 40_000
GZIP_TEXT = b"".join(b"SELECT * FROM job WHERE id = %d AND note = '%030d'\n" % (i, i * 7919)
                     for i in range(GZIP_LINES))


def test_corrupt_gzip_data_is_a_read_error_after_the_good_lines(tmp_path: Path,
                                                                cli: RunCli) -> None:
    packed = bytearray(gzip.compress(GZIP_TEXT, compresslevel=1))
    packed[len(packed) // 2] ^= 0xFF
    path = write(tmp_path / "corrupt.log.gz", bytes(packed))
    digest = digest_files([path])
    (source, line), = digest.problems["read-error"].refs
    assert source == str(path)
    assert digest.problems["read-error"].count == 1
    assert 1_000 < digest.statements < GZIP_LINES
    assert line == digest.lines + 1
    strict = cli("digest", str(path), "--strict")
    assert strict.exit_code == 1
    assert f"read-error: 1 (first at {path}:{line})" in strict.stderr


def _bad_crc(packed: bytes) -> bytes:
    broken = bytearray(packed)
    broken[-8] ^= 0xFF  # the trailer's CRC-32
    return bytes(broken)


@pytest.mark.parametrize("spoil", [
    lambda packed: packed + bytes(512),
    lambda packed: packed + b"not gzip at all\n",
    _bad_crc,
], ids=["trailing-zeros", "trailing-garbage", "bad-crc"])
def test_a_whole_gzip_member_keeps_all_its_lines(spoil: Any, tmp_path: Path) -> None:
    """What follows a member's data (padding, junk, a wrong checksum) costs none of its lines."""
    path = write(tmp_path / "spoilt.log.gz", spoil(gzip.compress(GZIP_TEXT, compresslevel=1)))
    digest = digest_files([path])
    assert digest.statements == GZIP_LINES
    assert set(digest.problems) <= {"read-error"}
    if digest.problems:
        assert digest.problems["read-error"].refs == ((str(path), GZIP_LINES + 1),)


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_crlf_line_endings_read_like_lf(name: str, tmp_path: Path) -> None:
    log_format, render = VARIANTS[name]
    text = render(workload())
    lf = digest_files([write(tmp_path / "lf", text)], log_format=log_format)
    crlf = digest_files([write(tmp_path / "crlf", text.replace("\n", "\r\n"))],
                        log_format=log_format)
    assert crlf.unreadable == 0
    assert snapshot(crlf, source_names=False) == snapshot(lf, source_names=False)


@pytest.mark.parametrize("odd", ["'\x01'", "'tab\there'", "'\x1b[31mred\x1b[0m'"],
                         ids=["soh", "tab", "ansi"])
def test_a_control_character_in_one_value_does_not_decide_for_the_template(
        odd: str, tmp_path: Path) -> None:
    """Whether a statement is readable must not depend on which execution came first."""
    normal = [f"INSERT INTO note(body) VALUES ('text {i}')" for i in range(3)]
    unusual = f"INSERT INTO note(body) VALUES ({odd})"
    first = digest_files([write(tmp_path / "first.sql", "\n".join([unusual, *normal]))])
    last = digest_files([write(tmp_path / "last.sql", "\n".join([*normal, unusual]))])
    assert first.statements == last.statements >= 3
    assert first.unreadable == last.unreadable


@pytest.mark.parametrize("sql", [
    "SELECT * FROM job WHERE id = 1 -- don't touch",
    "SELECT a /* it's */ FROM t",
    'SELECT "it\'s" FROM t',
    "SELECT a FROM t WHERE b = 'x' -- it's",
], ids=["line-comment", "block-comment", "quoted-name", "string-then-comment"])
def test_an_apostrophe_outside_strings_is_no_unterminated_string(
        sql: str, tmp_path: Path) -> None:
    digest = digest_files([write(tmp_path / "log.sql", f"{sql}\nSELECT 2\n")])
    assert digest.unreadable == 0, {r: t.refs for r, t in digest.problems.items()}
    assert digest.statements == 2
    assert canonicalize(sql).id in digest.templates


# --- errors of the user's making: one clean line, non-zero exit ---------------------


def test_missing_file(cli: RunCli, tmp_path: Path) -> None:
    result = cli("digest", str(tmp_path / "nope.log"))
    assert result.exit_code == 1
    assert result.stderr == f"advisor: error: {tmp_path / 'nope.log'}: no such file\n"


def test_directory(cli: RunCli, tmp_path: Path) -> None:
    result = cli("digest", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr == f"advisor: error: {tmp_path}: is a directory, not a log file\n"


def test_stdin_twice(cli: RunCli) -> None:
    result = cli("digest", "-", "-", input="SELECT 1\n")
    assert result.exit_code == 1
    assert "standard input (-) can be read only once" in result.stderr


def test_unknown_log_format(cli: RunCli, tmp_path: Path) -> None:
    path = write(tmp_path / "a.sql", "SELECT 1\n")
    result = cli("digest", str(path), "--log-format", "csv")
    assert result.exit_code == 2
    assert "Invalid value for '--log-format'" in result.stderr
    assert "jsonl" in result.stderr  # names the choices


def test_no_arguments(cli: RunCli) -> None:
    result = cli("digest")
    assert result.exit_code == 2
    assert "Missing argument 'LOG...'" in result.stderr


@pytest.mark.parametrize("text", [
    '{"message": "started"}\n{"message": "stopped"}\n',
    "Lorem ipsum dolor sit amet\nconsectetur adipiscing elit\n",
], ids=["json-without-sql", "prose"])
def test_a_log_of_unknown_format(cli: RunCli, tmp_path: Path, text: str) -> None:
    path = write(tmp_path / "mystery.log", text)
    result = cli("digest", str(path))
    assert result.exit_code == 1
    message = result.stderr.strip()
    assert message.startswith(f"advisor: error: {path}:") and "\n" not in message
    assert "--log-format" in message  # says what to do


# --- commands that work on statements go on past them, and say so once -------------

MIXED = (b"SELECT * FROM job WHERE workflow_id = 3 AND status = 1\n"
         b"SELECT * FROM job WHERE name = 'x\n"  # unterminated-string: the first, line 2
         b"SELECT * FROM job WHERE workflow_id = 4 AND status = 2\n"
         b"SELECT 'caf\xe9'\n"  # bad-utf8, a reason sorted before it
         b"SELECT * FROM job WHERE workflow_id = 5 AND status = 0\n")
GOING_ON = {"explain": [], "recommend": ["--estimate-only"],
            "compare": ["-c", "none", "-c", "recommended", "--estimate-only"]}


@pytest.fixture
def no_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the notice on stderr, however slow the machine (progress: test_reliability)."""
    monkeypatch.setattr(advisor.cli.terminal, "DELAY_SECONDS", 3600.0)


def _with_schema(tmp_path: Path, name: str, data: bytes) -> Path:
    (tmp_path / "schema.sql").write_text(
        "CREATE TABLE job (id INTEGER PRIMARY KEY, workflow_id INTEGER, name TEXT, "
        "status INTEGER);\n")
    return write(tmp_path / name, data)


@pytest.mark.parametrize("command", sorted(GOING_ON))
@pytest.mark.parametrize("extra", [["--format", "json"], [], ["--quiet"]],
                         ids=["json", "table", "quiet"])
def test_a_command_on_statements_says_in_one_line_what_it_skipped(
        command: str, extra: list[str], tmp_path: Path, cli: RunCli, no_progress: None) -> None:
    log = _with_schema(tmp_path, "mixed.log", MIXED)
    result = cli(command, str(log), *GOING_ON[command], *extra)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == (f"advisor: skipped 2 unreadable records of 5 (first at {log}:2; "
                             "advisor digest lists why); --strict makes them an error\n")
    if "json" in extra:
        json.loads(result.stdout)  # the notice stays out of the document


@pytest.mark.parametrize("command", sorted(GOING_ON))
def test_nothing_skipped_nothing_said(command: str, tmp_path: Path, cli: RunCli,
                                      no_progress: None) -> None:
    clean = b"".join(line + b"\n" for line in MIXED.splitlines() if b"workflow_id" in line)
    result = cli(command, str(_with_schema(tmp_path, "clean.log", clean)), *GOING_ON[command])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""


@pytest.mark.parametrize("command", sorted(GOING_ON))
def test_templates_left_out_as_unanalysable_are_said_in_one_line(
        command: str, tmp_path: Path, cli: RunCli, no_progress: None) -> None:
    """A log naming a table the schema lacks: its templates are left out of the result,
    and the user is told so on stderr, the most frequent first, not only in the report."""
    log = _with_schema(tmp_path, "unknown.log", b"".join([
        b"SELECT * FROM job WHERE workflow_id = 4 AND status = 2\n",
        b"SELECT * FROM ghost WHERE id = 1\n",
        b"SELECT * FROM firmware WHERE id = 1\n" * 2,
        b"SELECT * FROM job WHERE workflow_id = 5 AND status = 0\n"]))
    result = cli(command, str(log), *GOING_ON[command], "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ("advisor: left out 2 of 3 templates (3 statements) that could "
                             "not be analysed: unknown table: firmware; unknown table: ghost "
                             "(advisor explain lists each)\n")
    json.loads(result.stdout)  # the notice stays out of the document


def test_digest_reports_them_itself_without_a_notice(tmp_path: Path, cli: RunCli,
                                                     no_progress: None) -> None:
    log = _with_schema(tmp_path, "mixed.log", MIXED)
    result = cli("digest", str(log))
    assert result.exit_code == 0
    assert "Unreadable records" in result.stdout and result.stderr == ""


def test_a_run_that_fails_after_skipping_says_only_its_error(tmp_path: Path, cli: RunCli,
                                                             no_progress: None) -> None:
    log = _with_schema(tmp_path, "nowhere.log", b"SELECT * FROM nowhere WHERE a = 1\n"
                                                b"SELECT * FROM job WHERE name = 'x\n")
    result = cli("recommend", str(log), "--estimate-only")
    assert result.exit_code == 1
    assert result.stderr.startswith("advisor: error: ") and result.stderr.count("\n") == 1

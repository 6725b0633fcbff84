"""Log formats: how records are cut from lines and what a record holds.

Every format turns a record (one or more lines) into a ``Record`` tuple:
``(sql, duration_ns, rows, ts, params)``. ``sql`` is the statement as the log
holds it: bytes for text formats (decoded only when a new template needs it),
str for JSON formats. ``format.decode`` turns it into text. A record that is not
a statement at all (a server's other log events) parses to ``None`` and is
counted as skipped; a record that should be a statement but cannot be read
raises ``Unreadable`` with a short reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

Record = tuple[Any, "int | None", "int | None", "str | None", Any]
NumberedLines = Iterator[tuple[int, bytes]]


class Unreadable(Exception):
    """A record that cannot be read; ``reason`` is a short slug used for counting."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class LogFormat:
    """How one kind of log is read."""

    name: str
    summary: str
    records: Callable[[NumberedLines], Iterator[tuple[int, bytes]]]
    parse: Callable[[bytes], Record | None]
    decode: Callable[[Any], str]
    # Cutting a file into byte ranges for parallel reading is safe when a
    # record boundary can be recognised from the line before it.
    line_ends_record: Callable[[bytes], bool] | None

    @property
    def one_record_per_line(self) -> bool:
        return self.records is _one_per_line


def _decode_utf8(sql: bytes) -> str:
    return sql.decode("utf-8")


def _identity(sql: str) -> str:
    return sql


# --- record cutting -----------------------------------------------------------


def _one_per_line(lines: NumberedLines) -> Iterator[tuple[int, bytes]]:
    for number, line in lines:
        if line.strip():
            yield number, line


_TRACE_END = re.compile(rb";(?:[ \t]*--[ \t]*\d+[ \t]*ns)?[ \t]*$")


def _trace_ends_record(line: bytes) -> bool:
    return line.endswith((b" ns", b";")) or _TRACE_END.search(line) is not None


def _trace_records(lines: NumberedLines) -> Iterator[tuple[int, bytes]]:
    """The sqlite3 shell's trace: a statement, possibly over several lines, then ``;``."""
    start = 0
    pending: list[bytes] = []
    for number, line in lines:
        if not pending:
            if not line.strip():
                continue
            start = number
        pending.append(line)
        if _trace_ends_record(line):
            yield start, b"\n".join(pending) if len(pending) > 1 else line
            pending = []
    if pending:
        yield start, b"\n".join(pending)


_SCRIPT_TOKENS = re.compile(
    rb"'[^']*(?:''[^']*)*'?|\"[^\"]*(?:\"\"[^\"]*)*\"?|--[^\n]*|/\*.*?(?:\*/|$)|;", re.S
)


def _script_records(lines: NumberedLines) -> Iterator[tuple[int, bytes]]:
    """``;``-terminated statements over any number of lines, with comments.

    A ``;`` inside a string, a quoted identifier or a comment does not end a
    statement. Comment-only text between statements is dropped.
    """
    start = 0
    pending = b""
    for number, line in lines:
        if not pending.strip():
            start = number
            pending = b""
        pending = pending + b"\n" + line if pending else line
        while True:
            cut = _statement_end(pending)
            if cut is None:
                break
            statement, pending = pending[:cut], pending[cut + 1 :]
            if _has_code(statement):
                # Number the record by its first line of code, not a comment above it.
                yield start + _leading_comment_lines(statement), statement.strip()
            start = number
    if _has_code(pending):
        yield start + _leading_comment_lines(pending), pending.strip()


def _statement_end(text: bytes) -> int | None:
    """Offset of the first ``;`` outside strings and comments, if complete."""
    for match in _SCRIPT_TOKENS.finditer(text):
        if match.group() == b";":
            return match.start()
    return None


_COMMENTS = re.compile(rb"--[^\n]*|/\*.*?(?:\*/|$)", re.S)


_LEADING_COMMENTS = re.compile(rb"(?:\s+|--[^\n]*|/\*.*?\*/)*", re.S)


def _leading_comment_lines(text: bytes) -> int:
    """How many lines of blanks and comments come before a statement's code."""
    lead = _LEADING_COMMENTS.match(text)
    return text[: lead.end()].count(b"\n") if lead else 0


def _has_code(text: bytes) -> bool:
    return bool(_COMMENTS.sub(b"", text).strip())


# --- record parsing -------------------------------------------------------------


def _parse_sql_line(record: bytes) -> Record | None:
    sql = record.strip().rstrip(b";").rstrip()
    if not sql or (sql.startswith((b"--", b"/*")) and not _has_code(sql)):
        return None  # a comment line
    return sql, None, None, None, None


def _parse_script_record(record: bytes) -> Record | None:
    sql = record.strip().rstrip(b";").rstrip()
    return (sql, None, None, None, None) if sql else None


def _parse_trace_record(record: bytes) -> Record | None:
    duration = None
    if record.endswith(b"ns"):
        sql, _, tail = record.rpartition(b"--")
        try:
            duration = int(tail[:-2])
        except ValueError:
            sql = record
        record = sql.rstrip()
    sql = record.rstrip(b"; \t").strip()
    if not sql:
        return None
    return sql, duration, None, None, None


def _parse_jsonl(record: bytes) -> Record | None:
    obj = _json_object(record)
    sql = obj.get("sql")
    if not isinstance(sql, str) or not sql.strip():
        raise Unreadable("no-sql")
    return (
        sql,
        _ms_to_ns(obj.get("duration_ms")),
        _int_or_none(obj.get("rows")),
        _str_or_none(obj.get("ts")),
        obj.get("params"),
    )


def _json_object(record: bytes) -> dict[str, Any]:
    try:
        obj = orjson.loads(record)
    except orjson.JSONDecodeError as exc:
        # orjson reports invalid UTF-8 as a JSON error; keep the two apart.
        try:
            record.decode("utf-8")
        except UnicodeDecodeError:
            raise Unreadable("bad-utf8") from exc
        raise Unreadable("bad-json") from exc
    if not isinstance(obj, dict):
        raise Unreadable("bad-json")
    return obj


def _ms_to_ns(value: Any) -> int | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return round(value * 1_000_000)
    return None


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _str_or_none(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


# sqlx writes its query events through `tracing`:
#   <ts> DEBUG sqlx::query: summary="SELECT …" db.statement="\n\nSELECT …\n"
#   rows_affected=0 rows_returned=3 elapsed=1.2ms elapsed_secs=0.0012
# The statement is empty when the summary (its first four words) is all of it.
_SQLX_TARGET = b"sqlx::query"
_SQLX_STATEMENT = re.compile(rb'db\.statement="((?:[^"\\]|\\.)*)"')
_SQLX_SUMMARY = re.compile(rb'summary="((?:[^"\\]|\\.)*)"')
_SQLX_SECONDS = re.compile(rb"elapsed_secs=([0-9.eE+-]+)")
_SQLX_ELAPSED = re.compile(rb"elapsed=([0-9.]+)(ns|\xc2\xb5s|us|ms|s)\b")
_SQLX_RETURNED = re.compile(rb"rows_returned=(\d+)")
_SQLX_AFFECTED = re.compile(rb"rows_affected=(\d+)")
_ANSI = re.compile(rb"\x1b\[[0-9;]*m")
_UNIT_NS = {b"ns": 1, b"\xc2\xb5s": 1_000, b"us": 1_000, b"ms": 1_000_000, b"s": 1_000_000_000}
_ELLIPSIS = " …"


def _parse_sqlx_text(record: bytes) -> Record | None:
    if _SQLX_TARGET not in record:
        return None
    if b"\x1b[" in record:
        record = _ANSI.sub(b"", record)
    match = _SQLX_STATEMENT.search(record)
    sql = match.group(1) if match else b""
    if not sql.strip(b"\\n "):
        summary = _SQLX_SUMMARY.search(record)
        if summary is None:
            raise Unreadable("no-sql")
        sql = summary.group(1)
        if sql.endswith(_ELLIPSIS.encode()):
            raise Unreadable("summary-only")
    return sql, _sqlx_duration(record), _sqlx_rows(record), _leading_timestamp(record), None


def _sqlx_duration(record: bytes) -> int | None:
    match = _SQLX_SECONDS.search(record)
    if match:
        try:
            return round(float(match.group(1)) * 1e9)
        except ValueError:
            pass
    match = _SQLX_ELAPSED.search(record)
    if match:
        return round(float(match.group(1)) * _UNIT_NS[match.group(2)])
    return None


def _sqlx_rows(record: bytes) -> int | None:
    returned = _SQLX_RETURNED.search(record)
    affected = _SQLX_AFFECTED.search(record)
    if returned is None and affected is None:
        return None
    return int(returned.group(1) if returned else 0) + int(affected.group(1) if affected else 0)


def _leading_timestamp(record: bytes) -> str | None:
    head = record[:40].split(b" ", 1)[0]
    if len(head) >= 10 and head[:4].isdigit() and head[4:5] == b"-":
        return head.decode("ascii", "replace")
    return None


_RUST_ESCAPE = re.compile(r"\\(u\{[0-9a-fA-F]{1,6}\}|.)", re.S)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "\\": "\\", '"': '"', "'": "'"}


def rust_unescape(text: str) -> str:
    """Undo Rust's ``{:?}`` string escaping (``\\n``, ``\\"``, ``\\u{1b}``)."""
    if "\\" not in text:
        return text
    return _RUST_ESCAPE.sub(_unescape_one, text)


def _unescape_one(match: re.Match[str]) -> str:
    body = match.group(1)
    if body.startswith("u{"):
        return chr(int(body[2:-1], 16))
    return _SIMPLE_ESCAPES.get(body, "\\" + body)


def _decode_sqlx_text(sql: bytes) -> str:
    return rust_unescape(sql.decode("utf-8")).strip()


def _parse_sqlx_json(record: bytes) -> Record | None:
    obj = _json_object(record)
    fields = obj.get("fields")
    if not isinstance(fields, dict):
        fields = obj  # the formatter's flatten_event option
    target = obj.get("target")
    if target is not None and not str(target).startswith("sqlx::query"):
        return None
    sql = fields.get("db.statement")
    if not isinstance(sql, str) or not sql.strip():
        sql = fields.get("summary")
        if not isinstance(sql, str) or not sql.strip():
            if target is None:
                return None  # not a query event
            raise Unreadable("no-sql")
        if sql.endswith(_ELLIPSIS):
            raise Unreadable("summary-only")
    seconds = fields.get("elapsed_secs")
    duration = round(seconds * 1e9) if isinstance(seconds, (int, float)) else None
    returned = _int_or_none(fields.get("rows_returned")) or 0
    affected = _int_or_none(fields.get("rows_affected")) or 0
    rows = returned + affected if ("rows_returned" in fields or "rows_affected" in fields) else None
    return sql.strip(), duration, rows, _str_or_none(obj.get("timestamp")), None


FORMATS: dict[str, LogFormat] = {
    f.name: f
    for f in (
        LogFormat("sql", "plain SQL, one statement per line", _one_per_line,
                  _parse_sql_line, _decode_utf8, lambda line: True),
        LogFormat("sql-script", "plain SQL, ;-terminated statements over several lines, "
                  "comments allowed", _script_records, _parse_script_record, _decode_utf8, None),
        LogFormat("trace", "the sqlite3 shell's .trace output (with --profile: '; -- N ns')",
                  _trace_records, _parse_trace_record, _decode_utf8, _trace_ends_record),
        LogFormat("jsonl", "JSON lines with 'sql' and optional 'duration_ms', 'ts', 'params', "
                  "'rows'", _one_per_line, _parse_jsonl, _identity, lambda line: True),
        LogFormat("sqlx", "sqlx query events from Rust's tracing, text formatter",
                  _one_per_line, _parse_sqlx_text, _decode_sqlx_text, lambda line: True),
        LogFormat("sqlx-json", "sqlx query events from Rust's tracing, JSON formatter",
                  _one_per_line, _parse_sqlx_json, _identity, lambda line: True),
    )
}

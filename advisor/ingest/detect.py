"""Recognise a log's format from its first lines."""

from __future__ import annotations

import re

import orjson

from advisor.ingest.formats import FORMATS, LogFormat
from advisor.model.errors import LogFormatError

HEAD_BYTES = 64 * 1024
_SAMPLE_LINES = 200
_LINE_LOG_SHARE = 0.9

# Words a statement can begin with; a line starting otherwise continues one.
STATEMENT_WORDS = frozenset(
    """SELECT INSERT UPDATE DELETE REPLACE WITH VALUES BEGIN COMMIT END ROLLBACK SAVEPOINT
    RELEASE PRAGMA CREATE DROP ALTER ANALYZE VACUUM EXPLAIN ATTACH DETACH REINDEX""".split()
)
_FIRST_WORD = re.compile(rb"\s*\(?\s*([A-Za-z]+)")
_ANSI = re.compile(rb"\x1b\[[0-9;]*m")
_TRACE_LINE = re.compile(rb";[ \t]*--[ \t]*\d+[ \t]*ns[ \t]*$")


def starts_statement(line: bytes) -> bool:
    match = _FIRST_WORD.match(line)
    return match is not None and match.group(1).upper().decode() in STATEMENT_WORDS


def detect_format(head: bytes, name: str) -> LogFormat:
    """The format of a log whose first bytes are ``head``.

    Raises LogFormatError when nothing in the head looks like any format.
    """
    if b"\x1b[" in head:
        head = _ANSI.sub(b"", head)  # coloured tracing output
    lines = [line for line in head.split(b"\n")[:_SAMPLE_LINES] if line.strip()]
    if len(head) >= HEAD_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut off by the head's end
    if not lines:
        # An empty log is not an error: it digests to nothing.
        return FORMATS["sql"]
    json_lines = [line for line in lines if line.lstrip().startswith(b"{")]
    if len(json_lines) * 2 > len(lines):
        return _detect_json(json_lines, name)
    if any(b"sqlx::query" in line and b"db.statement=" in line for line in lines):
        return FORMATS["sqlx"]
    if any(_TRACE_LINE.search(line) for line in lines):
        return FORMATS["trace"]
    code = [line for line in lines if not line.lstrip().startswith((b"--", b"/*"))]
    if not code:
        return FORMATS["sql"]  # only comments: nothing to digest, nothing wrong
    starting = sum(starts_statement(line) for line in code)
    if starting == 0:
        raise LogFormatError(
            f"{name}: cannot tell its log format (no line looks like SQL, JSON lines, sqlx "
            f"events or SQLite trace output); choose one with --log-format "
            f"({', '.join(FORMATS)})"
        )
    # A script's statements end with ';' on a later line than they begin. A
    # line log has every line begin a statement, or no terminators at all, or
    # nearly every statement complete on its own line; junk lines in it
    # damage only themselves.
    complete = sum(starts_statement(line) and line.rstrip().endswith(b";") for line in code)
    terminated = any(line.rstrip().endswith(b";") for line in code)
    if starting == len(code) or not terminated or complete >= _LINE_LOG_SHARE * starting:
        return FORMATS["sql"]
    return FORMATS["sql-script"]


def _detect_json(lines: list[bytes], name: str) -> LogFormat:
    for line in lines:
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if not isinstance(obj, dict):
            continue
        fields = obj.get("fields")
        if not isinstance(fields, dict):
            fields = obj
        if str(obj.get("target", "")).startswith("sqlx::query") or "db.statement" in fields:
            return FORMATS["sqlx-json"]
        if "sql" in obj:
            return FORMATS["jsonl"]
    raise LogFormatError(
        f"{name}: JSON lines without a 'sql' field or sqlx query events; "
        f"choose a format with --log-format ({', '.join(FORMATS)})"
    )

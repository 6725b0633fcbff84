"""One small workload, and the same workload written in every log format.

Tests build logs with these renderers instead of keeping a copy per format, so
"every format reads the same workload" compares like with like. The sqlx
renderers write what sqlx writes through Rust's ``tracing`` (text and JSON
formatters); ``rust_debug`` and ``rust_float`` reproduce Rust's ``{:?}``.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import advisor.digest.digest
import advisor.digest.workers
from advisor.digest.digest import Digest, DigestOptions, digest_logs


@dataclass(frozen=True)
class Execution:
    """One statement as the application ran it."""

    sql: str
    duration_ns: int
    rows: int
    ts: str
    params: Any = None

    @property
    def is_read(self) -> bool:
        return self.sql.lstrip().upper().startswith(("SELECT", "WITH"))


def _ts(second: int) -> str:
    return f"2024-05-01T12:{second // 60:02d}:{second % 60:02d}.{second * 7919 % 1000000:06d}Z"


# The special string: a newline, doubled quotes, a backslash, a double quote,
# a tab and non-ASCII text. SQL keeps all of them verbatim inside '...'.
AWKWARD_TEXT = "line one\nit''s \\ \"quoted\"\tü → ✓"

MULTI_LINE_SELECT = (
    "SELECT j.id, j.name\n"
    "  FROM job j\n"
    "  JOIN workflow w ON w.id = j.workflow_id\n"
    " WHERE w.id = {wf} AND j.status = {status}\n"
    " ORDER BY j.id"
)


def workload() -> list[Execution]:
    """About thirty executions over ten templates, in the order they ran."""
    statements: list[str] = []
    for wf in (1, 2):
        statements += [
            "BEGIN IMMEDIATE",
            f"INSERT INTO workflow(id, name, status) VALUES ({wf}, 'wf-{wf}', 0)",
            f"INSERT INTO job(workflow_id, name, status) VALUES ({wf}, 'a', 0), ({wf}, 'b', 0)",
            "COMMIT",
        ]
    for job_id in (3, 14, 15, 92, 65):
        statements.append(f"SELECT * FROM job WHERE id = {job_id}")
    for wf, status in ((1, 2), (2, 5), (1, 7)):
        statements.append(MULTI_LINE_SELECT.format(wf=wf, status=status))
    for ids in ("1, 2", "3", "4, 5, 6, 7"):
        statements.append(f"UPDATE job SET status = 3 WHERE id IN ({ids})")
    statements.append(f"INSERT INTO event(job_id, message) VALUES (7, '{AWKWARD_TEXT}')")
    for n in (1, 2, 3):
        statements.append(f"INSERT INTO event(job_id, message) VALUES ({n}, 'event {n}')")
    statements += ["SELECT count(*) FROM job"] * 3
    statements += ["BEGIN", "DELETE FROM event WHERE job_id = -1", "COMMIT"]
    statements += [f"SELECT name FROM job WHERE status = 'it''s {n}'" for n in range(2)]
    return [
        Execution(
            sql=sql,
            duration_ns=1_000 + (index * 7_919_357) % 3_000_000 + index,
            rows=index % 4,
            ts=_ts(index),
            params=[index] if index % 5 == 0 else None,
        )
        for index, sql in enumerate(statements)
    ]


def one_line(sql: str) -> str:
    """The statement on one line (a newline inside a string becomes a space)."""
    return " ".join(sql.split("\n"))


def rust_debug(text: str) -> str:
    """Rust's ``{:?}`` of a str: quoted, with \\\\ \\" \\n \\r \\t and \\u{..} escapes."""
    out = []
    for ch in text:
        if ch in "\\\"":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{{{ord(ch):x}}}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def rust_float(value: float) -> str:
    """Rust's ``{:?}`` of an f64: shortest round-trip digits, ``1e-5`` below 1e-4."""
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa}e{int(exponent)}"
    return text


def rust_duration(ns: int) -> str:
    """Rust's ``{:?}`` of a Duration: ``950ns``, ``12.5µs``, ``1.234567ms``, ``2.5s``."""
    for unit, size in (("s", 10**9), ("ms", 10**6), ("µs", 10**3)):
        if ns >= size:
            whole, rest = divmod(ns, size)
            digits = f"{rest:0{len(str(size)) - 1}d}".rstrip("0")
            return f"{whole}.{digits}{unit}" if digits else f"{whole}{unit}"
    return f"{ns}ns"


def sqlx_fields(execution: Execution) -> dict[str, Any]:
    """The fields sqlx's query logger records for one execution, in its order."""
    sql = execution.sql
    summary = " ".join(sql.split()[:4])
    if summary != sql:
        summary += " …"
        statement = f"\n\n{sql}\n"
    else:
        statement = ""
    return {
        "summary": summary,
        "db.statement": statement,
        "rows_affected": 0 if execution.is_read else execution.rows,
        "rows_returned": execution.rows if execution.is_read else 0,
        "elapsed": rust_duration(execution.duration_ns),
        "elapsed_secs": execution.duration_ns / 1e9,
    }


_ITALIC, _DIM, _RESET, _BLUE = "\x1b[3m", "\x1b[2m", "\x1b[0m", "\x1b[34m"

NOISE_TEXT = (
    "{ts}  INFO torc::server: listening on 127.0.0.1:8080",
    "{ts} DEBUG hyper::proto::h1::io: flushed 312 bytes",
    "{ts}  WARN sqlx::pool::acquire: acquired connection, but time to acquire exceeded slow "
    "threshold acquired_after_secs=1.2",
)


def noise_before(index: int) -> bool:
    """Whether a server's other log event comes before execution ``index``."""
    return index % 7 == 3


def render_sqlx_text(executions: Sequence[Execution], ansi: bool = False,
                     noise: bool = True) -> str:
    """sqlx query events as tracing's text formatter writes them (optionally coloured)."""
    lines = []
    for index, execution in enumerate(executions):
        if noise and noise_before(index):
            lines.append(NOISE_TEXT[index % len(NOISE_TEXT)].format(ts=execution.ts))
        fields = []
        for name, value in sqlx_fields(execution).items():
            if isinstance(value, str) and name != "elapsed":
                shown = rust_debug(value)
            elif isinstance(value, float):
                shown = rust_float(value)
            else:
                shown = str(value)
            fields.append(f"{_ITALIC}{name}{_RESET}{_DIM}={_RESET}{shown}" if ansi
                          else f"{name}={shown}")
        span = "request{method=POST}: " if index % 5 == 2 else ""
        if ansi:
            head = (f"{_DIM}{execution.ts}{_RESET} {_BLUE}DEBUG{_RESET} "
                    f"{span}{_DIM}sqlx::query{_RESET}{_DIM}:{_RESET}")
        else:
            head = f"{execution.ts} DEBUG {span}sqlx::query:"
        lines.append(f"{head} {' '.join(fields)}")
    return "\n".join(lines) + "\n"


def render_sqlx_json(executions: Sequence[Execution], flatten: bool = False,
                     noise: bool = True) -> str:
    """sqlx query events as tracing's JSON formatter writes them (nested or flattened)."""
    lines = []
    for index, execution in enumerate(executions):
        if noise and noise_before(index):
            lines.append(json.dumps({
                "timestamp": execution.ts, "level": "INFO",
                "fields": {"message": "listening on 127.0.0.1:8080"}, "target": "torc::server",
            }))
        fields = sqlx_fields(execution)
        event: dict[str, Any] = {"timestamp": execution.ts, "level": "DEBUG"}
        if flatten:
            event.update(fields)
        else:
            event["fields"] = fields
        event["target"] = "sqlx::query"
        lines.append(json.dumps(event, ensure_ascii=index % 2 == 0))
    return "\n".join(lines) + "\n"


def render_sql(executions: Sequence[Execution]) -> str:
    """Plain SQL, one statement per line, alternately with and without ``;``."""
    return "".join(one_line(e.sql) + (";" if i % 2 else "") + "\n"
                   for i, e in enumerate(executions))


def render_script(executions: Sequence[Execution]) -> str:
    """A ``;``-terminated script: statements over several lines, comments between."""
    parts = ["-- a captured session; comments are not statements\n"]
    for index, execution in enumerate(executions):
        if index % 4 == 1:
            parts.append(f"/* step {index}; not a statement */\n")
        if index % 4 == 2:
            parts.append("\n")
        # Break after each keyword-looking word so most lines continue a statement.
        sql = execution.sql.replace(" FROM ", "\n  FROM ").replace(" WHERE ", "\n WHERE ")
        sql = sql.replace(" VALUES ", "\nVALUES ")
        parts.append(f"{sql};\n")
        if index % 6 == 0:
            parts.append("-- done; next\n")
    return "".join(parts)


def render_trace(executions: Sequence[Execution]) -> str:
    """The sqlite3 shell's ``.trace --profile`` output: ``<sql>; -- N ns``."""
    return "".join(f"{e.sql}; -- {e.duration_ns} ns\n" for e in executions)


def render_jsonl(executions: Sequence[Execution]) -> str:
    """JSON lines: sql, duration_ms, ts, params, rows."""
    return "".join(
        json.dumps({"ts": e.ts, "sql": e.sql, "duration_ms": e.duration_ns / 1e6,
                    "rows": e.rows, "params": e.params}, ensure_ascii=False) + "\n"
        for e in executions
    )


RENDERERS = {
    "sql": render_sql,
    "sql-script": render_script,
    "trace": render_trace,
    "jsonl": render_jsonl,
    "sqlx": render_sqlx_text,
    "sqlx-json": render_sqlx_json,
}
TIMED_FORMATS = ("trace", "jsonl", "sqlx", "sqlx-json")
ROWS_FORMATS = ("jsonl", "sqlx", "sqlx-json")
TS_FORMATS = ROWS_FORMATS

# Every way the workload is written: variant name -> (log format, renderer).
VARIANTS = {
    **{name: (name, render) for name, render in RENDERERS.items()},
    "sqlx-ansi": ("sqlx", lambda executions: render_sqlx_text(executions, ansi=True)),
    "sqlx-quiet": ("sqlx", lambda executions: render_sqlx_text(executions, noise=False)),
    "sqlx-json-flat": ("sqlx-json",
                       lambda executions: render_sqlx_json(executions, flatten=True)),
}


def write(path: Path, text: str | bytes, compress: bool = False) -> Path:
    data = text.encode("utf-8") if isinstance(text, str) else text
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def digest_files(paths: Iterable[Path | str], **options: Any) -> Digest:
    return digest_logs([str(p) for p in paths], DigestOptions(**options))


def counts(digest: Digest) -> dict[str, int]:
    """Template id → executions."""
    return {tid: stats.count for tid, stats in digest.templates.items()}


def snapshot(digest: Digest, source_names: bool = True) -> dict[str, Any]:
    """Everything a digest knows, as plain comparable data.

    ``source_names=False`` keeps line numbers but not the file names (for the
    same log read from another path).
    """

    def place(source: str, line: int) -> tuple[str, int] | int:
        return (source, line) if source_names else line

    templates = {}
    for tid, s in digest.templates.items():
        templates[tid] = {
            "text": s.template.text, "count": s.count, "timed": s.timed,
            "total_ns": s.total_ns, "max_ns": s.max_ns, "buckets": dict(s.buckets),
            "rows_total": s.rows_total, "rows_counted": s.rows_counted,
            "samples": [(x.sql, place(x.source, x.line), x.params) for x in s.samples],
            "shapes": {bucket: (shape.count, [(x.sql, place(x.source, x.line), x.params)
                                              for x in shape.samples])
                       for bucket, shape in s.shapes.items()},
        }
    problems = {reason: (t.count, [place(*ref) for ref in t.refs])
                for reason, t in digest.problems.items()}
    return {"templates": templates, "problems": problems, "skipped": digest.skipped,
            "first_ts": digest.first_ts, "last_ts": digest.last_ts,
            "lines": [s.lines for s in digest.sources.values()]}


def spy_parallel(monkeypatch: Any) -> list[int]:
    """Two usable cores, and the number of byte ranges of each parallel read, noted."""
    calls: list[int] = []
    real = advisor.digest.digest._digest_parallel

    def spy(*args: Any) -> Any:
        calls.append(len(args[3]))  # the byte ranges
        return real(*args)

    monkeypatch.setattr(advisor.digest.digest, "_digest_parallel", spy)
    monkeypatch.setattr(advisor.digest.workers, "usable_cores", lambda: 2)
    return calls

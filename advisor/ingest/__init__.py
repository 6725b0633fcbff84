"""Ingest: logs in, statements out.

``open_log`` gives a source's format and its records; ``read_statements`` is
the convenient stream of ``Statement`` values for later stages (replay). The
digest reads records directly, which is faster (see advisor/digest.py).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from advisor.ingest.detect import HEAD_BYTES, detect_format
from advisor.ingest.formats import FORMATS, LogFormat, Unreadable
from advisor.ingest.sources import (
    DEFAULT_MAX_LINE_BYTES,
    Broken,
    LineReader,
    Prefixed,
    ReadFailure,
    Source,
    TooLong,
    check_sources,
    read_head,
)
from advisor.model.errors import LogFormatError

__all__ = [
    "FORMATS",
    "LogFormat",
    "OpenLog",
    "Source",
    "Statement",
    "check_sources",
    "open_log",
    "read_statements",
    "resolve_format",
]


@dataclass(frozen=True)
class Statement:
    """One logged statement, as the log tells it."""

    sql: str
    duration_ms: float | None
    rows: int | None
    ts: str | None
    params: Any
    source: str
    line: int


def resolve_format(name: str | None) -> LogFormat | None:
    """The named format, or None for auto-detection."""
    if name is None or name == "auto":
        return None
    try:
        return FORMATS[name]
    except KeyError:
        raise LogFormatError(
            f"unknown log format {name!r}; choose one of: auto, {', '.join(FORMATS)}"
        ) from None


@dataclass
class OpenLog:
    """An opened source: its format and a binary stream positioned at its start."""

    source: Source
    format: LogFormat
    stream: Any

    def lines(self, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> LineReader:
        return LineReader(self.stream, max_line_bytes)

    def close(self) -> None:
        self.stream.close()


def open_log(source: Source, log_format: LogFormat | None = None) -> OpenLog:
    """Open a source and settle its format (given, or detected from its head)."""
    stream: BinaryIO | io.RawIOBase = source.open()
    if log_format is None:
        # A stream that breaks inside the head (a truncated gzip file) still
        # gives the lines before the break; the break is reported when reached.
        head, error = read_head(stream, HEAD_BYTES)
        log_format = detect_format(head, source.name)
        rest = Broken(error) if error is not None else stream
        stream = Prefixed(head, rest)
    return OpenLog(source, log_format, stream)


def read_statements(paths: list[str], log_format: str | None = None,
                    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES) -> Iterator[Statement]:
    """Every readable statement of the given logs, in order; unreadable records are skipped."""
    chosen = resolve_format(log_format)
    for source in check_sources(paths):
        log = open_log(source, chosen)
        fmt = log.format
        try:
            readable = ((n, line) for n, line in log.lines(max_line_bytes)
                        if not isinstance(line, TooLong))
            for number, record in fmt.records(readable):
                try:
                    parsed = fmt.parse(record)
                    if parsed is None:
                        continue
                    sql = fmt.decode(parsed[0])
                except (Unreadable, UnicodeDecodeError):
                    continue
                duration_ns = parsed[1]
                yield Statement(
                    sql=sql,
                    duration_ms=None if duration_ns is None else duration_ns / 1e6,
                    rows=parsed[2],
                    ts=parsed[3],
                    params=parsed[4],
                    source=source.name,
                    line=number,
                )
        except ReadFailure:
            pass
        finally:
            log.close()

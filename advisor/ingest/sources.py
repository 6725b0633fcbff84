"""Sources: files, gzip files and standard input, read as numbered byte lines.

Lines are read in large blocks and split in C, which is several times faster
than iterating a file object, and a line longer than ``max_line_bytes`` is
skipped as it streams past instead of being held in memory whole.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from advisor.model.errors import InputError

BLOCK_BYTES = 1 << 20
DEFAULT_MAX_LINE_BYTES = 1 << 20
GZIP_MAGIC = b"\x1f\x8b"


@dataclass(frozen=True)
class Source:
    """One input: a path, or ``-`` for standard input."""

    name: str

    @property
    def is_stdin(self) -> bool:
        return self.name == "-"

    def is_regular_file(self) -> bool:
        return not self.is_stdin and os.path.isfile(self.name)

    def size(self) -> int | None:
        """Bytes on disk, or None for stdin."""
        return None if self.is_stdin else os.path.getsize(self.name)

    def open(self) -> BinaryIO:
        """A binary stream of the source's content, decompressed if it is gzip.

        Gzip is recognised by its magic bytes, whatever the file is called, and
        the check peeks, so pipes and FIFOs work too.
        """
        # The caller owns and closes the stream.
        handle: BinaryIO = sys.stdin.buffer if self.is_stdin else open(self.name, "rb")  # noqa: SIM115
        if hasattr(handle, "peek"):
            magic = handle.peek(2)[:2]
        else:  # a stream that cannot peek (an in-memory one): read and put back
            magic = handle.read(2)
            handle = Prefixed(magic, handle)  # type: ignore[assignment]
        if magic[:2] != GZIP_MAGIC:
            return handle
        return GzipReader(handle)  # type: ignore[return-value]

    def is_gzip(self) -> bool:
        with open(self.name, "rb") as handle:
            return handle.read(2) == GZIP_MAGIC


def check_sources(paths: list[str]) -> list[Source]:
    """Sources for the given paths; a missing or unreadable file is an InputError."""
    if not paths:
        raise InputError("no log given: name one or more log files, or - for standard input")
    sources = []
    for path in paths:
        source = Source(path)
        if not source.is_stdin:
            if os.path.isdir(path):
                raise InputError(f"{path}: is a directory, not a log file")
            if not os.path.exists(path):
                raise InputError(f"{path}: no such file")
            if not os.access(path, os.R_OK):
                raise InputError(f"{path}: not readable (check its permissions)")
        sources.append(source)
    if sum(source.is_stdin for source in sources) > 1:
        raise InputError("standard input (-) can be read only once")
    return sources


class TooLong:
    """Marks a line skipped for exceeding the length limit."""

    __slots__ = ("length",)

    def __init__(self, length: int) -> None:
        self.length = length


class ReadFailure(Exception):
    """The stream broke off (a truncated or corrupt gzip file)."""


STREAM_ERRORS = (EOFError, OSError, zlib.error)


def read_head(stream: BinaryIO | io.RawIOBase, size: int) -> tuple[bytes, BaseException | None]:
    """Up to ``size`` bytes from the start of a stream, and the error that cut it short."""
    parts: list[bytes] = []
    got = 0
    while got < size:
        try:
            block = stream.read(min(8192, size - got))
        except (ReadFailure, *STREAM_ERRORS) as exc:
            return b"".join(parts), exc
        if not block:
            break
        parts.append(block)
        got += len(block)
    return b"".join(parts), None


class GzipReader(io.RawIOBase):
    """Gzip (one member or several) decompressed with zlib as it is read.

    Python's gzip module drops what it decoded in the read that meets a
    truncation; this reader hands out every byte before the break and only
    then raises ReadFailure, so a cut-off log still yields all its whole lines.
    """

    CHUNK = 1 << 16

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._inflate = zlib.decompressobj(wbits=31)
        self._pending = b""
        self._error: str | None = None
        self._finished = False

    def readable(self) -> bool:
        return True

    def _fill(self) -> None:
        while not self._pending and not self._finished:
            compressed = self._raw.read(self.CHUNK)
            if not compressed:
                self._finished = True
                if not self._inflate.eof:
                    self._error = "the gzip stream ends early (a truncated file)"
                return
            self._pending = self._inflate_chunk(compressed)

    def _inflate_chunk(self, compressed: bytes) -> bytes:
        """Decompressed bytes of one chunk; a fault keeps what came before it."""
        out: list[bytes] = []
        data = compressed
        while data:
            before = self._inflate.copy()
            try:
                out.append(self._inflate.decompress(data))
            except zlib.error as exc:
                # A bad trailer (CRC, length) fails the whole call: decode the
                # same bytes again without the 8-byte trailer to keep the data.
                with contextlib.suppress(zlib.error):
                    out.append(before.decompress(data[:-8]))
                return self._fail(out, f"corrupt gzip data ({exc})")
            if not self._inflate.eof:
                break
            rest = self._inflate.unused_data
            if not rest.strip(b"\x00"):
                self._finished = True  # end of the last member (zero padding allowed)
                break
            if not rest.startswith(GZIP_MAGIC):
                return self._fail(out, "data after the end of the gzip stream")
            self._inflate = zlib.decompressobj(wbits=31)  # the next gzip member
            data = rest
        return b"".join(out)

    def _fail(self, out: list[bytes], message: str) -> bytes:
        self._finished = True
        self._error = message
        return b"".join(out)

    def read(self, size: int = -1) -> bytes:
        self._fill()
        if not self._pending:
            if self._error is not None:
                raise ReadFailure(self._error)
            return b""
        if size < 0 or size >= len(self._pending):
            out, self._pending = self._pending, b""
        else:
            out, self._pending = self._pending[:size], self._pending[size:]
        return out

    def close(self) -> None:
        self._raw.close()
        super().close()


class Broken(io.RawIOBase):
    """A stream that has already failed: reading it raises that failure."""

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        raise ReadFailure(str(self.error)) from self.error


class LineReader:
    """Iterates ``(line_number, line)`` over a binary stream; counts as it goes.

    Lines come without their newline (and without a trailing CR). A line longer
    than ``max_line_bytes`` comes as a ``TooLong`` marker. ``limit_bytes`` stops
    after that many bytes (one range of a file); ``on_block`` is told the size
    of every block read, for progress. A broken compressed stream raises
    ReadFailure after the lines before it; ``lines_read`` says how far it got.
    """

    def __init__(self, stream: BinaryIO, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
                 limit_bytes: int | None = None,
                 on_block: Callable[[int], None] | None = None, lines_before: int = 0) -> None:
        self.stream = stream
        self.max_line_bytes = max_line_bytes
        self.limit_bytes = limit_bytes
        self.on_block = on_block
        self.lines_before = lines_before  # lines of the stream before this reader's first
        self.lines_read = lines_before

    def _blocks(self) -> Iterator[bytes]:
        remaining = self.limit_bytes
        while remaining is None or remaining > 0:
            size = BLOCK_BYTES if remaining is None else min(BLOCK_BYTES, remaining)
            try:
                block = self.stream.read(size)
            except ReadFailure:
                raise
            except STREAM_ERRORS as exc:
                raise ReadFailure(f"stream broke off after line {self.lines_read}: {exc}") from exc
            if not block:
                return
            if remaining is not None:
                remaining -= len(block)
            if self.on_block is not None:
                self.on_block(len(block))
            yield block

    def __iter__(self) -> Iterator[tuple[int, bytes | TooLong]]:
        for number, lines in self.batches():
            for line in lines:
                number += 1
                yield number, line

    def batches(self) -> Iterator[tuple[int, list[bytes | TooLong]]]:
        """The lines a block at a time: the number of the line before the first, and the
        lines as ``__iter__`` gives them. A reader of many short lines (the digest) takes
        a block's list whole instead of a generator step per line."""
        limit = self.max_line_bytes
        number = self.lines_before
        carry = b""
        # A line longer than a block gathers here, joined once it ends: adding each block
        # to the line so far would copy it once per block.
        pieces: list[bytes] = []
        skipping = 0  # >0: inside an over-long line, this many bytes so far
        for block in self._blocks():
            parts = block.split(b"\n")
            head: bytes | TooLong  # the block's first line, which began before it
            if skipping:
                if len(parts) == 1:
                    skipping += len(block)
                    continue
                head = TooLong(skipping + len(parts[0]))
                skipping = 0
            elif len(parts) == 1:  # no line ends in this block
                if carry:
                    pieces.append(carry)
                    carry = b""
                pieces.append(block)
                gathered = sum(map(len, pieces))  # pieces: at most limit / BLOCK_BYTES
                if gathered > limit:
                    skipping = gathered
                    pieces.clear()
                continue
            else:
                if pieces:
                    pieces.append(parts[0])
                    head = _finished(b"".join(pieces), limit)
                    pieces.clear()
                else:
                    head = _finished(carry + parts[0], limit)
            carry = parts.pop()
            lines: list[bytes | TooLong] = [head]
            # The other whole lines lie inside this block: only a long block or a CR
            # needs them looked at one by one.
            if len(block) > limit or b"\r" in block:
                lines.extend(_finished(line, limit) for line in parts[1:])
            else:
                lines += parts[1:]
            first = number
            number += len(lines)
            self.lines_read = number
            yield first, lines
            if len(carry) > limit:
                skipping = len(carry)
                carry = b""
        if pieces:
            carry = b"".join(pieces)
        if skipping or carry:
            self.lines_read = number + 1
            if skipping:
                yield number, [TooLong(skipping)]
            else:
                yield number, [carry[:-1] if carry.endswith(b"\r") else carry]


def _finished(line: bytes, limit: int) -> bytes | TooLong:
    """A whole line as a LineReader gives it: without a trailing CR, or marked too long."""
    if len(line) > limit:
        return TooLong(len(line))
    return line[:-1] if line.endswith(b"\r") else line


class Prefixed(io.RawIOBase):
    """A stream that first returns ``head`` (already read, for detection), then the rest."""

    def __init__(self, head: bytes, rest: BinaryIO | io.RawIOBase) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if not self._head:
            return self._rest.read(size)
        if 0 <= size < len(self._head):
            out, self._head = self._head[:size], self._head[size:]
            return out
        out, self._head = self._head, b""
        return out  # a short read; the next one continues with the rest

    def close(self) -> None:
        self._rest.close()
        super().close()

"""Which statements of a template are kept: a fair share of the log, not its start.

Replay prices a template by a few of its statements, with their own values, so
those few must run as the log's statements run on average. The first few do
not: on Torc's log the completion check ran 17,087 times, 81% of them for the
focus workflow, and its first three statements asked about two small
workflows; replayed, the check stopped at the first unfinished job where the
server's scanned the focus workflow's finished ones.

So each template (each size of one that varies in size) keeps up to ``KEPT``
*distinct* statements, with how many times each ran and where it first
appeared: those whose stable key (a hash of the statement and its parameters)
is smallest, a random choice of the distinct statements that is the same
however the log is cut into parts and merged back (the smallest keys of a
part include every one of the whole's smallest that it holds, so counts add
exactly). The samples are then drawn from them by weight: at the quantiles
(i + 1/2) / n of their cumulative counts, in key order; a statement that ran
four times in five is picked about four times in five.

Cost while reading: a statement already kept is one dictionary lookup and an
add; any other is hashed (crc32 and adler32, in C) and compared with the
largest kept key.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

KEPT = 32  # distinct statements kept per template (per size of one that varies in size)


@dataclass(frozen=True)
class Sample:
    """One statement as logged, with its literal values (replay needs them)."""

    sql: str
    source: str
    line: int
    params: Any = None


@dataclass(frozen=True)
class Kept:
    """One distinct statement a template kept: its key, how often it ran, its first run."""

    key: int
    count: int
    sample: Sample


def stable_key(sql: bytes | str, shown_params: str | None = None) -> int:
    """A 64-bit hash of a statement and its parameters (as ``repr`` shows them), the same
    in every process and run (Python's own hash of bytes is salted per process)."""
    data = _hashed(sql, shown_params)
    return (zlib.crc32(data) << 32) | zlib.adler32(data)


def _hashed(sql: bytes | str, shown_params: str | None) -> bytes:
    """The bytes ``stable_key`` hashes: crc32 of them is its high half, adler32 its low."""
    data = sql if sql.__class__ is bytes else sql.encode("utf-8", "surrogatepass")  # type: ignore[union-attr]
    if shown_params is not None:
        data += b"\x00" + shown_params.encode("utf-8", "surrogatepass")
    return data


class _Entry:
    """A kept statement as the log is read: its runs so far, its first run, and its raw
    identity (None for one a merge brought, until it is met again)."""

    __slots__ = ("count", "identity", "sample")

    def __init__(self, count: int, sample: Sample, identity: Any) -> None:
        self.count = count
        self.sample = sample
        self.identity = identity


class KeptStatements:
    """The distinct statements with the ``KEPT`` smallest keys, as a log is read."""

    __slots__ = ("by_key", "cut", "seen")

    def __init__(self) -> None:
        self.by_key: dict[int, _Entry] = {}
        self.seen: dict[Any, int] = {}  # a kept statement's identity (raw text) -> its key
        self.cut: int | None = None  # the largest kept key, once KEPT are kept

    def add(self, sql: bytes | str, params: Any, source: str, line: int,
            decode: Callable[[Any], str]) -> None:
        """Count one run of ``sql`` (``decode`` makes its text) at ``source``:``line``."""
        shown = None if params is None else repr(params)
        identity = sql if shown is None else (sql, shown)
        key = self.seen.get(identity)
        if key is not None:
            self.by_key[key].count += 1
            return
        data = _hashed(sql, shown)
        high = zlib.crc32(data)
        # Most statements of a busy template fall past the cut on their high half alone.
        if self.cut is not None and high > self.cut >> 32:
            return
        key = (high << 32) | zlib.adler32(data)
        entry = self.by_key.get(key)
        if entry is not None:  # kept by a merge, met again
            entry.count += 1
            entry.identity = identity
            self.seen[identity] = key
            return
        if self.cut is not None and key >= self.cut:
            return
        self.by_key[key] = _Entry(1, Sample(decode(sql), source, line, params), identity)
        self.seen[identity] = key
        self._trim()

    def merge(self, other: KeptStatements | Iterable[Kept]) -> None:
        """Add the statements of the part that follows (its first runs come after ours):
        as it is read, or as a frozen digest keeps them."""
        for kept in other.entries() if isinstance(other, KeptStatements) else other:
            mine = self.by_key.get(kept.key)
            if mine is not None:
                mine.count += kept.count
            elif self.cut is None or kept.key < self.cut:
                self.by_key[kept.key] = _Entry(kept.count, kept.sample, None)
                self._trim()

    def _trim(self) -> None:
        """Keep the KEPT smallest keys; the cut is the largest of them once full."""
        if len(self.by_key) > KEPT:
            identity = self.by_key.pop(max(self.by_key)).identity
            if identity is not None:
                self.seen.pop(identity, None)
        if len(self.by_key) >= KEPT:
            self.cut = max(self.by_key)

    def moved(self, source: str, offset: int) -> None:
        """Renumber the first runs read from ``source`` by ``offset`` lines."""
        for entry in self.by_key.values():
            sample = entry.sample
            if sample.source == source:
                entry.sample = replace(sample, line=sample.line + offset)

    def entries(self) -> tuple[Kept, ...]:
        """The kept statements, in key order."""
        return tuple(Kept(key, entry.count, entry.sample)
                     for key, entry in sorted(self.by_key.items()))


def by_weight(kept: Sequence[Kept], count: int) -> list[Sample]:
    """``count`` samples (no more than the kept statements ran) at the quantiles
    (i + 1/2) / count of their cumulative runs, in key order: a statement is picked
    about as often as it ran (more than once, if it ran more than one in ``count``
    times).

    >>> one = lambda key, runs: Kept(key, runs, Sample(f"s{key}", "log", key))
    >>> [s.sql for s in by_weight([one(1, 1), one(2, 8), one(3, 1)], 3)]
    ['s2', 's2', 's2']
    >>> [s.sql for s in by_weight([one(1, 1), one(2, 1), one(3, 1), one(4, 1)], 3)]
    ['s1', 's3', 's4']
    >>> [s.sql for s in by_weight([one(5, 1)], 3)]  # it ran once
    ['s5']
    """
    total = sum(k.count for k in kept)
    picks: list[Sample] = []
    if not total:
        return picks
    count = min(count, total)
    index, seen = 0, kept[0].count
    for i in range(count):
        target = (i + 0.5) / count * total
        while seen <= target and index + 1 < len(kept):
            index += 1
            seen += kept[index].count
        picks.append(kept[index].sample)
    return picks

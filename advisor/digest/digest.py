"""Digest: a log becomes its templates, with counts, times, rows and samples.

Memory grows with the number of templates, never with the number of lines:
per template it keeps counters, a fixed-precision duration histogram and a
fair share of its statements to replay (``advisor.digest.samples``: distinct
statements with how often each ran, the same however the log is cut; of a
template whose statements differ in size, per size, and how many ran: see
``pick_across_sizes``). Digests merge:
the digest of a log equals the merge of the digests of its consecutive parts,
which is how a large file is read on several cores (one byte range each) and
how shards can be digested apart.

Counting happens in a private accumulator of plain slots and dicts, which the
reading loop updates in place (see docs/design.md); once reading ends it is
frozen into the read-only ``Digest`` that later stages receive.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from advisor.digest.fingerprint import (
    Template,
    canonicalize,
    fast_key,
    mask,
    needs_precise,
    precise_key,
)
from advisor.digest.histogram import bucket_of, merge_into, quantile
from advisor.digest.samples import Kept, KeptStatements, Sample, by_weight
from advisor.digest.workers import run_in_workers, usable_cores, worker_count
from advisor.ingest import (
    FORMATS,
    LogFormat,
    Source,
    check_sources,
    open_log,
    resolve_format,
)
from advisor.ingest.detect import STATEMENT_WORDS
from advisor.ingest.formats import Unreadable
from advisor.ingest.sources import (
    BLOCK_BYTES,
    DEFAULT_MAX_LINE_BYTES,
    STREAM_ERRORS,
    LineReader,
    ReadFailure,
    TooLong,
)
from advisor.model.errors import LogFormatError
from advisor.model.frozen import freeze_mappings, frozen_mapping

SAMPLES_PER_TEMPLATE = 3
# A statement's size is its commas (its lists' elements and rows, beside what every
# statement of the template has), exact up to 7, then 2**SIZE_STEPS_BITS buckets to a
# doubling (~19% wide). Its length would not do: two more IN elements in a statement
# of ninety characters moved it by less than a bucket.
SIZE_STEPS_BITS = 2
REFS_PER_PROBLEM = 5
# Below this size a file is read in one process: starting workers costs more.
PARALLEL_MIN_BYTES = 8 << 20
# A gzip file at least this large is decompressed to a temporary file first, and read as a
# large plain one (by workers where its content is large enough): Torc's log, 8 MB of gzip
# and 110 MiB of statements, took 5.0 s in one process, 3.1 s in two, 0.4 s of it to
# decompress.
GZIP_SPLIT_MIN_BYTES = 1 << 20
PLAIN, GZIP = "plain", "gzip"  # how a large file is cut for workers (_split_as)
# A large file's first part, read alone before choosing how to read the rest.
PROBE_BYTES = 4 << 20
# Above this share of the probe's second half spent naming new templates, the rest is
# read by one process: workers would each name most of them again (docs/benchmarks.md).
NAMING_SHARE_FOR_ONE_WORKER = 0.25
KEY_CACHE_LIMIT = 200_000  # keys kept beyond one per template (see _Reader._lookup)
# Statements remembered verbatim with what they stand for, so that a repeated one
# needs no key: at most this many, each at most TEXT_CACHE_BYTES long (bounded memory).
TEXT_CACHE_LIMIT = 1 << 16
TEXT_CACHE_BYTES = 512

Progress = Callable[[int], None]


# --- the digest, as later stages see it: read-only -----------------------------


@dataclass(frozen=True)
class Shape:
    """The statements of one size of a template that varies in size: how many ran,
    samples drawn by weight from the distinct ones kept, and those."""

    count: int
    samples: tuple[Sample, ...]
    kept: tuple[Kept, ...] = ()


def size_bucket(size: int) -> int:
    """A size as a bucket, ordered as the sizes are: exact while small, then the
    SIZE_STEPS_BITS bits below the leading one.

    >>> [size_bucket(n) for n in (0, 7, 8, 9, 10, 100, 110)]
    [0, 7, 16, 16, 17, 30, 30]
    """
    bits = size.bit_length()
    if bits <= SIZE_STEPS_BITS + 1:
        return size
    return (bits << SIZE_STEPS_BITS) | ((size >> (bits - SIZE_STEPS_BITS - 1))
                                        & ((1 << SIZE_STEPS_BITS) - 1))


def statement_size(sql: bytes | str) -> int:
    """The size a statement is sampled by: its commas."""
    return sql.count(b",") if sql.__class__ is bytes else sql.count(",")  # type: ignore[arg-type]


def pick_across_sizes(shapes: Mapping[int, Shape], count: int) -> list[Sample]:
    """``count`` samples at the quantiles (i + 1/2) / count of the sizes the statements
    ran at, smallest first: replaying them costs what the template's statements cost
    on average. The first few, as kept for a template of one size, were the log's
    first statements: an IoT trial's readings insert was priced by three one-row
    inserts where 37% of its 2,813 statements carried 2 to 8 rows. A size whose
    samples ran out gives the next larger size's, else the next smaller's.

    >>> one = lambda n: Sample(f"s{n}", "log", n)
    >>> [s.line for s in pick_across_sizes({10: Shape(60, (one(1), one(2))),
    ...                                     40: Shape(40, (one(3),))}, 3)]
    [1, 2, 3]
    """
    ordered = sorted(shapes.items())
    total = sum(shape.count for _, shape in ordered)
    taken = dict.fromkeys(shapes, 0)
    picks: list[Sample] = []
    for i in range(count):
        target, seen, at = (i + 0.5) / count * total, 0, len(ordered) - 1
        for index, (_, shape) in enumerate(ordered):
            seen += shape.count
            if seen > target:
                at = index
                break
        for bucket, shape in (*ordered[at:], *reversed(ordered[:at])):
            if taken[bucket] < len(shape.samples):
                picks.append(shape.samples[taken[bucket]])
                taken[bucket] += 1
                break
    return picks


@dataclass(frozen=True)
class TemplateStats:
    """What the digest knows about one template. Durations are in nanoseconds."""

    template: Template
    count: int
    timed: int
    total_ns: int
    max_ns: int
    buckets: Mapping[int, int]
    rows_total: int
    rows_counted: int
    samples: tuple[Sample, ...]
    # Of a template that varies in size (Template.varies_in_size): size bucket -> Shape.
    shapes: Mapping[int, Shape] = field(default_factory=dict)
    # The distinct statements the samples were drawn from, with how often each ran
    # (of a template that varies in size: its shapes keep them).
    kept: tuple[Kept, ...] = ()

    @property
    def mean_ns(self) -> float | None:
        return self.total_ns / self.timed if self.timed else None

    def quantile_ns(self, q: float) -> float | None:
        """The q-quantile of durations (histogram midpoint, capped at the true max)."""
        value = quantile(self.buckets, q)
        return None if value is None else min(value, self.max_ns)

    @property
    def mean_rows(self) -> float | None:
        return self.rows_total / self.rows_counted if self.rows_counted else None


@dataclass(frozen=True)
class ProblemTally:
    """Unreadable records of one reason: how many, and where the first ones were."""

    count: int
    refs: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class SourceSummary:
    name: str
    format: str
    lines: int


@dataclass(frozen=True)
class Digest:
    """Templates of a workload and what could not be read. ``merge_digests`` merges."""

    templates: Mapping[str, TemplateStats] = field(default_factory=dict)
    problems: Mapping[str, ProblemTally] = field(default_factory=dict)
    sources: Mapping[str, SourceSummary] = field(default_factory=dict)
    skipped: int = 0  # records that are not statements (a server's other log events)
    first_ts: str | None = None
    last_ts: str | None = None

    def __post_init__(self) -> None:
        freeze_mappings(self, "templates", "problems", "sources")

    @property
    def statements(self) -> int:
        return sum(stats.count for stats in self.templates.values())

    @property
    def total_ns(self) -> int:
        return sum(stats.total_ns for stats in self.templates.values())

    @property
    def timed(self) -> int:
        return sum(stats.timed for stats in self.templates.values())

    @property
    def unreadable(self) -> int:
        return sum(tally.count for tally in self.problems.values())

    @property
    def lines(self) -> int:
        return sum(source.lines for source in self.sources.values())

    def ranked(self, sort: str = "time") -> list[TemplateStats]:
        """Templates by total time (count where no time is known), or by count."""
        if sort == "count":
            key = lambda s: (-s.count, -s.total_ns, s.template.id)  # noqa: E731
        else:
            key = lambda s: (-s.total_ns, -s.count, s.template.id)  # noqa: E731
        return sorted(self.templates.values(), key=key)

    def shifted(self, source: str, offset: int) -> Digest:
        """This digest with one source's lines renumbered by ``offset`` (a part that was
        read from mid-file, before it is merged)."""
        accumulator = _Accumulator().merge(self)
        accumulator.shift_lines(source, offset)
        return accumulator.freeze()


def merge_digests(parts: Iterable[Digest]) -> Digest:
    """The digest of consecutive parts of a workload, given in order."""
    accumulator = _Accumulator()
    for part in parts:
        accumulator.merge(part)
    return accumulator.freeze()


# --- the digest while it is read: mutable, mergeable, internal -------------------


class _TemplateCounts:
    """A TemplateStats as it accumulates: the reading loop adds to its slots in place."""

    __slots__ = (
        "buckets", "count", "kept", "max_ns", "rows_counted", "rows_total", "shapes",
        "template", "timed", "total_ns",
    )

    def __init__(self, template: Template) -> None:
        self.template = template
        self.count = 0
        self.timed = 0
        self.total_ns = 0
        self.max_ns = 0
        self.buckets: dict[int, int] = {}
        self.rows_total = 0
        self.rows_counted = 0
        self.kept = KeptStatements()
        # Size bucket -> its counts, for a template whose statements vary in size.
        self.shapes: dict[int, _ShapeCounts] | None = (
            {} if template.varies_in_size else None)

    def counted_shape(self, size: int) -> _ShapeCounts:
        """Count one statement of ``size`` (``statement_size``) in its bucket's counts and
        return them (the template varies in size)."""
        shapes = self.shapes
        assert shapes is not None
        bucket = size_bucket(size)
        shape = shapes.get(bucket)
        if shape is None:
            shape = shapes[bucket] = _ShapeCounts()
        shape.count += 1
        return shape

    def merge(self, other: _TemplateCounts | TemplateStats) -> None:
        self.count += other.count
        self.timed += other.timed
        self.total_ns += other.total_ns
        self.max_ns = max(self.max_ns, other.max_ns)
        merge_into(self.buckets, other.buckets)
        self.rows_total += other.rows_total
        self.rows_counted += other.rows_counted
        if self.shapes is not None and other.shapes:
            for bucket, theirs in other.shapes.items():
                shape = self.shapes.setdefault(bucket, _ShapeCounts())
                shape.count += theirs.count
                shape.kept.merge(theirs.kept)
            return
        self.kept.merge(other.kept)

    def freeze(self) -> TemplateStats:
        shapes = {}
        for bucket, shape in sorted((self.shapes or {}).items()):
            kept = shape.kept.entries()
            shapes[bucket] = Shape(shape.count, tuple(by_weight(kept, SAMPLES_PER_TEMPLATE)),
                                   kept)
        kept = self.kept.entries()
        samples = (pick_across_sizes(shapes, SAMPLES_PER_TEMPLATE) if shapes
                   else by_weight(kept, SAMPLES_PER_TEMPLATE))
        return TemplateStats(
            template=self.template, count=self.count, timed=self.timed,
            total_ns=self.total_ns, max_ns=self.max_ns, buckets=frozen_mapping(self.buckets),
            rows_total=self.rows_total, rows_counted=self.rows_counted,
            samples=tuple(samples), shapes=frozen_mapping(shapes), kept=kept)


class _ShapeCounts:
    """A Shape as it accumulates."""

    __slots__ = ("count", "kept")

    def __init__(self) -> None:
        self.count = 0
        self.kept = KeptStatements()


@dataclass
class _ProblemCounts:
    count: int = 0
    refs: list[tuple[str, int]] = field(default_factory=list)

    def add(self, source: str, line: int) -> None:
        self.count += 1
        if len(self.refs) < REFS_PER_PROBLEM:
            self.refs.append((source, line))

    def merge(self, other: _ProblemCounts | ProblemTally) -> None:
        self.count += other.count
        room = REFS_PER_PROBLEM - len(self.refs)
        self.refs.extend(other.refs[: max(room, 0)])


@dataclass
class _Accumulator:
    """A Digest as it is read and merged; ``freeze`` hands it on."""

    templates: dict[str, _TemplateCounts] = field(default_factory=dict)
    problems: dict[str, _ProblemCounts] = field(default_factory=dict)
    sources: dict[str, SourceSummary] = field(default_factory=dict)
    skipped: int = 0
    first_ts: str | None = None
    last_ts: str | None = None

    def merge(self, other: _Accumulator | Digest) -> _Accumulator:
        """Fold ``other`` (the part that follows this one) into this one; returns self."""
        for template_id, stats in other.templates.items():
            mine = self.templates.get(template_id)
            if mine is None:
                mine = self.templates[template_id] = _TemplateCounts(stats.template)
            mine.merge(stats)
        for reason, tally in other.problems.items():
            self.problems.setdefault(reason, _ProblemCounts()).merge(tally)
        for name, source in other.sources.items():
            before = self.sources.get(name)
            self.sources[name] = source if before is None else replace(
                before, lines=before.lines + source.lines)
        self.skipped += other.skipped
        self.first_ts = self.first_ts if self.first_ts is not None else other.first_ts
        self.last_ts = other.last_ts if other.last_ts is not None else self.last_ts
        return self

    def shift_lines(self, source: str, offset: int) -> None:
        """Renumber one source's lines by ``offset`` (a part read from mid-file)."""
        if offset == 0:
            return
        for stats in self.templates.values():
            stats.kept.moved(source, offset)
            for shape in (stats.shapes or {}).values():
                shape.kept.moved(source, offset)
        for tally in self.problems.values():
            tally.refs = [(name, line + offset if name == source else line)
                          for name, line in tally.refs]

    def freeze(self) -> Digest:
        return Digest(
            templates={tid: stats.freeze() for tid, stats in self.templates.items()},
            problems={reason: ProblemTally(tally.count, tuple(tally.refs))
                      for reason, tally in self.problems.items()},
            sources=self.sources, skipped=self.skipped, first_ts=self.first_ts,
            last_ts=self.last_ts)


# --- reading -------------------------------------------------------------------


class _Reader:
    """Reads records into an accumulator; holds the per-run key cache.

    ``known`` names keys another reader already named (a worker starts with
    the templates its parent found), so their statements need no parse again.
    """

    def __init__(self, digest: _Accumulator,
                 known: Mapping[Any, Template | str] | None = None) -> None:
        self.digest = digest
        # key -> its template's counts, or the reason (str) its statements are unreadable
        self.by_key: dict[Any, _TemplateCounts | str] = {}
        # Statement -> what its key stood for: most lines of a log repeat a recent one
        # (56% on Torc's), and a dict lookup costs less than a key. Asked after by_key,
        # as before: a statement whose text is itself a key still takes that key's.
        self.by_text: dict[Any, _TemplateCounts | str] = {}
        self.known = known or {}
        self.naming_seconds = 0.0  # spent parsing statements of new keys

    def named(self) -> dict[Any, Template | str]:
        """What each key in the cache stands for: a template, or an unreadable reason."""
        return {key: found if found.__class__ is str else found.template  # type: ignore[union-attr]
                for key, found in self.by_key.items()}

    def read(self, fmt: LogFormat, source: str, lines: LineReader) -> None:
        """Digest the numbered lines of one source into the digest."""
        digest = self.digest
        problems = digest.problems
        by_key = self.by_key
        by_text = self.by_text
        parse = fmt.parse
        decode = fmt.decode
        first_ts = digest.first_ts
        last_ts = digest.last_ts

        def problem(reason: str, line: int) -> None:
            tally = problems.get(reason)
            if tally is None:
                tally = problems[reason] = _ProblemCounts()
            tally.add(source, line)

        for number, record in self._records(fmt, lines, problem):
            try:
                parsed = parse(record)
            except Unreadable as exc:
                problem(exc.reason, number)
                continue
            if parsed is None:
                digest.skipped += 1
                continue
            sql = parsed[0]
            if sql.__class__ is bytes and not sql.isascii():
                try:
                    sql.decode("utf-8")
                except UnicodeDecodeError:
                    problem("bad-utf8", number)
                    continue
            stats = by_key.get(sql)  # verbatim repeats (sqlx logs carry templates)
            if stats is None:
                stats = by_text.get(sql)
                if stats is None:
                    key = fast_key(sql)
                    stats = by_key.get(key)
                    if stats is None:
                        stats = self._lookup(sql, key, decode)
                    if len(sql) <= TEXT_CACHE_BYTES:
                        if len(by_text) >= TEXT_CACHE_LIMIT:
                            by_text.clear()
                        by_text[sql] = stats
            if isinstance(stats, str):
                problem(stats, number)
                continue
            stats.count += 1
            duration = parsed[1]
            if duration is not None:
                stats.timed += 1
                stats.total_ns += duration
                if duration > stats.max_ns:
                    stats.max_ns = duration
                bucket = bucket_of(duration)
                buckets = stats.buckets
                buckets[bucket] = buckets.get(bucket, 0) + 1
            rows = parsed[2]
            if rows is not None:
                stats.rows_total += rows
                stats.rows_counted += 1
            ts = parsed[3]
            if ts is not None:
                last_ts = ts
                if first_ts is None:
                    first_ts = ts
            kept = (stats.kept if stats.shapes is None
                    else stats.counted_shape(statement_size(sql)).kept)
            kept.add(sql, parsed[4], source, number, decode)
        digest.first_ts = first_ts
        digest.last_ts = last_ts

    @staticmethod
    def _records(fmt: LogFormat, lines: LineReader,
                 problem: Callable[[str, int], None]) -> Iterator[tuple[int, bytes]]:
        """Records of a source; over-long lines are counted and dropped.

        Where a line tells whether it ends a record (trace output), records are
        cut here in one pass; the common single-line record costs one check.
        """
        ends = fmt.line_ends_record
        if fmt.one_record_per_line or ends is None:
            checked = _checked_lines(lines, problem)
            return checked if fmt.one_record_per_line else fmt.records(checked)
        return _line_ended_records(lines, ends, problem)

    def _lookup(self, sql: Any, key: Any, decode: Callable[[Any], str]
                ) -> _TemplateCounts | str:
        """The stats (or unreadable reason) for a statement whose fast key is new."""
        by_key = self.by_key
        # Bounded memory: keys beyond one per template (IN lists of every length, say)
        # are dropped now and then, which costs only fingerprinting them again.
        if len(by_key) >= KEY_CACHE_LIMIT + len(self.digest.templates):
            by_key.clear()
        if needs_precise(key):
            try:
                key = precise_key(decode(sql))
            except UnicodeDecodeError:
                return "bad-utf8"
            found = by_key.get(key)
            if found is not None:
                return found
        known = self.known.get(key)
        if known is None:
            started = time.perf_counter()
            found = self._classify(sql, decode)
            self.naming_seconds += time.perf_counter() - started
        else:
            found = known if known.__class__ is str else self._counts(known)  # type: ignore[arg-type]
        by_key[key] = found
        return found

    def _classify(self, sql: Any, decode: Callable[[Any], str]) -> _TemplateCounts | str:
        text = decode(sql)
        masked = mask(text)
        reason = unreadable_reason(text, masked)
        if reason:
            return reason
        template = canonicalize(text, masked)
        if template.command not in STATEMENT_WORDS:
            return "not-sql"
        return self._counts(template)

    def _counts(self, template: Template) -> _TemplateCounts:
        stats = self.digest.templates.get(template.id)
        if stats is None:
            stats = self.digest.templates[template.id] = _TemplateCounts(template)
        return stats


def _checked_lines(lines: LineReader,
                   problem: Callable[[str, int], None]) -> Iterator[tuple[int, bytes]]:
    """Non-blank lines; over-long ones are counted as problems and dropped."""
    for number, batch in lines.batches():
        for line in batch:
            number += 1
            if line.__class__ is TooLong:
                problem("too-long", number)
            elif line and not line.isspace():  # type: ignore[union-attr]
                yield number, line  # type: ignore[misc]


def _line_ended_records(lines: LineReader, ends: Callable[[bytes], bool],
                        problem: Callable[[str, int], None]) -> Iterator[tuple[int, bytes]]:
    """Records that end where ``ends(line)`` says, numbered by their first line."""
    pending: list[bytes] = []
    start = 0
    for number, batch in lines.batches():
        for line in batch:
            number += 1
            if line.__class__ is TooLong:
                problem("too-long", number)
                continue
            if not pending:
                if not line or line.isspace():  # type: ignore[union-attr]
                    continue
                if ends(line):  # type: ignore[arg-type]
                    yield number, line  # type: ignore[misc]
                    continue
                start = number
            pending.append(line)  # type: ignore[arg-type]
            if ends(line):  # type: ignore[arg-type]
                yield start, b"\n".join(pending)
                pending = []
    if pending:
        yield start, b"\n".join(pending)


def statement_digest(sql: str, source: str = "--sql") -> Digest:
    """The digest of one statement given on the command line."""
    reason = unreadable_reason(sql)
    template = canonicalize(sql)
    if reason or template.command not in STATEMENT_WORDS:
        raise LogFormatError(f"{source}: not a SQL statement ({reason or 'not-sql'})")
    digest = _Accumulator()
    stats = digest.templates[template.id] = _TemplateCounts(template)
    stats.count = 1
    stats.kept.add(sql, None, source, 1, str)
    digest.sources[source] = SourceSummary(source, "sql", 1)
    return digest.freeze()


def unreadable_reason(sql: str, masked: str | None = None) -> str | None:
    """Why a decoded statement cannot be a statement, or None (``masked``: its mask, if
    the caller has it already).

    Control characters count only outside literals: a value may hold anything.
    """
    if sql.count("'") % 2 and _has_unterminated_string(sql):
        return "unterminated-string"
    code = mask(sql) if masked is None else masked
    if "\x00" in code or any(ord(ch) < 9 for ch in code[:64]):
        return "binary"
    return None


def _has_unterminated_string(sql: str) -> bool:
    """A ``'`` outside comments, quoted names and whole strings (looked for match by
    match: a substitution would hold every piece of a huge statement at once)."""
    return any(match.group("lone") for match in _QUOTED_OR_COMMENT_OR_QUOTE.finditer(sql))


_QUOTED_OR_COMMENT_OR_QUOTE = re.compile(
    r"""--[^\n]*|/\*.*?(?:\*/|$)|"[^"]*(?:""[^"]*)*"|`[^`]*`|\[[^\]]*\]|'[^']*(?:''[^']*)*'"""
    r"|(?P<lone>')", re.S)


# --- driving -------------------------------------------------------------------


@dataclass(frozen=True)
class DigestOptions:
    log_format: str | None = None
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    workers: int | None = None  # None: as many as there are cores (see workers.worker_count)


def digest_logs(paths: list[str], options: DigestOptions = DigestOptions(),
                progress: Progress | None = None,
                note: Callable[[str], None] | None = None) -> Digest:
    """Digest several logs (files, gzip files, ``-`` for stdin) into one Digest.

    ``progress`` is called with the number of input bytes read so far; ``note``
    with a sentence when fewer workers start than ``options.workers`` asks for.
    """
    chosen = resolve_format(options.log_format)
    sources = check_sources(paths)
    workers = worker_count(options.workers)
    if note is not None and options.workers is not None and options.workers > workers:
        note(f"reading with {workers} worker(s), not {options.workers}: this process may "
             f"run on {usable_cores()} core(s)")
    digest = _Accumulator()
    done = [0]

    def on_block(nbytes: int) -> None:
        done[0] += nbytes
        if progress is not None:
            progress(done[0])

    for source in sources:
        digest.merge(_digest_source(source, chosen, options, workers, on_block))
    return digest.freeze()


def total_input_bytes(paths: list[str]) -> int | None:
    """On-disk bytes of the inputs, for a progress bar (None if stdin is among them)."""
    sizes = [source.size() for source in check_sources(paths)]
    known = [size for size in sizes if size is not None]
    return sum(known) if len(known) == len(sizes) else None


def _digest_source(source: Source, chosen: LogFormat | None, options: DigestOptions,
                   workers: int, on_block: Progress) -> _Accumulator:
    log = open_log(source, chosen)
    try:
        split = _split_as(source, log.format, workers)
        if split == PLAIN:
            log.close()
            return _digest_large_file(source.name, log.format, options, workers, on_block)
        if split == GZIP:
            with tempfile.TemporaryDirectory(prefix="advisor-log-") as folder:
                plain = os.path.join(folder, "content")
                if _decompressed(log.stream, plain):
                    log.close()
                    return _digest_large_file(plain, log.format, options, workers, on_block,
                                              name=source.name)
            log.close()  # read again, from its start, as any stream is
            log = open_log(source, log.format)
        digest = _Accumulator()
        lines = LineReader(log.stream, options.max_line_bytes, on_block=on_block)
        try:
            _Reader(digest).read(log.format, source.name, lines)
        except ReadFailure:
            digest.problems.setdefault("read-error", _ProblemCounts()).add(
                source.name, lines.lines_read + 1)
        digest.sources[source.name] = SourceSummary(source.name, log.format.name,
                                                    lines.lines_read)
        return digest
    finally:
        log.close()


def _split_as(source: Source, fmt: LogFormat, workers: int) -> str | None:
    """How a source is cut into byte ranges for workers: a large plain file as it is
    (PLAIN), a large enough gzip one from a decompressed copy (GZIP); None: read whole."""
    if workers < 2 or fmt.line_ends_record is None or not source.is_regular_file():
        return None
    size = source.size() or 0
    if source.is_gzip():
        return GZIP if size >= GZIP_SPLIT_MIN_BYTES else None
    return PLAIN if size >= PARALLEL_MIN_BYTES else None


def _decompressed(stream: Any, path: str) -> bool:
    """Whether ``stream`` (a gzip file's content) was copied whole to ``path``: not where
    it breaks off (a truncated file: read as a stream, it gives every line before the
    break and reports where), nor where the temporary file cannot be written."""
    try:
        with open(path, "wb") as out:
            while block := stream.read(BLOCK_BYTES):
                out.write(block)
        return True
    except (ReadFailure, *STREAM_ERRORS):
        return False


def _digest_large_file(path: str, fmt: LogFormat, options: DigestOptions, workers: int,
                       on_block: Progress, name: str | None = None) -> _Accumulator:
    """A large plain file: its first PROBE_BYTES read here, in two halves, then the rest
    read by ``workers`` processes at once, each a byte range, unless naming new templates
    took most of the probe's second half: a log of many templates (each new one costs a
    parse) would have every worker parse most of them again, so the rest is read here
    too, at no more cost than one worker. Workers start knowing the templates the probe
    named. ``name``: the source's name in the digest (default ``path``: a decompressed
    copy is named as its gzip file)."""
    assert fmt.line_ends_record is not None
    name = name or path
    size = os.path.getsize(path)
    digest = _Accumulator()
    reader = _Reader(digest)
    with open(path, "rb") as handle:
        half = _next_record_start(handle, PROBE_BYTES // 2, fmt.line_ends_record) or size
        probe_end = _next_record_start(handle, PROBE_BYTES, fmt.line_ends_record) or size
        probe_end = max(probe_end, half)
        handle.seek(0)
        lines = LineReader(handle, options.max_line_bytes, limit_bytes=half, on_block=on_block)
        reader.read(fmt, name, lines)
        naming_before, started = reader.naming_seconds, time.perf_counter()
        lines = LineReader(handle, options.max_line_bytes, limit_bytes=probe_end - half,
                           on_block=on_block, lines_before=lines.lines_read)
        reader.read(fmt, name, lines)
        naming_share = ((reader.naming_seconds - naming_before)
                        / max(time.perf_counter() - started, 1e-9))
        if naming_share > NAMING_SHARE_FOR_ONE_WORKER or size - probe_end < PARALLEL_MIN_BYTES:
            lines = LineReader(handle, options.max_line_bytes, on_block=on_block,
                               lines_before=lines.lines_read)
            reader.read(fmt, name, lines)
            digest.sources[name] = SourceSummary(name, fmt.name, lines.lines_read)
            return digest
    probed = lines.lines_read
    digest.sources[name] = SourceSummary(name, fmt.name, probed)
    ranges = split_ranges(path, fmt, workers, start=probe_end)
    parts = _digest_parallel(path, name, fmt, ranges, options, on_block, reader.named())
    offset = probed
    for part, part_lines in parts:
        part.shift_lines(name, offset)
        digest.merge(part)
        offset += part_lines
    return digest


def split_ranges(path: str, fmt: LogFormat, parts: int, start: int = 0
                 ) -> list[tuple[int, int]]:
    """Byte ranges of a file from ``start`` (where a record begins), cut only where one
    record ends and the next begins."""
    size = os.path.getsize(path)
    assert fmt.line_ends_record is not None
    cuts = [start]
    with open(path, "rb") as handle:
        for k in range(1, parts):
            cut = _next_record_start(handle, start + (size - start) * k // parts,
                                     fmt.line_ends_record)
            if cut is not None and cuts[-1] < cut < size:
                cuts.append(cut)
    cuts.append(size)
    return list(itertools.pairwise(cuts))


def _next_record_start(handle: Any, position: int,
                       ends_record: Callable[[bytes], bool]) -> int | None:
    """The first offset at or after ``position`` that begins a record."""
    handle.seek(position)
    data = handle.read(4 << 20)
    first_newline = data.find(b"\n")
    if first_newline < 0:
        return None
    offset = first_newline + 1
    while True:
        newline = data.find(b"\n", offset)
        if newline < 0:
            return None
        # The line ending at `newline` is whole; a record may start after it.
        if ends_record(data[offset:newline].rstrip(b"\r")):
            return position + newline + 1
        offset = newline + 1


def _digest_parallel(path: str, name: str, fmt: LogFormat, ranges: list[tuple[int, int]],
                     options: DigestOptions, on_block: Progress,
                     named: Mapping[Any, Template | str]) -> list[tuple[_Accumulator, int]]:
    """Each byte range of ``path`` digested by a worker process, as source ``name``;
    (accumulator, lines) per range."""
    counter = multiprocessing.get_context().Value("q", 0)
    stop = threading.Event()
    told = [0]
    watcher = threading.Thread(target=_watch, args=(counter, on_block, stop, told),
                               daemon=True)
    watcher.start()
    try:
        parts = run_in_workers(
            _digest_range, [(path, name, fmt.name, start, end, options.max_line_bytes)
                            for start, end in ranges],
            initializer=_init_worker, initargs=(counter, named))
    finally:
        stop.set()
        watcher.join()
    on_block(sum(end - start for start, end in ranges) - told[0])  # what is left to tell
    return parts


_worker_counter: Any = None
_worker_named: Mapping[Any, Template | str] = {}


def _init_worker(counter: Any, named: Mapping[Any, Template | str]) -> None:
    global _worker_counter, _worker_named
    _worker_counter = counter
    _worker_named = named


def _watch(counter: Any, on_block: Progress, stop: threading.Event, told: list[int]) -> None:
    """Pass on the bytes the workers have read, as they read them (``told``: so far)."""
    while not stop.wait(0.25):
        now = counter.value
        if now > told[0]:
            on_block(now - told[0])
            told[0] = now


def _digest_range(path: str, name: str, format_name: str, start: int, end: int,
                  max_line_bytes: int) -> tuple[_Accumulator, int]:
    """Worker: digest bytes [start, end) of a file, as source ``name``; line numbers count
    from the range. Its accumulator, plain data, is what travels back (a frozen digest
    cannot be pickled)."""
    fmt = FORMATS[format_name]
    digest = _Accumulator()

    def on_block(nbytes: int) -> None:
        if _worker_counter is not None:
            with _worker_counter.get_lock():
                _worker_counter.value += nbytes

    with open(path, "rb") as handle:
        handle.seek(start)
        lines = LineReader(handle, max_line_bytes, limit_bytes=end - start, on_block=on_block)
        _Reader(digest, _worker_named).read(fmt, name, lines)
    digest.sources[name] = SourceSummary(name, fmt.name, lines.lines_read)
    return digest, lines.lines_read


def require_readable(digest: Digest) -> None:
    """--strict: any unreadable record is an error."""
    if not digest.problems:
        return
    parts = [f"{reason}: {tally.count} (first at {_first_place(tally.refs)})"
             for reason, tally in sorted(digest.problems.items())]
    raise LogFormatError(
        f"{digest.unreadable} unreadable record(s) under --strict: {'; '.join(parts)}"
    )


def skipped_unreadable(digest: Digest) -> str | None:
    """The line that tells a user of the unreadable records a run went on without (no
    --strict): how many of the records meant as statements, and where the first one is;
    None when every record was read."""
    if not digest.problems:
        return None
    order = {name: rank for rank, name in enumerate(digest.sources)}
    firsts = sorted((tally.refs[0] for tally in digest.problems.values() if tally.refs),
                    key=lambda ref: (order.get(ref[0], len(order)), ref[1]))
    count = digest.unreadable
    return (f"skipped {count:,} unreadable record{'' if count == 1 else 's'} of "
            f"{digest.statements + count:,} (first at {_first_place(firsts)}; advisor digest "
            "lists why); --strict makes them an error")


def _first_place(refs: Sequence[tuple[str, int]]) -> str:
    """file:line of the first of these places, or ? when none was kept."""
    return f"{refs[0][0]}:{refs[0][1]}" if refs else "?"

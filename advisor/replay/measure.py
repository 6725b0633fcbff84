"""Measure: a workload replayed on a real database under one index configuration.

Each configuration gets its own fresh copy of the database (the user's,
through the backup API, or a synthesised one), its indexes built and timed
there, optionally ANALYZE run (the two statistics states can rank indexes
differently), then every template's samples replayed (``sampled``: each alone,
repeated, median kept, writes rolled back) and weighted by the template's
count. The samples' values are checked against the database and drawn from
it where they name no row or were never logged (advisor.replay.parameters), once,
so that every configuration replays the same statements.
"""

from __future__ import annotations

import tempfile
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from advisor.analysis.workload import Workload, require_synthesis_inputs, synthesis_inputs
from advisor.catalog.database import open_read_only
from advisor.digest.fingerprint import cache_key, canonicalize, has_placeholders
from advisor.ingest import read_statements
from advisor.model.frozen import freeze_mappings, frozen_mapping
from advisor.model.indexes import IndexSpec
from advisor.replay.paired import StatementTimes
from advisor.replay.parameters import (
    Fills,
    ParameterSource,
    Prepared,
    fill_samples,
    template_rng,
)
from advisor.replay.sandbox import (
    Outcomes,
    Progress,
    ReplayError,
    Sandbox,
    Tally,
    TemplateTiming,
    copy_database,
    counted,
    run_in_turns,
    time_together,
)

REPLAYED_KINDS = ("read", "write")
AS_FOUND = "as found"
ANALYZED = "after ANALYZE"
STATISTICS_OPTIONS = {"as-found": (AS_FOUND,), "analyzed": (ANALYZED,),
                      "both": (AS_FOUND, ANALYZED)}  # --stats: the states measured


class Configuration(NamedTuple):
    """An index configuration as replay and compare measure it: the database's own
    indexes, less ``drops`` (their names), plus ``indexes``."""

    label: str
    indexes: tuple[IndexSpec, ...]
    drops: tuple[str, ...] = ()


# What measure_together and measure_in_order take: (label, indexes, analyze[, drops]).
SetupEntry = (tuple[str, tuple[IndexSpec, ...], bool]
              | tuple[str, tuple[IndexSpec, ...], bool, tuple[str, ...]])


class _Setup(NamedTuple):
    """One copy to measure: a configuration's label, indexes and drops, and whether
    ANALYZE runs on it."""

    label: str
    indexes: tuple[IndexSpec, ...]
    analyze: bool
    drops: tuple[str, ...] = ()


@dataclass(frozen=True)
class Measurement:
    """One configuration, measured."""

    label: str
    indexes: tuple[IndexSpec, ...]
    build_seconds: float
    index_bytes: int
    timings: tuple[TemplateTiming, ...]
    weighted_read_seconds: float  # Σ count × median over read templates (a time-out: the limit)
    weighted_write_seconds: float
    without_values: tuple[str, ...]  # template ids no runnable statement could be made for
    tally: Outcomes
    statistics: str = AS_FOUND  # the copy's sqlite_stat1 as the database had it, or analysed
    fills: Fills | None = None  # how the replayed statements got their values
    plans: Mapping[str, str] = field(default_factory=dict)  # template id -> Sandbox.plans
    drops: tuple[str, ...] = ()  # the database's own indexes dropped on the copy

    def __post_init__(self) -> None:
        freeze_mappings(self, "plans")

    @property
    def weighted_seconds(self) -> float:
        """Reads and writes together: the workload's measured time."""
        return self.weighted_read_seconds + self.weighted_write_seconds

    @property
    def lower_bound(self) -> bool:
        """Whether some statement ran into the time limit, and counts as the limit: the
        seconds are then at least what they say."""
        return bool(self.tally.counts.get("timeout"))


@dataclass(frozen=True)
class ReplaySet:
    """The statements every configuration replays: per template, filled samples."""

    statements: tuple[tuple[str, str, tuple[str, ...]], ...]  # (template id, kind, sqls)
    without_values: tuple[str, ...]
    fills: Fills
    # Each statement's parse, as filling made it (advisor.replay.parameters.prepare's).
    parsed: Mapping[str, Prepared] = field(default_factory=dict, compare=False, repr=False)


def replay_set(workload: Workload, database: Path, repetitions: int, seed: int = 0
               ) -> ReplaySet:
    """One statement per repetition for each read and write template, cycling over its
    samples, with values that name rows of ``database`` (only read)."""
    connection = open_read_only(database)
    try:
        parsed: dict[str, Prepared] = {}
        source = ParameterSource(connection, workload.catalog, seed, parsed)
        statements = []
        without_values = []
        for template_id, stats in workload.digest.templates.items():
            if stats.template.kind not in REPLAYED_KINDS:
                continue
            samples = [sample.sql for sample in stats.samples]
            filled = fill_samples(source, template_id, samples, repetitions, stats.mean_rows)
            if filled:
                statements.append((template_id, stats.template.kind, tuple(filled)))
            else:
                without_values.append(template_id)
    finally:
        connection.close()
    return ReplaySet(tuple(statements), tuple(without_values), source.tally.frozen(),
                     frozen_mapping(parsed))


@contextmanager
def configured_copy(database: Path, indexes: Sequence[IndexSpec], statement_seconds: float,
                    analyze: bool = False, drops: Sequence[str] = (), cpu: bool = False
                    ) -> Iterator[tuple[Sandbox, float, int]]:
    """A sandbox on a fresh temporary copy of ``database`` with the indexes named in
    ``drops`` dropped and ``indexes`` built (and ANALYZE run after, if asked): (sandbox,
    build seconds, bytes the indexes added). ``cpu``: statements timed in the replaying
    thread's CPU time, on a copy whose commits are neither synced nor journaled on disk.
    The copy goes away after."""
    with tempfile.TemporaryDirectory(prefix="advisor-replay-") as folder:
        copy = Path(folder) / "replay.db"
        copy_database(database, copy)
        sandbox = (Sandbox.throwaway(copy, statement_seconds) if cpu
                   else Sandbox(copy, statement_seconds))
        try:
            for name in drops:
                sandbox.drop_index(name)
            build_seconds, grown = sandbox.build_indexes(indexes)
            if analyze:
                sandbox.analyze()
            yield sandbox, build_seconds, grown
        finally:
            sandbox.close()


@contextmanager
def _indexed_copy(database: Path, indexes: Sequence[IndexSpec], statement_seconds: float
                  ) -> Iterator[tuple[Path, float, int]]:
    """A temporary copy of ``database`` with ``indexes`` built, closed, to copy from: (its
    path, build seconds, bytes the indexes added)."""
    with configured_copy(database, indexes, statement_seconds, cpu=True) as (
            sandbox, seconds, grown):
        sandbox.close()
        yield sandbox.path, seconds, grown


def measure(workload: Workload, database: Path, indexes: Sequence[IndexSpec], label: str,
            repetitions: int = 3, statement_seconds: float = 5.0, analyze: bool = False,
            statements: ReplaySet | None = None,
            progress: Progress | None = None, drops: Sequence[str] = ()) -> Measurement:
    """Replay the workload's templates on a fresh copy of ``database`` with ``drops``
    dropped and ``indexes`` built (``analyze``: and sqlite_stat1 gathered). ``statements``
    from :func:`replay_set` lets several configurations replay the very same statements."""
    return measure_together(workload, database,
                            [_Setup(label, tuple(indexes), analyze, tuple(drops))],
                            repetitions, statement_seconds, statements, progress)[0]


def measure_together(workload: Workload, database: Path,
                     configurations: Sequence[SetupEntry],
                     repetitions: int = 3, statement_seconds: float = 5.0,
                     statements: ReplaySet | None = None,
                     progress: Progress | None = None) -> list[Measurement]:
    """Each (label, indexes, analyze[, drops]) on its own fresh copy of ``database``, all
    timed together: the copies take turns statement by statement (see time_together)."""
    if statements is None:
        statements = replay_set(workload, database, repetitions)
    setups = [_Setup(*entry) for entry in configurations]
    tallies = [Tally() for _ in setups]
    with ExitStack() as stack:
        copies = [stack.enter_context(configured_copy(database, s.indexes, statement_seconds,
                                                      s.analyze, s.drops))
                  for s in setups]
        timings = time_together([sandbox for sandbox, _, _ in copies], statements.statements,
                                repetitions, tallies, progress)
        plans = [{tid: sandbox.plans(sqls) for tid, _, sqls in statements.statements}
                 for sandbox, _, _ in copies]
    counts = {tid: stats.count for tid, stats in workload.digest.templates.items()}
    measurements = []
    for (label, indexes, analyze, drops), (_, build_seconds, grown), mine, tally, plan in zip(
            setups, copies, timings, tallies, plans, strict=True):
        weighted = {"read": 0.0, "write": 0.0}
        for timing in mine:
            median = counted(timing.median_seconds, timing.status, statement_seconds)
            if median is not None:
                weighted[timing.kind] += median * counts[timing.template_id]
        measurements.append(Measurement(
            label, indexes, build_seconds, grown, tuple(mine), weighted["read"],
            weighted["write"], statements.without_values, tally.frozen(),
            ANALYZED if analyze else AS_FOUND, statements.fills, plan, drops))
    return measurements


def require_replayed(measurements: Sequence[Measurement], database: str) -> None:
    """A ReplayError when not one statement ran on ``database`` (described): all failed,
    were refused or timed out, or none could be given values. A measurement of nothing
    is no measurement."""
    if any(m.tally.counts.get("ok") for m in measurements):
        return
    counts: dict[str, int] = {}
    first = ""
    for measurement in measurements:
        for status, count in measurement.tally.counts.items():
            counts[status] = counts.get(status, 0) + count
        examples = [e for found in measurement.tally.examples.values() for e in found]
        first = first or (examples[0] if examples else "")
    outcomes = ", ".join(f"{status} {count:,}" for status, count in sorted(counts.items()))
    raise ReplayError(f"no statement could be replayed on {database} ("
                      f"{outcomes or 'none had values to run with'})"
                      + (f"; the first: {first}" if first else ""))


def replay_database(logs: list[str], db: str | None, schema: str | None, profile: str | None,
                    scale: float, progress: Callable[[str, int, int], None] | None = None,
                    ) -> tuple[Path, str]:
    """The database to replay on, and how to describe it: --db itself (it is copied, never
    written), else one synthesised from the schema and profile (options, or the files next
    to the log) at ``scale``, built once and cached."""
    if db is None:
        require_synthesis_inputs(
            logs, schema, profile,
            "replay needs --db app.db or a database synthesised from a schema and a profile")
    found = measurement_database(logs, db, schema, profile, scale, progress)
    assert found is not None  # a database was given, or the inputs to synthesise one
    return found


def measurement_database(logs: list[str], db: str | None, schema: str | None,
                         profile: str | None, scale: float,
                         progress: Callable[[str, int, int], None] | None = None,
                         ) -> tuple[Path, str] | None:
    """As replay_database, but None when there is neither a database nor a schema and
    profile to synthesise one from."""
    from advisor.replay.synth import cached_database  # networkx: loaded when synthesising

    if db is not None:
        return Path(db), db
    found = synthesis_inputs(logs, schema, profile)
    if found is None:
        return None
    schema_path, profile_path = found
    path = cached_database(schema_path, profile_path, scale=scale, progress=progress)
    return path, f"a database synthesised from {profile_path} at scale {scale:g}"


def measure_configurations(workload: Workload, database: Path,
                           configurations: Sequence[Configuration],
                           states: Sequence[str] = (AS_FOUND,), mode: str = "sampled",
                           repetitions: int = 3, statement_seconds: float = 5.0,
                           logs: Sequence[str] = (), log_format: str | None = None,
                           progress: Progress | None = None) -> list[Measurement]:
    """Each configuration in each statistics state (AS_FOUND, ANALYZED): ``sampled``
    replays every configuration with the very same statements, one after the other
    (``progress`` follows each replay, named); ``sequential`` replays ``logs`` in order on
    all of them at once, taking turns statement by statement (measure_in_order)."""
    if mode == "sequential":
        return measure_in_order(workload, logs, log_format, database,
                                [_Setup(label, tuple(indexes), state == ANALYZED, tuple(drops))
                                 for label, indexes, drops in configurations
                                 for state in states],
                                statement_seconds, progress=progress)
    statements = replay_set(workload, database, repetitions)
    measurements = []
    for label, indexes, drops in configurations:
        for state in states:
            def named(work: str, done: int, total: int | None,
                      label: str = label, state: str = state) -> None:
                if progress is not None:
                    progress(f"{label} ({state}): {work}", done, total)

            measurements.append(measure(workload, database, indexes, label, repetitions,
                                        statement_seconds, state == ANALYZED, statements,
                                        named, drops))
    return measurements


def measure_in_order(workload: Workload, logs: Sequence[str], log_format: str | None,
                     database: Path,
                     configurations: Sequence[SetupEntry],
                     statement_seconds: float = 5.0, seed: int = 0,
                     progress: Progress | None = None,
                     times: StatementTimes | None = None) -> list[Measurement]:
    """Replay the whole log in order, writes applied, as the server ran it, on a fresh
    copy for each (label, indexes, analyze[, drops]): every statement runs on every
    copy before the next one does, the copies in a shuffled order (run_in_turns), so
    that the machine's load falls on all of them alike.

    Seconds are CPU seconds of the replaying thread, summed per kind (transaction
    control counts with the writes), on copies that neither sync nor journal on
    disk: with every one of a log's autocommitted writes synced, the fsyncs' wall
    time was most of the write seconds and moved run to run by more than the
    indexes' upkeep.
    Statements logged with placeholders get values drawn from ``database`` as it
    was before the replay, once for all copies; those that cannot be filled are
    counted apart. ``times``: filled with every statement's template and seconds on
    each copy (advisor.replay.paired).
    """
    setups = [_Setup(*entry) for entry in configurations]
    templates: dict[object, tuple[str, str]] = {}  # cache key -> (template id, kind)
    without_values: set[str] = set()
    rng = template_rng(seed, "sequential", 0)
    times = StatementTimes() if times is None else times  # per template, after the replay

    def statements(source: ParameterSource) -> Iterator[tuple[str, str]]:
        for statement in read_statements(list(logs), log_format):
            key = cache_key(statement.sql, str)
            found = templates.get(key)
            if found is None:
                template = canonicalize(statement.sql)
                found = templates[key] = (template.id, template.kind)
            template_id, kind = found
            sql = statement.sql
            if has_placeholders(statement.sql):
                stats = workload.digest.templates.get(template_id)
                filled = source.fill(template_id, statement.sql, rng,
                                     stats.mean_rows if stats is not None else None)
                if filled is None:
                    without_values.add(template_id)
                    continue
                sql = filled
            times.templates.append(template_id)
            times.kinds[template_id] = "read" if kind == "read" else "write"
            yield times.kinds[template_id], sql

    tallies = [Tally() for _ in setups]
    # The indexes every copy has are built once, on a copy the others are made from.
    common = (frozenset.intersection(*(frozenset(s.indexes) for s in setups))
              if len(setups) > 1 and not any(s.drops for s in setups) else frozenset())
    connection = open_read_only(database)
    try:
        source = ParameterSource(connection, workload.catalog, seed)
        with ExitStack() as stack:
            origin, base_seconds, base_bytes = database, 0.0, 0
            if common:
                origin, base_seconds, base_bytes = stack.enter_context(
                    _indexed_copy(database, sorted(common), statement_seconds))
            copies = [stack.enter_context(configured_copy(
                origin, [i for i in setup.indexes if i not in common], statement_seconds,
                setup.analyze, setup.drops, cpu=True)) for setup in setups]
            times.seconds[:] = [array("d") for _ in setups]
            totals = run_in_turns([sandbox for sandbox, _, _ in copies],
                                  statements(source), tallies, progress, seed, times.seconds)
    finally:
        connection.close()
    return [Measurement(setup.label, setup.indexes, base_seconds + build_seconds,
                        base_bytes + grown, times.per_template(copy),
                        mine.get("read", 0.0), mine.get("write", 0.0),
                        tuple(sorted(without_values)), tally.frozen(),
                        ANALYZED if setup.analyze else AS_FOUND, source.tally.frozen(),
                        drops=setup.drops)
            for copy, (setup, (_, build_seconds, grown), mine, tally) in enumerate(zip(
                setups, copies, totals, tallies, strict=True))]

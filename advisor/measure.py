"""Measure: a workload replayed on a real database under one index configuration.

Each configuration gets its own fresh copy of the database (the user's,
through the backup API, or a synthesised one), its indexes built and timed
there, then every template's logged sample replayed (``sampled``: each alone,
repeated, median kept, writes rolled back) and weighted by the template's
count. Templates whose samples carry no values (a sqlx log records the
statement as written, with placeholders) are not replayed yet and are counted
as such: their parameters would have to be drawn from the database.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from advisor.fingerprint import cache_key, canonicalize, has_placeholders
from advisor.indexes import IndexSpec
from advisor.ingest import read_statements
from advisor.replay import (
    Sandbox,
    Tally,
    TemplateTiming,
    copy_database,
    run_sequential,
    time_sampled,
)
from advisor.workload import Workload

REPLAYED_KINDS = ("read", "write")


@dataclass(frozen=True)
class Measurement:
    """One configuration, measured."""

    label: str
    indexes: tuple[IndexSpec, ...]
    build_seconds: float
    index_bytes: int
    timings: tuple[TemplateTiming, ...]
    weighted_read_seconds: float  # Σ count × median over read templates
    weighted_write_seconds: float
    without_values: tuple[str, ...]  # template ids whose samples hold placeholders
    tally: Tally


@contextmanager
def configured_copy(database: Path, indexes: Sequence[IndexSpec], statement_seconds: float,
                    ) -> Iterator[tuple[Sandbox, float, int]]:
    """A sandbox on a fresh temporary copy of ``database`` with ``indexes`` built:
    (sandbox, build seconds, bytes the indexes added). The copy goes away after."""
    with tempfile.TemporaryDirectory(prefix="advisor-replay-") as folder:
        copy = Path(folder) / "replay.db"
        copy_database(database, copy)
        sandbox = Sandbox(copy, statement_seconds)
        try:
            build_seconds, grown = sandbox.build_indexes(indexes)
            yield sandbox, build_seconds, grown
        finally:
            sandbox.close()


def _sample_with_values(workload: Workload, template_id: str) -> str | None:
    for sample in workload.digest.templates[template_id].samples:
        if not has_placeholders(sample.sql):
            return sample.sql
    return None


def measure(workload: Workload, database: Path, indexes: Sequence[IndexSpec], label: str,
            repetitions: int = 3, statement_seconds: float = 5.0) -> Measurement:
    """Replay the workload's samples on a fresh copy of ``database`` with ``indexes`` built."""
    samples: list[tuple[str, str, str]] = []
    without_values: list[str] = []
    for template_id, stats in workload.digest.templates.items():
        if stats.template.kind not in REPLAYED_KINDS:
            continue
        sql = _sample_with_values(workload, template_id)
        if sql is None:
            without_values.append(template_id)
        else:
            samples.append((template_id, stats.template.kind, sql))
    tally = Tally()
    with configured_copy(database, indexes, statement_seconds) as (sandbox, build_seconds, grown):
        timings = time_sampled(sandbox, samples, repetitions, tally)
    counts = {tid: stats.count for tid, stats in workload.digest.templates.items()}
    weighted = {"read": 0.0, "write": 0.0}
    for timing in timings:
        if timing.median_seconds is not None:
            weighted[timing.kind] += timing.median_seconds * counts[timing.template_id]
    return Measurement(label, tuple(indexes), build_seconds, grown, tuple(timings),
                       weighted["read"], weighted["write"], tuple(without_values), tally)


def replay_database(logs: list[str], db: str | None, schema: str | None, profile: str | None,
                    scale: float, progress: Callable[[str, int, int], None] | None = None,
                    ) -> tuple[Path, str]:
    """The database to replay on, and how to describe it: --db itself (it is copied, never
    written), else one synthesised from the schema and profile (options, or the files next
    to the log) at ``scale``, built once and cached."""
    from advisor.errors import InputError
    from advisor.synth import cached_database
    from advisor.workload import PROFILE_NEXT_TO_LOG, SCHEMA_NEXT_TO_LOG, resolve_file

    if db is not None:
        return Path(db), db
    schema_path = resolve_file(logs, schema, SCHEMA_NEXT_TO_LOG)
    profile_path = resolve_file(logs, profile, PROFILE_NEXT_TO_LOG)
    if schema_path is None or profile_path is None:
        raise InputError("replay needs a database: give --db app.db, or a schema and a "
                         "--profile to synthesise one (schema.sql / profile.toml next to the "
                         "log work too)")
    path = cached_database(schema_path, profile_path, scale=scale, progress=progress)
    return path, f"a database synthesised from {profile_path} at scale {scale:g}"


def measure_sequential(workload: Workload, logs: Sequence[str], log_format: str | None,
                       database: Path, indexes: Sequence[IndexSpec], label: str,
                       statement_seconds: float = 5.0) -> Measurement:
    """Replay the whole log in order on a fresh copy, writes applied, as the server ran it.

    Seconds are summed per kind (transaction control counts with the writes);
    statements logged without their values cannot run and are counted apart.
    """
    kinds: dict[str, str] = {}
    without_values: set[str] = set()

    def statements() -> Iterator[tuple[str, str]]:
        for statement in read_statements(list(logs), log_format):
            if has_placeholders(statement.sql):
                without_values.add(canonicalize(statement.sql).id)
                continue
            key = cache_key(statement.sql, str)
            kind = kinds.get(key)  # type: ignore[call-overload]
            if kind is None:
                kind = kinds[key] = canonicalize(statement.sql).kind  # type: ignore[index]
            yield ("read" if kind == "read" else "write"), statement.sql

    tally = Tally()
    with configured_copy(database, indexes, statement_seconds) as (sandbox, build_seconds, grown):
        totals = run_sequential(sandbox, statements(), tally)
    return Measurement(label, tuple(indexes), build_seconds, grown, (),
                       totals.get("read", 0.0), totals.get("write", 0.0),
                       tuple(sorted(without_values)), tally)


def resolve_configuration(text: str, workload: Workload) -> tuple[str, tuple[IndexSpec, ...]]:
    """A -c value: ``none``, ``recommended``, a file of indexes, or ``table(col, …)`` specs
    separated by ``;``. Returns (label, indexes)."""
    from advisor.indexes import load_index_list, parse_index

    if text == "none":
        return "none", ()
    if text == "recommended":
        from advisor.recommend import recommend

        chosen = recommend(workload).chosen
        return "recommended", tuple(entry.spec for entry in chosen)
    if Path(text).is_file():
        return Path(text).name, tuple(load_index_list(text, workload.catalog))
    specs = tuple(parse_index(part, workload.catalog) for part in text.split(";") if part.strip())
    return text, specs

"""Capacity: database size, index sizes and template latencies as the data grows.

Each asked scale up to ``max_synth_scale`` gets a database synthesised from the
schema and profile (cached, see advisor.replay.synth) and is measured there: the
file's size, every added index's size read from SQLite's ``dbstat`` table
(beside the analytic estimate the search uses), and the workload replayed
(advisor.replay.measure; the configurations of a scale take turns statement by
statement) with no added index and under each configuration, which gives
per-template latency, the write overhead and the build time. Larger scales
are not built — Torc at scale 100 is some 20M jobs and 7 GB — so their
figures come from the growth fitted over the measured scales,
``y = a · scale^b`` by least squares in log-log, and are marked extrapolated.
"""

from __future__ import annotations

import math
import os
import platform
import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from advisor.analysis.workload import Workload
from advisor.catalog.database import open_read_only
from advisor.catalog.profile import Profile, Reference, load_profile
from advisor.catalog.scales import Scale
from advisor.catalog.statistics import from_profile
from advisor.costing.sizes import index_bytes
from advisor.model.errors import OptionError
from advisor.model.frozen import frozen_mapping
from advisor.model.indexes import IndexSpec
from advisor.replay.measure import Measurement, configured_copy, measure_together
from advisor.replay.synth import cache_path, cached_database
from advisor.review.configs import RECOMMENDED

__all__ = [
    "BASELINE",
    "DEFAULT_CONFIGURATIONS",
    "DEFAULT_MAX_SYNTH_SCALE",
    "DEFAULT_SCALES",
    "Capacity",
    "Fit",
    "IndexSize",
    "Run",
    "ScalePoint",
    "fit_power",
    "plan_capacity",
    "split_scales",
]

BASELINE = "none"  # the configuration every other is compared with: no added index
NEEDS_SYNTHESIS = "capacity synthesises a database per scale"  # why it needs schema and profile
DEFAULT_CONFIGURATIONS = (RECOMMENDED,)  # measured against BASELINE when none is named
DEFAULT_SCALES = "10k,100k,1M"
DEFAULT_MAX_SYNTH_SCALE = 10.0  # Torc: 100k jobs per workflow, ~2M jobs, ~750 MB
SIZE_METHODS = {
    "dbstat": "dbstat: the pages of each index b-tree, summed",
    "page_count": "page counts: the file's growth as each index is built (no dbstat in this "
                  "SQLite)",
}
# The quantities fitted per configuration, as named in Run; the baseline builds nothing.
RUN_QUANTITIES = ("read_seconds", "write_seconds", "build_seconds", "index_bytes")
BASELINE_QUANTITIES = ("read_seconds", "write_seconds")

Progress = Callable[[str], None]
Configuration = tuple[str, tuple[IndexSpec, ...]]


@dataclass(frozen=True)
class Fit:
    """``y = a · scale^b`` fitted in log-log; ``r2`` there, None with two points (exact)."""

    a: float
    b: float
    points: int
    r2: float | None

    def at(self, scale: float) -> float:
        return self.a * scale ** self.b


def fit_power(scales: Sequence[float], values: Sequence[float | None]) -> Fit | None:
    """The power law through (scale, value) pairs with both above 0; None without two
    distinct scales to fit (a timed-out latency or an empty index gives no point)."""
    points = [(math.log(x), math.log(y)) for x, y in zip(scales, values, strict=True)
              if x > 0 and y is not None and y > 0]
    if len({x for x, _ in points}) < 2:
        return None
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    b = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread
    log_a = mean_y - b * mean_x
    r2 = None
    if len(points) > 2:
        residual = sum((y - log_a - b * x) ** 2 for x, y in points)
        total = sum((y - mean_y) ** 2 for _, y in points)
        r2 = 1.0 - residual / total if total > 0 else 1.0
    return Fit(math.exp(log_a), b, len(points), r2)


@dataclass(frozen=True)
class IndexSize:
    """One added index at one scale: measured (or extrapolated) beside the analytic estimate."""

    index: IndexSpec
    bytes: float | None
    estimated_bytes: int
    entries: int | None  # rows the index holds; None when extrapolated
    build_seconds: float | None  # building it alone; None when extrapolated


@dataclass(frozen=True)
class Run:
    """One configuration replayed at one scale (or its fitted figures when extrapolated)."""

    label: str
    read_seconds: float | None  # Σ count × median over read templates
    write_seconds: float | None
    build_seconds: float | None  # None for the baseline, which builds nothing
    index_bytes: float | None  # what building its indexes added to the file (baseline: 0)
    latencies: Mapping[str, float | None]  # template id -> median seconds of one execution
    outcomes: Mapping[str, int]  # replay outcomes by status; empty when extrapolated


@dataclass(frozen=True)
class ScalePoint:
    scale: Scale
    extrapolated: bool
    rows: Mapping[str, int]  # counted in the database, or the profile's expectation
    database_bytes: float | None  # page_count × page_size, schema's own indexes only
    indexes: tuple[IndexSize, ...]
    runs: tuple[Run, ...]  # BASELINE first
    seconds: float  # wall time spent on this scale (synthesis included)

    def run(self, label: str) -> Run:
        return next(r for r in self.runs if r.label == label)

    def write_overhead(self, label: str) -> float | None:
        """Weighted write seconds added by the configuration over the baseline."""
        after, before = self.run(label).write_seconds, self.run(BASELINE).write_seconds
        return None if after is None or before is None else after - before


@dataclass(frozen=True)
class Capacity:
    """Every scale, measured or extrapolated, and the growth fitted over the measured ones."""

    points: tuple[ScalePoint, ...]
    configurations: tuple[Configuration, ...]  # BASELINE first
    database_growth: Fit | None
    index_growth: Mapping[IndexSpec, Fit | None]
    latency_growth: Mapping[str, Mapping[str, Fit | None]]  # template -> label -> fit
    run_growth: Mapping[str, Mapping[str, Fit | None]]  # label -> RUN_QUANTITIES -> fit
    size_method: str  # a key of SIZE_METHODS
    reference: Reference | None
    max_synth_scale: float
    repetitions: int
    statement_seconds: float
    profile: str
    machine: Mapping[str, str]
    seconds: float

    @property
    def measured(self) -> tuple[ScalePoint, ...]:
        return tuple(p for p in self.points if not p.extrapolated)


def plan_capacity(workload: Workload, schema_path: str | Path, profile_path: str | Path,
                  scales: Sequence[Scale], configurations: Sequence[Configuration],
                  max_synth_scale: float = DEFAULT_MAX_SYNTH_SCALE, repetitions: int = 3,
                  statement_seconds: float = 5.0, progress: Progress | None = None,
                  synth_progress: Callable[[str, int, int], None] | None = None) -> Capacity:
    """Measure every scale up to ``max_synth_scale`` and extrapolate the larger ones."""
    started = time.perf_counter()
    say = progress or (lambda _message: None)
    profile = load_profile(profile_path)
    measured, beyond = split_scales(scales, max_synth_scale)
    configurations = [(BASELINE, ()), *((label, tuple(specs)) for label, specs in configurations
                                        if label != BASELINE)]
    added = tuple(dict.fromkeys(spec for _, specs in configurations for spec in specs))
    method = "dbstat" if dbstat_available() else "page_count"
    points = []
    for scale in measured:
        begun = time.perf_counter()
        reused = cache_path(schema_path, profile_path, scale=scale.factor).is_file()
        say(f"scale {scale.label} (x{scale.factor:g}): "
            + ("the database synthesised before (cached)" if reused
               else "synthesising the database"))
        database = cached_database(schema_path, profile_path, scale=scale.factor,
                                   progress=synth_progress)
        say(f"scale {scale.label}: measuring {len(added)} index sizes")
        rows, database_bytes = _database_rows(database, workload)
        sizes = _index_sizes(database, added, method, statement_seconds)
        estimates = from_profile(workload.catalog, profile.scaled(scale.factor))
        indexes = tuple(
            IndexSize(spec, size, index_bytes(spec, workload.catalog, estimates), entries, built)
            for spec, (size, entries, built) in sizes.items())
        say(f"scale {scale.label}: replaying the workload with "
            + ", ".join(f"{label} ({len(specs)} indexes)" for label, specs in configurations))
        # Together: the copies take turns statement by statement, so a busy moment of the
        # machine falls on before and after alike.
        runs = tuple(_run(m) for m in measure_together(
            workload, database, [(label, specs, False) for label, specs in configurations],
            repetitions, statement_seconds))
        points.append(ScalePoint(scale, False, frozen_mapping(rows), database_bytes, indexes,
                                 runs, time.perf_counter() - begun))
    growth = _Growth(points, configurations, added)
    for scale in beyond:
        points.append(growth.extrapolate(scale, workload, profile.scaled(scale.factor)))
    return Capacity(
        points=tuple(points), configurations=tuple(configurations),
        database_growth=growth.database, index_growth=frozen_mapping(growth.indexes),
        latency_growth=frozen_mapping(growth.latencies),
        run_growth=frozen_mapping(growth.runs), size_method=method,
        reference=profile.reference, max_synth_scale=max_synth_scale, repetitions=repetitions,
        statement_seconds=statement_seconds, profile=str(profile_path),
        machine=frozen_mapping(machine()), seconds=time.perf_counter() - started)


def split_scales(scales: Sequence[Scale], max_synth_scale: float,
                 ) -> tuple[list[Scale], list[Scale]]:
    """(scales to synthesise and measure, scales to extrapolate); an OptionError when there
    are too few measured ones to fit a growth through."""
    measured = [s for s in scales if s.factor <= max_synth_scale]
    beyond = [s for s in scales if s.factor > max_synth_scale]
    if beyond and len(measured) < 2:
        raise OptionError(
            f"extrapolating to {', '.join(s.label for s in beyond)} needs at least two "
            f"measured scales at or below --max-synth-scale {max_synth_scale:g} to fit the "
            f"growth; add smaller ones (e.g. x{max_synth_scale / 10:g}) or raise it")
    return measured, beyond


def dbstat_available() -> bool:
    """Whether this Python's SQLite was built with the dbstat virtual table."""
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute("SELECT count(*) FROM dbstat").fetchone()
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        connection.close()


def _database_rows(database: Path, workload: Workload) -> tuple[dict[str, int], int]:
    """Rows per table of the catalog, and the file's bytes (page_count × page_size)."""
    connection = open_read_only(database)
    try:
        rows = {name: connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                for name in workload.catalog.tables}
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    finally:
        connection.close()
    return rows, pages * page_size


def _index_sizes(database: Path, specs: Sequence[IndexSpec], method: str,
                 statement_seconds: float) -> dict[IndexSpec, tuple[int, int, float]]:
    """(bytes, entries, build seconds) of each index, built one by one on a copy.

    dbstat counts the pages of each b-tree exactly; without it, the file's growth
    as each index is built stands in (it can include a page or two of the file's
    own bookkeeping)."""
    found = {}
    with configured_copy(database, (), statement_seconds) as (sandbox, _, _):
        connection = sandbox.connection
        for spec in specs:
            seconds, grown = sandbox.build_indexes([spec])
            where = f" WHERE {spec.where}" if spec.where else ""
            entries = connection.execute(
                f'SELECT count(*) FROM "{spec.table}"{where}').fetchone()[0]
            found[spec] = (grown, entries, seconds)
        if method == "dbstat" and specs:
            pages = dict(connection.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name"))
            found = {spec: (pages[spec.name], *rest[1:]) for spec, rest in found.items()}
    return found


def _run(measurement: Measurement) -> Run:
    baseline = measurement.label == BASELINE
    return Run(
        label=measurement.label,
        read_seconds=measurement.weighted_read_seconds,
        write_seconds=measurement.weighted_write_seconds,
        build_seconds=None if baseline else measurement.build_seconds,
        index_bytes=0 if baseline else measurement.index_bytes,
        latencies=frozen_mapping({t.template_id: t.median_seconds
                                    for t in measurement.timings}),
        outcomes=frozen_mapping(measurement.tally.counts),
    )


class _Growth:
    """The fits over the measured points, and the figures they give at a larger scale."""

    def __init__(self, points: Sequence[ScalePoint], configurations: Sequence[Configuration],
                 added: Sequence[IndexSpec]) -> None:
        factors = [p.scale.factor for p in points]

        def fit(values: Sequence[float | None]) -> Fit | None:
            return fit_power(factors, values)

        self.database = fit([p.database_bytes for p in points])
        self.indexes = {spec: fit([_size_of(p, spec).bytes for p in points]) for spec in added}
        templates = dict.fromkeys(t for p in points for r in p.runs for t in r.latencies)
        self.latencies = {
            template: {label: fit([p.run(label).latencies.get(template) for p in points])
                       for label, _ in configurations}
            for template in templates}
        self.runs = {
            label: {quantity: fit([getattr(p.run(label), quantity) for p in points])
                    for quantity in (BASELINE_QUANTITIES if label == BASELINE
                                     else RUN_QUANTITIES)}
            for label, _ in configurations}

    def extrapolate(self, scale: Scale, workload: Workload, profile: Profile) -> ScalePoint:
        """The fitted figures at ``scale``; rows are the (scaled) profile's expectation."""
        factor = scale.factor
        estimates = from_profile(workload.catalog, profile)

        def at(fitted: Fit | None) -> float | None:
            return None if fitted is None else fitted.at(factor)

        indexes = tuple(IndexSize(spec, at(fitted), index_bytes(spec, workload.catalog,
                                                                estimates), None, None)
                        for spec, fitted in self.indexes.items())
        runs = tuple(
            Run(label, read_seconds=at(quantities["read_seconds"]),
                write_seconds=at(quantities["write_seconds"]),
                build_seconds=at(quantities.get("build_seconds")),
                index_bytes=0 if label == BASELINE else at(quantities["index_bytes"]),
                latencies=frozen_mapping({t: at(by_label[label])
                                            for t, by_label in self.latencies.items()}),
                outcomes=frozen_mapping({}))
            for label, quantities in self.runs.items())
        rows = {name: count for name, count in profile.table_rows().items()
                if name in workload.catalog.tables}
        return ScalePoint(scale, True, frozen_mapping(rows), at(self.database), indexes, runs,
                          0.0)


def _size_of(point: ScalePoint, spec: IndexSpec) -> IndexSize:
    return next(size for size in point.indexes if size.index == spec)


def machine() -> dict[str, str]:
    """What the measurements ran on: CPU, cores, memory, OS, Python and SQLite versions."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            cpu = next((line.split(":", 1)[1].strip() for line in handle
                        if line.startswith("model name")), cpu)
    except OSError:
        pass  # not Linux: platform's answer stands
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / (1 << 30)
        memory_text = f"{memory:.1f} GiB"
    except (AttributeError, ValueError, OSError):
        memory_text = "unknown"
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count() or "unknown"),
        "memory": memory_text,
        "system": platform.platform(terse=True),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }

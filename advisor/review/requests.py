"""What each command asks of the library, as one frozen value, and the one call answering it.

A request holds a command's options (its ``inputs``: the logs, schema and
statistics it reads); checking them together raises an OptionError, which the
command line reports as a usage error. ``run_*`` reads the inputs and returns
what the command's report renders. The decisions live in the modules these
call: configuration names in review.configs, the measured decision in
advise.measured, the measured comparison in review.compare, the replay loop
in replay.measure, scales and their defaults in review.capacity.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from advisor.advise.explain import TemplateExplanation, explain_workload
from advisor.advise.in_order import IN_ORDER_SECONDS
from advisor.advise.measured import MeasureOn
from advisor.advise.recommend import Recommendation, recommend
from advisor.analysis.inputs import Inputs, check_named_files, read_digest, read_workload
from advisor.analysis.workload import Workload, load_workload, require_synthesis_inputs
from advisor.candidates.sampled import with_sampled_statistics
from advisor.catalog.database import check_database
from advisor.catalog.index_lists import load_index_list, read_index
from advisor.catalog.profile import load_profile
from advisor.catalog.scales import parse_scales
from advisor.digest.digest import Digest, statement_digest
from advisor.model.errors import InputError, OptionError, ProfileError
from advisor.model.feedback import QUIET, Feedback
from advisor.model.files import check_named
from advisor.model.time_budget import TIME_BUDGET_SECONDS, TimeBudget
from advisor.replay.measure import (
    STATISTICS_OPTIONS,
    Measurement,
    measure_configurations,
    measurement_database,
    replay_database,
    require_replayed,
)
from advisor.review.audit.findings import Audit, audit
from advisor.review.audit.replay import DEFAULT_MAX_REPLAYS
from advisor.review.capacity import (
    DEFAULT_CONFIGURATIONS,
    DEFAULT_MAX_SYNTH_SCALE,
    DEFAULT_SCALES,
    NEEDS_SYNTHESIS,
    Capacity,
    plan_capacity,
    split_scales,
)
from advisor.review.compare import Comparison, compare
from advisor.review.configs import check_configurations, resolve_configurations
from advisor.search.search import Budget
from advisor.whatif.planner import WhatIfCounters


@dataclass(frozen=True)
class Measuring:
    """How replayed statements are timed."""

    repetitions: int = 3  # runs of each template's sample; the median is kept
    statement_timeout: float = 5.0  # seconds a replayed statement may run


# --- explain -----------------------------------------------------------------------


@dataclass(frozen=True)
class ExplainRequest:
    inputs: Inputs
    sql: str | None = None  # explain this statement instead of the logs' templates
    template_ids: tuple[str, ...] = ()  # id prefixes
    indexes: tuple[str, ...] = ()  # also plan with these, together
    top: int | None = None  # the templates with the most logged time; None: all
    no_combinations: bool = False  # skip the search for pairs that avoid an ORDER BY sort

    def __post_init__(self) -> None:
        if not self.inputs.logs and not self.sql:
            raise OptionError("give a LOG to explain its templates, or --sql STATEMENT")


@dataclass(frozen=True)
class Explained:
    workload: Workload
    explanations: tuple[TemplateExplanation, ...]
    whatif: WhatIfCounters
    selected: bool = False  # the templates were named (--template), not the top ones


def run_explain(request: ExplainRequest, feedback: Feedback = QUIET) -> Explained:
    digest = statement_digest(request.sql) if request.sql else None
    read = read_workload(request.inputs, feedback, digest=digest)
    if request.sql:  # the one statement asked about: one it cannot analyse is an error,
        # found before the database's sampled ANALYZE is read for it
        failed = [a.unanalysed for a in read.analyses.values() if not a.ok]
        if failed and len(failed) == len(read.analyses):
            raise InputError(f"--sql: cannot explain it: {failed[0]}")
    workload = _sampled(read, request.inputs.db, feedback)
    given = [read_index(text, workload.catalog) for text in request.indexes]
    explanations, counters = explain_workload(workload, given, request.template_ids, request.top,
                                              combinations=not request.no_combinations)
    return Explained(workload, tuple(explanations), counters,
                     bool(request.template_ids or request.sql))


# --- recommend ---------------------------------------------------------------------


@dataclass(frozen=True)
class RecommendRequest:
    inputs: Inputs
    max_indexes: int | None = None
    max_bytes: int | None = None
    min_saving: float = 0.0
    tolerance: float = 0.01
    assume_analyze: bool = False  # plan as after ANALYZE even without sqlite_stat1
    keep_existing: bool = True  # else the database's own indexes compete with candidates
    against_file: str | None = None  # judge these indexes too
    algorithm: str = "auto"
    estimate_only: bool = False  # decide on the cost model alone, even with a database
    validate: bool = False  # insist on measuring: no database to measure on is an error
    measuring: Measuring = Measuring()
    scale: float = 1.0  # without a database: the profile's scale
    in_order_seconds: float = IN_ORDER_SECONDS  # measured: the check in log order's budget
    time_budget_seconds: float = TIME_BUDGET_SECONDS  # measured: wall seconds to aim for

    def __post_init__(self) -> None:
        if self.validate and self.estimate_only:
            raise OptionError("--validate insists on measuring and --estimate-only forbids "
                              "it: give one of them")


@dataclass(frozen=True)
class Recommended:
    recommendation: Recommendation  # measured when ``recommendation.measured`` says so
    workload: Workload
    analyze: bool  # whether the migration runs ANALYZE
    estimate_only: bool  # asked for: the cost model decided, no database was measured
    unmeasurable: str | None  # why measuring, wanted, could not be done (no database)


def run_recommend(request: RecommendRequest, feedback: Feedback = QUIET) -> Recommended:
    time_budget = TimeBudget(request.time_budget_seconds)  # counted from here, end to end
    if request.against_file:  # before the logs are read, as the other named files are
        check_named(request.against_file, "file of indexes")
    workload = read_workload(request.inputs, feedback, assume_analyze=request.assume_analyze,
                             scale=request.scale)
    workload.require_analysed()
    measure_on, unmeasurable = None, None
    if not request.estimate_only:
        measure_on, unmeasurable = _measure_on(request, feedback, time_budget)
    workload = _sampled(workload, measure_on.database if measure_on else request.inputs.db,
                        feedback)
    against = (load_index_list(request.against_file, workload.catalog)
               if request.against_file else [])
    if feedback.step is not None:
        feedback.step(f"searching the candidate indexes of {len(workload.analyses):,} "
                      "templates")
    budget = Budget(max_indexes=request.max_indexes, max_bytes=request.max_bytes,
                    min_saving=request.min_saving)
    result = recommend(workload, budget, request.tolerance, against, request.algorithm,
                       allow_drops=not request.keep_existing, measure_on=measure_on,
                       feedback=feedback)
    # ANALYZE belongs in the migration when a recommended index is used only with stats.
    analyze = request.assume_analyze or any(c.needs_analyze for c in result.chosen)
    return Recommended(result, workload, analyze, request.estimate_only, unmeasurable)


def _measure_on(request: RecommendRequest, feedback: Feedback,
                time_budget: TimeBudget) -> tuple[MeasureOn | None, str | None]:
    """The database to measure the recommendation on, or why there is none: no --db
    and nothing to synthesise one from, or a profile that gives statistics but cannot
    be synthesised. With --validate, none is an error."""
    try:
        found = _measurement_database(request.inputs, request.scale, feedback)
        why = "no database to measure on: give --db, or a schema and a profile to synthesise one"
    except ProfileError as exc:
        found, why = None, f"the profile cannot be synthesised to measure on: {exc}"
    if found is None:
        if request.validate:
            raise InputError(f"--validate cannot measure: {why}")
        return None, why
    measuring = request.measuring
    return MeasureOn(found[0], found[1], measuring.repetitions,
                     measuring.statement_timeout, request.inputs.logs,
                     request.inputs.log_format, request.in_order_seconds, time_budget), None


# --- replay and compare ------------------------------------------------------------


@dataclass(frozen=True)
class ReplayRequest:
    inputs: Inputs
    configs: tuple[str, ...]  # as review.configs names them
    measuring: Measuring = Measuring()
    scale: float = 1.0  # without a database: the synthesised one's scale
    mode: str = "sampled"  # or sequential: the log in order, writes applied
    stats: str = "as-found"  # a key of STATISTICS_OPTIONS


@dataclass(frozen=True)
class Replayed:
    measurements: tuple[Measurement, ...]  # per configuration, per statistics state
    database: str  # described
    repetitions: int
    mode: str
    statement_seconds: float | None = None  # the time limit a replayed statement ran under


def run_replay(request: ReplayRequest, feedback: Feedback = QUIET) -> Replayed:
    inputs = request.inputs
    check_configurations(request.configs)  # a missing file, before the logs are read
    workload = read_workload(inputs, feedback)
    database, described = replay_database(list(inputs.logs), inputs.db, inputs.schema,
                                          inputs.profile, request.scale, feedback.synthesis)
    measuring = request.measuring
    measurements = measure_configurations(
        workload, database, resolve_configurations(request.configs, workload),
        STATISTICS_OPTIONS[request.stats], request.mode, measuring.repetitions,
        measuring.statement_timeout, inputs.logs, inputs.log_format, feedback.count)
    require_replayed(measurements, described)
    return Replayed(tuple(measurements), described, measuring.repetitions, request.mode,
                    measuring.statement_timeout)


@dataclass(frozen=True)
class CompareRequest:
    inputs: Inputs
    configs: tuple[str, ...]
    measuring: Measuring = Measuring()
    scale: float = 1.0
    stats: str = "both"
    estimate_only: bool = False
    template_ids: tuple[str, ...] = ()  # compare on these templates only (id prefixes)

    def __post_init__(self) -> None:
        if len(self.configs) < 2:
            raise OptionError("compare needs two or more -c configurations")


@dataclass(frozen=True)
class ComparedConfigurations:
    comparison: Comparison
    workload: Workload  # cut to the templates asked for
    database: str | None  # the database measured on, described; None: estimated only
    unmeasurable: bool  # measuring was asked for, but there is no database to measure on


def run_compare(request: CompareRequest, feedback: Feedback = QUIET) -> ComparedConfigurations:
    check_configurations(request.configs)  # before the logs are read, or a database made
    workload = read_workload(request.inputs, feedback, scale=request.scale)
    workload.require_analysed()
    found = (None if request.estimate_only
             else _measurement_database(request.inputs, request.scale, feedback))
    database, described = found or (None, None)
    workload = _sampled(workload, database or request.inputs.db, feedback)
    configurations = resolve_configurations(request.configs, workload)
    if request.template_ids:
        workload = workload.only(request.template_ids)
    measuring = request.measuring
    result = compare(workload, configurations, database, measuring.repetitions,
                     measuring.statement_timeout, STATISTICS_OPTIONS[request.stats],
                     feedback.step)
    return ComparedConfigurations(result, workload, described,
                    unmeasurable=not request.estimate_only and found is None)


def _sampled(workload: Workload, database: str | Path | None, feedback: Feedback) -> Workload:
    """With a database (given, or synthesised to measure on), the workload's index
    statistics from a sampled ANALYZE of it; without one, as they are."""
    if database is None:
        return workload
    if feedback.step is not None:
        feedback.step("sampling the database for the candidate indexes' statistics")
    return with_sampled_statistics(workload, database)


def _measurement_database(inputs: Inputs, scale: float,
                          feedback: Feedback) -> tuple[Path, str] | None:
    return measurement_database(list(inputs.logs), inputs.db, inputs.schema, inputs.profile,
                                scale, feedback.synthesis)


# --- capacity ----------------------------------------------------------------------


@dataclass(frozen=True)
class CapacityRequest:
    inputs: Inputs
    scale_text: str = DEFAULT_SCALES
    configs: tuple[str, ...] = ()  # none given: DEFAULT_CONFIGURATIONS
    measuring: Measuring = Measuring()
    max_synth_scale: float = DEFAULT_MAX_SYNTH_SCALE

    def __post_init__(self) -> None:
        if not self.inputs.logs and not self.configs:
            raise OptionError("without a LOG there is no workload to recommend for: give a "
                              "LOG, or -c CONFIG with the indexes to size")


@dataclass(frozen=True)
class Planned:
    capacity: Capacity
    workload: Workload


def run_capacity(request: CapacityRequest, feedback: Feedback = QUIET) -> Planned:
    inputs = request.inputs
    check_named_files(inputs)
    check_configurations(request.configs)
    schema_path, profile_path = require_synthesis_inputs(inputs.logs, inputs.schema,
                                                         inputs.profile, NEEDS_SYNTHESIS)
    scales = parse_scales(request.scale_text, load_profile(profile_path).reference)
    split_scales(scales, request.max_synth_scale)  # before the log is read: a bad mix fails fast
    digest = read_digest(inputs, feedback) if inputs.logs else Digest()
    workload = load_workload(list(inputs.logs), schema=str(schema_path),
                             profile=str(profile_path), digest=digest)
    configurations = resolve_configurations(request.configs or DEFAULT_CONFIGURATIONS, workload)
    for configuration in configurations:
        if configuration.drops:  # sizes are of added indexes on synthesised databases
            raise InputError(f"config {configuration.label} drops "
                             f"{', '.join(configuration.drops)}: capacity sizes the indexes a "
                             "configuration adds (compare and replay weigh drops)")
    measuring = request.measuring
    result = plan_capacity(workload, schema_path, profile_path, scales,
                           [(c.label, c.indexes) for c in configurations],
                           request.max_synth_scale, measuring.repetitions,
                           measuring.statement_timeout, progress=feedback.step,
                           synth_progress=feedback.synthesis)
    return Planned(result, workload)


# --- audit -------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditRequest:
    inputs: Inputs  # the database to audit is its db; the logs are optional
    measuring: Measuring = Measuring()
    max_replays: int = DEFAULT_MAX_REPLAYS  # indexes replayed without, the most used first
    no_replay: bool = False

    def __post_init__(self) -> None:
        if self.inputs.db is None:
            raise OptionError("audit needs the database: give --db app.db")


def run_audit(request: AuditRequest, feedback: Feedback = QUIET) -> Audit:
    inputs = request.inputs
    assert inputs.db is not None  # checked with the request
    check_database(inputs.db)  # before reading the logs, which can take a while
    workload = read_workload(inputs, feedback) if inputs.logs else None
    if workload is not None:
        workload.require_analysed()  # else every index would look unused
    return audit(inputs.db, workload, not request.no_replay, request.measuring.repetitions,
                 request.measuring.statement_timeout, request.max_replays, feedback.step)


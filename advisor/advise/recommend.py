"""Recommend: the minimal index set, its phases, and the reasons for and against.

The candidates (advisor.candidates.generate) are searched (advisor.search.search) against the
workload's estimated prices (advisor.costing.pricing): reads weighted by their counts,
writes charged for the upkeep of every index on their table. The chosen set
is ordered into phases (advisor.search.ordering). Every chosen index carries the
templates it serves with their plans before and after; every candidate not
chosen carries a reason (advisor.model.reasons) measured the same way, and so does
every index of a given list (the seed analysis's thirteen, say).

Sizes: the search and its budget (``--max-bytes``) weigh the estimated sizes
(advisor.costing.sizes), since nothing is built before it; the report gives,
for an index a measured decision built on a copy of the database, the bytes it
took there (``Size.measured``), and the estimate for the rest.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace

from advisor.advise.earning import Earned, guarding
from advisor.advise.in_order import ADD, DROP, InOrderCheck, check_in_order
from advisor.advise.measured import (
    MeasuredDecision,
    MeasureOn,
    against_today,
    decide,
    measure_list,
    read_saving,
)
from advisor.analysis.workload import Workload
from advisor.candidates.generate import CandidateSet, generate, narrower_variants
from advisor.catalog.statistics import Matches
from advisor.costing.pricing import (
    EstimatedPricer,
    Price,
    Pricer,
    estimated_pricer,
    plan_uses,
    templates_on,
)
from advisor.costing.sizes import index_bytes
from advisor.model.feedback import QUIET, Feedback
from advisor.model.indexes import IndexSpec
from advisor.model.reasons import Decision, Reason
from advisor.replay.matches import value_matches
from advisor.replay.measure import ReplaySet, measure_in_order, replay_set
from advisor.replay.noise import Difference
from advisor.replay.paired import StatementTimes, paired_seconds
from advisor.replay.pricing import MeasuredPricer
from advisor.replay.states import BothStates, Measuring
from advisor.replay.workbench import Workbench
from advisor.search.ordering import Phase, group_phases, order_steps
from advisor.search.problem import build_problem, candidate_specs
from advisor.search.search import Budget, Problem, Selection, select
from advisor.whatif.planner import Plan, WhatIf, WhatIfCounters

SERVED_MIN_SHARE = 0.0005  # a template "served" saves at least this share of its own cost
NEGLIGIBLE_SHARE = 0.001  # a given index saving less than this is NEGLIGIBLE
# What a saving is measured against, as the reason sentences say it.
BESIDE_SET = "the recommended set"
# The least rise of the workload cost called costs-more: the sentence shows two decimals
# of a percent, and "raises the workload cost by 0.00%" read as a contradiction.
SHOWN_RISE = 0.00005
BESIDE_LIST = "the rest of the list"
OF_WORKLOAD = "the workload cost"


@dataclass(frozen=True)
class Size:
    """An index's size as reported: measured where it was built on a copy, else the
    estimate (kept beside it either way)."""

    bytes: int
    estimated: int
    measured: bool = False


@dataclass(frozen=True)
class Served:
    template_id: str
    sql: str
    count: int
    cost_share: float  # the template's share of the baseline workload cost
    cost_before: float  # weighted, today's indexes
    cost_after: float  # weighted, with the recommended set
    plan_before: Plan
    plan_after: Plan
    measured: bool = False  # both costs replayed, not estimated
    # Where the set less this index runs the template more than GUARDED times today's
    # cost (the set's other indexes lead SQLite to a worse plan than today's): that cost,
    # weighted, and the plan; the index's drop-one saving counts all of it.
    cost_without: float | None = None
    plan_without: Plan | None = None
    # Today's runs stopped at the statement time limit: ``cost_before`` is a lower bound.
    before_lower_bound: bool = False


@dataclass(frozen=True)
class Chosen:
    spec: IndexSpec
    phase: int
    saving_share: float  # of the baseline workload cost, marginal given the rest of the set
    write_cost: float  # weighted upkeep it adds on the workload's writes
    size: Size
    serves: tuple[Served, ...]
    needs_analyze: bool = False  # SQLite uses it only when sqlite_stat1 exists
    stats_note: str | None = None  # how its use differs with / without statistics
    exists: bool = False  # already in the database (--allow-drops kept it)
    prefix_note: str | None = None  # why it is kept beside a longer index it is a prefix of
    in_order_note: str | None = None  # added by the check in log order: what it measured


@dataclass(frozen=True)
class Verdict:
    """Why an index is not recommended, or what an index of a given list does."""

    spec: IndexSpec
    decision: Decision  # the reason, with the figures its sentence names
    read_saving: float  # weighted read cost it removes (given the comparison set)
    write_cost: float  # weighted upkeep it adds
    size: Size
    in_recommendation: bool = False  # a given index that is (a prefix of) a recommended one
    measured: bool = False  # its figures come from replays, not from the estimate


@dataclass(frozen=True)
class Totals:
    baseline: float
    recommended: float
    optimum: float
    read_baseline: float
    write_upkeep_baseline: float
    write_upkeep_recommended: float
    bytes: int  # the chosen indexes' sizes, measured where they were built
    estimated_bytes: int
    measured_sizes: int  # how many of the chosen indexes' sizes were measured
    # Templates whose runs today stopped at the statement time limit: the baseline is a
    # lower bound by what they would have taken beyond it.
    timed_out_today: tuple[str, ...] = ()

    @property
    def saving_share(self) -> float:
        return 1 - self.recommended / self.baseline if self.baseline else 0.0


@dataclass(frozen=True)
class Drop:
    """An existing index the recommendation removes (--allow-drops)."""

    name: str
    verdict: Verdict
    restore_sql: str  # its CREATE INDEX, for the rollback


@dataclass(frozen=True)
class Outgrown:
    """An existing index kept (--keep-existing) that is a leading-column prefix of a
    recommended one: a hint that --allow-drops weigh dropping it, not a decision."""

    name: str
    spec: IndexSpec
    longer: IndexSpec  # the recommended index whose leading columns it is


@dataclass(frozen=True)
class Recommendation:
    chosen: tuple[Chosen, ...]
    phases: tuple[Phase, ...]
    rejected: tuple[Verdict, ...]
    drops: tuple[Drop, ...]
    against: tuple[Verdict, ...]
    totals: Totals
    selection: Selection
    candidates: CandidateSet
    whatif: WhatIfCounters
    budget: Budget
    tolerance: float
    measured: MeasuredDecision | None = None  # how measuring decided, when it did
    # --allow-drops: the database's own indexes, weighed as candidates, in place today,
    # with their names (plans name them as hypothetical indexes).
    today: tuple[tuple[IndexSpec, str], ...] = ()
    outgrown: tuple[Outgrown, ...] = ()  # kept existing indexes the set makes redundant
    # --allow-drops: the database's own indexes not weighed, kept as they are (name, what
    # an IndexSpec cannot hold of them: an expression advisor cannot write back).
    unweighed: tuple[tuple[str, str], ...] = ()


def recommend(workload: Workload, budget: Budget | None = None, tolerance: float = 0.01,
              against: Sequence[IndexSpec] = (), algorithm: str = "auto",
              allow_drops: bool = False, measure_on: MeasureOn | None = None,
              feedback: Feedback = QUIET) -> Recommendation:
    """Search the workload's candidates for the minimal set within budget, and explain it.

    With ``allow_drops`` the database's own CREATE INDEX indexes compete like
    candidates: plans start without them, and those the search does not keep
    are recommended for dropping, with the write cost that saves. Today is still
    the database as it is: the baseline, each template's cost today and the phases
    (built before the drops) have its indexes in place.

    With ``measure_on`` the decision is measured (advisor.advise.measured): the
    search on the estimate says what to replay on copies of that database, the
    search again on what was measured decides, and every chosen index earns its
    place by a measured drop-one replay; every figure is then in seconds,
    measured where the price says so (``Price.measured``).
    """
    budget = budget or Budget()
    # An index on an expression advisor cannot write back as SQLite matches it is not
    # weighed: as a spec it would be planned as another index (users("<expression -2>"))
    # and dropped as serving nothing.
    owned = {index: index.unmodelled
             for index in (workload.catalog.droppable if allow_drops else ())}
    existing = {index.spec: index for index, what in owned.items() if what is None}
    unweighed = tuple((index.name, what) for index, what in owned.items() if what is not None)
    if existing:
        workload = replace(workload, catalog=workload.catalog.without(tuple(existing.values())))
    with ExitStack() as stack:
        replayed = (_replayed(workload, measure_on, feedback)
                    if measure_on is not None else None)
        estimated = stack.enter_context(estimated_pricer(
            workload, matches=replayed[1] if replayed is not None else None))
        candidate_set = generate(workload.analyses, workload.catalog, workload.statistics)
        specs = tuple(dict.fromkeys((*candidate_specs(candidate_set), *existing)))
        bytes_of = {spec: index_bytes(spec, workload.catalog, workload.statistics)
                    for spec in specs}
        narrower = narrower_variants(specs, workload.statistics)

        def problem_of(pricer: Pricer) -> Problem:
            return build_problem(pricer, specs, bytes_of.__getitem__, existing, narrower)

        selection = select(problem_of(estimated), budget, tolerance=tolerance,
                           algorithm=algorithm)
        pricer: Pricer = estimated
        measuring: Measuring | None = None
        measured: MeasuredDecision | None = None
        if measure_on is not None and replayed is not None:
            pricer = measuring = _measured_pricer(workload, estimated, *replayed, measure_on,
                                                  stack)
            selection, measured = decide(measuring, problem_of, selection, budget, tolerance,
                                         algorithm, measure_on.described, feedback,
                                         frozenset(existing), measure_on.time_budget)
            selection, measured = _checked_in_order(workload, measuring, selection, measured,
                                                    measure_on, budget, bytes_of, existing,
                                                    feedback)
        chosen = selection.chosen
        seconds = measured is not None  # costs in seconds, else in row steps
        today = frozenset(existing)  # measured by decide, when it measured
        baseline, read_baseline, upkeep_baseline = pricer.totals(today)
        final, _, upkeep_final = pricer.totals(chosen)

        def costs(config: frozenset[IndexSpec]) -> tuple[float, float]:
            # The phases are built while today's indexes stand; the drops come last.
            total, _, upkeep = pricer.totals(config | today)
            return total, upkeep

        def size_of(spec: IndexSpec) -> Size:
            estimate = (bytes_of[spec] if spec in bytes_of
                        else index_bytes(spec, workload.catalog, workload.statistics))
            built = measuring.built_sizes().get(spec) if measuring is not None else None
            return Size(estimate, estimate) if built is None else Size(built, estimate, True)

        sizes = {spec: size_of(spec) for spec in chosen}
        steps = order_steps(chosen, costs, {spec: size.bytes for spec, size in sizes.items()})
        phases = group_phases(steps, costs, baseline, final)
        phase_of = {spec: phase.number for phase in phases for spec in phase.indexes}
        # The same plans with the planner's statistics switched: does each index's
        # use depend on sqlite_stat1 existing on the target?
        switched = replace(workload.statistics,
                           planner_has_stats=not workload.statistics.planner_has_stats)
        with WhatIf(workload.catalog, switched) as other_world:
            chosen_entries = tuple(
                _with_stats_note(
                    _chosen(spec, phase_of[spec], chosen, pricer, sizes[spec], baseline, today),
                    chosen, workload, other_world)
                for phase in phases for spec in phase.indexes
            )
        measured_verdicts = measured.rejected if measured is not None else {}
        verdicts = {
            spec: (_measured_verdict(spec, measured_verdicts[spec], chosen, pricer,
                                     size_of(spec)) if spec in measured_verdicts
                   else _rejected(spec, code, chosen, pricer, size_of(spec), selection,
                                  baseline, tolerance, budget.min_saving, seconds,
                                  narrower.get(spec, ())))
            for spec, code in sorted(selection.rejected.items())
        }
        rejected = tuple(v for spec, v in verdicts.items() if spec not in existing)
        drops = tuple(Drop(existing[spec].name, verdicts[spec], existing[spec].sql or "")
                      for spec in sorted(existing) if spec in verdicts)
        chosen_entries = tuple(replace(entry, exists=entry.spec in existing,
                                       prefix_note=_prefix_note(entry, chosen),
                                       in_order_note=_in_order_note(entry.spec, measured))
                               for entry in chosen_entries)
        if measuring is not None and against:
            measure_list(measuring, against)
        against_verdicts = tuple(_judge(spec, frozenset(against), chosen, pricer,
                                        size_of(spec), baseline, seconds) for spec in against)
        totals = Totals(baseline=baseline, recommended=final, optimum=selection.optimum_cost,
                        read_baseline=read_baseline, write_upkeep_baseline=upkeep_baseline,
                        write_upkeep_recommended=upkeep_final,
                        bytes=sum(size.bytes for size in sizes.values()),
                        estimated_bytes=sum(size.estimated for size in sizes.values()),
                        measured_sizes=sum(size.measured for size in sizes.values()),
                        timed_out_today=tuple(t for t in pricer.templates
                                              if pricer.priced(t, today).lower_bound))
        return Recommendation(chosen_entries, phases, rejected, drops, against_verdicts, totals,
                              selection, candidate_set, estimated.whatif.counters, budget,
                              tolerance, measured,
                              tuple((spec, existing[spec].name) for spec in sorted(existing)),
                              () if allow_drops else _outgrown(workload, chosen), unweighed)


def _checked_in_order(workload: Workload, pricer: Measuring, selection: Selection,
                      measured: MeasuredDecision, measure_on: MeasureOn, budget: Budget,
                      bytes_of: Mapping[IndexSpec, int], existing: Mapping[IndexSpec, object],
                      feedback: Feedback) -> tuple[Selection, MeasuredDecision]:
    """The measured selection after the check in log order (advisor.advise.in_order), and
    the decision with the check's record; unchanged where there is no check to run."""
    why = _no_in_order(measure_on, existing)
    if why is not None:
        return selection, replace(measured, in_order=InOrderCheck((), measure_on.in_order_seconds,
                                                                  0.0, why))
    chosen = selection.chosen

    def replay(configs: Sequence[frozenset[IndexSpec]]) -> list[float]:
        if feedback.step is not None:
            feedback.step(f"replaying the log in order on {len(configs)} copies")
        times = StatementTimes()
        measure_in_order(workload, measure_on.logs, measure_on.log_format, measure_on.database,
                         [(f"set {n}", tuple(sorted(config)), measured.analyzed)
                          for n, config in enumerate(configs)],
                         measure_on.statement_seconds, times=times)
        return paired_seconds(times)

    def fits(config: frozenset[IndexSpec]) -> bool:
        return budget.allows(len(config), sum(bytes_of.get(s, 0) for s in config))

    def saving(spec: IndexSpec) -> float:
        return read_saving(pricer, chosen, chosen | {spec}, templates_on(pricer, spec))

    outside = [spec for spec in selection.rejected if spec not in existing]
    adds = [spec for gain, spec in sorted((-saving(s), s) for s in outside) if gain < 0]
    earned = {e.spec: e.gain for e in measured.earned if e.kept}
    drops = sorted(chosen, key=lambda spec: (earned.get(spec, 0.0), spec))
    # What is left of the time budget may be less than the check's own.
    time_budget = measure_on.time_budget
    seconds = round(min(measure_on.in_order_seconds, max(time_budget.left(), 0.0)), 1)
    final, check = check_in_order(chosen, adds, drops, lambda c: pricer.totals(c).total, replay,
                                  fits, seconds)
    if check.skipped and seconds < measure_on.in_order_seconds:
        check = replace(check, skipped=f"{check.skipped} (what was left of the time budget: "
                                       f"{time_budget.describe()})")
    if final == chosen:
        return selection, replace(measured, in_order=check)
    rejected = {spec: reason for spec, reason in selection.rejected.items() if spec not in final}
    verdicts = {spec: v for spec, v in measured.rejected.items() if spec not in final}
    for move in check.taken:
        confirmed = check.confirmation(move.spec)
        if move.kind == DROP and confirmed is not None:  # the set without it, and with it
            [with_it] = confirmed.moves
            rejected[move.spec] = Reason.IN_ORDER_SLOWER
            verdicts[move.spec] = Decision.of(
                Reason.IN_ORDER_SLOWER, beside=BESIDE_SET,
                gain=with_it.seconds - confirmed.seconds, without=confirmed.seconds,
                with_it=with_it.seconds, noise=confirmed.band)
    earned_now = _earned_in_order(measured.earned, check, final)
    if feedback.step is not None:
        feedback.step("timing the set the log in order chose against today")
    against, slower = against_today(pricer, final, frozenset(existing), earned_now)
    return (replace(selection, chosen=final, rejected=rejected,
                    cost=pricer.totals(final).total),
            replace(measured, in_order=check, rejected=verdicts, earned=earned_now,
                    against_today=against, slower=slower))


def _earned_in_order(earned: Sequence[Earned], check: InOrderCheck,
                     final: frozenset[IndexSpec]) -> tuple[Earned, ...]:
    """The drop-one records after the check's moves: an index it added earned its place by
    its confirmation (the set before it, without it, against the set with it, in log
    order), not by the sampled drop-one that had rejected it; one it dropped is no longer
    kept."""
    added = {m.spec: check.confirmation(m.spec) for m in check.taken if m.kind == ADD}
    out = [replace(e, kept=e.spec in final) for e in earned if e.spec not in added]
    for spec, p in added.items():
        if p is not None:
            [without] = p.moves
            out.append(Earned(spec, Difference(without.seconds - p.seconds, 0.0, p.band,
                                               p.seconds, without.seconds), (), True))
    return tuple(out)


def _in_order_note(spec: IndexSpec, measured: MeasuredDecision | None) -> str | None:
    """For an index the check in log order added: what its confirmation measured."""
    check = measured.in_order if measured is not None else None
    p = check.confirmation(spec) if check is not None else None
    if p is None or p.confirms is None or p.confirms.kind != ADD:
        return None
    [without] = p.moves
    return (f"added by the check in log order: the log replayed in order ran "
            f"{without.seconds - p.seconds:.3g} s faster with it ({p.seconds:.3g} s "
            f"against {without.seconds:.3g} s of CPU; noise band {p.band:.3g} s), "
            f"found by one replay and confirmed by another")


def _no_in_order(measure_on: MeasureOn, existing: Mapping[IndexSpec, object]) -> str | None:
    """Why the log cannot be replayed in order here, or None."""
    if measure_on.in_order_seconds <= 0:
        return "not asked for (--in-order-budget 0)"
    if not measure_on.logs or "-" in measure_on.logs:
        return "the log came on standard input and cannot be read again"
    if existing:
        return "not with --allow-drops: the copies would need today's indexes dropped"
    if measure_on.time_budget.left() <= 0:
        return f"no time left: {measure_on.time_budget.describe()}"
    return None


def _replayed(workload: Workload, measure_on: MeasureOn, feedback: Feedback
              ) -> tuple[ReplaySet, dict[str, Matches]]:
    """The statements to replay, with values drawn from the database, and the rows their
    values match there (advisor.replay.matches): the estimate, the prior of every
    measured decision, prices each template with its own values' rows, not the
    averages (a workload's values are not average: its claims go to the large
    workflows, its orders to the busy customers)."""
    if feedback.step is not None:
        feedback.step(f"drawing values for the replayed statements from "
                      f"{measure_on.described}")
    statements = replay_set(workload, measure_on.database, measure_on.repetitions)
    return statements, value_matches(workload, measure_on.database, statements)


def _measured_pricer(workload: Workload, estimated: EstimatedPricer, statements: ReplaySet,
                     matches: Mapping[str, Matches], measure_on: MeasureOn,
                     stack: ExitStack) -> Measuring:
    """A pricer replaying the workload on working copies of the database, closed with
    ``stack``; in the statistics state the recommendation plans for. A target planned
    without statistics is measured as found and after ANALYZE both
    (advisor.replay.states): a later ANALYZE changes its plans, and a set chosen for
    one state alone can be slower than none in the other. The two states share the
    copies, and so each index build (advisor.replay.workbench)."""
    has_stats = workload.statistics.planner_has_stats
    bench = stack.enter_context(Workbench(measure_on.database, workload.catalog, has_stats,
                                          measure_on.statement_seconds,
                                          both_states=not has_stats))
    if has_stats:
        return MeasuredPricer(estimated, statements, bench, measure_on.repetitions)
    found = MeasuredPricer(estimated, statements, bench.state(False), measure_on.repetitions)
    analysed = replace(workload.statistics, planner_has_stats=True)
    planned = stack.enter_context(estimated_pricer(workload, analysed, matches))
    return BothStates(found, MeasuredPricer(planned, statements, bench.state(True),
                                            measure_on.repetitions, shared=found))


def _chosen(spec: IndexSpec, phase: int, chosen: frozenset[IndexSpec], pricer: Pricer,
            size: Size, baseline: float, today: frozenset[IndexSpec]) -> Chosen:
    without = chosen - {spec}
    total_with, _, upkeep_with = pricer.totals(chosen)
    total_without, _, upkeep_without = pricer.totals(without)
    serves = []
    for tid in pricer.templates:
        if spec.table.lower() not in pricer.tables_of(tid):
            continue
        with_set, lacking = pricer.priced(tid, chosen), pricer.priced(tid, without)
        if _finds_faster(pricer, tid, spec, lacking, with_set, chosen):
            now = pricer.priced(tid, today)
            guarded = guarding(lacking.weighted, now.weighted)
            serves.append(Served(tid, pricer.views[tid].text, now.count,
                                 now.weighted / baseline if baseline else 0.0,
                                 now.weighted, with_set.weighted, now.plan, with_set.plan,
                                 now.measured and with_set.measured,
                                 lacking.weighted if guarded else None,
                                 lacking.plan if guarded else None, now.lower_bound))
    serves.sort(key=lambda s: -(s.cost_before - s.cost_after))
    return Chosen(spec, phase, (total_without - total_with) / baseline if baseline else 0.0,
                  upkeep_with - upkeep_without, size, tuple(serves))


def _finds_faster(pricer: Pricer, template_id: str, spec: IndexSpec, before: Price,
                  after: Price, chosen: frozenset[IndexSpec]) -> bool:
    """Whether ``spec`` makes the template find its rows faster (``before``: its price
    without it, ``after``: with ``chosen``, the set): a read's time, or a
    write's search where the estimate prices it apart from the upkeep, falls by more than
    SERVED_MIN_SHARE. A replayed write is timed whole, upkeep and all: served where its
    plan (SQLite's on the copy, where known) uses the index and its time falls. Judged by
    its search alone, the partial index that finds a chat's delivered receipts, saving
    their UPDATE 1 s, served no template."""
    if pricer.views[template_id].write is not None and before.measured and after.measured:
        named = pricer.named_in_plan(template_id, chosen)
        if spec not in (named if named is not None else plan_uses(after)):
            return False
        saved, was = before.total - after.total, before.total
    else:
        saved, was = before.read - after.read, before.read
    return saved > SERVED_MIN_SHARE * max(was, 1e-9)


def _prefix_note(entry: Chosen, chosen: frozenset[IndexSpec]) -> str | None:
    """A prefix of another recommended index is usually redundant; when the search kept
    it, the planner's plans are why: name the templates it still makes cheaper."""
    longer = sorted(c for c in chosen if entry.spec.is_prefix_of(c) and c != entry.spec)
    if not longer:
        return None
    templates = ", ".join(s.template_id for s in entry.serves) or "none"
    return (f"kept beside {longer[0]}, whose prefix it is: with both built the planner still "
            f"picks it for {templates} (a narrower scan, or an order the longer one lacks)")


def _outgrown(workload: Workload, chosen: frozenset[IndexSpec]) -> tuple[Outgrown, ...]:
    """The database's own indexes that are a leading-column prefix of a recommended one
    (the first such in index order), by name."""
    out = []
    for index in workload.catalog.droppable:
        longer = sorted(spec for spec in chosen if index.is_prefix_of(spec))
        if longer:
            out.append(Outgrown(index.name, index.spec, longer[0]))
    return tuple(sorted(out, key=lambda o: o.name))


def _with_stats_note(entry: Chosen, chosen: frozenset[IndexSpec], workload: Workload,
                     other: WhatIf) -> Chosen:
    """Plan the templates an index serves in the other statistics world (``other``), and
    say whether SQLite's use of the index depends on sqlite_stat1."""
    has_stats = workload.statistics.planner_has_stats
    lost = []
    for served in entry.serves:
        tables = workload.analyses[served.template_id].tables
        config = [s for s in chosen if s.table.lower() in tables]
        plan = other.plan(served.sql, tables, config,
                          workload.analyses[served.template_id].bound)
        if other.hypothetical_name(entry.spec) not in plan.indexes_used():
            lost.append(served.template_id)
    if not lost:
        return entry
    if has_stats:
        note = (f"needs ANALYZE: without sqlite_stat1 SQLite does not use it for "
                f"{', '.join(lost)}")
        return replace(entry, needs_analyze=True, stats_note=note)
    note = f"after ANALYZE SQLite would stop using it for {', '.join(lost)}"
    return replace(entry, stats_note=note)


def _marginal(spec: IndexSpec, base: frozenset[IndexSpec],
              pricer: Pricer) -> tuple[float, float, float]:
    """(total saving, read saving, upkeep added) of adding ``spec`` to ``base``."""
    total0, read0, upkeep0 = pricer.totals(base - {spec})
    total1, read1, upkeep1 = pricer.totals(base | {spec})
    return total0 - total1, read0 - read1, upkeep1 - upkeep0


def _measured_marginal(spec: IndexSpec, base: frozenset[IndexSpec], pricer: Pricer) -> bool:
    """Whether every template ``spec`` can change was replayed with and without it."""
    return all(pricer.priced(t, config).measured for t in templates_on(pricer, spec)
               for config in (base - {spec}, base | {spec}))


def cost_text(value: float, seconds: bool) -> str:
    """A cost as a reason's sentence writes it: row steps whole, seconds to three
    significant figures.

    >>> cost_text(3677281.4, False), cost_text(0.026123, True), cost_text(12.34, True)
    ('3,677,281', '0.0261 s', '12.3 s')
    """
    if not seconds:
        return f"{value:,.0f}"
    digits = max(0, 2 - math.floor(math.log10(abs(value)))) if value else 0
    return f"{value:,.{digits}f} s"


def _rejected(spec: IndexSpec, code: Reason, chosen: frozenset[IndexSpec],
              pricer: Pricer, size: Size, selection: Selection, baseline: float,
              tolerance: float, min_saving: float, seconds: bool,
              variants: tuple[IndexSpec, ...] = ()) -> Verdict:
    """The search's reason, measured again beside the recommended set: no read saving
    or not worth its writes overrides it; the rest of what the search did not keep is
    within the tolerance. ``variants``: its narrower ones (without its wide columns)."""
    saving, read_saving, upkeep = _marginal(spec, chosen, pricer)
    longer = sorted(c for c in chosen if spec.is_prefix_of(c) and c != spec)  # sorted: the
    # same one named on every run, whatever the hash order of the set
    share = saving / baseline if baseline else 0.0
    if read_saving < 0 and -share >= SHOWN_RISE:
        # Its reads cost more beside the set: on Torc, event(workflow_id) beside
        # event(workflow_id, timestamp), which SQLite takes after ANALYZE for the listings
        # since a timestamp, had been called a prefix "no template's cost rises without".
        decision = Decision.of(Reason.COSTS_MORE, rise=-share, of=OF_WORKLOAD,
                               beside=BESIDE_SET)
    elif read_saving <= 0:
        decision = (Decision.of(Reason.PREFIX, longer=str(longer[0])) if longer
                    else Decision.of(Reason.NO_GAIN, beside=BESIDE_SET))
    elif upkeep >= read_saving:
        decision = Decision.of(Reason.NOT_WORTH_ITS_WRITES, table=spec.table,
                               upkeep=cost_text(upkeep, seconds),
                               read_saving=cost_text(read_saving, seconds))
    elif code is Reason.BELOW_MIN_SAVING:
        decision = Decision.of(code, share=share, min_saving=min_saving)
    elif code is Reason.OVER_BUDGET:
        decision = Decision.of(code, share=share)
    elif code is Reason.NARROWER and (variant := next(
            (v for v in variants if v in chosen), None)) is not None:
        decision = Decision.of(code, narrower=str(variant), tolerance=tolerance, share=share)
    elif share > tolerance:
        # Priced beside the final set (measured, where the search had the estimate's
        # word), it saves more than the tolerance names: "saves only 1.651% ...
        # (tolerance 1%)" said of the TPC-C-like stock index was no reason.
        decision = Decision.of(Reason.NOT_IN_OPTIMUM)
    else:
        decision = Decision.of(Reason.WITHIN_TOLERANCE, share=share, beside=BESIDE_SET,
                               tolerance=tolerance)
    return Verdict(spec, decision, read_saving, upkeep, size,
                   measured=_measured_marginal(spec, chosen, pricer))


def _measured_verdict(spec: IndexSpec, decision: Decision, chosen: frozenset[IndexSpec],
                      pricer: Pricer, size: Size) -> Verdict:
    """An index the set did not measurably need, with its measured reason."""
    _, read_saving, upkeep = _marginal(spec, chosen, pricer)
    return Verdict(spec, decision, read_saving, upkeep, size, measured=True)


def _judge(spec: IndexSpec, against: frozenset[IndexSpec], chosen: frozenset[IndexSpec],
           pricer: Pricer, size: Size, baseline: float, seconds: bool) -> Verdict:
    """What one index of a given list does, next to the rest of that list."""
    saving, read_saving, upkeep = _marginal(spec, against, pricer)
    alone_saving, alone_read, _ = _marginal(spec, frozenset(), pricer)
    in_recommendation = spec in chosen or any(spec.is_prefix_of(c) for c in chosen)
    share = saving / baseline if baseline else 0.0
    if read_saving <= 0 and alone_read <= 0:
        decision = Decision.of(Reason.UNUSED)
    elif read_saving <= 0:
        decision = Decision.of(Reason.REDUNDANT, beside=BESIDE_LIST,
                               alone_share=alone_saving / baseline if baseline else 0.0)
    elif upkeep >= read_saving:
        decision = Decision.of(Reason.NOT_WORTH_ITS_WRITES, table=spec.table,
                               upkeep=cost_text(upkeep, seconds),
                               read_saving=cost_text(read_saving, seconds))
    elif share < NEGLIGIBLE_SHARE:
        decision = Decision.of(Reason.NEGLIGIBLE, share=share, beside=BESIDE_LIST,
                               threshold=NEGLIGIBLE_SHARE)
    else:
        decision = Decision.of(Reason.SAVES, share=share, of=OF_WORKLOAD, beside=BESIDE_LIST)
    return Verdict(spec, decision, read_saving, upkeep, size, in_recommendation,
                   _measured_marginal(spec, against, pricer)
                   and _measured_marginal(spec, frozenset(), pricer))

"""Measured pricing: a template's price under a configuration is its replayed time there.

``MeasuredPricer`` is the second implementation of the pricing seam
(advisor.costing.pricing.Pricer): a template's price under a configuration is
the median time of its filled statements (advisor.replay.measure.replay_set)
replayed on a working copy where the configuration's indexes really exist
(advisor.replay.workbench), in seconds per execution.

Keys. Many configurations give a template the same plan. A read's time
depends on its plan alone; a write's also on the indexes it keeps up (on its
table: every one for INSERT and DELETE; for an UPDATE, those holding a column
it sets). So a measurement is keyed by (template, the what-if planner's plan,
the configuration's indexes the write keeps up) and prices every
configuration with that key: measured once, priced many times. The what-if
planner says which configurations are equivalent before anything is built;
SQLite's real plans on the copy are recorded beside it (of every replayed
statement, each distinct one: a value in the text can change the plan, as a
partial index serves only the statements its WHERE matches), and a key measured
under a real plan other than the what-if one is counted
(``plan_mismatches``): where that happens the what-if statistics are not
the copy's, and the template is *untrusted* from then on: a configuration is
no longer priced by work already measured under its what-if plan, but built
on a copy and planned there (TPC-H Q12 after ANALYZE: planned by the what-if
as today, lineitem first, it was orders first through the set's
orders(o_orderdate, o_orderpriority) on the copy, and 2.5x slower, never
timed). The configurations already planned on copies keep the work SQLite
did there: the plan was SQLite's own, not the what-if planner's.

Units. A read's seconds are its ``read``; a write's whole time (its own
search and the upkeep of every index it touches, measured together, never
assumed) is its ``upkeep``; so workload totals split into read and write
seconds as advisor.replay.measure's do.

Prior. The search asks about far more configurations than are worth
replaying. An unmeasured key is priced by its estimate converted to seconds
with the ratio (measured / estimated) of that template's measured key whose
estimate is nearest in log terms, marked ``measured=False``. Every template is
measured as today first, so a template the cost model over-prices by orders
(an EXISTS that stops at its first row, say) is over-priced nowhere after,
and cannot make every other index look negligible beside it. Templates that
cannot be replayed (no values could be drawn, or every run failed) use the
median ratio of all measured keys.

Noise. Copies take turns run by run (``time_together``), each key's median
is kept with its runs, and ``compare`` times two configurations template by
template on two copies, so that a decision rests on a pair measured
together (advisor.replay.noise says when a difference is more than noise).
Besides time, each key's first statement is run once counting SQLite's VM
instructions (``Sandbox.count_steps``): the same on any load, recorded as
``steps`` for what it can say (a run stopped as slow counts none, ``_time``).
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Iterable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from typing import Any

from advisor.costing.estimate import maintenance
from advisor.costing.pricing import EstimatedPricer, Price, Pricer
from advisor.model.frozen import frozen_mapping
from advisor.model.indexes import IndexSpec
from advisor.model.ranking import spearman
from advisor.replay.measure import ANALYZED, AS_FOUND, ReplaySet
from advisor.replay.noise import MIN_RUNS, Difference, combine, difference
from advisor.replay.sandbox import Tally, time_together
from advisor.replay.workbench import Bench, WorkingCopy
from advisor.whatif.planner import WhatIf, indexes_named

FALLBACK_SECONDS_PER_STEP = 1e-7  # a cost-model row step, before anything is measured
WARM_SECONDS = 0.01  # a first run faster than this: each statement is run once untimed
SLOW_SECONDS = 0.05  # every known run of a template this slow: no untimed first run
# A template with work known to run in t seconds runs under a time limit of this many
# times t (at least LIMIT_FLOOR, at most the statement limit): a plan that much slower
# than its best known one is told apart from it by the bound alone (``_limit``).
LIMIT_FACTOR = 50.0
LIMIT_FLOOR = 0.5
STEP_GAP = 1.2  # step counts this far apart (either way) differ, for StepCheck
CLOSER = 3  # a comparison timed again ``closer``: this many times the runs


@dataclass(frozen=True)
class MeasureKey:
    """What a template's time depends on under a configuration, as planned beforehand."""

    template_id: str
    plan: str  # the what-if planner's plan, as text
    maintained: frozenset[IndexSpec]  # the configuration's indexes a write keeps up
    # For a template SQLite once planned otherwise than the what-if planner: the part of
    # the configuration that can change it (its plan is SQLite's on a copy, not known
    # beforehand).
    config: frozenset[IndexSpec] | None = None


@dataclass(frozen=True)
class Work:
    """What a template's time depends on, as SQLite really plans it on a copy."""

    template_id: str
    plan: str  # SQLite's plan on the copy
    maintained: frozenset[IndexSpec]


@dataclass(frozen=True)
class Runs:
    """One template on one copy: every run's seconds, SQLite's plan there, VM steps."""

    template_id: str
    seconds: tuple[float, ...]
    plan: str
    steps: int | None  # of the first statement, counted to Sandbox STEP_OPCODES
    status: str = "ok"  # else why no run was timed ("timeout", "error", "refused")


@dataclass
class _Known:
    """One piece of work as measured so far: the runs of every session that timed it."""

    seconds: list[float]
    steps: int | None
    estimate: float  # the cost model's price of the first key measured as it, for the prior
    timed_out: bool = False  # ran into the statement time limit: its seconds a lower bound

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


@dataclass(frozen=True)
class StepCheck:
    """VM steps beside time, over the templates timed in comparisons on both sides."""

    pairs: int
    rho: float | None  # Spearman's, of log time ratio and log step ratio
    beyond_noise: int  # pairs whose time differs beyond noise
    agreeing: int  # of those, pairs whose step counts differ in the same direction
    quiet_but_stepping: int  # pairs within noise whose step counts differ by STEP_GAP


@dataclass(frozen=True)
class MeasuringCounters:
    """How much measuring a decision took."""

    replays: int  # a template timed on a copy under one configuration
    runs: int  # statements executed, timed or counted
    measured: int  # distinct pieces of work (template, real plan, kept-up indexes) timed
    keys: int  # distinct what-if keys priced by a measurement
    sessions: int
    price_calls: int
    measured_prices: int  # price calls a measurement answered
    plan_mismatches: int  # keys whose real plan on the copy was not the what-if plan
    copies: int
    copy_seconds: float
    builds: int
    build_seconds: float
    drops: int
    unreplayable: tuple[str, ...]  # templates priced by the estimate alone
    outcomes: Mapping[str, int] = field(default_factory=dict)  # run statuses
    estimated: int = 0  # distinct (template, indexes) the estimate and what-if were asked
    steps: StepCheck | None = None  # how VM steps and time agreed in the comparisons
    failed: tuple[str, ...] = ()  # templates every run failed under some configuration

    @property
    def measured_share(self) -> float:
        return self.measured_prices / self.price_calls if self.price_calls else 0.0


@dataclass(frozen=True)
class Comparison:
    """Two configurations timed together, on the templates whose work differs."""

    base: frozenset[IndexSpec]
    other: frozenset[IndexSpec]
    templates: Mapping[str, Difference]  # weighted by count: other against base
    plans: Mapping[str, tuple[str, str]]  # template id -> (plan on base, plan on other)
    steps: Mapping[str, tuple[int | None, int | None]]
    # Where two statistics states were timed (advisor.replay.states), each one's own
    # differences; ``templates`` then holds the worse state's.
    by_state: Mapping[str, Mapping[str, Difference]] = field(default_factory=dict)

    @property
    def total(self) -> Difference:
        return combine(self.templates.values())

    def patched(self, fresh: Comparison, templates: Iterable[str]) -> Comparison:
        """This comparison with ``templates`` as ``fresh`` (timed on them alone) found
        them, the others as they were: ``fresh``'s configurations, where only those
        templates can differ from this one's."""
        again = set(templates)

        def merge(mine: Mapping[str, Any], theirs: Mapping[str, Any]) -> Mapping[str, Any]:
            return frozen_mapping({**{t: v for t, v in mine.items() if t not in again},
                                   **theirs})

        return Comparison(fresh.base, fresh.other, merge(self.templates, fresh.templates),
                          merge(self.plans, fresh.plans), merge(self.steps, fresh.steps),
                          frozen_mapping({state: merge(self.by_state.get(state, {}),
                                                       fresh.by_state.get(state, {}))
                                          for state in {*self.by_state, *fresh.by_state}}))


class MeasuredPricer(Pricer):
    """Replayed seconds where measured, the estimate converted to seconds elsewhere.

    Built over an ``EstimatedPricer`` (its what-if plans key the measurements and
    its estimates are the prior), the statements to replay and a workbench whose
    copies it builds configurations on. ``measure`` and ``compare`` replay; ``price``
    never does."""

    def __init__(self, estimated: EstimatedPricer, statements: ReplaySet, bench: Bench,
                 repetitions: int = 3, copies: int = 2,
                 shared: MeasuredPricer | None = None) -> None:
        """``shared``: a pricer of the other statistics state (advisor.replay.states)
        whose measurements this one shares: the same plan on the same data is the same
        work, and a template's measured keys anchor its prior in either state."""
        super().__init__(estimated.views)
        self.estimated = estimated
        self.bench = bench
        self.repetitions = repetitions
        self.copy_count = copies
        self._samples = {tid: (tid, kind, sqls) for tid, kind, sqls in statements.statements
                         if tid in estimated.views}
        self._priced: dict[tuple[str, tuple[IndexSpec, ...]], tuple[Price, MeasureKey]] = {}
        self._work: dict[Work, _Known] = shared._work if shared is not None else {}
        self.version = 0  # grows with every timing recorded (memoised totals go stale)
        self._keys: dict[MeasureKey, Work] = {}
        # The work SQLite's plan did on a copy, per template and configuration (on its
        # tables): when a template turns untrusted its keys become per configuration,
        # and the configurations planned before then keep what they were seen doing.
        self._seen: dict[tuple[str, frozenset[IndexSpec]], Work] = {}
        self._failed: dict[MeasureKey, str] = {}
        self._compared: dict[tuple[tuple[str, frozenset[IndexSpec], frozenset[IndexSpec]], ...],
                             Comparison] = {}
        self._anchors: dict[str, list[tuple[float, float]]] = (
            shared._anchors if shared is not None else {})
        self._tally = Tally()
        self._replays = self._runs = self._sessions = 0
        self._calls = self._hits = self._mismatches = 0
        self.untrusted: set[str] = set()  # templates SQLite once planned otherwise

    @property
    def whatif(self) -> WhatIf:
        return self.estimated.whatif

    @property
    def states(self) -> tuple[str, ...]:
        """The statistics state its copies are measured in."""
        return (ANALYZED,) if self.bench.analyze else (AS_FOUND,)

    @property
    def replayable(self) -> tuple[str, ...]:
        """The priced templates there are statements to replay for."""
        return tuple(tid for tid in self.templates if tid in self._samples)

    # --- pricing ----------------------------------------------------------------------

    def price(self, template_id: str, indexes: Sequence[IndexSpec]) -> Price:
        self._calls += 1
        estimate, key = self._lookup(template_id, tuple(indexes))
        work = self._keys.get(key)
        timed_out = False
        if work is not None:
            self._hits += 1
            known = self._work[work]
            seconds, measured, timed_out = known.median, True, known.timed_out
        else:
            seconds, measured = self._prior(template_id, estimate.total), False
        write = self.views[template_id].write is not None
        return Price(template_id, tuple(indexes), estimate.plan, 0.0 if write else seconds,
                     seconds if write else 0.0, estimate.count, estimate.estimate, measured,
                     timed_out)

    def each_state(self, template_id: str, config: Iterable[IndexSpec]) -> tuple[Price, ...]:
        """The template's price in each statistics state measured: here, the one."""
        return (self.priced(template_id, config),)

    def is_measured(self, template_id: str, config: Iterable[IndexSpec]) -> bool:
        return self.key(template_id, config) in self._keys

    def built_sizes(self) -> Mapping[IndexSpec, int]:
        """The bytes of each index built on a copy so far, measured there."""
        return frozen_mapping(self.bench.sizes)

    def named_in_plan(self, template_id: str, config: Iterable[IndexSpec]
                      ) -> frozenset[IndexSpec] | None:
        """The indexes of ``config`` SQLite's plan of the template on a copy names, where
        that plan is known (a template SQLite plans otherwise than the what-if planner:
        its uses are the copy's)."""
        work = self._keys.get(self.key(template_id, config))
        if work is None:
            return None
        names = set(indexes_named(work.plan.split("; ")))
        return frozenset(s for s in self.restrict(config, template_id) if s.name in names)

    def key(self, template_id: str, config: Iterable[IndexSpec]) -> MeasureKey:
        """The key of a template under a workload's configuration."""
        return self._lookup(template_id, tuple(sorted(self.restrict(config, template_id))))[1]

    def _estimated(self, template_id: str, config: Iterable[IndexSpec]) -> Price:
        return self._lookup(template_id, tuple(sorted(self.restrict(config, template_id))))[0]

    def _lookup(self, template_id: str,
                indexes: tuple[IndexSpec, ...]) -> tuple[Price, MeasureKey]:
        """The estimate and the key of a template with ``indexes``, worked out once: the
        search asks for the same ones again and again."""
        found = self._priced.get((template_id, indexes))
        if found is None:
            estimate = self.estimated.price(template_id, indexes)
            found = self._priced[(template_id, indexes)] = (estimate, self._key(estimate))
        if template_id in self.untrusted:
            return found[0], replace(found[1], config=frozenset(indexes))
        return found

    def _key(self, estimate: Price) -> MeasureKey:
        return MeasureKey(estimate.template_id, estimate.plan.text(),
                          self._maintained(estimate.template_id, estimate.indexes))

    def _maintained(self, template_id: str, config: Iterable[IndexSpec]) -> frozenset[IndexSpec]:
        """The indexes of ``config`` a write keeps up (none for a read)."""
        view = self.views[template_id]
        specs = tuple(s for s in config if s.table.lower() in view.tables)
        if view.write is None or not specs:
            return frozenset()
        kept_up = {name for name, _ in maintenance(view.write, specs,
                                                   self.estimated.statistics).per_index}
        return frozenset(s for s in specs if s.describe() in kept_up)

    def _prior(self, template_id: str, estimate: float) -> float:
        """The estimate in seconds, by the ratio of the template's measured key whose
        estimate is nearest; else by the median ratio of every measured key."""
        anchors = self._anchors.get(template_id)
        if anchors:
            level = math.log(max(estimate, 1e-9))
            near, seconds = min(anchors, key=lambda a: abs(math.log(max(a[0], 1e-9)) - level))
            return estimate * seconds / max(near, 1e-9)
        ratios = [s / e for pairs in self._anchors.values() for e, s in pairs if e > 0]
        return estimate * (statistics.median(ratios) if ratios else FALLBACK_SECONDS_PER_STEP)

    # --- measuring --------------------------------------------------------------------

    def measure(self, configs: Iterable[frozenset[IndexSpec]],
                templates: Iterable[str] | None = None, verify: bool = False) -> int:
        """Replay each template (of ``templates``, default all) whose key under a
        configuration is not known yet, configurations taking turns on the copies; a
        template SQLite plans there as work already measured is not timed again.
        ``verify``: every template the configuration can change is planned on a copy
        where it is built, known key or not, and timed where SQLite's work there is new
        (a template it plans otherwise than the what-if planner is untrusted from then
        on). Returns the keys priced anew."""
        wanted = self._wanted(templates)
        jobs: list[tuple[frozenset[IndexSpec], list[str]]] = []
        pending: set[MeasureKey] = set()
        for config in configs:
            todo = []
            for tid in wanted:
                key = self.key(tid, config)
                if verify and self.restrict(config, tid):
                    todo.append(tid)
                    continue
                if (key not in self._keys and tid not in self.untrusted
                        and self._known_by_plan(key)):
                    continue
                if key not in self._keys and key not in self._failed and key not in pending:
                    pending.add(key)
                    todo.append(tid)
            if todo:
                jobs.append((config, todo))
        for start in range(0, len(jobs), self.copy_count):
            self._session(jobs[start:start + self.copy_count], fresh=False)
        return len(pending)

    def _known_by_plan(self, key: MeasureKey) -> bool:
        """Price ``key`` by work already measured under the plan the what-if planner
        gives it (in the other statistics state, or under another configuration whose
        real plan was this one): nothing to build or time."""
        work = Work(key.template_id, _plan_text(key.plan), key.maintained)
        if work not in self._work:
            return False
        self._keys[key] = work
        return True

    def compare(self, base: frozenset[IndexSpec], others: Sequence[frozenset[IndexSpec]],
                templates: Iterable[str] | None = None,
                settled: float | None = None, closer: bool = False,
                on_copies: bool = False) -> list[Comparison]:
        """Each of ``others`` timed together with ``base`` on two copies, on the templates
        (of ``templates``, default all) whose work SQLite says differs there: a read
        whose plan differs, a write whose plan or kept-up indexes do. A read planned
        alike on both does the same work: its difference is nought, not timed noise.
        The runs are also added to what is known. A comparison of the very same
        configurations, on the tables the templates touch, is timed once.

        ``settled``: a template whose work on both sides is known, and whose known runs
        already differ by more than ``settled`` noise bands, is not timed again (a scan
        against a seek need not be run twice more to be told apart); its difference is
        the known runs'.

        ``closer``: timed again, CLOSER times the runs and the time a fast statement is
        timed for, whatever was compared or known before; the result replaces an earlier
        comparison of the same configurations. For a difference within noise, where
        more runs narrow the band and steady the medians.

        ``on_copies``: every template is planned on the copies, its known runs standing
        only for the work SQLite's plan there does. Known keys stand for the what-if
        planner's plan: on TPC-H after ANALYZE it planned Q9 through one of two lineitem
        indexes led by l_suppkey (their sampled statistics alike), SQLite through the
        other, which needs every row's l_partkey from the table: 54 ms a run against 15,
        priced at 15 from the key and never timed."""
        wanted = self._wanted(templates)
        out = []
        for other in others:
            touched = [t for t in wanted
                       if self.restrict(base, t) != self.restrict(other, t)]
            # The same configurations on the templates touched: the same comparison.
            same = tuple((t, self.restrict(base, t), self.restrict(other, t)) for t in touched)
            earlier = self._compared.get(same)
            if earlier is not None and not closer and not on_copies:
                out.append(replace(earlier, base=base, other=other))
                continue
            settling = None if closer else settled
            known = {} if on_copies else {
                t: runs for t in touched if (runs := self._known_pair(t, base, other, settling))}
            timing = [t for t in touched if t not in known]
            base_runs, other_runs = (
                self._session([(base, timing), (other, timing)], fresh=True,
                              closer=CLOSER if closer else 1, settled=settling)
                if timing else ({}, {}))
            for t, (mine, theirs) in known.items():
                base_runs[t], other_runs[t] = mine, theirs
            differing = [t for t in touched if t in base_runs and t in other_runs]
            timed = [t for t in differing
                     if base_runs[t].seconds and other_runs[t].seconds]
            self._compared[same] = Comparison(
                base, other,
                frozen_mapping({t: difference(base_runs[t].seconds, other_runs[t].seconds,
                                              self.views[t].count) for t in timed}),
                frozen_mapping({t: (base_runs[t].plan, other_runs[t].plan) for t in differing}),
                frozen_mapping({t: (base_runs[t].steps, other_runs[t].steps)
                                for t in differing}))
            out.append(self._compared[same])
        return out

    def _known_pair(self, template_id: str, base: frozenset[IndexSpec],
                    other: frozenset[IndexSpec], settled: float | None) -> list[Runs] | None:
        """The known runs of a template's work on both sides, where both keys are known
        and the runs differ by more than ``settled`` noise bands (``_settled_runs``)."""
        mine = self._keys.get(self.key(template_id, base))
        theirs = self._keys.get(self.key(template_id, other))
        if mine is None or theirs is None:
            return None
        return self._settled_runs(template_id, [mine, theirs], settled)

    def _wanted(self, templates: Iterable[str] | None) -> tuple[str, ...]:
        if templates is None:
            return self.replayable
        return tuple(t for t in templates if t in self._samples)

    def _session(self, jobs: Sequence[tuple[frozenset[IndexSpec], Sequence[str]]],
                 fresh: bool, closer: int = 1,
                 settled: float | None = None) -> list[dict[str, Runs]]:
        """Each (configuration, templates) on a copy of its own, the copies taking turns
        template by template. ``fresh`` (a comparison of two): a template is timed on
        both unless SQLite plans a read alike on both, or (``settled``) SQLite's plans
        there do work already timed whose known runs differ by more than ``settled``
        noise bands (given as runs: a configuration first planned here, its key not
        known, may still do known work); else a template is timed only where its work
        is not known yet."""
        self._sessions += 1
        copies = self._arrange(jobs)
        wanted = [set(templates) for _, templates in jobs]
        results: list[dict[str, Runs]] = [{} for _ in jobs]
        for tid in dict.fromkeys(t for _, templates in jobs for t in templates):
            statements = self._samples[tid][2]
            mine = [i for i, names in enumerate(wanted) if tid in names]
            keys = {i: self.key(tid, jobs[i][0]) for i in mine}
            work = {i: Work(tid, _plan_text(copies[i].sandbox.plans(statements)),
                            keys[i].maintained) for i in mine}
            timed: list[int] = []
            if fresh and len(set(work.values())) < len(mine):
                pass  # the same work on both: nothing to compare
            elif fresh and (far := self._settled_runs(tid, [work[i] for i in mine], settled)):
                for i, known in zip(mine, far, strict=True):
                    results[i][tid] = known
            elif fresh:  # work known to run into the time limit is not run into it again
                timed = [i for i in mine if not self._timed_out(work[i])]
                for i in mine:
                    if i not in timed:
                        results[i][tid] = self._known_runs(tid, work[i])
            else:  # each piece of work not yet known, once
                timed = list({work[i]: i for i in reversed(mine)
                              if work[i] not in self._work}.values())
            for i, runs in zip(timed, self._time(tid, [copies[i] for i in timed],
                                                 [work[i].plan for i in timed], closer),
                               strict=True):
                results[i][tid] = runs
                self._record(keys[i], work[i], runs, self._estimated(tid, jobs[i][0]).total)
            for i in mine:  # priced by the same work, timed here or before
                self._seen[(tid, frozenset(self.restrict(jobs[i][0], tid)))] = work[i]
                if work[i].plan != _plan_text(keys[i].plan) and tid not in self.untrusted:
                    self._untrust(tid)
                if tid in self.untrusted:
                    keys[i] = self.key(tid, jobs[i][0])
                if work[i] in self._work and keys[i] not in self._keys:
                    self._keys[keys[i]] = work[i]
                    self._mismatches += work[i].plan != _plan_text(keys[i].plan)
        return results

    def _settled_runs(self, template_id: str, works: Sequence[Work],
                      settled: float | None) -> list[Runs] | None:
        """The known runs of two pieces of work, where both are known and differ by more
        than ``settled`` noise bands; else None (they are to be timed)."""
        if len(works) != 2 or any(work not in self._work for work in works):
            return None
        runs = [self._known_runs(template_id, work) for work in works]
        apart = difference(runs[0].seconds, runs[1].seconds, self.views[template_id].count)
        return runs if _settles(apart, settled) else None

    def _known_runs(self, template_id: str, work: Work) -> Runs:
        known = self._work[work]
        return Runs(template_id, tuple(known.seconds), work.plan, known.steps,
                    "timeout" if known.timed_out else "ok")

    def _timed_out(self, work: Work) -> bool:
        known = self._work.get(work)
        return known is not None and known.timed_out

    def _untrust(self, template_id: str) -> None:
        """Key ``template_id`` per configuration from now on; each configuration already
        planned on a copy keeps the work it was seen doing there (on TPC-H, Q17 and Q9,
        untrusted midway, were otherwise timed again with and without the set, 2-3 s a
        comparison, where the known runs told a scan from a seek)."""
        self.untrusted.add(template_id)
        self._totals.clear()
        self.version += 1
        for (tid, config), work in self._seen.items():
            if tid == template_id and work in self._work:
                self._keys.setdefault(self.key(tid, config), work)

    def _arrange(self, jobs: Sequence[tuple[frozenset[IndexSpec], Sequence[str]]]
                 ) -> list[WorkingCopy]:
        """A copy for each job, configured for it with the fewest builds.

        Only the indexes on tables its templates touch matter to a job: on other tables
        a copy keeps what it has. So a walk S - a, S - b over indexes of tables no
        template shares drops a, then b, and builds nothing."""
        free = list(self.bench.copies(max(len(jobs), 1)))
        chosen = []
        for config, templates in jobs:
            tables = {t for tid in templates for t in self.views[tid].tables}
            fitted = [_fit(config, copy.indexes, tables) for copy in free]
            costs = [copy.cost_to_apply(wanted) for copy, wanted in zip(free, fitted,
                                                                         strict=True)]
            best = costs.index(min(costs))
            copy = free.pop(best)
            copy.apply(fitted[best])
            chosen.append(copy)
        return chosen

    def _time(self, template_id: str, copies: Sequence[WorkingCopy], plans: Sequence[str],
              closer: int = 1) -> list[Runs]:
        """The template's statements timed on every copy in turn, after a first run of
        its first statement, untimed, that counts its VM steps and warms the caches
        (and, for a fast template, a run of each other statement too), each copy's
        ``plans`` (SQLite's, read by ``_session`` to key the work) kept with its runs.
        A template whose every known run took SLOW_SECONDS or more
        has no untimed run, and an untimed run is stopped at SLOW_SECONDS: one cold
        run moves no median of three of a statement that reads that much (its steps
        then go uncounted: they are a diagnostic, StepCheck). On TPC-H the untimed
        runs of slow plans were 7 s of a 55 s ``recommend --db``. The runs take the
        template's time limit (``_limit``: the statement limit, less once fast work
        of it is known). A copy whose first run runs into it is run no more (the
        next runs would too, ``time_together``): it is priced at the limit
        (``_limited``), and that work is not run again (``_session``); on a ledger
        workload an anti-join without its index ran into the 5 s limit seven times,
        10 s each, 70 s of a 118 s ``recommend --db``."""
        if not copies:
            return []
        limit = self._limit(template_id)
        with ExitStack() as stack:
            for copy in copies:
                stack.enter_context(copy.sandbox.time_limit(limit))
            return self._time_within(template_id, copies, plans, closer, limit)

    def _limit(self, template_id: str) -> float:
        """The time limit a template's runs take: the statement limit, or LIMIT_FACTOR times
        its fastest work known to run to the end, if that is less (at least LIMIT_FLOOR).
        On a ledger workload, plans of an anti-join without its index ran into the 5 s
        limit where the template's best known plan took 16 ms: 5 s a plan, where a
        bound of 0.8 s told the two apart as well."""
        fastest = min((k.median for w, k in self._work.items()
                       if w.template_id == template_id and not k.timed_out), default=None)
        limit = self.bench.statement_seconds
        if fastest is None:
            return limit
        return min(limit, max(LIMIT_FLOOR, LIMIT_FACTOR * fastest))

    def _time_within(self, template_id: str, copies: Sequence[WorkingCopy],
                     plans: Sequence[str], closer: int, limit: float) -> list[Runs]:
        """``_time`` with the copies' time limit at ``limit``."""
        sample = self._samples[template_id]
        first, write = sample[2][0], sample[1] == "write"
        known = self._anchors.get(template_id, [])
        slow = bool(known) and min(median for _, median in known) >= SLOW_SECONDS
        steps: list[int | None] = []
        limited: set[int] = set()  # copies whose untimed run ran into the time limit
        for k, copy in enumerate(copies):
            if slow:
                steps.append(None)
                continue
            started = time.perf_counter()
            with copy.sandbox.time_limit(min(limit, SLOW_SECONDS)):
                counted, status = copy.sandbox.count_steps(first, write)
            steps.append(counted)
            self._runs += 1
            if status == "timeout" and limit <= SLOW_SECONDS:
                limited.add(k)
                self._tally.counts["timeout"] = self._tally.counts.get("timeout", 0) + 1
            elif status != "timeout" and time.perf_counter() - started < WARM_SECONDS:
                for sql in sample[2][1:]:
                    self._runs += 1
                    copy.sandbox.run_rolled_back(sql) if write else copy.sandbox.run(sql)
        timing_on = [k for k in range(len(copies)) if k not in limited]
        tallies = [Tally() for _ in timing_on]
        timings = dict(zip(timing_on, time_together(
            [copies[k].sandbox for k in timing_on], [sample], self.repetitions, tallies,
            closer=closer) if timing_on else [], strict=True))
        for tally in tallies:
            self._runs += sum(tally.counts.values())
            for status, count in tally.counts.items():
                self._tally.counts[status] = self._tally.counts.get(status, 0) + count
        out = []
        for k, plan in enumerate(plans):
            self._replays += 1
            if k in limited:  # timed, it would run into the limit again: not run again
                out.append(self._limited(template_id, plan, limit))
                continue
            [timing] = timings[k]
            out.append(self._limited(template_id, plan, limit) if timing.status == "timeout"
                       else Runs(template_id, timing.seconds, plan,
                                 steps[k] if timing.seconds else None, timing.status))
        return out

    def _limited(self, template_id: str, plan: str, limit: float) -> Runs:
        """A template that ran into its time limit: the limit as each of its runs, a
        lower bound (enough runs that a fast side is told apart from it: an index that
        saves a statement from the limit is credited with at least that)."""
        runs = max(self.repetitions, MIN_RUNS)
        return Runs(template_id, (limit,) * runs, plan, None, "timeout")

    def _record(self, key: MeasureKey, work: Work, runs: Runs, estimate: float) -> None:
        """Add a timing to what is known of ``work``; a key no run could time is
        priced by its estimate from then on, one that ran out of time at the limit
        (a lower bound)."""
        seconds = runs.seconds
        if not seconds:
            if key not in self._keys:
                self._failed[key] = runs.status
            return
        known = self._work.get(work)
        if known is not None:
            known.seconds.extend(seconds)
            known.timed_out |= runs.status == "timeout"
        else:
            self._work[work] = _Known(list(seconds), runs.steps, estimate,
                                      runs.status == "timeout")
        self._anchors[key.template_id] = [
            (k.estimate, k.median) for w, k in self._work.items()
            if w.template_id == key.template_id]
        self._totals.clear()  # workload totals memoised before this are stale
        self.version += 1

    def counters(self) -> MeasuringCounters:
        bench = self.bench.counters
        return MeasuringCounters(
            self._replays, self._runs, len(self._work), len(self._keys), self._sessions,
            self._calls, self._hits, self._mismatches, bench.copies, bench.copy_seconds,
            bench.builds, bench.build_seconds, bench.drops,
            tuple(t for t in self.templates if t not in self._samples),
            frozen_mapping(dict(self._tally.counts)), len(self._priced), self._step_check(),
            tuple(sorted({key.template_id for key in self._failed})))

    def _step_check(self) -> StepCheck:
        """Whether VM steps tell what time tells: over every template compared with
        step counts on both sides, the rank agreement of their ratios, and how often
        they point the same way where time differs beyond noise."""
        pairs = []
        for comparison in self._compared.values():
            for template, d in comparison.templates.items():
                before, after = comparison.steps.get(template, (None, None))
                if before and after and d.base > 0 and d.other > 0:
                    pairs.append((math.log(d.other / d.base), math.log(after / before), d))
        loud = [(t, s) for t, s, d in pairs if abs(d.delta) > d.band]
        quiet = [s for _, s, d in pairs if abs(d.delta) <= d.band]
        return StepCheck(len(pairs), spearman([t for t, _, _ in pairs], [s for _, s, _ in pairs]),
                         len(loud), sum((t > 0) == (s > 0) for t, s in loud),
                         sum(abs(s) > math.log(STEP_GAP) for s in quiet))


def _settles(apart: Difference, settled: float | None) -> bool:
    """Whether known runs ``apart`` tell two sides apart without timing them again: by
    more than ``settled`` noise bands (None: never)."""
    return settled is not None and abs(apart.delta) > settled * apart.band


def _fit(config: frozenset[IndexSpec], current: frozenset[IndexSpec],
         tables: set[str]) -> frozenset[IndexSpec]:
    """``config`` on ``tables``, ``current`` on every other table."""
    return frozenset({s for s in config if s.table.lower() in tables}
                     | {s for s in current if s.table.lower() not in tables})


def _plan_text(plan: str) -> str:
    """A plan as the sandbox and the what-if planner both can write it: steps joined."""
    return "; ".join(line.strip() for line in plan.replace("; ", "\n").splitlines())

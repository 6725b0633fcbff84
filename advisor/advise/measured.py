"""Measured decisions: the search on the estimate, then on measurements, until they agree.

Where a database exists (or can be synthesised) the recommendation is decided
by replaying, and the cost model is the prior that says what to replay:

1. Search on the estimate (advisor.search.search over an EstimatedPricer, which
   advisor.advise.recommend gives the rows the replayed statements' values match):
   the set the estimate alone would recommend.
2. Round after round, measure what the search wants (advisor.replay.pricing): every
   template today and under the chosen set and the best set it found, and the
   set with each of its indexes dropped (only work not measured yet is timed);
   the ``ALTERNATIVES`` moves that save most reads at current prices (a
   candidate added, or swapped for a chosen index on its table; reads, since
   a move's upkeep is the estimate's guess until it is measured), on their
   tables' templates; and,
   for the templates measured far costlier under the set than the estimate
   promised, the moves the estimate prices them lowest under: where the
   estimate was wrong about what the set does, it may be wrong about what it
   dismissed (an index it thought useless is measured only so); and, for the
   costliest reads under the set, the set with their *bundle* added: the
   candidates their plan uses when all of theirs exist, one or more (a join chain pays off
   only whole, and the search on the estimate, adding one or two at a time,
   never prices it; advisor.search.problem); and, for the templates measured
   slower under the set than today, the candidates that would change their
   plan there, one per distinct plan (an index can repair another's damage:
   on TPC-H, lineitem(l_returnflag, l_linestatus) keeps Q1 off the
   skip-scans and 97% ranges the set's l_shipdate indexes lead SQLite to).
   A move that trades indexes of two tables is measured again on the cheapest
   configuration the round measured (``_composed``): the search composes moves
   on one table from their measured prices, but cannot reach these. And the
   moves that would be cheaper than the set but for the read they slow most are
   measured with repairs of that read (``_mended``).
   Then search again, from the set just measured (moves away from it, not a set grown
   from none), measured prices replacing the estimates where known. Stop when the
   search chooses the set it chose before, after ``MAX_ROUNDS``, or when another round
   and the verification after the rounds (with the set timed against today after it)
   would not fit the time budget (``verifying_seconds``). A round whose set measures no
   better than the last's is no reason to stop: the next search starts from what the
   round measured (on TPC-H, round 2 came within the tolerance of round 1, and stopping
   there kept 9 indexes at 1.1-1.2x the `.expert` union's time after ANALYZE, where
   runs that went on kept 12-15). When the rounds' sets differ, all of them together is
   measured too, and so is the configuration the last round measured cheapest beyond
   the band (``last_cheapest``: no search from it is measured); sets over the budget
   are neither. Among these sets, the smallest whose measured cost is within the
   tolerance of the best one's is kept.
3. Every chosen index earns its place (advisor.advise.earning): the set is
   timed with and without each of its indexes, and one that does not save more
   than noise is rejected. When a budget left candidates out, the search runs
   again without the rejected (the budget they held may go to an index that
   earns it), measured as in step 2, and its set is verified the same way.
   Then, while the time budget fits it, what the verified set leaves out
   (``completed``): the COMPLETING candidates saving most beside it at current
   prices are measured there, and the one saving most beyond the band
   verification drops indexes within (``group_band``) is timed together with the
   set, taken when the set without it is slower beyond noise and the band, and
   the set verified again.
4. Today against the set, timed together (settled templates as in step 3). For
   the reads slower with the set than today beyond noise, the set with one more
   candidate that changes their plans is measured (``repaired``); the one
   measured cheapest, under which the read is no longer slower, is timed
   together with the set and taken if it saves more than noise, or if it costs
   no more than the tolerance's band about the whole set (the repair allowance:
   a set within the band counts as good as the best, and one that slows no read
   is the better), the set verified again as in step 3 and timed against today
   again (``REPAIR_ROUNDS`` times at most; a repair verification let go is not
   taken again). Every template
   still measured slower with the set than today beyond noise is reported with
   the measured net saving of the set's indexes on its tables beside it (each
   has earned its place, so the net gain is positive and measured).

The tolerance of the search then applies to measured cost: the saving it is
relative to is each component's measured one (advisor.search.search), so
neither a template the estimate over-prices by orders nor one that really
dominates makes every other index look negligible beside it. Where the
target has no statistics the pricer is advisor.replay.states' ``BothStates``:
every price and comparison is the worse of as found and after ANALYZE.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from advisor.advise.earning import (
    GUARDED,
    SETTLED,
    Earned,
    Standing,
    earn_places,
    entangled,
    group_band,
    repair_allowance,
)
from advisor.advise.in_order import InOrderCheck
from advisor.costing.pricing import Price, Pricer, templates_on
from advisor.model.feedback import QUIET, Feedback
from advisor.model.frozen import freeze_mappings
from advisor.model.indexes import IndexSpec
from advisor.model.reasons import Decision, Reason
from advisor.model.time_budget import NO_LIMIT, TimeBudget
from advisor.replay.measure import ANALYZED, AS_FOUND
from advisor.replay.noise import Difference
from advisor.replay.pricing import Comparison, MeasuringCounters
from advisor.replay.states import Measuring
from advisor.search.search import Budget, Problem, Selection, band, select, write_band

MAX_ROUNDS = 3
IN_PLAY = 24  # candidates in play the estimate's helpful ones fill up to (see _Decision)
HELPFUL = frozenset({Reason.WITHIN_TOLERANCE, Reason.OVER_BUDGET, Reason.BELOW_MIN_SAVING})
ALTERNATIVES = 4  # moves beside the chosen set measured each round, by current prices
SURPRISE = 2.0  # measured this many times what the estimate promised: look around it
SURPRISE_SHARE = 0.01  # of the workload's measured time under the set, at least
SURPRISES = 3  # templates looked around each round, the costliest first
PER_SURPRISE = 2  # moves measured for each
BUNDLED = 3  # costliest templates whose bundle the set lacks, measured beside it each round
DISPLACING = 3  # moves measured for each, a candidate in place of indexes it displaces
SLOWER = 1.1  # measured this many times today's cost under the set: look for a repair
REPAIRS = 6  # moves measured for each such template (of SURPRISES at most), by estimate
REPAIR_ROUNDS = 2  # times the final set is repaired (each: one index, verified, timed)
COMPLETING = 4  # candidates measured beside the verified set, the most net saving first
MENDED = 2  # moves that slow one read and would save without it: each measured repaired
PER_MEND = 2  # repairs measured for each, by estimate
# The verification after the rounds, as a share of the first round's time, until one is
# timed: measured 0.22 (Torc), 0.46-0.76 (TPC-H) and 0.72 (ledger). Without it a round
# fitted alone and the verification that had to follow ended the command at 79 s of 60.
VERIFY_SHARE = 0.75
# What follows the verification whatever happens, the set timed against today and the
# report, as a share of the time budget: measured 1.5-3 s (TPC-H, Torc). Without it a
# second round fitted with 2 s to spare, and a TPC-H run under load ended at 61.6 s of 60.
TAIL_SHARE = 0.05
# What a round of the history measured (Round.kind): the set a search chose; the sets of
# the rounds before it together; the cheapest configuration the last round measured.
SEARCHED, TOGETHER, CHEAPEST = "search", "together", "cheapest"


@dataclass(frozen=True)
class MeasureOn:
    """Where and how a recommendation is measured: the database (only read; copies are
    replayed on), described for the report, and how statements are timed."""

    database: Path
    described: str
    repetitions: int = 3
    statement_seconds: float = 5.0
    # The log itself, for the check in log order (advisor.advise.in_order): its files
    # (none, or standard input: no check), how they are written, the check's budget.
    logs: tuple[str, ...] = ()
    log_format: str | None = None
    in_order_seconds: float = 0.0
    # Wall seconds the command aims to finish in (the refining steps yield to it).
    time_budget: TimeBudget = NO_LIMIT


@dataclass(frozen=True)
class Round:
    """One round of the measured search: the set it chose and what measuring it found."""

    number: int
    chosen: tuple[IndexSpec, ...]
    seconds: float  # the workload under the set: measured where known
    measured_share: float  # of the templates the set changes, those priced by measurement
    measured: int  # keys priced anew this round
    kind: str = SEARCHED  # or TOGETHER, CHEAPEST: measured as one more set to keep


@dataclass(frozen=True)
class Slowdown:
    """A template measured slower with the set than today, beyond noise."""

    template_id: str
    today: float  # weighted seconds
    with_set: float
    band: float
    indexes: tuple[IndexSpec, ...]  # the set's indexes on its tables
    net_saving: float  # their measured savings beside the set, summed (weighted seconds)
    state: str | None = None  # slower in this statistics state only (None: its worse one)


@dataclass(frozen=True)
class MeasuredDecision:
    """How the recommendation was measured, and what measuring decided."""

    database: str
    analyzed: bool  # measured as after ANALYZE only (else as found, or in both states)
    rounds: tuple[Round, ...]
    estimate_set: tuple[IndexSpec, ...]  # what the estimate alone chose
    estimate_seconds: float  # the workload under it, measured
    against_today: Difference  # the set against today, timed together (delta < 0: faster)
    earned: tuple[Earned, ...]  # every index of the set and every one rejected by measuring
    slower: tuple[Slowdown, ...]
    rejected: Mapping[IndexSpec, Decision]  # rejected by measuring
    counters: MeasuringCounters
    seconds: float  # wall time the measured decision took, searches included
    search_seconds: float  # of which the searches on measured prices
    states: tuple[str, ...] = (AS_FOUND,)  # measured in (both: each template's worse)
    in_order: InOrderCheck | None = None  # the log replayed in order (advisor.advise.in_order)
    time_budget: float = 0.0  # wall seconds the command aimed to finish in (0: no limit)
    skipped: tuple[str, ...] = ()  # refining steps the time budget left out, and why

    def __post_init__(self) -> None:
        freeze_mappings(self, "rejected")


def decide(pricer: Measuring, problem_of: Callable[[Measuring], Problem],
           first: Selection, budget: Budget, tolerance: float, algorithm: str,
           database: str, feedback: Feedback = QUIET, today: frozenset[IndexSpec] = frozenset(),
           time_budget: TimeBudget = NO_LIMIT) -> tuple[Selection, MeasuredDecision]:
    """The measured selection, starting from ``first`` (the search on the estimate);
    ``problem_of(pricer)`` is the search problem priced by ``pricer``. ``today``: the
    database's own indexes that compete as candidates (--allow-drops): the set is timed
    against the database as it is, those in place, not against none of them.
    ``time_budget``: the steps that refine the set (another round, a repair) run only
    where what is left of it fits them, by what the steps like them took so far."""
    started = time.perf_counter()
    deciding = _Decision(pricer, problem_of, first, budget, tolerance, algorithm,
                         feedback.step or (lambda _text: None), time_budget, today)
    deciding.say("measuring every template today")
    pricer.measure(list(dict.fromkeys([frozenset(), today])))
    final, earned, rejected = deciding.verified(deciding.rounds(first))
    final, earned, rejected = deciding.completing(final, earned, rejected)
    deciding.say("timing the set against today")
    timing = time_budget.clock()
    trusted = set(pricer.replayable) - pricer.untrusted
    against = pricer.compare(final.chosen, [today], settled=SETTLED, on_copies=True)[0]
    timed_against = time_budget.clock() - timing
    if trusted & pricer.untrusted:
        # SQLite planned a template on the set's copies otherwise than the what-if planner
        # did: the drop-ones priced it by a plan it does not run.
        deciding.say("timing each index again: SQLite plans some templates otherwise "
                     "than the what-if planner")
        final, earned, again = deciding.verified(final)
        rejected = {**rejected, **again}
        against = pricer.compare(final.chosen, [today], settled=SETTLED, on_copies=True)[0]
    for _ in range(REPAIR_ROUNDS):
        slowed = deciding.slowed(final.chosen, against)
        if not slowed or not deciding.fits(
                f"a repair of {len(slowed)} template(s) slower with the set than today",
                deciding.repair_seconds(final.chosen, slowed, timed_against),
                "as long as verifying the set's indexes on their tables, and twice "
                "timing the set against today"):
            break
        repaired = deciding.repaired(final, against, slowed)
        if repaired is None:
            break
        final, earned, rejected = deciding.verified_again(final, repaired, earned)
        deciding.say("timing the repaired set against today")
        against = pricer.compare(final.chosen, [today], settled=SETTLED, on_copies=True)[0]
    decision = MeasuredDecision(
        database, pricer.states == (ANALYZED,), tuple(deciding.history),
        tuple(sorted(first.chosen)),
        pricer.totals(first.chosen).total, _against(against), earned,
        _slowdowns(pricer, against, final.chosen, earned), rejected, pricer.counters(),
        time.perf_counter() - started, deciding.search_seconds, pricer.states,
        time_budget=max(time_budget.seconds, 0.0),
        skipped=tuple(deciding.skipped))
    return final, decision


class _Decision:
    """The measured search as it goes (private, mutable while deciding).

    The searches after the first weigh only the candidates in play: the
    estimate's set and best set and every candidate measuring has tried; then
    those it found helpful but left out (within the tolerance, over the budget,
    below the least saving), the most helpful first, while there are fewer
    than ``IN_PLAY`` (on TPC-H the tried alone reach 40-46 by the third round).
    The rest stay out: where the estimate's search found no gain in a
    candidate, a measurement keyed by the same plan would find none either,
    and a candidate it found worse than its best set on a template it got
    wrong is tried through ``_surprises``. A search over every candidate took
    as long as the estimate's own each round (40 s on TPC-H's 64)."""

    def __init__(self, pricer: Measuring, problem_of: Callable[[Measuring], Problem],
                 first: Selection, budget: Budget, tolerance: float, algorithm: str,
                 say: Callable[[str], None], time_budget: TimeBudget = NO_LIMIT,
                 today: frozenset[IndexSpec] = frozenset()) -> None:
        self.pricer = pricer
        self.today = today
        self.problem_of = problem_of
        self.first = first
        self.budget = budget
        self.tolerance = tolerance
        self.algorithm = algorithm
        self.say = say
        self.history: list[Round] = []
        self.selections: list[Selection] = []
        self.tried: set[IndexSpec] = set(first.chosen | first.optimum)
        self.banned: dict[IndexSpec, Decision] = {}
        self.repairs_tried: set[IndexSpec] = set()  # taken to repair a read, once each
        self.search_seconds = 0.0
        self.time_budget = time_budget
        self.skipped: list[str] = []  # refining steps the time budget left out, and why
        self.round_seconds = 0.0  # what the last round took: the next one's expected time
        self.verify_seconds = 0.0  # what the last verification took
        self.first_round_seconds = 0.0  # what the first round took
        self.move_seconds = 0.0  # what a round's move took, on average so far
        full = problem_of(pricer)
        self.everyone, self.bytes_of = full.candidates, full.bytes_of
        self._helpful = self._helpful_left_out()

    def _helpful_left_out(self) -> list[IndexSpec]:
        """What the estimate's search left out although it helps, the most helpful first
        (its estimated saving beside the estimate's set); then those that save reads but
        not the workload (``not-in-optimum``: their upkeep outweighs what they save),
        the most reads saved first. That upkeep is the estimate's guess until measured
        (an insert at the end of an index's key order costs a fifth of one at a random
        key, and the estimate cannot tell them apart), and a write-hot table's index it
        rejects so would never be measured."""
        estimated, chosen = self.pricer.estimated, self.first.chosen
        left = [c for c, reason in self.first.rejected.items() if reason in HELPFUL]
        writes = [c for c, reason in self.first.rejected.items()
                  if reason is Reason.NOT_IN_OPTIMUM]

        def gain(candidate: IndexSpec, of: Callable[[Price], float]) -> float:
            return sum(of(estimated.priced(t, chosen))
                       - of(estimated.priced(t, chosen | {candidate}))
                       for t in templates_on(self.pricer, candidate))

        by_reads = sorted((-gain(c, lambda p: p.read * p.count), c) for c in writes)
        return ([c for _, c in sorted((-gain(c, lambda p: p.weighted), c) for c in left)]
                + [c for saved, c in by_reads if saved < 0])

    def problem(self, pricer: Measuring) -> Problem:
        """The search problem over the candidates in play."""
        full = self.problem_of(pricer)
        playing = set(self.tried) - self.banned.keys()
        room = IN_PLAY - len(playing)
        if room > 0:
            playing |= set([c for c in self._helpful
                            if c not in self.banned and c not in playing][:room])
        return replace(full, candidates=tuple(c for c in full.candidates if c in playing))

    def search(self, start: frozenset[IndexSpec] | None = None) -> Selection:
        """The search on measured prices, from ``start`` (the cheaper configuration a
        round measured, ``_cheapest``) or else the last set measured: moves away from it,
        not a set grown from none again (on TPC-H each round's search from none chose a
        set unlike the last, 9, 11 then 6 indexes, trading one group of templates
        measured slower than today for another, and took 8 s)."""
        searching = time.perf_counter()
        last = start or (self.selections or [self.first])[-1].chosen
        found = select(self.problem(self.pricer), self.budget, self.tolerance, self.algorithm,
                       start=last - self.banned.keys())
        self.search_seconds += time.perf_counter() - searching
        return found

    def rounds(self, selection: Selection) -> Selection:
        """Measure what the search wants and search again, round after round (step 2)."""
        start = len(self.history) + 1
        cheaper: frozenset[IndexSpec] | None = None
        for number in range(start, start + MAX_ROUNDS):
            verifying, basis = self.verifying_seconds()
            if number > start and not self.fits(
                    f"round {number} of the measured search", self.round_seconds + verifying,
                    f"as long as the one before, plus the verification after the rounds: "
                    f"{basis}"):
                break
            began = self.time_budget.clock()  # the budget's clock times what it governs
            self.say(f"measured search, round {number}: {len(selection.chosen)} indexes")
            cheaper = self.measure_round(selection, number)
            following = self.search(cheaper)
            self.round_seconds = self.time_budget.clock() - began
            self.first_round_seconds = self.first_round_seconds or self.round_seconds
            if following.chosen == selection.chosen:  # the measurements agree
                self.selections[-1] = following
                break
            selection = following
        sets = self.joined(start)
        return _kept(sets + self.last_cheapest(cheaper, sets), self.pricer, self.tolerance)

    def joined(self, start: int) -> list[Selection]:
        """The sets of the rounds from ``start`` on, and, when they differ, all of them
        together (within the budget), measured: each round's search trades templates
        against the estimate's word on the rest (on TPC-H the second round's set
        repaired three queries the first's slowed and slowed three it had served), and
        together each keeps the plans it found; step 3 then drops whatever of it does
        not earn its place."""
        measured = self.selections[start - 1:]
        together = frozenset().union(*(s.chosen for s in measured))
        if all(s.chosen != together for s in measured) and self.allowed(together):
            self.say(f"measuring the rounds' sets together: {len(together)} indexes")
            self._measured_as(together, TOGETHER)
            measured = self.selections[start - 1:]
        return measured

    def last_cheapest(self, cheaper: frozenset[IndexSpec] | None, sets: Sequence[Selection]
                      ) -> list[Selection]:
        """The configuration the last round measured cheaper than its set beyond the band
        (``_cheapest``), if within the budget and not among ``sets``, measured as one
        more set to keep: the rounds end (by the time budget or ``MAX_ROUNDS``) before a
        search from it is measured, and the cheapest thing measured would be lost. On
        TPC-H a third round measured its set with lineitem(l_orderkey, l_receiptdate, ...)
        and part(p_size, ...) added at 2.87 s against 3.27 s; the set kept had no such
        lineitem index."""
        if cheaper is None or not self.allowed(cheaper) or any(
                s.chosen == cheaper for s in sets):
            return []
        self.say(f"measuring the cheapest configuration the last round measured: "
                 f"{len(cheaper)} indexes")
        return [self._measured_as(cheaper, CHEAPEST)]

    def _measured_as(self, config: frozenset[IndexSpec], kind: str) -> Selection:
        """``config`` measured as a set of its own (planned by SQLite on the copies, as
        ``measure_round`` measures a round's set), noted in the history as ``kind``."""
        fresh = self._measure_set(config)  # before it is priced
        noted = _without(self.selections[-1], config, {}, self.pricer)
        self._note(noted, len(self.history) + 1, fresh, kind)
        return noted

    def _measure_set(self, config: frozenset[IndexSpec],
                     beside: Sequence[frozenset[IndexSpec]] = ()) -> int:
        """Measure ``config`` as a set, and the configurations ``beside`` it; the keys
        priced anew. The set itself is planned by SQLite on the copies, in both states:
        after ANALYZE the what-if planner's sampled statistics are not the copy's, and a
        template it plans as today may go another, slower way there (TPC-H Q5 and Q12:
        1.4-3.8x)."""
        fresh = self.pricer.measure([config], verify=True)
        return fresh + self.pricer.measure([config, *beside])

    def allowed(self, config: frozenset[IndexSpec]) -> bool:
        """Whether ``config`` is within the budget (the rounds' sets together, or the
        configuration a round measured cheapest, may not be)."""
        return self.budget.allows(len(config), sum(self.bytes_of[c] for c in config))

    def measure_round(self, selection: Selection, number: int
                      ) -> frozenset[IndexSpec] | None:
        """Measure what the search wants of ``selection``, and note the round; the
        configuration the next search starts from, if not the set (``_cheapest``)."""
        pricer, chosen = self.pricer, selection.chosen
        self.tried |= chosen | selection.optimum
        measured = [chosen, selection.optimum, *(chosen - {i} for i in sorted(chosen))]
        began = self.time_budget.clock()
        fresh = self._measure_set(chosen, measured[1:])
        # The verification after the rounds times these drop-ones again: before a first
        # one, it is expected to take as long as measuring them here did.
        after = (self.verifying_seconds() if self.verify_seconds else self._and_tail(
            self.time_budget.clock() - began,
            f"as long as measuring the set's drop-ones in round {number}"))
        moves = _Moves(self, number, after)
        fresh += moves.measure(self.alternatives(chosen), measured)
        fresh += moves.measure(_composed(pricer, chosen, measured), measured)
        fresh += moves.measure(self._mended(chosen, measured), measured)
        self._note(selection, number, fresh)
        return self._cheapest(chosen, measured)

    def _cheapest(self, chosen: frozenset[IndexSpec], measured: Iterable[frozenset[IndexSpec]]
                  ) -> frozenset[IndexSpec] | None:
        """Of the configurations ``measured`` beside ``chosen``, the cheapest, where
        ``chosen`` costs more than the tolerance's band above it. The search moves one
        index at a time, or a pair, on a table; a configuration measured cheaper that is
        two tables away (a displacing move, ``_in_place``) is out of its reach from
        ``chosen``. Within the band the search would pick the smaller set again (on
        Torc, a jump saving 1.1 s of 48 against a 2.4 s band came back each round)."""
        pricer = self.pricer
        move = _least(pricer, measured)
        beyond = _limit(pricer, pricer.totals(move).total, self.tolerance) < pricer.totals(
            chosen).total
        return move if beyond else None

    def _note(self, selection: Selection, number: int, fresh: int,
              kind: str = SEARCHED) -> None:
        """Note a measured round: its set, what it costs, how much of it is measured."""
        pricer, chosen = self.pricer, selection.chosen
        changed = [t for t in pricer.templates if pricer.restrict(chosen, t)]
        share = (sum(pricer.is_measured(t, chosen) for t in changed) / len(changed)
                 if changed else 1.0)
        self.history.append(Round(number, tuple(sorted(chosen)), pricer.totals(chosen).total,
                                  share, fresh, kind))
        self.selections.append(selection)

    def alternatives(self, chosen: frozenset[IndexSpec]
                     ) -> list[tuple[frozenset[IndexSpec], tuple[str, ...]]]:
        """The moves beside ``chosen`` worth measuring, with the templates of the moved
        index's table (the only ones a move changes): among the candidates in play, the
        ``ALTERNATIVES`` the current prices say save most reads; and, for each template the
        estimate was most wrong about (``_surprises``), among every candidate, the
        ``PER_SURPRISE`` moves the estimate prices it lowest under (what the search
        dismissed on the estimate's word); and the ``_bundled`` and ``_repairs``
        moves."""
        pricer = self.pricer
        playing = self.problem(pricer).candidates
        moves = _moves(chosen, playing)
        templates = {move: tuple(templates_on(pricer, spec)) for move, spec in moves.items()}

        # Ranked by reads saved: a move's upkeep, where unmeasured, is the estimate's guess,
        # and a move is measured to learn it (on the TPC-C-like workload the estimate
        # charged stock(s_w_id, s_i_id, s_quantity) more upkeep than it saved, and it was
        # never measured; replayed, it saves 4x its upkeep).
        ranked = sorted(((read_saving(pricer, chosen, m, templates[m]), _order(m), m)
                         for m in moves),
                        key=lambda e: (-e[0], e[1]))
        picked = [(move, templates[move]) for gain, _, move in ranked[:ALTERNATIVES]
                  if gain > 0]
        for template in _surprises(pricer, chosen):
            near = _moves(chosen, self._near(template))
            known = {p for p, _ in picked}
            for move in _lowest(pricer, template, (m for m in near if m not in known),
                                PER_SURPRISE):
                picked.append((move, tuple(templates_on(pricer, near[move]))))
        known = {move for move, _ in picked}
        for move, affected in (*self._bundled(chosen), *self._repairs(chosen)):
            if move not in known:
                known.add(move)
                picked.append((move, affected))
        return picked

    def _repairs(self, chosen: frozenset[IndexSpec]
                 ) -> list[tuple[frozenset[IndexSpec], tuple[str, ...]]]:
        """For the templates measured ``SLOWER`` times today's cost under ``chosen`` (at
        least SURPRISE_SHARE of the workload's time, the costliest SURPRISES), the set
        with one more candidate of their tables: one per distinct use of indexes the
        template's plans make then (in each statistics state), the ``REPAIRS`` the
        estimate prices lowest, with the templates of that candidate's table."""
        out: list[tuple[frozenset[IndexSpec], tuple[str, ...]]] = []
        for template in _costliest(self.pricer, chosen, SURPRISES, slower=SLOWER):
            out += self._repairing(chosen, template)
        return out

    def _mended(self, chosen: frozenset[IndexSpec], measured: Sequence[frozenset[IndexSpec]]
                ) -> list[tuple[frozenset[IndexSpec], tuple[str, ...]]]:
        """The ``MENDED`` moves ``measured`` beside ``chosen`` that would be cheaper than it
        but for the read they slow most (``SLOWER`` times or more), the most they would
        save first, each with the ``PER_MEND`` candidates that change that read's plan
        there which the estimate prices it lowest under (``_repairing``). A move is
        measured whole, so one that pays off only beside a repair of what it slows was
        never measured with it: on TPC-H, lineitem(l_suppkey, l_shipdate) in place of the
        'F' orders index slowed Q1 until lineitem(l_returnflag, l_linestatus) was there,
        and ``_composed`` brings that only where it is the round's cheapest move."""
        pricer, now = self.pricer, self.pricer.totals(chosen).total
        mixed = []
        for move in dict.fromkeys(measured):
            slowed = [(pricer.priced(t, move).weighted - pricer.priced(t, chosen).weighted, t)
                      for t in _changed(pricer, chosen, move)
                      if pricer.views[t].write is None and pricer.is_measured(t, move)
                      and _slower(pricer, t, move, SLOWER, chosen)]
            if slowed:
                loss, template = max(slowed)
                saving = now - (pricer.totals(move).total - loss)
                if saving > 0:
                    mixed.append((-saving, _order(move), move, template))
        return [repair for _, _, move, template in sorted(mixed)[:MENDED]
                for repair in self._repairing(move, template)[:PER_MEND]]

    def _repairing(self, chosen: frozenset[IndexSpec], template: str,
                   rejected_too: bool = False
                   ) -> list[tuple[frozenset[IndexSpec], tuple[str, ...]]]:
        """``chosen`` with one more candidate of ``template``'s tables, one per distinct
        use of indexes it gives the template's plans (in each statistics state), the
        ``REPAIRS`` the estimate prices lowest, with the templates of its table;
        ``rejected_too``: candidates measuring rejected beside another set included."""
        pricer = self.pricer
        seen = {pricer.used_together(template, chosen)}
        added: dict[frozenset[IndexSpec], IndexSpec] = {}
        for candidate, uses in self._beside(chosen, template, rejected_too):
            if uses not in seen:
                seen.add(uses)
                added[chosen | {candidate}] = candidate
        return [(move, tuple(templates_on(pricer, added[move])))
                for move in _lowest(pricer, template, added, REPAIRS)]

    def _beside(self, chosen: frozenset[IndexSpec], template: str, rejected_too: bool = False
                ) -> Iterator[tuple[IndexSpec, tuple[frozenset[IndexSpec], ...]]]:
        """Each candidate of ``template``'s tables not in ``chosen`` (``_near``), with the
        indexes the template's plans use with it added (per statistics state)."""
        for candidate in self._near(template, rejected_too):
            if candidate not in chosen:
                yield candidate, self.pricer.used_together(template, chosen | {candidate})

    def verifying_seconds(self) -> tuple[float, str]:
        """What the verification that must follow the rounds, and what follows it
        (``_and_tail``), are expected to take, and why: as long as the last one, or before
        any, VERIFY_SHARE of the first round (which measures the set's drop-ones that the
        verification times again)."""
        if self.verify_seconds:
            return self._and_tail(self.verify_seconds, "as long as the last one")
        return self._and_tail(VERIFY_SHARE * self.first_round_seconds,
                              f"{VERIFY_SHARE:.0%} of the first round")

    def _and_tail(self, verifying: float, basis: str) -> tuple[float, str]:
        """The verification's expected seconds and why, with TAIL_SHARE of the time
        budget for the set timed against today and the report after it."""
        tail = TAIL_SHARE * max(self.time_budget.seconds, 0.0)
        if not tail:
            return verifying, basis
        return verifying + tail, (f"{basis}, and {tail:.0f} s for timing the set against "
                                  f"today after it")

    def fits(self, step: str, expected: float, basis: str) -> bool:
        """Whether a refining ``step``, expected to take ``expected`` seconds (``basis``
        says why), fits in what is left of the time budget; if not, it is noted as
        skipped."""
        if self.time_budget.fits(expected):
            return True
        self.skipped.append(f"{step}: skipped, {self.time_budget.describe()} and it would "
                            f"take about {expected:.0f} s ({basis})")
        return False

    def repair_seconds(self, chosen: frozenset[IndexSpec], slowed: Sequence[str],
                       timed_against: float) -> float:
        """What a repair of the ``slowed`` reads is expected to take: its candidates are
        measured on the templates of the reads' tables, and only the indexes there are
        verified again (a drop-one the repair cannot change stands), at what the last
        verification took an index; and the set is timed against today again. It had
        been priced as a whole verification, and on Torc a repair of one event listing
        (0.05 s of the workload) never fitted the 60 s budget."""
        tables = {table for template in slowed[:SURPRISES] if template in self.pricer.views
                  for table in self.pricer.tables_of(template)}
        near = sum(1 for spec in chosen if spec.table.lower() in tables)
        per_index = self.verify_seconds / len(chosen) if chosen else 0.0
        return per_index * (near + 1) + 2 * timed_against

    def slowed(self, chosen: frozenset[IndexSpec], today: Comparison) -> list[str]:
        """The reads ``today`` (the set against today) times slower with ``chosen`` beyond
        noise, those losing most first; then those whose known runs are SLOWER times
        today's, for the timing may miss one: what a repair looks at."""
        slowed = _slowed_reads(self.pricer, today)
        return slowed + [t for t in _costliest(self.pricer, chosen, SURPRISES, slower=SLOWER)
                         if t not in slowed]

    def repaired(self, final: Selection, today: Comparison,
                 slowed: Sequence[str] | None = None) -> Selection | None:
        """The set with one more candidate that repairs a read timed slower with it than
        today, beyond noise (step 4), or None. For the SURPRISES ``slowed`` reads
        (default: ``self.slowed``) that lose most, the ``_repairing`` moves are
        measured; of those under which the read is no longer SLOWER times today's cost
        and the set costs less than now, or, for a read GUARDED times slower than today,
        no more than the repair allowance above it (advisor.advise.earning), the one
        measured cheapest overall (repairs of GUARDED reads first) is timed together with
        the set and taken when it saves more than noise or, for a GUARDED read and
        costing within the allowance, spares the read. The
        rounds' repairs look only at the costliest slowed
        reads of the sets they measure: on TPC-H, Q6 (0.4 s of the workload) came out
        1.3x slower after ANALYZE through the set's lineitem(l_shipdate)."""
        pricer, chosen = self.pricer, final.chosen
        if slowed is None:
            slowed = self.slowed(chosen, today)
        if not slowed:
            return None
        self.say(f"looking for repairs of {len(slowed)} slower template(s)")
        allowance = repair_allowance(pricer, chosen, self.today, self.tolerance)
        now = pricer.totals(chosen).total
        found = []
        for template in slowed[:SURPRISES]:
            # Verification keeps a repair that costs only where the read runs GUARDED times
            # today's time without it: elsewhere the repair must save.
            guarded = _slower(pricer, template, chosen, GUARDED, self.today)
            limit = now + allowance if guarded else now
            # Rejected ones too: verification judged them beside the set they were in
            # (on TPC-H, orders(o_custkey, o_orderdate) gained nothing as found, where
            # after ANALYZE it keeps Q3 off a range over half of orders, 2.2x a scan).
            for move, templates in self._repairing(chosen, template, rejected_too=True):
                if move - chosen <= self.repairs_tried:
                    continue  # taken before, and verification let it go
                self.tried |= move
                pricer.measure([move], templates)
                cost = pricer.totals(move).total
                if not _slower(pricer, template, move, SLOWER) and (
                        cost <= limit if guarded else cost < limit):
                    found.append((not guarded, cost, _order(move), move, template))
        if not found:
            return None
        # A repair of a read GUARDED times slower than today first: verification keeps
        # such a repair while it costs within the allowance (advisor.advise.earning),
        # where it lets one that saves within the tolerance go.
        unguarded, *_, move, template = min(found)
        self.repairs_tried |= move - chosen
        return self._taken(final, move,
                           repairing=None if unguarded else (template, allowance))

    def _taken(self, final: Selection, move: frozenset[IndexSpec], beyond: float = 0.0,
               repairing: tuple[str, float] | None = None) -> Selection | None:
        """``final`` with the one more index of ``move``, where the two timed together
        find the set without it slower beyond noise, and by more than ``beyond``, or,
        ``repairing`` (a template, an allowance), that template slower beyond noise
        without it and the set with it costing no more than the allowance; else None.
        The index earns its place beside this set: measuring no longer rejects it."""
        pair = self.pricer.compare(move, [final.chosen], settled=SETTLED)[0]
        saves = pair.total.slower and pair.total.delta > beyond
        repairs = (repairing is not None and (d := pair.templates.get(repairing[0])) is not None
                   and d.slower and -pair.total.delta <= repairing[1])
        if not (saves or repairs):
            return None
        [spec] = move - final.chosen
        self.banned.pop(spec, None)
        return _without(final, move, {}, self.pricer)

    def completing(self, final: Selection, earned: tuple[Earned, ...],
                   rejected: dict[IndexSpec, Decision]
                   ) -> tuple[Selection, tuple[Earned, ...], dict[IndexSpec, Decision]]:
        """The verified set with what ``completed`` adds to it, verified again on what
        the addition can change (a drop-one it cannot change stands), while the time
        budget fits a look (``completion_seconds``); the earned and rejected with it."""
        for _ in range(REPAIR_ROUNDS):
            if not self.fits("a look for a candidate the verified set leaves out",
                             *self.completion_seconds(final.chosen)):
                break
            completed = self.completed(final)
            if completed is None:
                break
            final, earned, rejected = self.verified_again(final, completed, earned)
        return final, earned, rejected

    def verified_again(self, final: Selection, added: Selection, earned: tuple[Earned, ...]
                       ) -> tuple[Selection, tuple[Earned, ...], dict[IndexSpec, Decision]]:
        """``added`` (``final`` with one more index) verified again, the addition may leave
        another index idle; a drop-one it cannot change stands. The earned and rejected
        with it, those rejected before kept."""
        [spec] = added.chosen - final.chosen
        standing = {e.spec: (e, entangled(self.pricer, added.chosen, spec, e.spec))
                    for e in earned if e.kept}
        verified, again, rejected = self.verified(added, standing)
        mine = {e.spec for e in again}
        return verified, (*again, *(e for e in earned if not e.kept and e.spec not in mine)), \
            rejected

    def completion_seconds(self, chosen: frozenset[IndexSpec]) -> tuple[float, str]:
        """What a look for a candidate the verified set leaves out is expected to take,
        and why, with the timing against today after it (``_and_tail``)."""
        per_index = self.verify_seconds / len(chosen) if chosen else 0.0
        each = self.move_seconds or per_index  # no move measured: as an index verified
        return self._and_tail(COMPLETING * each + per_index * (len(chosen) + 1),
                              f"{COMPLETING} moves at {each:.1f} s each, and verifying the "
                              f"set again, as the last verification took")

    def completed(self, final: Selection) -> Selection | None:
        """The verified set with the candidate that saves most beside it, or None. The
        COMPLETING candidates in play (none measuring rejected, nor one copying wide
        columns that has a narrower variant: the search's narrowing would take the
        variant; on a web shop one brought review bodies back, 21 MiB for no measured
        gain) whose net saving beside the set is largest at current prices are measured
        beside it on their
        tables' templates; the one then saving most, beyond the band within which
        verification drops indexes as within the tolerance (``group_band``), is timed
        together with the set and taken when the set without it is slower beyond noise
        and the band. The searches weighed each candidate beside the sets before
        verification dropped some of theirs: on TPC-H lineitem(l_returnflag,
        l_linestatus) saved Q1 0.25 s of a verified 3.96 s set, measured, beyond its
        band of 0.20 s, and was left out."""
        pricer, chosen = self.pricer, final.chosen
        problem = self.problem(pricer)
        ranked = sorted((-_net_saving(pricer, chosen, c), _order(frozenset({c})), c)
                        for c in problem.candidates if c not in chosen
                        and not problem.narrower.get(c) and self.allowed(chosen | {c}))
        picked = [c for saving, _, c in ranked[:COMPLETING] if saving < 0]
        if not picked:
            return None
        self.say(f"measuring {len(picked)} candidate(s) beside the verified set")
        for candidate in picked:
            self.tried.add(candidate)
            pricer.measure([chosen | {candidate}], templates_on(pricer, candidate))
        found = []
        for candidate in picked:
            move = chosen | {candidate}
            limit = group_band(pricer, move, candidate, self.today, self.tolerance)
            saving = _net_saving(pricer, chosen, candidate)
            if saving > limit:
                found.append((-saving, _order(move), move, limit))
        if not found:
            return None
        _, _, move, limit = min(found)
        return self._taken(final, move, beyond=limit)

    def _bundled(self, chosen: frozenset[IndexSpec]
                 ) -> list[tuple[frozenset[IndexSpec], tuple[str, ...]]]:
        """For the ``BUNDLED`` costliest templates under ``chosen`` (measured, at least
        SURPRISE_SHARE of the workload's time) whose plan, with every candidate of their
        tables there besides, uses indexes the set lacks (in either statistics state):
        the set with those, and with them in place of those the template uses now
        (``_in_place``); and the ``_displacing`` moves of the BUNDLED costliest; with
        the templates of the tables changed. One index is enough: on the TPC-C-like
        workload the latest order of a customer (2% of the time) wanted orders(o_c_id,
        o_d_id, o_w_id, o_id DESC), which no other move measured."""
        pricer = self.pricer
        out: dict[frozenset[IndexSpec], tuple[str, ...]] = {}
        served = 0
        for rank, template in enumerate(_costliest(pricer, chosen, len(pricer.replayable))):
            now = pricer.used_together(template, chosen)
            best = pricer.used_together(template, chosen.union(self._near(template)))
            fresh = [(used, was) for used, was in zip(best, now, strict=True)
                     if not used <= chosen]
            moves = [chosen | used for used, _ in fresh]
            moves += [m for used, was in fresh if (m := _in_place(chosen, used, was)) is not None]
            if rank < BUNDLED:
                moves += self._displacing(chosen, template, now)
            for move in moves:
                out.setdefault(move, _changed(pricer, chosen, move))
            served += bool(fresh)
            if served >= BUNDLED and rank + 1 >= BUNDLED:  # past the displacing moves' too
                break
        return list(out.items())

    def _displacing(self, chosen: frozenset[IndexSpec], template: str,
                    now: tuple[frozenset[IndexSpec], ...]) -> list[frozenset[IndexSpec]]:
        """``chosen`` with one candidate of ``template``'s tables in place of the set's
        indexes the template's plans use ``now`` and its plan with the candidate does not
        (in some statistics state, ``_in_place``): the ``DISPLACING`` the estimate prices
        lowest for the template. With every candidate there, the planner may take a plan
        that none of them alone leads to (on TPC-H, Q21's plan with all of lineitem's went
        through lineitem(l_orderkey, l_suppkey, ...); lineitem(l_suppkey, l_shipdate) in
        place of the 'F' orders index measured 0.13 s against the set's 0.66 s)."""
        moves = {move for candidate, uses in self._beside(chosen, template)
                 for used, was in zip(uses, now, strict=True)
                 if candidate in used and (move := _in_place(chosen, used, was)) is not None}
        return _lowest(self.pricer, template, moves, DISPLACING)

    def _near(self, template: str, rejected_too: bool = False) -> list[IndexSpec]:
        """Every candidate on a table of ``template`` that measuring has not rejected
        (``rejected_too``: and those it has)."""
        tables = self.pricer.tables_of(template)
        return [c for c in self.everyone if c.table.lower() in tables
                and (rejected_too or c not in self.banned)]

    def verified(self, selection: Selection, standing: Standing | None = None
                 ) -> tuple[Selection, tuple[Earned, ...], dict[IndexSpec, Decision]]:
        """Every chosen index earns its place (step 3); ``standing``: drop-one results
        beside a set one index away, with the templates on which they may not hold
        (``earn_places``). When some do not and the budget left candidates out,
        the search runs again without them (measured, as in step 2): the budget they
        held may go to a candidate that does earn it. Without a budget to free, the
        search had weighed every candidate in play already."""
        dropped: list[Earned] = []
        for attempt in range(1, MAX_ROUNDS + 1):
            timing = len(selection.chosen - {s for s, (_, stale) in (standing or {}).items()
                                              if not stale})
            if timing:
                self.say(f"timing each of {timing} indexes against the set without it")
            began = self.time_budget.clock()
            kept, earned, rejected = earn_places(self.pricer, selection.chosen, standing,
                                                   self.today, self.tolerance)
            self.verify_seconds = self.time_budget.clock() - began
            standing = None  # a search again makes another set
            dropped += [e for e in earned if not e.kept]
            if not rejected:
                break
            self.banned.update(rejected)
            over_budget = Reason.OVER_BUDGET in selection.rejected.values()
            selection = _without(selection, kept, self.banned, self.pricer)
            if not over_budget or attempt == MAX_ROUNDS:
                break  # what was kept stands, verified
            if not self.fits("a search again without the indexes that did not earn their place",
                             self.round_seconds + self.verify_seconds,
                             "as long as a round and a verification"):
                break
            again = self.search()
            if again.chosen <= kept:
                break  # nothing new to try
            selection = self.rounds(again)
        selection = _without(selection, selection.chosen, self.banned, self.pricer)
        # Candidates out of play keep the estimate's search's reason for leaving them out.
        left_out = {c: reason for c, reason in self.first.rejected.items()
                    if c not in selection.chosen and c not in selection.rejected}
        selection = replace(selection, rejected={**left_out, **selection.rejected})
        verified = tuple(e for e in earned if e.kept and e.spec in selection.chosen)
        return selection, (*verified, *dropped), self.banned


class _Moves:
    """A round's moves, measured one after the other while the time budget fits the next
    (as long as the round's moves so far took, on average) and the verification that
    must follow (``after``: its expected seconds and why). The first move of a round
    is always measured. On a 200 MB bookings database round 1's moves took 29 s of a
    command that ended at 90 s against a 30 s budget."""

    def __init__(self, deciding: _Decision, number: int, after: tuple[float, str]) -> None:
        self.deciding, self.number, self.after = deciding, number, after
        self.seconds, self.count, self.skipping = 0.0, 0, False

    def measure(self, moves: Iterable[tuple[frozenset[IndexSpec], tuple[str, ...]]],
                measured: list[frozenset[IndexSpec]]) -> int:
        """Measure each move on its templates and add it to ``measured``; the keys priced
        anew. Its candidates are in play from then on: a repair only a ``_mended`` move
        brought was measured, and the next search did not weigh it (the class's rule)."""
        deciding, fresh = self.deciding, 0
        moves = list(moves)
        for k, (move, templates) in enumerate(moves):
            if self.skipping or (self.count and not self._fits(len(moves) - k)):
                self.skipping = True
                break
            began = deciding.time_budget.clock()
            deciding.tried |= move
            fresh += deciding.pricer.measure([move], templates)
            measured.append(move)
            self.seconds += deciding.time_budget.clock() - began
            self.count += 1
            deciding.move_seconds = self.seconds / self.count
        return fresh

    def _fits(self, left: int) -> bool:
        each = self.seconds / self.count
        verifying, basis = self.after
        return self.deciding.fits(
            f"round {self.number}'s last {left} move(s) of this kind and any after them",
            each + verifying, f"{each:.1f} s a move, as the round's {self.count} before it "
            f"took, and the verification after the rounds: {basis}")


def measure_list(pricer: Measuring, given: Iterable[IndexSpec]) -> None:
    """Replay what judging a given list needs: the list, the list without each of its
    indexes, and each alone (on the templates of its table)."""
    listed = frozenset(given)
    pricer.measure([listed])
    for spec in sorted(listed):
        pricer.measure([listed - {spec}, frozenset({spec})], templates_on(pricer, spec))


def _moves(chosen: frozenset[IndexSpec], candidates: Iterable[IndexSpec]
           ) -> dict[frozenset[IndexSpec], IndexSpec]:
    """Each candidate added to ``chosen``, or swapped for a chosen index on its table:
    move -> the candidate moved in."""
    moves: dict[frozenset[IndexSpec], IndexSpec] = {}
    for candidate in candidates:
        if candidate in chosen:
            continue
        moves.setdefault(chosen | {candidate}, candidate)
        for spec in chosen:
            if spec.table.lower() == candidate.table.lower():
                moves.setdefault((chosen - {spec}) | {candidate}, candidate)
    return moves


def _in_place(chosen: frozenset[IndexSpec], used: frozenset[IndexSpec],
              was: frozenset[IndexSpec]) -> frozenset[IndexSpec] | None:
    """``chosen`` with the indexes a template's plan ``used`` (in one statistics state) in
    place of those of ``chosen`` its plan in that state uses now (``was``) and this one
    does not; None where it displaces none. An index the set keeps for one plan may
    mislead SQLite away from a better one: on TPC-H, Q21 took 0.13 s through
    lineitem(l_suppkey, ...) and 0.70 s as found with orders(o_orderstatus) WHERE
    o_orderstatus = 'F' beside it, which had earned its place in a set without the
    lineitem index. Adding the lineitem index alone gains nothing there, and no search
    move trades indexes of two tables."""
    displaced = (was & chosen) - used
    return (chosen - displaced) | used if displaced else None


def _composed(pricer: Measuring, chosen: frozenset[IndexSpec],
              measured: Sequence[frozenset[IndexSpec]]
              ) -> list[tuple[frozenset[IndexSpec], tuple[str, ...]]]:
    """The ``measured`` moves that trade indexes of two tables or more (``_in_place``),
    each made on the cheapest configuration measured beside ``chosen`` instead, where it
    is cheaper than ``chosen`` and changes other indexes; with the templates it changes.
    The search composes moves on one table from their measured prices, but cannot reach
    these: on TPC-H, lineitem(l_suppkey, l_shipdate) in place of the 'F' orders index
    sped Q21 up 0.6 s and slowed Q1 1.2 s (4.98 s against the set's 4.08 s) until
    lineitem(l_returnflag, l_linestatus), the first round's cheapest move, was there too
    (3.45 s)."""
    best = _least(pricer, measured)
    added, gone = best - chosen, chosen - best
    if pricer.totals(best).total >= pricer.totals(chosen).total:
        return []
    made = [(best | (move - chosen)) - (chosen - move) for move in measured
            if chosen - move and len({s.table.lower() for s in move ^ chosen}) > 1
            and not (move ^ chosen) & (added | gone)]
    return [(move, _changed(pricer, chosen, move)) for move in made]


def _least(pricer: Measuring, configs: Iterable[frozenset[IndexSpec]]
           ) -> frozenset[IndexSpec]:
    """The configuration of ``configs`` that costs least (by name among equals)."""
    return min(configs, key=lambda m: (pricer.totals(m).total, _order(m)))


def _changed(pricer: Measuring, chosen: frozenset[IndexSpec],
             move: frozenset[IndexSpec]) -> tuple[str, ...]:
    """The templates of the tables whose indexes ``move`` changes from ``chosen``."""
    return tuple(sorted({t for spec in move ^ chosen for t in templates_on(pricer, spec)}))


def _limit(pricer: Measuring, best: float, tolerance: float) -> float:
    """The most a set may cost and count as good as one costing ``best``: the search's
    own rule (``band``), on measured cost."""
    return best + band(best, pricer.totals(frozenset()).total, tolerance)


def _order(move: frozenset[IndexSpec]) -> list[str]:
    return sorted(map(str, move))


def _lowest(pricer: Measuring, template: str, moves: Iterable[frozenset[IndexSpec]],
            count: int) -> list[frozenset[IndexSpec]]:
    """The ``count`` of ``moves`` the estimate prices ``template`` lowest under."""
    return sorted(moves, key=lambda m: (pricer.estimated.priced(template, m).total,
                                        _order(m)))[:count]


def _surprises(pricer: Measuring, chosen: frozenset[IndexSpec]) -> list[str]:
    """Templates the chosen set changes whose measured cost under it is SURPRISE times
    what the estimate's ratio (with the set / today) promised, and still at least
    SURPRISE_SHARE of the workload's measured time under it: most costly first."""
    total = pricer.totals(chosen).total
    found = []
    for template in pricer.replayable:
        if not pricer.restrict(chosen, template):
            continue
        today, now = pricer.price(template, ()), pricer.priced(template, chosen)
        if not (today.measured and now.measured) or now.weighted < SURPRISE_SHARE * total:
            continue
        promised = (pricer.estimated.priced(template, chosen).total
                    / max(pricer.estimated.price(template, ()).total, 1e-12))
        if now.weighted > SURPRISE * promised * today.weighted:
            found.append((-now.weighted, template))
    return [template for _, template in sorted(found)[:SURPRISES]]


def _costliest(pricer: Measuring, chosen: frozenset[IndexSpec], count: int,
               slower: float | None = None) -> list[str]:
    """The ``count`` costliest reads measured under ``chosen`` that cost at least
    SURPRISE_SHARE of the workload's time under it (``slower``: and that many times
    their cost today in some statistics state: on TPC-H, Q3 ran 2.1x slower after
    ANALYZE through the set's orders(o_orderdate, o_orderpriority), and as slow as
    today as found, so the worse state's price hid it). Not writes: no index added
    makes one cheaper, and on TPC-H the refresh inserts, 12x slower under the set,
    took the place of the query to repair."""
    total = pricer.totals(chosen).total
    found = sorted((-now.weighted, t) for t in pricer.replayable
                   if pricer.views[t].write is None
                   and (now := pricer.priced(t, chosen)).measured
                   and now.weighted >= SURPRISE_SHARE * total
                   and (slower is None or _slower(pricer, t, chosen, slower)))
    return [template for _, template in found[:count]]


def _slower(pricer: Measuring, template: str, chosen: frozenset[IndexSpec],
            ratio: float, than: frozenset[IndexSpec] = frozenset()) -> bool:
    """Whether ``template`` is measured ``ratio`` times its cost today (or under ``than``)
    under ``chosen``, in some statistics state."""
    return any(now.measured and now.weighted > ratio * before.weighted
               for now, before in zip(pricer.each_state(template, chosen),
                                      pricer.each_state(template, than), strict=True))


def _slowed_reads(pricer: Measuring, today: Comparison) -> list[str]:
    """The reads ``today`` (the set against none) times slower with the set beyond noise,
    in their worse statistics state or in one alone, those losing most first."""
    found = []
    for template in today.templates:
        sides = _slower_sides(today, template)
        if sides and pricer.views[template].write is None:
            lost = min(d.delta for _, d in sides)  # < 0: today is faster
            found.append((lost, template))
    return [template for _, template in sorted(found)]


def _slower_sides(today: Comparison, template: str) -> list[tuple[str | None, Difference]]:
    """Where ``today`` (the set against none) times ``template`` slower with the set beyond
    noise: its worse statistics state (None), then each state it was timed in alone."""
    sides = [(None, today.templates[template])] + [
        (state, d) for state, differences in today.by_state.items()
        if (d := differences.get(template)) is not None]
    return [(state, d) for state, d in sides if d.faster]  # today, the other side, faster


def _kept(measured: Sequence[Selection], pricer: Measuring,
          tolerance: float) -> Selection:
    """Among the ``measured`` rounds' sets, the smallest whose measured cost is within the
    tolerance of the best one's, its writes within the tolerance of the best one's writes
    (the search's own rule, on measured cost)."""
    prices = [pricer.totals(s.chosen) for s in measured]  # upkeep: the writes' whole time
    best = min(prices, key=lambda price: price.total)
    limit = _limit(pricer, best.total, tolerance)
    write_limit = best.upkeep + write_band(best.upkeep, tolerance)
    fits = [(len(s.chosen), price.total, k) for k, (s, price) in enumerate(
        zip(measured, prices, strict=True))
        if price.total <= limit and price.upkeep <= write_limit]
    return measured[min(fits)[2]]


def _net_saving(pricer: Measuring, chosen: frozenset[IndexSpec], candidate: IndexSpec) -> float:
    """The time (weighted, reads and writes) ``candidate`` saves beside ``chosen`` on the
    templates of its table, at the pricer's current prices."""
    move = chosen | {candidate}
    return sum(pricer.priced(t, chosen).weighted - pricer.priced(t, move).weighted
               for t in templates_on(pricer, candidate))


def read_saving(pricer: Pricer, chosen: frozenset[IndexSpec], move: frozenset[IndexSpec],
                templates: Iterable[str]) -> float:
    """The read time (weighted) ``move`` saves beside ``chosen`` on ``templates``, at the
    pricer's current prices."""
    return sum((pricer.priced(t, chosen).read - pricer.priced(t, move).read)
               * pricer.views[t].count for t in templates)


def _without(selection: Selection, chosen: frozenset[IndexSpec],
             rejected: Mapping[IndexSpec, Decision], pricer: Measuring) -> Selection:
    """The selection with ``chosen`` as its set, priced by ``pricer`` (the first round's
    is the estimate's, in its units), and the measured rejections among the reasons
    for the rest (a reason an index of ``chosen`` had is gone)."""
    codes = {spec: decision.code for spec, decision in rejected.items()}

    def cost(templates: Iterable[str], config: frozenset[IndexSpec]) -> float:
        return sum(pricer.priced(t, config).weighted for t in templates)

    return replace(
        selection, chosen=chosen, cost=pricer.totals(chosen).total,
        baseline_cost=pricer.totals(frozenset()).total,
        optimum_cost=pricer.totals(selection.optimum).total,
        rejected={c: r for c, r in {**selection.rejected, **codes}.items() if c not in chosen},
        components=tuple(replace(c, chosen=c.chosen & chosen,
                                 baseline_cost=cost(c.templates, frozenset()),
                                 cost=cost(c.templates, c.chosen & chosen))
                         for c in selection.components))


def against_today(pricer: Measuring, chosen: frozenset[IndexSpec], today: frozenset[IndexSpec],
                  earned: Sequence[Earned]) -> tuple[Difference, tuple[Slowdown, ...]]:
    """The set timed together with today (settled templates as in step 3): the set against
    today, and the templates slower with it beyond noise."""
    compared = pricer.compare(chosen, [today], settled=SETTLED)[0]
    return _against(compared), _slowdowns(pricer, compared, chosen, earned)


def _against(today: Comparison) -> Difference:
    """Today against the set, turned round: the set against today (delta < 0: faster)."""
    total = today.total
    return Difference(-total.delta, total.jitter, total.floor, total.other, total.base)


def _slowdowns(pricer: Measuring, today: Comparison, chosen: frozenset[IndexSpec],
               earned: Sequence[Earned]) -> tuple[Slowdown, ...]:
    """Templates slower with the set than today beyond noise, in their worse statistics
    state or in one of them alone (TPC-H Q3: as slow as today as found, twice today's
    time after ANALYZE), with the measured net saving of the set's indexes on their
    tables."""
    gains = {e.spec: e.gain for e in earned if e.kept}
    out = []
    for template_id in sorted(today.templates):
        sides = _slower_sides(today, template_id)
        if sides:
            state, d = sides[0]
            mine = tuple(sorted(pricer.restrict(chosen, template_id)))
            out.append(Slowdown(template_id, d.other, d.base, d.band, mine,
                                sum(gains.get(spec, 0.0) for spec in mine), state))
    return tuple(out)

"""The audit's measurements: every template an index serves, replayed with it and without it.

The cost model only says what to measure. For each of the database's own
CREATE INDEX indexes, the templates it serves are those whose plan uses it
(today's plans as found; the plans after ANALYZE in that state) and every
write to its table (a write keeps its table's indexes up, or is checked for
doing so); an unanalysable template on its table is added to be safe. Each
is replayed on two working copies of the database (advisor.replay.workbench:
the user's file is only read), one holding every index and one with that
index dropped (drop-one; the next index's turn rebuilds it, on both copies:
CREATE INDEX packs pages full, which slows writes, so both copies must hold
the same rebuilt indexes), the two taking turns run by run
(advisor.replay.sandbox.time_together), in CPU time.

Each template is timed in ROUNDS rounds, each replaying its samples
``--repetitions`` times on both copies; its with/without difference is judged
by advisor.replay.noise (the band of paired jitter and a floor of the larger
median) over the rounds' medians, paired round by round. Rounds, not single
runs, are paired because a template's samples differ (a workflow of two jobs,
one of two thousand): the paired runs' spread would count that as jitter,
where each round's median covers the same samples on both copies. Over the
templates an index serves the differences add up, weighted by the log's
counts, into its effect in that statistics state: "harmful" (the drop makes
the workload faster beyond the band), "saves" (slower beyond it) or "within
noise".

Two statistics states are measured when they differ: as found (the copies
hold the database's sqlite_stat1, or none) and after ANALYZE (two more copies,
analysed: the first two have had every index rebuilt by then); with fresh
statistics they are one. advisor.review.audit.verdicts
turns these effects into each index's verdict. The copies, the statements and
the states stay in a ``Rig`` for the drop list measured as a whole
(advisor.review.audit.together): any set of indexes dropped at once, by the
same rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from statistics import median

from advisor.digest.digest import Digest
from advisor.replay.measure import ANALYZED, AS_FOUND, ReplaySet, replay_set
from advisor.replay.noise import MIN_RUNS, Difference, combine, difference
from advisor.replay.sandbox import Tally, TemplateTiming, time_together
from advisor.replay.workbench import Workbench, WorkingCopy
from advisor.review.audit.plans import AuditContext, Progress
from advisor.review.audit.usage import AuditedIndex

DEFAULT_MAX_REPLAYS = 64  # indexes measured, the most used first
# Rounds of timings per template and state, paired round by round (noise.MIN_RUNS:
# the fewest a spread is estimated from).
ROUNDS = MIN_RUNS
HARMFUL = "harmful"  # the drop makes the workload faster beyond the noise band
SAVES = "saves"  # the drop makes it slower beyond the band
WITHIN_NOISE = "within noise"


@dataclass(frozen=True)
class TemplateMeasure:
    """One template an index serves, with the index and without it, in one state."""

    template_id: str
    kind: str
    count: int
    seconds_with: float  # median per execution, every index there
    seconds_without: float  # median per execution, the one index dropped
    band_seconds: float  # the noise band of the weighted difference
    plan_with: str  # SQLite's plan on the copies
    plan_without: str

    @property
    def saved(self) -> float:
        """Weighted seconds the drop saves (negative: the template gets slower)."""
        return self.count * (self.seconds_with - self.seconds_without)

    @property
    def effect(self) -> str:
        return _effect(self.saved, self.band_seconds)


@dataclass(frozen=True)
class StateMeasure:
    """One index in one statistics state: every template it serves, and their sum."""

    statistics: str  # advisor.replay.measure's AS_FOUND or ANALYZED
    served: tuple[str, ...]  # the templates it serves in this state
    templates: tuple[TemplateMeasure, ...]  # those measured
    unmeasured: tuple[str, ...]  # served but not timed (no values, or every run failed)
    read_seconds_saved: float  # weighted: > 0, the drop saves read time
    write_seconds_saved: float
    band_seconds: float  # the noise band of the sum

    @property
    def seconds_saved(self) -> float:
        return self.read_seconds_saved + self.write_seconds_saved

    @property
    def effect(self) -> str:
        return _effect(self.seconds_saved, self.band_seconds)

    @property
    def slower(self) -> tuple[TemplateMeasure, ...]:
        """Templates slower with the index beyond their band, the costliest first."""
        return tuple(sorted((t for t in self.templates if t.effect == HARMFUL),
                            key=lambda t: -t.saved))

    @property
    def faster(self) -> tuple[TemplateMeasure, ...]:
        """Templates faster with the index beyond their band, the most helped first."""
        return tuple(sorted((t for t in self.templates if t.effect == SAVES),
                            key=lambda t: t.saved))


@dataclass(frozen=True)
class Replayed:
    """One index measured, in each statistics state the audit measures."""

    index: str
    states: tuple[StateMeasure, ...]

    @property
    def effects(self) -> tuple[str, ...]:
        return tuple(s.effect for s in self.states)

    @property
    def first(self) -> StateMeasure:
        """As found: what the database does today."""
        return self.states[0]


@dataclass(frozen=True)
class Replays:
    """The replay pass: the indexes measured, those left over, and what could not run."""

    replayed: tuple[Replayed, ...]
    not_replayed: tuple[str, ...]  # indexes serving templates, beyond ``max_replays``
    states: tuple[str, ...]  # the statistics states measured
    notes: tuple[str, ...]
    rig: Rig | None = None  # None when nothing was replayed


def measured_needs(replayed: Sequence[Replayed]) -> dict[str, str]:
    """Index -> the state in which its drop measured the workload slower beyond noise, as
    a sentence (the first such state)."""
    found = {}
    for entry in replayed:
        for state in entry.states:
            if state.effect == SAVES:
                found[entry.index] = (
                    f"{state.statistics}, the workload measures {-state.seconds_saved:,.3f} s "
                    f"slower without it (noise band {state.band_seconds:,.3f} s)")
                break
    return found


def _effect(saved: float, band: float) -> str:
    if -saved > band:
        return SAVES
    if saved > band:
        return HARMFUL
    return WITHIN_NOISE


def served_templates(context: AuditContext, index: AuditedIndex,
                     uses: Mapping[str, set[str]]) -> tuple[str, ...]:
    """The templates ``index`` serves in a state whose plans use indexes as ``uses``
    (index, lower-cased -> templates): those whose plan uses it, every write to its
    table, and any template on its table the audit could not analyse."""
    assert context.workload is not None
    found = set(uses.get(index.name.lower(), ()))
    for tid in context.on_table(index.table):
        analysis = context.workload.analyses[tid]
        if not analysis.ok or (analysis.write is not None
                               and analysis.write.table.lower() == index.table.lower()):
            found.add(tid)
    return tuple(sorted(found))


@dataclass(frozen=True)
class Rig:
    """What the replays measure on: the statistics states, the statements, and per state
    two working copies (every index; some dropped). The drop-one walk and the drop list
    measured as a whole (advisor.review.audit.together) both use it, so both time on
    the same copies by the same rules; valid while its Workbench is open."""

    context: AuditContext
    states: tuple[str, ...]
    uses: tuple[Mapping[str, set[str]], ...]  # per state: index, lower-cased -> templates
    statements: ReplaySet
    pairs: tuple[tuple[WorkingCopy, WorkingCopy], ...]  # per state: every index, without
    repetitions: int

    def served(self, index: AuditedIndex) -> tuple[tuple[str, ...], ...]:
        """The templates ``index`` serves, per state."""
        return tuple(served_templates(self.context, index, uses) for uses in self.uses)

    def measure_without(self, position: int, names: frozenset[str],
                        served: Sequence[str]) -> StateMeasure:
        """The templates ``served`` timed in state ``position`` with every index and with
        the database's own indexes ``names`` dropped."""
        every, without = self.pairs[position]
        for name in without.absent - names:
            every.rebuild(name)  # built alike on both copies (packed pages)
        without.set_absent(names)
        return _measure(self.context, self.statements, every, without,
                        self.states[position], served, self.repetitions)


def replay(context: AuditContext, bench: Workbench, indexes: Sequence[AuditedIndex],
           repetitions: int, max_replays: int, say: Progress) -> Replays:
    """Every CREATE INDEX index that serves a template, the most used first (at most
    ``max_replays``), measured with and without it in each statistics state, on copies
    from ``bench``."""
    workload = context.workload
    assert workload is not None
    states: list[tuple[str, Mapping[str, set[str]]]] = [
        (AS_FOUND, context.used_by(context.today))]
    analyzed = context.analyzed
    if analyzed is not None:
        states.append((ANALYZED, context.used_by(
            {tid: [analyzed.plan(s) for s in statements]
             for tid, statements in context.templates.items()})))
    served = {ix.name: [served_templates(context, ix, uses) for _, uses in states]
              for ix in indexes if ix.origin == "c"}
    worth = sorted((ix for ix in indexes if any(served.get(ix.name, ()))),
                   key=lambda ix: (-sum(context.count(t) for t in ix.used_by),
                                   -sum(context.count(t) for t in served[ix.name][0]), ix.name))
    tested, skipped = worth[:max_replays], tuple(ix.name for ix in worth[max_replays:])
    names = tuple(name for name, _ in states)
    if not tested:
        return Replays((), skipped, names, ())
    union = {t for ix in tested for serving in served[ix.name] for t in serving}
    say(f"audit: replaying {len(union)} templates with every index and without each of "
        f"{len(tested)} indexes ({' and '.join(names)})")
    only = replace(workload, digest=Digest(templates={t: workload.digest.templates[t]
                                                      for t in union}))
    statements = replay_set(only, context.path, repetitions)
    notes: list[str] = []
    if statements.without_values:
        notes.append(f"{len(statements.without_values)} templates could not be replayed "
                     f"(no values to run them with): {', '.join(statements.without_values)}")
    pairs = []
    for position, state in enumerate(names):
        # Fresh copies per state: the walk leaves every index rebuilt (packed).
        every, without = bench.copies(2 * position + 2)[2 * position:]
        if state == ANALYZED:
            say("audit: running ANALYZE on the copies")
            for copy in (every, without):
                copy.analyze_all()
        pairs.append((every, without))
    rig = Rig(context, names, tuple(uses for _, uses in states), statements, tuple(pairs),
              repetitions)
    measured: dict[str, list[StateMeasure]] = {ix.name: [] for ix in tested}
    for position, state in enumerate(names):
        for number, index in enumerate(tested, 1):
            say(f"audit: replaying without {index.name} ({state}, {number}/{len(tested)})")
            measured[index.name].append(rig.measure_without(
                position, frozenset({index.name}), served[index.name][position]))
    return Replays(tuple(Replayed(ix.name, tuple(measured[ix.name])) for ix in tested),
                   skipped, names, tuple(notes), rig)


@dataclass(frozen=True)
class Today:
    """Every template the audit plans, timed once as the database is: weighted seconds
    (count x median per execution) of those timed, and those that could not be."""

    seconds: Mapping[str, float]
    untimed: tuple[str, ...]  # no values to run them with, or every run failed


def time_today(context: AuditContext, bench: Workbench, repetitions: int, say: Progress,
               replayed: Sequence[Replayed] = ()) -> Today:
    """Every planned template's time with every index (as found): for a log without
    durations. The estimate ranked a correlated EXISTS that scanned a table per outer
    row at 5.1% of the workload, where replayed it took 40-50%. A template the drop-one
    walk timed (``replayed``, as found) keeps that time; the rest are replayed on a copy
    holding every index, after an untimed pass that warms its caches."""
    workload = context.workload
    assert workload is not None
    walked = {t.template_id: t.seconds_with for entry in replayed
              for t in entry.first.templates}
    planned = {t: workload.digest.templates[t] for t in context.templates if t not in walked}
    per_run = dict(walked)
    if planned:
        say(f"audit: timing {len(planned)} templates as the database is (the log has no "
            f"durations)")
        statements = replay_set(replace(workload, digest=Digest(templates=planned)),
                                context.path, repetitions)
        [every] = bench.copies(1)  # every index: the drop-one walk leaves them all rebuilt
        boxes = [every.sandbox]
        time_together(boxes, statements.statements, 1, [Tally()])  # warms the caches
        [timed] = time_together(boxes, statements.statements, repetitions, [Tally()])
        limit = every.sandbox.statement_seconds
        per_run.update({t.template_id: found for t in timed
                        if (found := _seconds(t, limit)) is not None})
    seconds = {t: context.count(t) * found for t, found in per_run.items()}
    return Today(seconds, tuple(sorted(t for t in context.templates if t not in seconds)))


def bench_note(bench: Workbench) -> str:
    """What the replays cost, for the notes."""
    counters = bench.counters
    return (f"replays: {counters.copies} copies of the database "
            f"({counters.copy_seconds:.1f} s), {counters.builds} index rebuilds "
            f"({counters.build_seconds:.1f} s), {counters.drops} drops")


def _measure(context: AuditContext, statements: ReplaySet, every: WorkingCopy,
             without: WorkingCopy, state: str, served: Sequence[str],
             repetitions: int) -> StateMeasure:
    """The templates ``served`` timed on both copies in turns, ROUNDS times, after an
    untimed pass that warms each copy's caches; each template's rounds are paired."""
    subset = [s for s in statements.statements if s[0] in served]
    boxes = [every.sandbox, without.sandbox]
    time_together(boxes, subset, 1, [Tally(), Tally()])  # warms the caches, untimed
    rounds: dict[str, tuple[str, list[float], list[float]]] = {}
    limit = every.sandbox.statement_seconds
    for _ in range(ROUNDS):
        timed = time_together(boxes, subset, repetitions, [Tally(), Tally()])
        for a, b in zip(*timed, strict=True):
            first, second = _seconds(a, limit), _seconds(b, limit)
            if first is not None and second is not None:
                entry = rounds.setdefault(a.template_id, (a.kind, [], []))
                entry[1].append(first)
                entry[2].append(second)
    found: list[TemplateMeasure] = []
    parts: dict[str, list[Difference]] = {"read": [], "write": []}
    for tid, (kind, with_it, without_it) in rounds.items():
        if len(with_it) < ROUNDS:
            continue  # a round failed: no pairs to judge by
        d = difference(with_it, without_it, context.count(tid))
        parts[kind].append(d)
        sql = next(s[2][0] for s in subset if s[0] == tid)
        found.append(TemplateMeasure(tid, kind, context.count(tid), median(with_it),
                                     median(without_it), d.band, every.sandbox.plan(sql),
                                     without.sandbox.plan(sql)))
    reads, writes = combine(parts["read"]), combine(parts["write"])
    total = combine([*parts["read"], *parts["write"]])
    done = {t.template_id for t in found}
    return StateMeasure(state, tuple(served),
                        tuple(sorted(found, key=lambda t: t.template_id)),
                        tuple(t for t in served if t not in done), -reads.delta, -writes.delta,
                        total.band)


def _seconds(timing: TemplateTiming, limit: float) -> float | None:
    """A round's median; the time limit for one stopped at it (a lower bound: an index
    that makes a read run out of time is measured harmful, not left out)."""
    if timing.median_seconds is not None:
        return timing.median_seconds
    return limit if timing.status == "timeout" else None

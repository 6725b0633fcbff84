"""Every chosen index earns its place: step 3 of a measured decision
(advisor.advise.measured).

The set is timed together with the set without each of its indexes, on every
template whose work differs (advisor.replay.noise says when a difference is
more than noise), the two copies taking turns; a template whose known runs
already differ by more than ``SETTLED`` noise bands (a scan against a seek) is
not timed again; one whose saving is within noise either way is timed again
with CLOSER times the runs. An index that does not save more than noise is
rejected (``measured-slower`` when it slows some template beyond noise, else
``measured-no-gain``), the one saving least first, and the indexes sharing a
template with it are timed again without it, on those templates (the rest of
their drop-ones stand).

An index whose drop-one counts a guard is judged with what it guards: where the
set without it runs a template more than ``GUARDED`` times today's time, the set's
other indexes lead SQLite to a plan worse than today's, and the drop-one saving
counts all of that. In a bookings trial two indexes, each harmful alone, were
credited 69 s and 379 s where the pair saved 3-5 s against a noise band of 22 s.
So a guard that, those templates taken at today's time, saves no more than noise
is dropped together with the indexes the worse plan names; if
that saves no more than noise, all of them go (``measured-no-gain-together``),
else the guard is kept and its joint saving is the one reported. A guard that saves no
more than noise alone, or costs, is judged so too, not rejected first, while what such
guards cost together fits the tolerance's band about the whole set (``_repairs``): a
read made slower than today is what a user sees, and a set within the band that
spares it counts as good as the best.

Last, the tolerance applies to measured time: the index saving least goes while
the drop-ones of those gone from its group stay within the search's bands about
the set's time on the group's templates and on its writes (``_spare``); a guard never
goes so (``_guards``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

from advisor.costing.pricing import templates_on
from advisor.model.indexes import IndexSpec
from advisor.model.reasons import Decision, Reason
from advisor.replay.noise import Difference
from advisor.replay.pricing import Comparison
from advisor.replay.states import Measuring
from advisor.search.search import band, linked, write_band
from advisor.whatif.planner import indexes_named

SETTLED = 3.0  # known runs this many noise bands apart are not timed again to compare
# A kept index saving less than this many noise bands may be dropped by another run: on
# Torc, job_output_file(file_id, job_id) saved about 1% of the workload, near its band,
# and was kept in some runs and not in others.
MARGINAL = 2.0
BESIDE_SET = "the rest of the set"
# A template the set less an index runs this many times today's time: the set's other
# indexes lead SQLite to a worse plan than today's without it, and the drop-one saving
# counts all of it (a helpdesk trial: 57.8 s saved against 4.4 s today, the set's
# partial index of live tickets leading SQLite to a scan through it 12x slower than
# with no index).
GUARDED = 1.5


def guarding(without: float, today: float) -> bool:
    """Whether a template the set less an index runs in ``without`` (weighted) takes
    beyond GUARDED times its time ``today``: the index guards it."""
    return without > GUARDED * today


@dataclass(frozen=True)
class Earned:
    """A chosen index dropped from the set, timed together with the set."""

    spec: IndexSpec
    saving: Difference  # the set without it against the set: delta > 0 is time it saves
    slows: tuple[tuple[str, float], ...]  # templates faster without it beyond noise, x slower
    kept: bool
    # The timing it came from: after another drop, only the templates that drop can
    # change are timed again, the rest taken from here.
    pair: Comparison | None = field(default=None, compare=False, repr=False)
    # The indexes it guards (``guarded``) and what dropping it with them saves: the
    # saving that is its own, where the drop-one counts a guard.
    together: tuple[IndexSpec, ...] = ()
    joint: Difference | None = None

    @property
    def gain(self) -> float:
        return self.saving.delta

    @property
    def repair(self) -> bool:
        """Kept though it saves no more than noise: dropping it would make a template
        slower than today, and it costs within the repair allowance (``_repairs``)."""
        return self.kept and self.gain <= self.saving.band

    @property
    def marginal(self) -> bool:
        """Kept, but saving less than MARGINAL noise bands: another run may drop it."""
        return self.kept and not self.repair and self.gain < MARGINAL * self.saving.band


# Drop-one results beside a set one index away, each with the templates on which that
# index's change may have changed it (``earn_places``).
Standing = Mapping[IndexSpec, tuple[Earned, frozenset[str]]]


def earn_places(pricer: Measuring, chosen: frozenset[IndexSpec],
                standing: Standing | None = None, today: frozenset[IndexSpec] = frozenset(),
                tolerance: float | None = None
                ) -> tuple[frozenset[IndexSpec], tuple[Earned, ...], dict[IndexSpec, Decision]]:
    """Drop, one at a time and the worst first, every index of ``chosen`` the set does
    not measurably need: (the indexes kept, what dropping each did, the rejected with
    their measured reasons). ``standing``: what dropping some did beside a set one index
    away, with the templates on which that index's change may have changed it (timed
    again; an index with none is not timed). After each drop, the indexes whose
    drop-one it can change (``entangled``) are timed again beside the smaller set, on
    the templates it can change them on. A template whose known runs with and without
    an index differ by more than SETTLED noise bands is not timed again. When every
    index earns its place alone, each guard (``guarded``; ``today``: the database's
    own indexes) is timed dropped with what it guards, and the group goes when that
    saves no more than noise. Then, with a ``tolerance``, the index saving least goes
    while its templates stay within the tolerance of the set's time on them
    (``_spare``)."""
    standing = {s: known for s, known in (standing or {}).items() if s in chosen}
    results = {s: earned for s, (earned, stale) in standing.items() if not stale}
    results.update(_drop_each(pricer, chosen, sorted(s for s in chosen if s not in results),
                              {s: known for s, known in standing.items() if known[1]}))
    rejected: dict[IndexSpec, Decision] = {}
    dropped: list[Earned] = []
    judged: dict[tuple[frozenset[IndexSpec], frozenset[IndexSpec]], Difference] = {}
    room: list[_Room] | None = None
    allowance = (repair_allowance(pricer, chosen, today, tolerance) if tolerance is not None
                 else 0.0)
    while True:
        guards = _guards(pricer, results, today)
        repairs = _repairs(results, guards, allowance)
        failing = [e for e in results.values()
                   if e.gain <= e.saving.band and e.spec not in repairs]
        if failing:
            worst = min(failing, key=lambda e: (e.gain, e.spec))
            gone = {worst.spec: rejection(worst)}
        else:
            gone = _judge_guards(pricer, chosen, results, today, judged)
            if not gone and tolerance is not None:
                room = room if room is not None else _rooms(pricer, chosen, today, tolerance)
                gone = _spare(results, room, tolerance, guards)
            if not gone:
                break
        rejected.update(gone)
        dropped += [replace(results[spec], kept=False) for spec in sorted(gone)]
        again = {i: (results[i], stale) for i in sorted(results) if i not in gone
                 and (stale := frozenset().union(*(entangled(pricer, chosen, g, i)
                                                   for g in gone)))}
        chosen = chosen - frozenset(gone)
        for spec in gone:
            del results[spec]
        results.update(_drop_each(pricer, chosen, sorted(again), again))
    return chosen, (*sorted(results.values(), key=lambda e: e.spec), *dropped), rejected


@dataclass
class _Room:
    """A group of the set's indexes linked by templates they share, and how much more
    than the set's measured time on those templates, and on its writes among them,
    dropping some of the group may cost: the search's ``band`` and ``write_band``."""

    indexes: frozenset[IndexSpec]
    writes: frozenset[str]  # the group's templates that write
    limit: float
    write_limit: float
    used: float = 0.0  # by the indexes dropped so far: their drop-ones, summed
    writes_used: float = 0.0  # of which on the writes

    def fits(self, earned: Earned) -> bool:
        """Whether dropping ``earned``'s index too keeps the group within its bands."""
        return (self.used + earned.gain <= self.limit
                and self.writes_used + self.on_writes(earned) <= self.write_limit)

    def on_writes(self, earned: Earned) -> float:
        """What dropping ``earned``'s index costs the group's writes (its drop-one)."""
        timed = earned.pair.templates if earned.pair is not None else {}
        return sum(d.delta for t, d in timed.items() if t in self.writes)


def _rooms(pricer: Measuring, chosen: frozenset[IndexSpec], today: frozenset[IndexSpec],
           tolerance: float) -> list[_Room]:
    """The bands of each group of ``chosen``'s indexes linked by templates they share,
    about the set's time on those templates against ``today``'s and about its writes
    there: as in the search, by component, so that one template saving most does not
    make every other index look negligible (issue 11, cause 3), and a smaller set is as
    good only if its writes are too."""
    on = {spec: set(templates_on(pricer, spec)) for spec in chosen}
    rooms = []
    for nodes in linked(chosen, ({s for s in chosen if t in on[s]} for t in pricer.templates)):
        templates = set().union(*(on[s] for s in nodes))
        writes = frozenset(t for t in templates if pricer.views[t].write is not None)
        with_set = sum(pricer.priced(t, chosen).weighted for t in templates)
        now = sum(pricer.priced(t, today).weighted for t in templates)
        written = sum(pricer.priced(t, chosen).weighted for t in writes)
        rooms.append(_Room(frozenset(nodes), writes, band(with_set, now, tolerance),
                           write_band(written, tolerance)))
    return rooms


def group_band(pricer: Measuring, chosen: frozenset[IndexSpec], spec: IndexSpec,
               today: frozenset[IndexSpec], tolerance: float) -> float:
    """The band of the group of ``chosen``'s indexes that ``spec`` (one of them) is in:
    what ``_spare`` lets the group's drop-ones give away. An index saving more than it
    is never dropped as within the tolerance."""
    return next(room.limit for room in _rooms(pricer, chosen, today, tolerance)
                if spec in room.indexes)


def _guards(pricer: Measuring, results: Mapping[IndexSpec, Earned],
            today: frozenset[IndexSpec]) -> frozenset[IndexSpec]:
    """The kept indexes whose drop would make a template slower than today
    (``_regressing``): repairs while they cost (``_repairs``), and never dropped as
    within the tolerance, which trades time for fewer indexes, not for that."""
    return frozenset(spec for spec, e in results.items() if any(_regressing(pricer, e, today)))


def _spare(results: dict[IndexSpec, Earned], rooms: list[_Room], tolerance: float,
           protected: frozenset[IndexSpec] = frozenset()) -> dict[IndexSpec, Decision]:
    """The kept index saving least whose drop-one, added to those of its group dropped
    so far, stays within its group's bands (``measured-within-tolerance``): the
    tolerance applied to measured time. Verification kept every index saving more than
    noise, and on TPC-H a set measured as the rounds' cheapest configuration kept 17
    indexes, five saving 0.03-0.28 s of 3.2 s. Without the writes' band, Torc's
    job_output_file(file_id, job_id) went (its dependency INSERT ... SELECT 0.07 s with
    it, 0.73 s without), and the set's writes took 1.12x the seed's 13 indexes'."""
    fitting = [(e.gain, e.spec, room) for room in rooms for e in results.values()
               if e.spec in room.indexes and e.spec not in protected and room.fits(e)]
    if not fitting:
        return {}
    gain, spec, room = min(fitting, key=lambda f: (f[0], f[1]))
    room.used += gain
    room.writes_used += room.on_writes(results[spec])
    return {spec: Decision.of(Reason.MEASURED_WITHIN_TOLERANCE, beside=BESIDE_SET, gain=gain,
                              noise=results[spec].saving.band, band=room.limit,
                              tolerance=tolerance)}


def _regressing(pricer: Measuring, earned: Earned, today: frozenset[IndexSpec]
                ) -> Iterator[tuple[str, Difference, float]]:
    """The templates the set without ``earned.spec`` runs beyond GUARDED times their
    measured time ``today``, and beyond noise: (template, its drop-one difference,
    today's weighted time). What dropping the index would make slower than today."""
    for template, d in (earned.pair.templates.items() if earned.pair is not None else ()):
        now = pricer.priced(template, today)
        if (now.measured and guarding(d.other, now.weighted)
                and d.other - now.weighted > d.band):
            yield template, d, now.weighted


def repair_allowance(pricer: Measuring, chosen: frozenset[IndexSpec],
                     today: frozenset[IndexSpec], tolerance: float) -> float:
    """What the indexes that keep reads from running slower than today (``_repairs``)
    may cost the workload together: the search's ``band`` about the whole set's measured
    time against today's, within which a smaller set counts as good as the best. A
    template made slower than today is what a user sees; a set as good within the
    tolerance that spares it is the better one."""
    return band(pricer.totals(chosen).total, pricer.totals(today).total, tolerance)


def _repairs(results: Mapping[IndexSpec, Earned], guards: frozenset[IndexSpec],
             allowance: float) -> frozenset[IndexSpec]:
    """The ``guards`` (``_guards``) saving no more than noise, the cheapest first while
    their costs (what each drop-one saves, where that is negative) fit in ``allowance``
    together: they stay to be judged as guards. On Torc, event(workflow_id) keeps the 9 pages of a
    workflow's events by id at today's time (4x it without: the set's event(workflow_id,
    timestamp) sorts all 19,800 events of the workflow holding most), for 0.05 s more
    of a 23 s sampled workload."""
    costs = sorted((max(-results[spec].gain, 0.0), spec) for spec in guards
                   if results[spec].gain <= results[spec].saving.band)
    kept: set[IndexSpec] = set()
    for cost, spec in costs:
        if cost > allowance:
            break
        allowance -= cost
        kept.add(spec)
    return frozenset(kept)


def guarded(pricer: Measuring, chosen: frozenset[IndexSpec], earned: Earned,
            today: frozenset[IndexSpec]) -> frozenset[IndexSpec]:
    """The other indexes of ``chosen`` that SQLite's plans name, on the copies without
    ``earned.spec``, for the templates the set without it runs beyond GUARDED times
    their measured time ``today`` (and beyond noise): the indexes it guards. None where
    its drop-one, those templates taken at today's time, still saves more than noise:
    it earns its place without the guard (on TPC-H, timing such guards with what they
    guard took 4.6 s of 60 and rejected none)."""
    if earned.pair is None:
        return frozenset()
    names: set[str] = set()
    own = earned.gain
    for template, d, today_time in _regressing(pricer, earned, today):
        own -= d.other - today_time
        names.update(indexes_named(earned.pair.plans.get(template, ("", ""))[1]
                                   .split("; ")))
    if own > earned.saving.band:
        return frozenset()
    return frozenset(s for s in chosen if s.name in names and s != earned.spec)


def _judge_guards(pricer: Measuring, chosen: frozenset[IndexSpec],
                  results: dict[IndexSpec, Earned], today: frozenset[IndexSpec],
                  judged: dict[tuple[frozenset[IndexSpec], frozenset[IndexSpec]], Difference]
                  ) -> dict[IndexSpec, Decision]:
    """Each guard of ``chosen`` timed dropped with what it guards, beside the set
    (``judged``: such timings so far, by set and group): a guard whose group saves
    more than noise gets that joint saving; the indexes of the others are returned,
    rejected (``measured-no-gain-together``)."""
    groups = {spec: group for spec in sorted(results)
              if len(group := guarded(pricer, chosen, results[spec], today) | {spec}) > 1}
    fresh = sorted({g for g in groups.values() if (chosen, g) not in judged}, key=sorted)
    if fresh:
        timed = pricer.compare(chosen, [chosen - g for g in fresh], settled=SETTLED)
        judged.update({(chosen, g): pair.total for g, pair in zip(fresh, timed, strict=True)})
    gone: dict[IndexSpec, Decision] = {}
    for guard, group in groups.items():
        joint = judged[(chosen, group)]
        if joint.delta > joint.band:
            results[guard] = replace(results[guard], together=tuple(sorted(group - {guard})),
                                     joint=joint)
            continue
        partners = ", ".join(str(s) for s in sorted(group - {guard}))
        for spec in sorted(group):
            gone.setdefault(spec, Decision.of(
                Reason.MEASURED_NO_GAIN_TOGETHER, beside=BESIDE_SET, guard=str(guard),
                partners=partners, alone=results[guard].gain, gain=joint.delta,
                noise=joint.band))
    return gone


def entangled(pricer: Measuring, chosen: frozenset[IndexSpec], gone: IndexSpec,
               spec: IndexSpec) -> frozenset[str]:
    """The templates on which dropping ``gone`` from ``chosen`` can change what dropping
    ``spec`` saves (none: it cannot): those of both their tables that plan with ``gone``
    (``spec`` there or not) and with ``spec`` (``gone`` there or not), in either
    statistics state. Elsewhere the plans on both sides stay as they were (an index no
    plan uses changes no plan), and so does the difference; on TPC-H, where most
    templates read lineitem, every rejection had every other index timed again. For a
    template SQLite plans otherwise than the what-if planner, its plans on the copies
    say whether it uses ``gone``; where they are not known, it may."""
    shared = set(templates_on(pricer, gone))

    def uses(template: str, index: IndexSpec, other: IndexSpec) -> bool:
        return any(index in used for config in (chosen, chosen - {other})
                   for used in pricer.used_together(template, config))

    def on_copies(template: str) -> bool:  # whether its real plans may use ``gone``
        named = [pricer.named_in_plan(template, c) for c in (chosen, chosen - {spec})]
        return any(n is None or gone in n for n in named)

    return frozenset(template for template in templates_on(pricer, spec) if template in shared
                     and (on_copies(template) if template in pricer.untrusted
                          else uses(template, gone, spec) and uses(template, spec, gone)))


def _drop_each(pricer: Measuring, chosen: frozenset[IndexSpec], specs: Sequence[IndexSpec],
               known: Standing | None = None) -> dict[IndexSpec, Earned]:
    """What dropping each of ``specs`` from ``chosen`` does, timed together with the set;
    one in ``known`` (timed beside another set, with the templates on which that may
    not hold) only on those templates, the rest as timed before. One whose saving is
    within noise either way is timed again on all its templates, closer (CLOSER times
    the runs), and judged on that: a marginal index is not kept or rejected on three
    runs of a template that jitters (TPC-C-like, stock(s_w_id, s_i_id, s_quantity):
    its saving on the stock-level query and its upkeep on the stock update came out
    within noise or beyond it, run to run)."""
    timed_before = {i: (pair, stale) for i, (earned, stale) in (known or {}).items()
                    if i in specs and (pair := earned.pair) is not None}
    whole = [i for i in specs if i not in timed_before]
    pairs = dict(zip(whole, pricer.compare(chosen, [chosen - {i} for i in whole],
                                           settled=SETTLED) if whole else [], strict=True))
    for i, (earlier, stale) in timed_before.items():
        [fresh] = pricer.compare(chosen, [chosen - {i}], sorted(stale), settled=SETTLED)
        pairs[i] = earlier.patched(fresh, stale)
    out = {i: _earned(i, pairs[i]) for i in specs}
    close = [i for i in specs if abs(out[i].gain) <= out[i].saving.band]
    if close:
        again = pricer.compare(chosen, [chosen - {i} for i in close], closer=True)
        out.update({i: _earned(i, pair) for i, pair in zip(close, again, strict=True)})
    return out


def _earned(spec: IndexSpec, pair: Comparison) -> Earned:
    """What dropping ``spec`` from the set did: other (without it) against base (with)."""
    slows = tuple((t, d.base / d.other) for t, d in sorted(pair.templates.items())
                  if d.faster and d.other > 0)
    return Earned(spec, pair.total, slows, True, pair)


def rejection(earned: Earned) -> Decision:
    noise = earned.saving.band
    if earned.slows:
        template, ratio = max(earned.slows, key=lambda s: s[1])
        return Decision.of(Reason.MEASURED_SLOWER, beside=BESIDE_SET, template=template,
                           ratio=ratio, gain=earned.gain, noise=noise)
    return Decision.of(Reason.MEASURED_NO_GAIN, beside=BESIDE_SET, gain=earned.gain,
                       noise=noise)

"""The audit's measurements: replays of the workload with and without each index.

The cost model can say an index is unused or redundant; only timing the real
statements on copies of the database shows that an index SQLite does use makes
something slower (the planner trusts it where it should not). Those replays are
the slow and noisy part of the audit, so they run only for the indexes whose
absence can change a template, and alternate between the two copies round after
round; a template counts as slower with an index only when it is in every round
(advisor.review.audit.harmful judges what that means for the index).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from statistics import median

from advisor.catalog.schema import quote_identifier
from advisor.costing.estimate import maintenance
from advisor.digest.digest import Digest
from advisor.replay.measure import configured_copy, replay_set
from advisor.replay.sandbox import Sandbox, Tally, time_sampled
from advisor.review.audit.plans import AuditContext, Progress
from advisor.review.audit.usage import AuditedIndex

# Measured with the index slower than without it by more than both: medians of
# the same statement on the same copy move by 10% and more between rounds (more
# on a loaded machine), and sub-50 µs differences are at the timer's and the
# page cache's noise level.
HARMFUL_RATIO = 1.2
HARMFUL_MIN_SECONDS = 0.05e-3
ROUNDS = 3  # alternations of (with, without) per index: a slowdown must show in each
DEFAULT_MAX_REPLAYS = 16
Timings = dict[str, tuple[str, float | None]]  # template id -> (kind, median seconds)


@dataclass(frozen=True)
class Slower:
    template_id: str
    kind: str
    count: int
    seconds_with: float  # median with every index
    seconds_without: float  # median without the one index


@dataclass(frozen=True)
class Replayed:
    """One index measured: every template on its table, with all indexes and without it."""

    index: str
    templates: int
    read_seconds_saved: float  # Σ count × (with − without) over reads: > 0, the drop helps
    write_seconds_saved: float
    uncertainty_seconds: float  # how far the two sums can move by chance (round spread)
    slower: tuple[Slower, ...]  # templates slower with the index in every round


@dataclass(frozen=True)
class Replays:
    """The replay pass: the indexes measured, those left over, and what could not run."""

    replayed: tuple[Replayed, ...]
    not_replayed: tuple[str, ...]  # indexes worth replaying beyond ``max_replays``
    notes: tuple[str, ...]


def affected_templates(context: AuditContext, index: AuditedIndex) -> set[str]:
    """Templates dropping ``index`` can change: those whose plan uses it, and writes
    that maintain it (every INSERT and DELETE on its table, an UPDATE that sets one of
    its columns); an unanalysed template on its table, to be safe."""
    assert context.workload is not None
    spec = context.index(index.name).spec
    found = set(index.used_by)
    for tid in context.on_table(index.table):
        analysis = context.workload.analyses[tid]
        if not analysis.ok or (analysis.write is not None and maintenance(
                analysis.write, (spec,), context.data).per_index):
            found.add(tid)
    return found


def replay(context: AuditContext, indexes: Sequence[AuditedIndex], repetitions: int,
           statement_seconds: float, max_replays: int, say: Progress) -> Replays:
    """Replay, with every index and without one, the templates that index can change:
    reads and writes whose plan uses it, and writes that maintain it. (Any other
    template runs the same program either way; timing it would only add noise.)
    Tested: CREATE INDEX, non-unique indexes with such templates, the most used
    first, at most ``max_replays``.

    Two copies of the database, each warmed by an untimed pass: one with every index
    (shared by the indexes of a table) and one with the index dropped; ROUNDS of
    timings alternate between them, so machine load falls on both alike. (Dropping
    inside a rolled-back savepoint on one copy would be cheaper, but the dropped
    pages then crowd the page cache and slow the "without" side.)"""
    workload = context.workload
    assert workload is not None
    affected = {ix.name: affected_templates(context, ix) for ix in indexes
                if ix.origin == "c" and not ix.unique}
    worth = sorted((ix for ix in indexes if affected.get(ix.name)),
                   key=lambda ix: (-sum(context.count(t) for t in ix.used_by),
                                   -sum(context.count(t) for t in affected[ix.name]), ix.name))
    tested, skipped = worth[:max_replays], tuple(ix.name for ix in worth[max_replays:])
    if not tested:
        return Replays((), skipped, ())
    union = set().union(*(affected[ix.name] for ix in tested))
    say(f"audit: replaying {len(union)} templates with every index and without each "
        f"of {len(tested)} indexes")
    only = replace(workload, digest=Digest(templates={t: workload.digest.templates[t]
                                                      for t in union}))
    statements = replay_set(only, context.path, repetitions)
    notes: list[str] = []
    if statements.without_values:
        notes.append(f"{len(statements.without_values)} templates could not be "
                     f"replayed (no values to run them with)")
    out = []
    number = 0
    for table in sorted({ix.table.lower() for ix in tested}):
        group = [ix for ix in tested if ix.table.lower() == table]
        on_table = set().union(*(affected[ix.name] for ix in group))
        with configured_copy(context.path, (), statement_seconds) as (every, _, _):
            time_sampled(every, [s for s in statements.statements if s[0] in on_table], 1,
                         Tally())  # warms the copy's caches, untimed
            for index in group:
                number += 1
                say(f"audit: replaying without {index.name} ({number}/{len(tested)})")
                subset = [s for s in statements.statements if s[0] in affected[index.name]]
                with configured_copy(context.path, (), statement_seconds) as (without, _, _):
                    dropped = without.run(f"DROP INDEX {quote_identifier(index.name)}")
                    if dropped.status != "ok":
                        notes.append(f"{index.name}: not replayed, the copy refused "
                                     f"the drop ({dropped.detail})")
                        continue
                    time_sampled(without, subset, 1, Tally())
                    rounds = _alternate(every, without, subset, repetitions)
                out.append(_compared(context, index.name, *rounds))
    return Replays(tuple(out), skipped, tuple(notes))


def _alternate(every: Sandbox, without: Sandbox,
               subset: Sequence[tuple[str, str, tuple[str, ...]]], repetitions: int,
               ) -> tuple[list[Timings], list[Timings]]:
    """ROUNDS of timings on the copy with every index, then on the one without."""
    states: tuple[list[Timings], list[Timings]] = ([], [])
    for _ in range(ROUNDS):
        for position, sandbox in enumerate((every, without)):
            timings = time_sampled(sandbox, subset, repetitions, Tally())
            states[position].append({t.template_id: (t.kind, t.median_seconds)
                                     for t in timings})
    return states


def _compared(context: AuditContext, index: str, with_all: list[Timings],
              without: list[Timings]) -> Replayed:
    """Weighted savings of the drop (medians over the rounds) with their uncertainty,
    and the templates slower with the index in every round, beyond the thresholds."""
    saved = {"read": 0.0, "write": 0.0}
    uncertainty = 0.0
    slower = []
    measured = 0
    for tid, (kind, _) in with_all[0].items():
        rounds_with = [w[tid][1] for w in with_all]
        rounds_without = [o.get(tid, (kind, None))[1] for o in without]
        if None in rounds_with or None in rounds_without:
            continue
        a: list[float] = rounds_with  # type: ignore[assignment]
        b: list[float] = rounds_without  # type: ignore[assignment]
        measured += 1
        count = context.count(tid)
        saved[kind] += count * (median(a) - median(b))
        # Half the spread of repeated rounds of one state: how far a median can move
        # by chance; weighted like the savings.
        uncertainty += count * max(max(a) - min(a), max(b) - min(b)) / 2
        if min(a) > max(b) * HARMFUL_RATIO and min(a) - max(b) > HARMFUL_MIN_SECONDS:
            slower.append(Slower(tid, kind, count, median(a), median(b)))
    slower.sort(key=lambda s: -(s.seconds_with - s.seconds_without) * s.count)
    return Replayed(index, measured, saved["read"], saved["write"], uncertainty,
                    tuple(slower))

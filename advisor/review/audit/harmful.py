"""Harmful indexes: those whose drop the replays measured to make the workload faster.

An index is harmful in a statistics state when, over every template it serves,
the workload is measured faster without it than with it by more than the
noise band (advisor.review.audit.replay). It goes on the drop list unless it
is measured to save time beyond noise in the other state (then running
ANALYZE, or not, is the remedy: the note says which) or it enforces
uniqueness. The cost model's view of the drop is shown beside the
measurement, never in its place: it is the prior that said what to replay.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from advisor.costing.estimate import maintenance
from advisor.replay.measure import ANALYZED, AS_FOUND
from advisor.review.audit.plans import AuditContext
from advisor.review.audit.replay import HARMFUL, SAVES, Replayed, StateMeasure
from advisor.review.audit.usage import AuditedIndex


@dataclass(frozen=True)
class Harmful:
    index: str
    definition: str
    statistics: str  # the state it was measured harmful in (as found first)
    measure: StateMeasure  # that state's measurement
    estimated_saving: float | None  # the cost model's: upkeep saved − read cost added
    saves_in: str | None  # the other state, where it is measured to save time
    drop: bool
    note: str | None  # why it is kept

    @property
    def net_seconds_saved(self) -> float:
        return self.measure.seconds_saved

    @property
    def band_seconds(self) -> float:
        return self.measure.band_seconds


def judge_harmful(context: AuditContext, replayed: Iterable[Replayed],
                  indexes: Iterable[AuditedIndex]) -> tuple[Harmful, ...]:
    """Indexes measured harmful in some statistics state, and whether to drop them."""
    audited = {ix.name: ix for ix in indexes}
    out = []
    for entry in replayed:
        harmful = [s for s in entry.states if s.effect == HARMFUL]
        if not harmful:
            continue
        index = audited[entry.index]
        measure = harmful[0]
        saving = [s for s in entry.states if s.effect == SAVES]
        notes = []
        if saving:
            other = saving[0]
            notes.append(
                f"{other.statistics} it saves {-other.seconds_saved:,.3f} s (noise band "
                f"{other.band_seconds:,.3f} s): "
                + ("run ANALYZE, then audit again" if other.statistics == ANALYZED
                   else "it pays only with the statistics as they are; do not drop it "
                        "without measuring again after ANALYZE"))
        if index.unique:
            notes.append("it enforces uniqueness: drop it only if that constraint is not "
                         "needed")
        out.append(Harmful(entry.index, index.definition, measure.statistics, measure,
                           _estimated_drop_saving(context, index, measure),
                           saving[0].statistics if saving else None, not notes,
                           "; ".join(notes) or None))
    return tuple(out)


def _estimated_drop_saving(context: AuditContext, index: AuditedIndex,
                           measure: StateMeasure) -> float | None:
    """The cost model's view of dropping ``index`` over the templates measured (in the
    state measured): index upkeep saved minus read cost added, weighted by the log's
    counts; None if a changed plan cannot be priced."""
    planner = context.current if measure.statistics == AS_FOUND else context.fresh
    assert planner is not None and context.workload is not None
    spec = context.index(index.name).spec
    saving = 0.0
    for tid in measure.served:
        analysis = context.workload.analyses[tid]
        statement = context.templates[tid][0]
        with_it = planner.plan(statement)
        without = planner.plan(statement, frozenset({index.name}))
        if with_it.lines() != without.lines():
            before, after = context.cost(tid, with_it), context.cost(tid, without)
            if before is None or after is None:
                return None
            saving -= (after - before) * context.count(tid)
        if analysis.write is not None:
            saving += maintenance(analysis.write, (spec,), context.data).indexes * \
                context.count(tid)
    return saving

"""Harmful indexes: those the replays measured to slow a template, judged for the drop.

A slowdown that shows in every replayed round (advisor.review.audit.replay) makes
an index harmful; it goes on the drop list only when the drop saves time over
its table's templates beyond the replays' uncertainty, the cost model agrees,
and ANALYZE would not by itself stop the planner from misusing it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from advisor.costing.estimate import maintenance
from advisor.review.audit.plans import AuditContext
from advisor.review.audit.replay import Replayed, Slower, affected_templates
from advisor.review.audit.usage import AuditedIndex


@dataclass(frozen=True)
class Harmful:
    index: str
    definition: str
    slower: tuple[Slower, ...]
    net_seconds_saved: float  # measured: what dropping it saves, weighted by the log's counts
    uncertainty_seconds: float
    estimated_saving: float | None  # the cost model's: upkeep saved − read cost added
    fixed_by_analyze: tuple[str, ...]  # slower reads whose plan drops it after ANALYZE
    drop: bool
    note: str | None  # why it is kept


def judge_harmful(context: AuditContext, replayed: Iterable[Replayed],
                  indexes: Iterable[AuditedIndex]) -> tuple[Harmful, ...]:
    """Indexes with a measurably slower template. Dropped only when the replays say the
    drop saves time beyond their uncertainty, the cost model agrees (a few replayed
    samples can miss the values that make the index pay), and ANALYZE would not by
    itself stop the planner from misusing it."""
    audited = {ix.name: ix for ix in indexes}
    out = []
    for entry in replayed:
        if not entry.slower:
            continue
        index = audited[entry.index]
        net = entry.read_seconds_saved + entry.write_seconds_saved
        estimated = _estimated_drop_saving(context, index)
        after = set(index.used_after_analyze or ())
        fixed = tuple(s.template_id for s in entry.slower
                      if s.kind == "read" and index.used_after_analyze is not None
                      and s.template_id not in after)
        notes = []
        if estimated is None or estimated <= 0:
            notes.append("the cost model expects the drop to cost more than it saves" if
                         estimated is not None else "the cost model cannot price the drop")
        if fixed:
            notes.append(f"after ANALYZE SQLite stops using it for {', '.join(fixed)}: run "
                         f"ANALYZE, then audit again")
        drop = net > entry.uncertainty_seconds and not notes
        if net <= entry.uncertainty_seconds:
            notes.insert(0, "the drop would not save measurable time over its table's "
                            "templates")
        out.append(Harmful(entry.index, index.definition, entry.slower, net,
                           entry.uncertainty_seconds, estimated, fixed, drop,
                           "; ".join(notes) or None))
    return tuple(out)


def _estimated_drop_saving(context: AuditContext, index: AuditedIndex) -> float | None:
    """The cost model's view of dropping ``index`` (today's plans and statistics): index
    upkeep saved minus read cost added, weighted by the log's counts; None if a changed
    plan cannot be priced."""
    spec = context.index(index.name).spec
    saving = 0.0
    for tid in affected_templates(context, index):
        analysis = context.workload.analyses[tid]  # type: ignore[union-attr]
        statement = context.templates[tid][0]
        with_it = context.current.plan(statement)
        without = context.current.plan(statement, frozenset({index.name}))
        if with_it.lines() != without.lines():
            before, after = context.cost(tid, with_it), context.cost(tid, without)
            if before is None or after is None:
                return None
            saving -= (after - before) * context.count(tid)
        if analysis.write is not None:
            saving += maintenance(analysis.write, (spec,), context.data).indexes * \
                context.count(tid)
    return saving

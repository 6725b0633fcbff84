"""The drop list: every index some finding says to drop, with the reasons, its bytes, the
write time the replays measured its drop to save and the index upkeep it saves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from advisor.catalog.schema import Index
from advisor.costing.estimate import maintenance
from advisor.model.access import WriteAccess
from advisor.model.reasons import Decision, Reason
from advisor.review.audit.harmful import Harmful
from advisor.review.audit.plans import AuditContext
from advisor.review.audit.redundancy import Redundancy
from advisor.review.audit.replay import SAVES, Replayed
from advisor.review.audit.usage import AuditedIndex, Unused, describe


@dataclass(frozen=True)
class Drop:
    index: str
    table: str
    definition: str
    reasons: tuple[Decision, ...]  # UNUSED, DUPLICATE, SERVED_BY_ROWID, PREFIX, HARMFUL
    bytes: int
    write_seconds_saved: float | None  # measured as found, weighted by the log's counts
    read_seconds_saved: float | None  # measured; negative: reads get slower without it
    band_seconds: float | None  # the noise band of their sum (advisor.replay.noise)
    upkeep_saved: float  # analytic, row steps
    upkeep_basis: str
    create_sql: str | None


def drop_list(context: AuditContext, indexes: Iterable[AuditedIndex],
              unused: Iterable[Unused], redundant: Iterable[Redundancy],
              harmful: Iterable[Harmful], replayed: Iterable[Replayed]) -> tuple[Drop, ...]:
    reasons: dict[str, list[Decision]] = {}
    for entry in unused:
        if entry.drop:
            reasons.setdefault(entry.index, []).append(Decision.of(Reason.UNUSED))
    for r in redundant:
        if r.verdict != "redundant":
            continue
        if r.kind == "duplicate":
            why = Decision.of(Reason.DUPLICATE, other=r.covered_by)
        elif r.kind == "rowid":
            table = context.catalog.table(context.index(r.index).table)
            assert table is not None and table.rowid_alias  # what made it a rowid finding
            why = Decision.of(Reason.SERVED_BY_ROWID, table=table.name, column=table.rowid_alias)
        else:
            why = Decision.of(Reason.PREFIX, longer=r.covered_by)
        reasons.setdefault(r.index, []).append(why)
    for h in harmful:
        if h.drop:
            # The template the drop saves most on (the sum is harmful, so one saves).
            worst = max(h.measure.templates, key=lambda t: t.saved)
            reasons.setdefault(h.index, []).append(Decision.of(
                Reason.HARMFUL, template=worst.template_id, ms_with=worst.seconds_with * 1000,
                ms_without=worst.seconds_without * 1000))
            # A net saving may still cost some template dearly (a helpdesk trial's partial
            # index: one listing 0.03 ms -> 7 ms without it): named, not left to the sum.
            slowed = [t for t in h.measure.templates if t.effect == SAVES]
            if slowed:
                most = min(slowed, key=lambda t: t.saved)
                others = f"; {len(slowed) - 1} more slowed" if len(slowed) > 1 else ""
                reasons[h.index].append(Decision.of(
                    Reason.DROP_SLOWS, template=most.template_id,
                    ms_with=most.seconds_with * 1000, ms_without=most.seconds_without * 1000,
                    seconds=-most.saved, others=others))
    measured = {r.index: r for r in replayed}
    bytes_of = {ix.name: ix.bytes for ix in indexes}
    out = []
    for name, decisions in reasons.items():
        index = context.index(name)
        upkeep, basis = _upkeep(context, index)
        replay = measured.get(name)
        out.append(Drop(name, index.table, describe(index), tuple(decisions), bytes_of[name],
                        replay.first.write_seconds_saved if replay else None,
                        replay.first.read_seconds_saved if replay else None,
                        replay.first.band_seconds if replay else None, upkeep, basis,
                        index.sql))
    out.sort(key=lambda d: (d.table, d.index))
    return tuple(out)


def _upkeep(context: AuditContext, index: Index) -> tuple[float, str]:
    """The cost model's index upkeep: over the log's writes weighted by their counts, or,
    without a log, for one row inserted or deleted."""
    spec = index.spec
    if context.workload is None:
        one = maintenance(WriteAccess(index.table, "INSERT"), (spec,), context.data)
        return one.indexes, "row steps per row inserted or deleted (estimated, no log)"
    total = 0.0
    for tid, analysis in context.workload.analyses.items():
        write = analysis.write
        if write is not None and analysis.ok and tid in context.templates:
            total += maintenance(write, (spec,), context.data).indexes * context.count(tid)
    return total, "row steps over the log's writes (estimated)"

"""Each index's verdict, decided by what was measured where it was measured.

- harmful: the drop measured the workload faster beyond noise (advisor.review.audit.harmful),
  and slower in no statistics state;
- redundant: a duplicate, a prefix or an index on the rowid whose drop is measured
  within noise (advisor.review.audit.redundancy);
- keep: the drop measured the workload slower beyond noise in some statistics state;
- negligible: plans use it, but its drop is measured within noise in every state;
- unused: no plan uses it, and what it costs writes is measured within noise.

An index the replays did not measure (a constraint's, beyond --max-replays, one
serving no template, or with --no-replay) gets the estimate's verdict, marked so.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from advisor.review.audit.harmful import Harmful
from advisor.review.audit.redundancy import Redundancy
from advisor.review.audit.replay import SAVES, Replayed, StateMeasure
from advisor.review.audit.usage import AuditedIndex, Unused

HARMFUL, REDUNDANT, KEEP, NEGLIGIBLE, UNUSED = (
    "harmful", "redundant", "keep", "negligible", "unused")


@dataclass(frozen=True)
class Verdict:
    index: str
    definition: str
    verdict: str  # one of the above
    measured: bool  # decided by the replays; else by the estimate (``basis`` says why)
    basis: str
    states: tuple[StateMeasure, ...]  # what was measured, per statistics state


def verdicts(indexes: Iterable[AuditedIndex], replayed: Iterable[Replayed],
             unused: Iterable[Unused], redundant: Iterable[Redundancy],
             harmful: Iterable[Harmful], replays_ran: bool,
             not_replayed: Iterable[str]) -> tuple[Verdict, ...]:
    measured = {r.index: r for r in replayed}
    unused_names = {u.index for u in unused}
    redundant_names = {r.index for r in redundant if r.verdict == "redundant"}
    # One harmful in a state and saving in the other is kept (the basis names both).
    harmful_names = {h.index for h in harmful if h.saves_in is None}
    over = set(not_replayed)
    out = []
    for index in indexes:
        found = measured.get(index.name)
        if found is not None:
            effects = found.effects
            if index.name in harmful_names:
                verdict = HARMFUL
            elif SAVES in effects:
                verdict = KEEP
            elif index.name in redundant_names:
                verdict = REDUNDANT
            else:
                verdict = NEGLIGIBLE if index.used_by else UNUSED
            basis = "; ".join(f"{s.statistics}: {s.effect}" for s in found.states)
            out.append(Verdict(index.name, index.definition, verdict, True, basis,
                               found.states))
            continue
        if index.name in redundant_names:
            verdict = REDUNDANT
        elif index.name in unused_names:
            verdict = UNUSED
        else:
            verdict = KEEP
        if index.origin != "c":
            basis = "a PRIMARY KEY or UNIQUE constraint's index: not dropped, not measured"
        elif not replays_ran:
            basis = "estimated (replays not run)"
        elif index.name in over:
            basis = "estimated (not replayed: over --max-replays)"
        else:
            basis = "estimated (it serves no logged template: nothing to replay)"
        out.append(Verdict(index.name, index.definition, verdict, False, basis, ()))
    return tuple(out)

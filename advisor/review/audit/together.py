"""The drop list measured as a whole: every listed index dropped at once.

Each index's drop is measured alone (drop-one, advisor.review.audit.replay), with
every other index there. Two indexes can each look droppable because the other
stands in for it (a duplicate and its twin; a prefix and its duplicate, the
longer index unable to serve an ORDER BY the prefix serves), or one is unused
because the planner picks another that is itself dropped as harmful: dropped
together, the workload loses both. So the drop list is timed as a whole, by the
same rules on the same copies: the templates any listed index serves, with
every index and with all the listed ones dropped, in each statistics state.

When that is slower beyond the noise band in some state, indexes are put back
greedily, the one serving the most of the slowed time first (templates slower
beyond their own band; when none is, every template that got slower), and the
rest measured again, until it is not slower or MAX_PUT_BACKS re-measurements
have been made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from advisor.review.audit.plans import Progress
from advisor.review.audit.replay import SAVES, Replayed, Rig, StateMeasure, TemplateMeasure
from advisor.review.audit.usage import AuditedIndex

MAX_PUT_BACKS = 3  # re-measurements after the whole drop list, at most


@dataclass(frozen=True)
class Attempt:
    """Some of the drop list's indexes dropped at once, measured in each state."""

    dropped: tuple[str, ...]
    states: tuple[StateMeasure, ...]  # empty when nothing is left to drop

    @property
    def slower(self) -> bool:
        """Whether, in some state, the workload is slower without them beyond the band."""
        return any(s.effect == SAVES for s in self.states)

    @property
    def slowed(self) -> tuple[tuple[str, TemplateMeasure], ...]:
        """(state, template) slower without them beyond its own band, the worst first."""
        found = [(s.statistics, t) for s in self.states for t in s.faster]
        return tuple(sorted(found, key=lambda pair: pair[1].saved))


@dataclass(frozen=True)
class PutBack:
    """An index taken off the drop list, and the rest measured again without it."""

    index: str
    seconds: float  # the slowdown (weighted) of the templates it serves
    templates: tuple[str, ...]  # those templates
    after: Attempt


@dataclass(frozen=True)
class Together:
    whole: Attempt  # the drop list as it stands
    put_back: tuple[PutBack, ...]

    @property
    def final(self) -> Attempt:
        return self.put_back[-1].after if self.put_back else self.whole

    @property
    def safe(self) -> bool:
        """Whether what is left to drop is measured not slower beyond noise."""
        return not self.final.slower


def together(rig: Rig, indexes: Sequence[AuditedIndex], drops: Sequence[str],
             say: Progress, alone: Mapping[str, Replayed] | None = None) -> Together:
    """The indexes ``drops`` dropped at once on ``rig``'s copies; put back one at a time
    while that is slower beyond noise. ``alone``: each index's drop-one, which is what
    dropping it alone measures (the same templates, the same copies), not timed again."""
    audited = {ix.name: ix for ix in indexes}
    served = {name: rig.served(audited[name]) for name in drops}
    alone = alone or {}

    def attempt(names: Sequence[str]) -> Attempt:
        if not names:
            return Attempt((), ())
        if len(names) == 1 and names[0] in alone:
            return Attempt(tuple(names), alone[names[0]].states)
        states = []
        for position, state in enumerate(rig.states):
            say(f"audit: replaying without the {len(names)} indexes of the drop list at "
                f"once ({state})")
            templates = sorted({t for name in names for t in served[name][position]})
            states.append(rig.measure_without(position, frozenset(names), templates))
        return Attempt(tuple(sorted(names)), tuple(states))

    whole = attempt(drops)
    last, backs = whole, list[PutBack]()
    while last.slower and len(backs) < MAX_PUT_BACKS:
        name, seconds, templates = culprit(last, served)
        say(f"audit: the drop list is slower dropped at once; putting {name} back")
        last = attempt([n for n in last.dropped if n != name])
        backs.append(PutBack(name, seconds, templates, last))
    return Together(whole, tuple(backs))


def culprit(attempt: Attempt, served: dict[str, tuple[tuple[str, ...], ...]]
            ) -> tuple[str, float, tuple[str, ...]]:
    """The dropped index serving the most of the slowed time: (index, seconds, templates).
    The slowed templates are those slower beyond their own band; where none is (the sum
    is, its parts are not), every template that got slower in a state slower overall."""
    slowed = [(position, t) for position, s in enumerate(attempt.states)
              for t in s.faster]
    if not slowed:
        slowed = [(position, t) for position, s in enumerate(attempt.states)
                  if s.effect == SAVES for t in s.templates if t.saved < 0]
    weight: dict[str, float] = {}
    named: dict[str, set[str]] = {}
    for position, t in slowed:
        for name in attempt.dropped:
            if t.template_id in served[name][position]:
                weight[name] = weight.get(name, 0.0) - t.saved
                named.setdefault(name, set()).add(t.template_id)
    # Every measured template is served by some dropped index, so one is found.
    name = min(weight, key=lambda n: (-weight[n], n))
    return name, weight[name], tuple(sorted(named[name]))

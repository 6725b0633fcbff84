"""Reasons: one vocabulary for every decision about an index, with one sentence each.

Search, recommend, explain, the judging of a given list and the audit all say
why an index is chosen, rejected, kept or dropped with a ``Reason``: a stable
lowercase-hyphen code (what JSON carries and tests assert) and one sentence
for users. A sentence may name figures (``{share:.2%}``): a ``Decision`` keeps
the code and those figures as data, and renders the sentence from them. Some
figures are short phrases saying what a number is relative to (``of``: "the
workload cost"; ``beside``: "the rest of the list"), so one sentence serves
every command that takes the decision.

>>> Decision.of(Reason.NOT_WORTH_ITS_WRITES, table="event", upkeep="3,677,281",
...             read_saving="1,035,192").sentence
'write cost on event (3,677,281) exceeds its read saving (1,035,192)'
>>> Reason("no-gain") is Reason.NO_GAIN
True
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from enum import Enum


class Reason(str, Enum):
    """Why an index is chosen, rejected, kept or dropped."""

    SAVES = "saves"
    NO_GAIN = "no-gain"
    UNUSED = "unused"
    COSTS_MORE = "costs-more"
    WITHIN_TOLERANCE = "within-tolerance"
    NOT_IN_OPTIMUM = "not-in-optimum"
    NOT_WORTH_ITS_WRITES = "not-worth-its-writes"
    BELOW_MIN_SAVING = "below-min-saving"
    OVER_BUDGET = "over-budget"
    NARROWER = "narrower"
    NEGLIGIBLE = "negligible"
    REDUNDANT = "redundant"
    PREFIX = "prefix"
    DUPLICATE = "duplicate"
    SERVED_BY_EXISTING = "served-by-existing"
    SERVED_BY_ROWID = "served-by-rowid"
    HARMFUL = "harmful"
    DROP_SLOWS = "drop-slows"
    MEASURED_NO_GAIN = "measured-no-gain"
    MEASURED_SLOWER = "measured-slower"
    MEASURED_NO_GAIN_TOGETHER = "measured-no-gain-together"
    MEASURED_WITHIN_TOLERANCE = "measured-within-tolerance"
    IN_ORDER_SLOWER = "in-order-slower"

    @property
    def sentence(self) -> str:
        """The sentence users read, with ``{figure}`` fields a ``Decision`` fills in."""
        return SENTENCES[self]

    @property
    def figures(self) -> frozenset[str]:
        """The names of the figures its sentence needs."""
        return frozenset(field for _, field, _, _ in string.Formatter().parse(self.sentence)
                         if field)


SENTENCES: dict[Reason, str] = {
    Reason.SAVES: "saves {share:.2%} of {of} beside {beside}",
    Reason.NO_GAIN: ("no template gets cheaper with it beside {beside} (the planner does not "
                     "use it, or uses it for no saving)"),
    Reason.UNUSED: "no template's plan uses it",
    Reason.COSTS_MORE: "raises {of} by {rise:.2%} beside {beside}",
    Reason.WITHIN_TOLERANCE: ("saves only {share:.3%} of the workload cost beside {beside} "
                              "(tolerance {tolerance:.0%})"),
    Reason.NOT_IN_OPTIMUM: "the best set the search found within the budget does without it",
    Reason.NOT_WORTH_ITS_WRITES: ("write cost on {table} ({upkeep}) exceeds its read "
                                  "saving ({read_saving})"),
    Reason.BELOW_MIN_SAVING: ("saves {share:.2%} of the workload cost, below the least saving "
                              "asked of an index ({min_saving:.2%})"),
    Reason.OVER_BUDGET: ("saves {share:.2%} of the workload cost, but the budget (an index "
                         "count or a size) is spent on indexes that save more"),
    Reason.NARROWER: ("{narrower} holds the same keys without its wide columns, in fewer "
                      "bytes, and the workload with it in this one's place stays within "
                      "the tolerance ({tolerance:.0%} of the best saving); this one would "
                      "save {share:.3%} of the workload cost more"),
    Reason.NEGLIGIBLE: ("saves only {share:.3%} of the workload cost beside {beside} (less "
                        "than {threshold:.1%})"),
    Reason.REDUNDANT: ("alone it saves {alone_share:.2%} of the workload cost, but {beside} "
                       "serves the same templates as well"),
    Reason.PREFIX: ("a left prefix of {longer}, which serves what it would through the same "
                    "leading columns: no template's estimated cost rises without it"),
    Reason.DUPLICATE: "the same columns (and WHERE) as {other}",
    Reason.SERVED_BY_EXISTING: "served by the {kind} {index} on {definition}",
    Reason.SERVED_BY_ROWID: "served by the INTEGER PRIMARY KEY {table}.{column} (the rowid)",
    Reason.HARMFUL: "{template} runs {ms_with:.3f} ms with it, {ms_without:.3f} ms without",
    Reason.DROP_SLOWS: ("the drop slows {template} from {ms_with:.3f} ms to {ms_without:.3f} ms "
                        "({seconds:.3f} s over the log{others}), which the saving outweighs"),
    Reason.MEASURED_NO_GAIN: ("replayed with and without it beside {beside}, it saves no more "
                              "than noise: {gain:+.3g} s of the workload's time against a noise "
                              "band of {noise:.3g} s"),
    Reason.MEASURED_SLOWER: ("replayed with and without it beside {beside}, it makes {template} "
                             "{ratio:.2f}x slower and saves no more than noise overall "
                             "({gain:+.3g} s against a noise band of {noise:.3g} s)"),
    Reason.MEASURED_NO_GAIN_TOGETHER: (
        "without {guard} the rest of the set leads SQLite to plans slower than today's "
        "through {partners}, so its drop-one saving ({alone:+.3g} s) counts those plans; "
        "replayed with and without them all beside {beside}, they save no more than "
        "noise together: {gain:+.3g} s of the workload's time against a noise band of "
        "{noise:.3g} s"),
    Reason.MEASURED_WITHIN_TOLERANCE: (
        "replayed with and without it beside {beside}, it saves {gain:.3g} s (noise band "
        "{noise:.3g} s), within the tolerance on the templates of its tables: with what "
        "else went, a band of {band:.3g} s about the set's time there ({tolerance:.0%} of "
        "what the set saves there, or five times that share of the time, the less)"),
    Reason.IN_ORDER_SLOWER: ("the log replayed in order with and without it beside {beside} ran "
                             "{gain:.3g} s faster without it ({without:.3g} s against "
                             "{with_it:.3g} s of CPU; noise band {noise:.3g} s)"),
}

Figure = float | int | str


@dataclass(frozen=True)
class Decision:
    """A reason and the figures its sentence names (name, value pairs, in name order)."""

    code: Reason
    figures: tuple[tuple[str, Figure], ...] = ()

    def __post_init__(self) -> None:
        missing = self.code.figures - {name for name, _ in self.figures}
        if missing:
            raise ValueError(f"{self.code.value} needs the figures {', '.join(sorted(missing))}")

    @classmethod
    def of(cls, code: Reason, **figures: Figure) -> Decision:
        return cls(code, tuple(sorted(figures.items())))

    @property
    def sentence(self) -> str:
        return self.code.sentence.format(**dict(self.figures))

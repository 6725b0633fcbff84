"""The measured set checked against the log replayed in order, where that is affordable.

The measured decision (advisor.advise.measured) times each template's samples
alone: each run starts with SQLite's page cache emptied and a write is rolled
back. A server runs the log in order, and its statements share pages: the
checkout that updates a seat's status finds the seat-map pages the reads just
before it walked still cached. On the ticketing workload the sampled timing put
the `.expert` union's write time at 0.426 s where the log replayed in order
spends 0.109 s, and a covering index for one join, never a candidate then,
ran the log 13% faster in order while every other index of the union moved it
by less than the twins' noise.

So, when the log's replay under the set is cheap enough, the set is replayed in
log order beside a twin of itself and beside the set with one move each (a
candidate it left out added, the candidates saving most reads at the measured
prices first; an index of it dropped, those measured to earn least first), all
the copies taking turns statement by statement (advisor.replay.measure). The
move that runs the log faster than the set by more than the noise band
(``NOISE_BANDS`` times the twins' gap, the root mean square of every replay's
so far, and at least ``FLOOR`` of the set's time) is confirmed by a second
replay on fresh copies, the moved set and its twin beside the set as it was,
and taken only if it is faster there too by more than the band: with eight
moves beside the set, one of them can beat a band of twice the noise by
chance. Then, while the budget
lasts, the same from the new set. A move the sampled measurement prices at
``COSTLIER`` times the set is not replayed: an order of magnitude is not what
the order of statements changes. The budget is the check's wall time: a
copy's share of a replay is first priced at ``REPLAY_PER_PREDICTED`` times what
the sampled prices predict for the log, plus ``COPY_SECONDS`` to make it (among
many copies taking turns a replay measured 2-3 times the prediction, and
copies and their builds came on top); after each replay the estimate is
scaled to what that replay took.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import zip_longest

from advisor.model.indexes import IndexSpec

IN_ORDER_SECONDS = 30.0  # default budget: wall seconds the check may take
REPLAY_PER_PREDICTED = 3.0  # a copy's replay in order, per second the sampled prices predict…
COPY_SECONDS = 0.5  # …plus making the copy: the prior, until a replay is timed
MOVES = 2  # at most this many moves are taken, each searched for and confirmed
ADDS = 4  # candidates tried as additions in a search, at most
DROPS = 4  # indexes of the set tried as drops in a search, at most
PER_TABLE = 2  # candidates of one table tried as additions in a search, at most
NOISE_BANDS = 3.0  # a move is taken when it saves this many times the twins' gap…
FLOOR = 0.03  # …and at least this share of the set's time in order
COSTLIER = 1.5  # a move predicted to cost this many times the set is not replayed
CONFIRMING = 3  # copies a confirmation replays: the moved set, its twin, the set before

ADD, DROP = "add", "drop"


@dataclass(frozen=True)
class Move:
    """One configuration beside the set, replayed in order."""

    kind: str  # ADD or DROP
    spec: IndexSpec
    seconds: float  # the log in order with the move made (CPU seconds)
    gain: float  # the set's seconds less these: > 0, the move runs the log faster

    def describe(self) -> str:
        return f"{'+' if self.kind == ADD else '-'}{self.spec}"


@dataclass(frozen=True)
class Pass:
    """One replay of the log in order: a set and its twin, and configurations beside it
    (a search: the set with one move each; a confirmation: the set before the move)."""

    chosen: tuple[IndexSpec, ...]
    seconds: float  # the set's CPU seconds in order
    twin_seconds: float
    band: float  # seconds a move must save to be taken
    moves: tuple[Move, ...]
    taken: Move | None  # a search's best move beyond the band
    confirms: Move | None = None  # a confirmation: the move it replayed again
    confirmed: bool = False  # …and found faster than the set before beyond the band


@dataclass(frozen=True)
class InOrderCheck:
    """What replaying the log in order found, and what it changed."""

    passes: tuple[Pass, ...]
    budget: float  # wall seconds it could take
    seconds: float  # wall seconds it took, the copies' builds included
    skipped: str = ""  # why nothing was replayed

    @property
    def taken(self) -> tuple[Move, ...]:
        """The moves made: found by a search and confirmed."""
        return tuple(p.confirms for p in self.passes if p.confirmed and p.confirms is not None)

    def confirmation(self, spec: IndexSpec) -> Pass | None:
        """The pass that confirmed a move of ``spec``: the moved set, its twin, and the set
        before the move as its one move (None: ``spec`` was not moved)."""
        return next((p for p in self.passes if p.confirmed and p.confirms is not None
                     and p.confirms.spec == spec), None)


Replay = Callable[[Sequence[frozenset[IndexSpec]]], list[float]]  # CPU seconds per set


def check_in_order(chosen: frozenset[IndexSpec], adds: Sequence[IndexSpec],
                   drops: Sequence[IndexSpec], predicted: Callable[[frozenset[IndexSpec]], float],
                   replay: Replay, fits: Callable[[frozenset[IndexSpec]], bool],
                   budget: float = IN_ORDER_SECONDS,
                   clock: Callable[[], float] = time.perf_counter
                   ) -> tuple[frozenset[IndexSpec], InOrderCheck]:
    """The set after the moves the log in order takes, and the check's record.

    ``adds``: candidates outside the set, the most promising first; ``drops``: indexes
    of the set, the least proven first; ``predicted(config)``: the sampled measurement's
    seconds for the log under ``config``; ``replay(configs)``: each replayed in log
    order, together; ``fits(config)``: within the user's budget (index count, bytes);
    ``budget``: wall seconds, by ``clock``.
    """
    started = clock()
    scale = 1.0  # what replays took, over what the prior said they would

    def copy(config: frozenset[IndexSpec]) -> float:
        return scale * (REPLAY_PER_PREDICTED * predicted(config) + COPY_SECONDS)

    def timed(configs: list[frozenset[IndexSpec]]) -> list[float]:
        nonlocal scale
        expected = sum(copy(c) for c in configs) / scale
        began = clock()
        seconds = replay(configs)
        scale = max(clock() - began, 1e-9) / expected
        return seconds

    passes: list[Pass] = []
    tried: set[tuple[str, IndexSpec]] = set()
    skipped = ""
    gaps: list[float] = []  # every replay's twins' gap: one is a single draw of the noise
    for _ in range(MOVES):
        left = budget - (clock() - started)
        cost = (2 + CONFIRMING) * copy(chosen)  # the set, its twin; the confirmation's three
        planned: list[tuple[str, IndexSpec]] = []
        configs = [chosen, chosen]
        for kind, spec in _interleaved(chosen, adds, drops, tried, fits):
            config = _moved(chosen, kind, spec)
            price = copy(config)
            if predicted(config) > COSTLIER * predicted(chosen) or cost + price > left:
                continue
            planned.append((kind, spec))
            configs.append(config)
            cost += price
        if not planned:
            if not passes:
                skipped = (f"the log replayed in order would take about {copy(chosen):.3g} s "
                           f"a copy, and a search and its confirmation exceed the budget of "
                           f"{budget:g} s" if (3 + CONFIRMING) * copy(chosen) > left
                           else "no candidate to add or index to drop")
            break
        tried.update(planned)
        searched = _replayed(chosen, planned, timed(configs), gaps)
        passes.append(searched)
        if searched.taken is None:
            break
        move = searched.taken
        moved = _moved(chosen, move.kind, move.spec)
        again = timed([moved, moved, chosen])
        band = _band(again[0], again[1], gaps)
        gain = again[2] - again[0]
        passes.append(Pass(tuple(sorted(moved)), again[0], again[1], band,
                           (Move(_undo(move.kind), move.spec, again[2], -gain),), None,
                           move, gain > band))
        if gain <= band:
            break
        chosen = moved
    return chosen, InOrderCheck(tuple(passes), budget, clock() - started, skipped)


def _replayed(chosen: frozenset[IndexSpec], planned: Sequence[tuple[str, IndexSpec]],
              seconds: Sequence[float], gaps: list[float]) -> Pass:
    """A search's pass from its replay: the set, its twin, then each planned move."""
    mine, twin = seconds[0], seconds[1]
    band = _band(mine, twin, gaps)
    moves = tuple(Move(kind, spec, s, mine - s)
                  for (kind, spec), s in zip(planned, seconds[2:], strict=True))
    best = max(moves, key=lambda m: m.gain)
    return Pass(tuple(sorted(chosen)), mine, twin, band, moves,
                best if best.gain > band else None)


def _band(mine: float, twin: float, gaps: list[float]) -> float:
    """Seconds a configuration must save beside a set to be more than noise, with this
    replay's twins' gap added to ``gaps``: on the IoT trial a confirmation's twins came
    out 2.4% apart where the search's were 0.3%, and three times that one draw rejected
    a move both replays had measured 5.5% faster."""
    gaps.append(twin - mine)
    spread = math.sqrt(sum(g * g for g in gaps) / len(gaps))
    return max(NOISE_BANDS * spread, FLOOR * mine)


def _undo(kind: str) -> str:
    return DROP if kind == ADD else ADD


def _interleaved(chosen: frozenset[IndexSpec], adds: Sequence[IndexSpec],
                 drops: Sequence[IndexSpec], tried: set[tuple[str, IndexSpec]],
                 fits: Callable[[frozenset[IndexSpec]], bool]
                 ) -> list[tuple[str, IndexSpec]]:
    """The moves worth a replay beside ``chosen``, an addition and a drop in turn; at most
    ``PER_TABLE`` additions on one table (the ticketing workload's four most promising
    were one seats index in four column orders, the IoT trial's four on alerts)."""
    adding: list[tuple[str, IndexSpec]] = []
    for spec in adds:
        if (spec in chosen or (ADD, spec) in tried or not fits(chosen | {spec})
                or sum(s.table == spec.table for _, s in adding) >= PER_TABLE):
            continue
        adding.append((ADD, spec))
    adding = adding[:ADDS]
    dropping = [(DROP, s) for s in drops if s in chosen and (DROP, s) not in tried][:DROPS]
    return [move for pair in zip_longest(adding, dropping) for move in pair
            if move is not None]


def _moved(chosen: frozenset[IndexSpec], kind: str, spec: IndexSpec) -> frozenset[IndexSpec]:
    return chosen | {spec} if kind == ADD else chosen - {spec}

"""Compare: index configurations side by side, estimated and (with a database) measured.

Estimated: the workload cost model of recommend (reads weighted by counts,
writes charged for index upkeep), with the analytic size of the indexes.
Measured: each configuration replayed on its own copy of the database
(advisor.replay.measure), in each statistics state asked for: the database's own
(a Torc database has no sqlite_stat1 at all) and after ANALYZE, because an
index can help in one and hurt in the other. Every configuration replays the
same statements (values drawn once from the database).

The verdict picks, per state, the configuration with the least measured time
(estimated cost without a database); among those within ``VERDICT_TOLERANCE``
of it, the one with the fewest indexes.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path

from advisor.analysis.workload import Workload
from advisor.catalog.database import open_read_only
from advisor.costing.pricing import EstimatedPricer, Pricer, estimated_pricer
from advisor.costing.sizes import index_bytes
from advisor.model.frozen import freeze_mappings
from advisor.model.indexes import IndexSpec
from advisor.model.ranking import ranks, spearman
from advisor.replay.matches import Matches, value_matches
from advisor.replay.measure import (
    ANALYZED,
    AS_FOUND,
    Configuration,
    Measurement,
    ReplaySet,
    measure_together,
    replay_set,
)

VERDICT_TOLERANCE = 0.05


@dataclass(frozen=True)
class Compared:
    label: str
    indexes: tuple[IndexSpec, ...]
    estimated_total: float
    estimated_read: float
    estimated_upkeep: float
    estimated_bytes: int
    per_template: Mapping[str, float]  # template id -> estimated weighted cost
    measurements: tuple[Measurement, ...]  # one per statistics state, in the order asked
    # Per measured state, the estimate as SQLite plans in it (no sqlite_stat1: its defaults).
    per_state: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    drops: tuple[str, ...] = ()  # the database's own indexes it drops, by name

    def __post_init__(self) -> None:
        freeze_mappings(self, "per_template", "per_state")

    @property
    def measurement(self) -> Measurement | None:
        """The first state's measurement (the database's own statistics by default)."""
        return self.measurements[0] if self.measurements else None

    def measured(self, state: str) -> Measurement | None:
        return next((m for m in self.measurements if m.statistics == state), None)

    def measured_seconds(self, state: str | None = None) -> float | None:
        found = self.measurement if state is None else self.measured(state)
        if found is None:
            return None
        return found.weighted_seconds


@dataclass(frozen=True)
class Comparison:
    configurations: tuple[Compared, ...]
    verdict: str  # the first state's (or the estimate's, unmeasured)
    best: str
    verdicts: Mapping[str, tuple[str, str]]  # statistics state -> (best, verdict)

    def __post_init__(self) -> None:
        freeze_mappings(self, "verdicts")


def compare(workload: Workload,
            configurations: Sequence[Configuration | tuple[str, tuple[IndexSpec, ...]]],
            database: Path | None = None, repetitions: int = 3,
            statement_seconds: float = 5.0, states: Sequence[str] = (AS_FOUND,),
            progress: Callable[[str], None] | None = None,
            statements: ReplaySet | None = None) -> Comparison:
    """Estimate every configuration (label, indexes[, drops]); with ``database``, also
    measure it in each of ``states`` (AS_FOUND, ANALYZED) on its own copy, replaying
    ``statements`` (filled from ``database`` when not given)."""
    configs = [Configuration(*c) for c in configurations]
    matches: Mapping[str, Matches] = {}
    had_stat1 = False
    with ExitStack() as planners:
        pricers: dict[tuple[str | None, tuple[str, ...]], Pricer] = {}

        def pricer(state: str | None, drops: tuple[str, ...]) -> Pricer:
            """The estimate (``state`` None) or the one planned as SQLite does in
            ``state``, on the schema without the indexes a configuration drops."""
            if (state, drops) not in pricers:
                mine = _without(workload, drops)
                pricers[state, drops] = planners.enter_context(
                    estimated_pricer(mine) if state is None
                    else _state_pricer(mine, state == ANALYZED or had_stat1, matches))
            return pricers[state, drops]

        measured: list[list[Measurement]] = [[] for _ in configs]
        if database is not None:
            if statements is None:
                statements = replay_set(workload, database, repetitions)
            if progress is not None:
                progress(f"measuring {len(configs)} configurations × {len(states)} "
                         "statistics states, side by side")
            together = measure_together(
                workload, database,
                [(c.label, c.indexes, state == ANALYZED, c.drops)
                 for c in configs for state in states],
                repetitions, statement_seconds, statements)
            for k, measurement in enumerate(together):
                measured[k // len(states)].append(measurement)
            matches = value_matches(workload, database, statements)
            had_stat1 = _has_stat1(database)
        compared = []
        for c, mine in zip(configs, measured, strict=True):
            config = frozenset(c.indexes)
            estimate = pricer(None, c.drops)
            total, read, upkeep = estimate.totals(config)
            per_template = _per_template(estimate, config)
            per_state = ({state: _per_template(pricer(state, c.drops), config)
                          for state in states} if database is not None else {})
            size = sum(index_bytes(s, workload.catalog, workload.statistics) for s in c.indexes)
            compared.append(Compared(c.label, c.indexes, total, read, upkeep, size, per_template,
                                     tuple(mine), per_state, c.drops))
        verdicts = ({state: _verdict(compared, state) for state in states} if database is not None
                    else {"estimated": _verdict(compared, None)})
        best, verdict = next(iter(verdicts.values()))
        return Comparison(tuple(compared), verdict, best, verdicts)


def _without(workload: Workload, drops: tuple[str, ...]) -> Workload:
    """The workload on its schema less the indexes named in ``drops``."""
    if not drops:
        return workload
    dropped = tuple(index for index in workload.catalog.indexes if index.name in drops)
    return replace(workload, catalog=workload.catalog.without(dropped))


def _per_template(pricer: Pricer, config: frozenset[IndexSpec]) -> dict[str, float]:
    return {tid: pricer.priced(tid, config).weighted for tid in pricer.templates}


def _state_pricer(workload: Workload, has_stat1: bool,
                  matches: Mapping[str, Matches]) -> EstimatedPricer:
    """Estimates as SQLite plans on the measured copy (after ANALYZE it has sqlite_stat1;
    as found, only if the database had one), costed with the rows the replayed values
    match there (advisor.replay.matches)."""
    return estimated_pricer(workload, replace(workload.statistics, planner_has_stats=has_stat1),
                            matches)


def _has_stat1(database: Path) -> bool:
    connection = open_read_only(database)
    try:
        return connection.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone() is not None
    finally:
        connection.close()


def _verdict(compared: list[Compared], state: str | None) -> tuple[str, str]:
    """The fewest indexes within VERDICT_TOLERANCE of the least cost or time.

    Measured, configurations on which SQLite chose the very same plans for
    every template run the same code on the same rows: what separates their
    times is the machine's noise, so each is scored by the median of its
    plan-twins' times, and the verdict names them.
    """
    measured = state is not None
    twins = _plan_twins(compared, state) if measured else {}

    def raw(c: Compared) -> float:
        return c.measured_seconds(state) if measured else c.estimated_total  # type: ignore

    def score(c: Compared) -> float:
        group = twins.get(id(c), [c])
        return statistics.median(raw(t) for t in group)

    lowest = min(score(c) for c in compared)
    close = [c for c in compared if score(c) <= lowest * (1 + VERDICT_TOLERANCE)]
    # A configuration that drops the database's own indexes has that many fewer.
    best = min(close, key=lambda c: (len(c.indexes) - len(c.drops), score(c)))
    basis = "measured time" if measured else "estimated cost"
    fastest = min(compared, key=score)
    parts = []
    against = [compared[0]] + ([fastest] if fastest is not compared[0] else [])
    for other in against:  # the baseline, and the fastest
        if other is not best and other not in twins.get(id(best), []) and score(other) > 0:
            change = 1 - score(best) / score(other)
            direction = "less" if change >= 0 else "more"
            grouped = len(twins.get(id(other), [])) > 1 or len(twins.get(id(best), [])) > 1
            parts.append(f"{abs(change):.0%} {direction} {basis} than {other.label}"
                         + (" (medians over plan-twins)" if grouped else ""))
    noun = "index" if len(best.indexes) == 1 else "indexes"
    dropping = f" and {len(best.drops)} of the database's own dropped" if best.drops else ""
    text = (f"{best.label}, with {len(best.indexes)} {noun}{dropping}: the fewest indexes within "
            f"{VERDICT_TOLERANCE:.0%} of the least {basis}"
            + (f" ({'; '.join(parts)})" if parts else ""))
    same = [t.label for t in twins.get(id(best), []) if t is not best]
    if same:
        text += (f"; SQLite chose the same plans with {', '.join(same)}, so their measured "
                 "differences are noise")
    return best.label, text


def plan_groups(compared: Sequence[Compared], state: str) -> dict[str, str]:
    """Configuration label -> a letter shared by the configurations on which SQLite
    chose the same plan for every template in ``state`` (A for the first's)."""
    letters: dict[tuple[tuple[str, str], ...], str] = {}
    out = {}
    for c in compared:
        measurement = c.measured(state)
        if measurement is None or not measurement.plans:
            continue
        key = tuple(sorted(measurement.plans.items()))
        out[c.label] = letters.setdefault(key, chr(ord("A") + len(letters) % 26))
    return out


def _plan_twins(compared: list[Compared], state: str | None) -> dict[int, list[Compared]]:
    """id(configuration) -> the configurations with the same plan for every template."""
    groups: dict[tuple[tuple[str, str], ...], list[Compared]] = {}
    for c in compared:
        measurement = c.measured(state) if state is not None else None
        if measurement is not None and measurement.plans:
            groups.setdefault(tuple(sorted(measurement.plans.items())), []).append(c)
    return {id(c): group for group in groups.values() for c in group}


FLIP_RATIO = 1.25  # a template this much faster in one state and slower in the other


@dataclass(frozen=True)
class StateFlip:
    """A template an index configuration speeds up in one statistics state and slows down
    in the other, each against the first configuration in the same state."""

    template_id: str
    configuration: str
    ratios: Mapping[str, float]  # state -> measured median / first configuration's median

    def __post_init__(self) -> None:
        freeze_mappings(self, "ratios")


def state_flips(comparison: Comparison) -> list[StateFlip]:
    """Where the statistics state decides whether an index helps or hurts."""
    baseline = comparison.configurations[0]
    states = [m.statistics for m in baseline.measurements]
    if len(states) < 2:
        return []
    base = {state: _medians(baseline.measured(state)) for state in states}
    flips = []
    for configured in comparison.configurations[1:]:
        mine = {state: _medians(configured.measured(state)) for state in states}
        for template_id in base[states[0]]:
            ratios = {}
            for state in states:
                before, after = base[state].get(template_id), mine[state].get(template_id)
                if before and after is not None:
                    ratios[state] = after / before
            if len(ratios) == len(states) and max(ratios.values()) > FLIP_RATIO and min(
                    ratios.values()) < 1 / FLIP_RATIO:
                flips.append(StateFlip(template_id, configured.label, ratios))
    return flips


def _medians(measurement: Measurement | None) -> dict[str, float]:
    if measurement is None:
        return {}
    return {t.template_id: t.median_seconds for t in measurement.timings
            if t.median_seconds is not None}


@dataclass(frozen=True)
class Misestimate:
    template_id: str
    configuration: str
    estimated: float  # per execution, cost units
    measured_seconds: float
    rank_gap: float  # |estimated rank - measured rank| over the pairs


@dataclass(frozen=True)
class Fidelity:
    """How well estimated cost orders (template, configuration) pairs as measured time does."""

    spearman_rho: float | None
    pairs: int
    worst: tuple[Misestimate, ...]


def fidelity(comparison: Comparison, workload: Workload, worst: int = 5,
             state: str | None = None, averages: bool = False) -> Fidelity:
    """Rank agreement of estimated per-execution cost and measured median time, in one
    statistics state (default: the first measured). The estimates are the state's
    (planned as in that state, costed with the replayed values' counted rows), or
    with ``averages`` the workload's own (its statistics' averages, as recommend sees)."""
    pairs = []
    for configured in comparison.configurations:
        measured = configured.measurement if state is None else configured.measured(state)
        if measured is None:
            continue
        estimates = (configured.per_template if averages else
                     configured.per_state.get(measured.statistics, configured.per_template))
        for timing in measured.timings:
            if timing.median_seconds is None or timing.template_id not in estimates:
                continue
            count = workload.digest.templates[timing.template_id].count
            pairs.append((timing.template_id, configured.label,
                          estimates[timing.template_id] / count, timing.median_seconds))
    estimated = [p[2] for p in pairs]
    seconds = [p[3] for p in pairs]
    rho = spearman(estimated, seconds)
    gaps = []
    if pairs:
        ranks_e, ranks_m = ranks(estimated), ranks(seconds)
        gaps = sorted((Misestimate(p[0], p[1], p[2], p[3], abs(e - m))
                       for p, e, m in zip(pairs, ranks_e, ranks_m, strict=True)),
                      key=lambda miss: -miss.rank_gap)
    return Fidelity(rho, len(pairs), tuple(gaps[:worst]))

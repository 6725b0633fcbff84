"""Decision fidelity: the estimate judged by what a recommendation is decided on.

    python bench/decision_fidelity.py                          # Torc, synthesised at scale 1
    python bench/decision_fidelity.py --log workloads/tpch/workload.log \\
        --db "$(python workloads/tpch/build.py --scale 0.01)" --name "TPC-H SF 0.01"

The workload's recommended set (advisor's search on the estimate) is measured
on copies of the database together with no index and with the set less each of
its indexes, the copies taking turns statement by statement, ``--rounds``
times. Per statistics state, two figures (advisor.review.fidelity): each
template's estimated share of the no-index workload cost against its measured
share (every template at 1% or more either way, within 2×), and each chosen
index's estimated drop-one saving against its measured one (within 1.5×); and
Spearman's rho over the (template, configuration) pairs. The estimates are
given twice: with the rows the replayed values match counted on the database
(as ``advisor compare`` estimates), and with the workload's own statistics
(averages, as ``advisor recommend`` decides). Measured figures are medians over
the rounds; each saving also shows its rounds' spread, and is measured a second
way: each template whose plan and writes dropping the index leaves alone counted
at the set's own measurement in both (a template measured once a plan, as
recommend measures: the difference of such a template can only be noise). Writes
its section of docs/benchmarks.md, named after the workload.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path

import benchdoc

from advisor.advise.recommend import recommend
from advisor.analysis.workload import Workload, load_workload
from advisor.candidates.sampled import with_sampled_statistics
from advisor.costing.pricing import EstimatedPricer, estimated_pricer
from advisor.digest.digest import DigestOptions, digest_logs
from advisor.model.indexes import IndexSpec
from advisor.model.ranking import spearman
from advisor.replay.matches import value_matches
from advisor.replay.measure import ANALYZED, AS_FOUND, ReplaySet, configured_copy, replay_set
from advisor.replay.sandbox import Outcome, Sandbox, Tally, time_together
from advisor.replay.synth import cached_database
from advisor.review.configs import resolve_configurations
from advisor.review.fidelity import (
    SAVING_TOLERANCE,
    SHARE_FLOOR,
    SHARE_TOLERANCE,
    SavingCheck,
    SavingFidelity,
    ShareFidelity,
    saving_fidelity,
    share_fidelity,
)

TORC = benchdoc.ROOT / "workloads" / "torc"
STATES = {"as-found": (AS_FOUND,), "analyzed": (ANALYZED,), "both": (AS_FOUND, ANALYZED)}
NONE, CHOSEN = "none", "recommended"
LISTED = 8  # templates listed per state among those out of tolerance

Configuration = tuple[str, tuple[IndexSpec, ...]]
PerTemplate = dict[str, float]  # template id -> weighted cost (estimated) or seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--log", default=str(TORC / "workload.log"))  # shown from the root
    parser.add_argument("--db", help="The database to measure on (default: the profile's "
                                     "synthesis next to the log, at --scale).")
    parser.add_argument("--name", help="The workload's name in the section's title.")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--stats", choices=sorted(STATES), default="both")
    parser.add_argument("--indexes", help="Measure this set in place of the recommended "
                        "one: a configuration as `advisor compare -c` takes it (a .sql file "
                        "or 'table(col, ...);...'), to judge two estimates on one set.")
    parser.add_argument("--out", type=Path, default=benchdoc.BENCHMARKS_MD)
    args = parser.parse_args()
    started = time.perf_counter()
    log = args.log
    name = args.name or Path(log).parent.name
    digest = digest_logs([log], DigestOptions())
    if args.db:
        database = Path(args.db)
        workload = load_workload([log], db=str(database), digest=digest)
    else:
        folder = Path(log).parent
        database = cached_database(folder / "schema.sql", folder / "profile.toml",
                                   scale=args.scale)
        workload = load_workload([log], digest=digest, scale=args.scale)
    # As recommend decides where a database is at hand: its sampled ANALYZE laid over.
    workload = with_sampled_statistics(workload, database)
    if args.indexes:
        chosen = resolve_configurations([args.indexes], workload)[0].indexes
        what = f"given {len(chosen)}"
    else:
        chosen = tuple(entry.spec for entry in recommend(workload).chosen)
        what = f"recommended {len(chosen)}"
    configurations: list[Configuration] = [(NONE, ()), (CHOSEN, chosen)] + [
        (_without(spec), tuple(s for s in chosen if s != spec)) for spec in chosen]
    states = STATES[args.stats]
    filled = replay_set(workload, database, args.repetitions)
    rounds = []
    for number in range(args.rounds):
        print(f"round {number + 1} of {args.rounds}: {len(configurations)} configurations "
              f"x {len(states)} states", flush=True)
        rounds.append(_measure(workload, database, configurations, states, filled,
                               args.repetitions))
    estimates = _estimates(workload, database, configurations, states, filled)
    seconds = time.perf_counter() - started
    command = (f"python bench/decision_fidelity.py --log {benchdoc.shown(log)}"
               + (f" --db {args.db}" if args.db else f" --scale {args.scale:g}")
               + (f" --name '{args.name}'" if args.name else "")
               + (f" --indexes '{args.indexes}'" if args.indexes else "")
               + f" --repetitions {args.repetitions} --rounds {args.rounds} --stats {args.stats}")
    section_name = "decision-fidelity-" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    begin, end = benchdoc.markers(section_name)
    lines = [begin, *benchdoc.preamble(f"Decision fidelity: {name}", command), "",
             f"`{benchdoc.shown(log)}`, {len(workload.digest.templates)} templates, measured on "
             f"{args.db or f'the profile synthesis at scale {args.scale:g}'}: no index, the "
             f"{what} ({', '.join(str(s) for s in chosen) or 'none'}) "
             f"and the set less each of them; {args.rounds} rounds of "
             f"{len(configurations) * len(states)} copies taking turns, each statement "
             f"{args.repetitions}+ times, timed in CPU seconds (the machine is shared: wall "
             f"time stretches with other processes' load), {seconds:.0f} s in all. Shares: "
             f"templates at {SHARE_FLOOR:.0%} or more of the no-index cost either way, within "
             f"{SHARE_TOLERANCE:g}×; savings: what dropping the index adds to the set's cost, "
             f"within {SAVING_TOLERANCE:g}×. *counted*: estimated with the rows the replayed "
             "values match, as `recommend --db` prices its prior; *averages*: with the "
             "workload's statistics and a sampled ANALYZE of the database laid over them, "
             "as `recommend --db --estimate-only` decides.",
             ""]
    for state in states:
        lines += _state_lines(rounds, estimates, state, chosen, workload)
    lines.append(end)
    section = "\n".join(lines) + "\n"
    benchdoc.write_section(section_name, section, args.out)
    print(section)


def _without(spec: IndexSpec) -> str:
    return f"without {spec}"


def _cpu_timed(run: Callable[..., Outcome]) -> Callable[..., Outcome]:
    """``Sandbox.run`` timed in this thread's CPU seconds instead of wall seconds."""
    def timed(sql: str, params: Sequence[object] | dict[str, object] = ()) -> Outcome:
        before = time.thread_time()
        outcome = run(sql, params)
        if outcome.seconds is None:
            return outcome
        return Outcome(time.thread_time() - before, outcome.status, outcome.detail)
    return timed


@dataclass(frozen=True)
class Round:
    """One round: (configuration label, state) -> measured per template, and plans."""

    seconds: Mapping[tuple[str, str], PerTemplate]
    plans: Mapping[tuple[str, str], Mapping[str, str]]


def _measure(workload: Workload, database: Path, configurations: Sequence[Configuration],
             states: Sequence[str], filled: ReplaySet, repetitions: int) -> Round:
    """Every configuration in every state on its own copy, the copies taking turns."""
    keys = [(label, state) for label, _ in configurations for state in states]
    counts = {t: s.count for t, s in workload.digest.templates.items()}
    with ExitStack() as stack:
        boxes: list[Sandbox] = []
        for _, indexes in configurations:
            for state in states:
                box, _, _ = stack.enter_context(
                    configured_copy(database, indexes, 5.0, state == ANALYZED))
                box.run = _cpu_timed(box.run)  # type: ignore[method-assign]
                boxes.append(box)
        timings = time_together(boxes, filled.statements, repetitions,
                                [Tally() for _ in boxes])
        plans = [{tid: box.plan(sqls[0]) for tid, _, sqls in filled.statements}
                 for box in boxes]
    seconds = {key: {t.template_id: t.median_seconds * counts[t.template_id]
                     for t in mine if t.median_seconds is not None}
               for key, mine in zip(keys, timings, strict=True)}
    return Round(seconds, dict(zip(keys, plans, strict=True)))


def _estimates(workload: Workload, database: Path, configurations: Sequence[Configuration],
               states: Sequence[str], filled: ReplaySet
               ) -> dict[tuple[str, str, bool], PerTemplate]:
    """(label, state, averages) -> estimated weighted cost per template: planned as
    SQLite plans in that state, costed with the rows the replayed values match (or with
    the workload's averages, as recommend decides)."""
    matches = value_matches(workload, database, filled)
    out: dict[tuple[str, str, bool], PerTemplate] = {}
    for state in states:
        for averages in (False, True):
            planned = replace(workload.statistics, planner_has_stats=(
                state == ANALYZED or (averages and workload.statistics.planner_has_stats)))
            pricer: EstimatedPricer
            with estimated_pricer(workload, planned, None if averages else matches) as pricer:
                for label, indexes in configurations:
                    config = frozenset(indexes)
                    out[(label, state, averages)] = {
                        tid: pricer.priced(tid, config).weighted for tid in pricer.templates}
    return out


def _median_by_template(rounds: Sequence[PerTemplate]) -> PerTemplate:
    return {t: statistics.median(r[t] for r in rounds if t in r) for t in rounds[0]}


def _state_lines(rounds: Sequence[Round], estimates: Mapping[tuple[str, str, bool], PerTemplate],
                 state: str, chosen: Sequence[IndexSpec], workload: Workload) -> list[str]:
    counts = {t: s.count for t, s in workload.digest.templates.items()}
    measured_none = _median_by_template([r.seconds[(NONE, state)] for r in rounds])
    lines = [f"### {state}", "",
             "| estimate | shares within | savings within | savings within, of those "
             "every round measured above 0 | savings within, a template measured once "
             "a plan | Spearman rho |",
             "|---|--:|--:|--:|--:|--:|"]
    details: list[str] = []
    for averages in (False, True):
        kind = "averages" if averages else "counted"
        shares = share_fidelity(estimates[(NONE, state, averages)], measured_none)

        def total(label: str, measured: PerTemplate, averages: bool = averages
                  ) -> tuple[float, float]:
            return sum(estimates[(label, state, averages)].values()), sum(measured.values())

        per_round = [saving_fidelity(
            total(CHOSEN, r.seconds[(CHOSEN, state)]),
            {str(spec): total(_without(spec), r.seconds[(_without(spec), state)])
             for spec in chosen}) for r in rounds]
        savings = _median_savings(per_round)
        # The same, each template whose plan and writes dropping the index leaves alone
        # counted at the set's own measurement in both: its difference can only be noise.
        once = _median_savings([saving_fidelity(
            total(CHOSEN, r.seconds[(CHOSEN, state)]),
            {str(spec): total(_without(spec), _once_a_plan(r, state, spec, workload))
             for spec in chosen}) for r in rounds])
        spread = {k: (min(r.checks[k].measured for r in per_round),
                      max(r.checks[k].measured for r in per_round))
                  for k in range(len(savings.checks))}
        # A saving some round measured at zero or below is not told apart from noise.
        clear = [k for k in range(len(savings.checks)) if spread[k][0] > 0]
        rhos = [_rho(r, estimates, state, averages, counts) for r in rounds]
        known = [rho for rho in rhos if rho is not None]
        rho = f"{statistics.median(known):.2f}" if known else "n/a"
        lines.append(f"| {kind} | {shares.within} of {len(shares.checks)} | "
                     f"{savings.within} of {len(savings.checks)} | "
                     f"{sum(savings.passed(savings.checks[k]) for k in clear)} of {len(clear)} "
                     f"| {once.within} of {len(once.checks)} | {rho} |")
        listed = "; ".join(
            f"{check.index}: estimated {check.estimated:+.1%}, measured "
            f"{check.measured:+.1%} ({spread[k][0]:+.1%} … {spread[k][1]:+.1%}; once a "
            f"plan {once.checks[k].measured:+.1%})"
            for k, check in enumerate(savings.checks))
        details += [*_share_lines(shares, kind), "",
                    f"Savings ({kind}): {listed or 'no index chosen'}", ""]
    return [*lines, "", *details]


def _median_savings(per_round: Sequence[SavingFidelity]) -> SavingFidelity:
    """Each index's estimated saving, and its measured one's median over the rounds."""
    return SavingFidelity(tuple(
        SavingCheck(first.index, first.estimated,
                    statistics.median(r.checks[k].measured for r in per_round))
        for k, first in enumerate(per_round[0].checks)), SAVING_TOLERANCE)


def _once_a_plan(measured: Round, state: str, spec: IndexSpec, workload: Workload
                 ) -> PerTemplate:
    """The set less ``spec``, measured: each template SQLite runs by the same plan as
    with the whole set, and that writes no row of ``spec``'s table, at the set's own
    measurement (a template measured once a plan, as recommend measures)."""
    label = _without(spec)
    chosen = measured.seconds[(CHOSEN, state)]
    plans, chosen_plans = measured.plans[(label, state)], measured.plans[(CHOSEN, state)]
    out = dict(measured.seconds[(label, state)])
    for template_id, seconds in chosen.items():
        write = workload.analyses[template_id].write
        writes = write is not None and write.table.lower() == spec.table.lower()
        if plans.get(template_id) == chosen_plans.get(template_id) and not writes:
            out[template_id] = seconds
    return out


def _rho(measured: Round, estimates: Mapping[tuple[str, str, bool], PerTemplate], state: str,
         averages: bool, counts: Mapping[str, int]) -> float | None:
    """Spearman's rho over (template, configuration) pairs of per-execution cost."""
    xs, ys = [], []
    for (label, measured_state), seconds in measured.seconds.items():
        if measured_state != state:
            continue
        estimated = estimates[(label, state, averages)]
        for template_id, weighted in seconds.items():
            if template_id in estimated:
                xs.append(estimated[template_id] / counts[template_id])
                ys.append(weighted / counts[template_id])
    return spearman(xs, ys)


def _share_lines(shares: ShareFidelity, kind: str) -> list[str]:
    worst = shares.worst[:LISTED]
    if not worst:
        return [f"Shares ({kind}): every checked template within."]
    return [f"Shares ({kind}) out of tolerance, farthest first: " + "; ".join(
        f"{c.template_id} estimated {c.estimated:.1%} vs measured {c.measured:.1%}"
        for c in worst)]


if __name__ == "__main__":
    main()

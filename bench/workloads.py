"""The benchmark workloads measured: no index, SQLite's ``.expert`` union, advisor's
recommendation.

    python bench/workloads.py                       # Torc scale 1, TPC-H SF 0.01, TPC-C-like,
                                                    # event ticketing, accounting ledger
    python bench/workloads.py --workloads tpch --tpch-sf 0.1
    python bench/workloads.py --workloads tickets --out /tmp/tickets.md
    python bench/workloads.py --quick               # one round, one repetition; no doc

Per workload: the database is built (TPC-H from tpchgen-cli, the TPC-C-like,
ticketing and ledger ones seeded, all cached under ~/.cache/advisor/workloads) or
synthesised (Torc, from its profile, cached by advisor); advisor's recommendation is made
as the command line makes it with ``--db`` (``run_recommend``, timed);
every template's samples are filled with values from the database once
(``replay_set``), and the sqlite3 shell's ``.expert`` is asked about each of
those distinct statements, the union of its proposals being the anchor. Then
``--rounds`` rounds each measure every configuration, in every statistics
state asked for, on its own fresh copy, the copies taking turns statement by
statement (``measure_together``), so that load on this shared machine falls
on all alike; ratios are taken within a round, then their median over the
rounds. The issue's targets are checked on the medians, and every template
measured slower with the recommended set than with none beyond the noise band
(see ``NOISE_FLOOR``) is listed. ``--in-order-rounds N``: every configuration
is also replayed the way the server ran the log, every statement once in log
order with writes applied (advisor's ``measure_in_order``, as found), all the
copies taking turns statement by statement with a twin of the recommended set,
N rounds: a check on the sampled protocol by a replay that shares none of its
choices (samples, repetitions, rolled-back writes). Results go to
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import benchdoc
from expert import expert_union

from advisor.advise.measured import MeasuredDecision
from advisor.analysis.inputs import Inputs
from advisor.analysis.workload import Workload
from advisor.catalog.index_lists import load_index_list
from advisor.model.indexes import IndexSpec
from advisor.model.interrupts import Interrupted, stopping_on_signals
from advisor.replay.measure import (
    ANALYZED,
    AS_FOUND,
    Measurement,
    measure_in_order,
    measure_together,
    replay_set,
)
from advisor.replay.synth import cached_database
from advisor.review.requests import RecommendRequest, run_recommend

WORKLOADS = benchdoc.ROOT / "workloads"
NONE, AGAIN, EXPERT = "none", "none, again", ".expert union"
RECOMMENDED, SEED = "recommended", "seed's 13"
IN_ORDER_TWIN = "recommended, again"  # in log order: the recommended set's twin copy
STATS = {"as-found": (AS_FOUND,), "analyzed": (ANALYZED,), "both": (AS_FOUND, ANALYZED)}
# A template is "slower with the recommended set" when its median time (over the rounds)
# exceeds none's by more than its noise band: the largest of NOISE_FLOOR, the
# round-to-round spread ((max - min) / median) of either configuration's time for it, and
# how far two identical copies without indexes (none and AGAIN, measured in the same
# turns) differ on it.
NOISE_FLOOR = 0.25
LISTED_SLOWER = 10  # at most this many slower templates are listed per workload
ALL = ("torc", "tpch", "tpcc", "tickets", "ledger")  # the workloads, in the order they are run


def workload_script(*args: str) -> str:
    """Run one of the workloads' scripts (their command lines are their interface, as
    their READMEs give them); returns what it printed, its progress passed on."""
    done = subprocess.run([sys.executable, str(WORKLOADS / args[0]), *args[1:]],
                          stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode:  # the script said why on stderr, passed on
        raise SystemExit(f"workloads/{args[0]} failed (exit {done.returncode})")
    return done.stdout.strip()


def advisor_commit() -> str:
    """The last commit that changed advisor/: the code measured, whatever bench commits
    lie on top (a rebase keeps it)."""
    done = subprocess.run(["git", "log", "-1", "--format=%h", "--", "advisor"],
                          cwd=benchdoc.ROOT, capture_output=True, text=True, check=False)
    found = done.stdout.strip()
    if not found:
        return "unknown"
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "advisor"],
                           cwd=benchdoc.ROOT, capture_output=True, text=True, check=False)
    return found + (" with uncommitted changes" if dirty.stdout.strip() else "")


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# --- the workloads ---------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One of the issue's targets: its wording and how to check it on a run's figures."""

    text: str
    check: Callable[[Figures], tuple[bool, str]]


@dataclass(frozen=True)
class Bench:
    key: str
    title: str
    log: Path
    database: Callable[[], Path]
    targets: tuple[Target, ...]
    extra: tuple[tuple[str, Path], ...] = ()  # more configurations: (label, index file)
    about: str = ""


# Issue 11's target for Torc, the TPC-C-like workload and those of other domains.
WITHIN_UNION = Target("total ≤ 1.0 × the .expert union's", lambda f: f.ratio_at_most("total", 1.0))


def _committed(key: str, title: str, targets: tuple[Target, ...], about: str) -> Bench:
    """A workload whose log is committed as workloads/KEY/workload.log and whose database
    workloads/KEY/build.py makes."""
    return Bench(key, title, WORKLOADS / key / "workload.log",
                 lambda: Path(workload_script(f"{key}/build.py")), targets, about=about)


def torc() -> Bench:
    folder = WORKLOADS / "torc"
    return Bench(
        "torc", "Torc, scale 1", folder / "workload.log",
        lambda: cached_database(folder / "schema.sql", folder / "profile.toml", scale=1.0),
        (WITHIN_UNION,
         Target("at most 8 indexes", lambda f: f.count_at_most(8)),
         Target("write time ≤ the seed's 13", lambda f: f.write_at_most(SEED)),
         Target("recommend --db ≤ 60 s", lambda f: f.recommend_within(60.0))),
        extra=((SEED, folder / "seed-indexes.sql"),),
        about="`workloads/torc/workload.log` on the database advisor synthesises from "
              "`profile.toml` at scale 1 (about 200,000 jobs).")


def tpch(scale: float) -> Bench:
    sf = f"{scale:g}"
    log = WORKLOADS / "tpch" / "workload.log"
    targets = (Target("read+write ≤ 0.8 × the .expert union's",
                      lambda f: f.ratio_at_most("total", 0.8)),
               Target("at most half the union's indexes", lambda f: f.count_at_most_half()))
    if sf == "0.01":
        targets += (Target("recommend --db ≤ 60 s", lambda f: f.recommend_within(60.0)),)
    else:  # the committed log is SF 0.01's (Q11's fraction, the refresh keys follow SF)
        database = Path(workload_script("tpch/build.py", "--scale", sf))
        log = database.parent / f"tpch-sf{sf}.log"
        workload_script("tpch/generate.py", "--scale", sf, "--out", str(log))
    shown = log.relative_to(benchdoc.ROOT) if log.is_relative_to(benchdoc.ROOT) else log
    return Bench(
        f"tpch-sf{sf}", f"TPC-H, SF {sf}", log,
        lambda: Path(workload_script("tpch/build.py", "--scale", sf)), targets,
        about=f"`{shown}` (22 queries × 20 instances, 20 RF1/RF2 pairs) on the database "
              f"tpchgen-cli generates at SF {sf} (workloads/tpch/build.py).")


def tpcc() -> Bench:
    return _committed(
        "tpcc", "TPC-C-like",
        (WITHIN_UNION,
         Target("write time < the .expert union's", lambda f: f.write_below(EXPERT))),
        about="`workloads/tpcc/workload.log` (500 transactions in TPC-C's mix) on the "
              "database workloads/tpcc/build.py makes (8 warehouses, 2 of them hot).")


def tickets() -> Bench:
    return _committed(
        "tickets", "Event ticketing", (WITHIN_UNION,),
        about="`workloads/tickets/workload.log` (800 sessions of a box office: listings and "
              "seat maps, checkouts that hold seats then pay or let go, accounts, door scans, "
              "promoters' dashboards, the sweep of expired holds) on the database "
              "workloads/tickets/build.py makes (3,000 events in 240 venues, 378,085 seats, "
              "a write-hot holds table; primary keys only).")


def ledger() -> Bench:
    return _committed(
        "ledger", "Accounting ledger", (WITHIN_UNION,),
        about="`workloads/ledger/workload.log` (900 sessions of a bookkeeping service: journal "
              "entries keyed in, posted and voided, invoices and payments, bank feeds imported "
              "and reconciled, account ledgers, trial balances, aging, period closes) on the "
              "database workloads/ledger/build.py makes (3,000 companies, a few of them owning "
              "most of 351,122 entries and 960,648 journal lines; UNIQUE constraints, no "
              "secondary index).")


# --- measuring ---------------------------------------------------------------------------


@dataclass
class Run:
    """One workload measured: per round, per (configuration, state), a Measurement."""

    bench: Bench
    database: Path
    workload: Workload
    configurations: list[tuple[str, tuple[IndexSpec, ...]]]
    states: tuple[str, ...]
    recommend_seconds: float
    expert_served: int
    expert_statements: int
    expert_in_nocase: int  # .expert's proposals in COLLATE NOCASE (built as proposed)
    own_slower: str = ""  # the templates recommend itself measured slower than today
    own_check: str = ""  # what recommend's check in log order did
    rounds: list[dict[tuple[str, str], Measurement]] = field(default_factory=list)
    in_order: list[dict[str, Measurement]] = field(default_factory=list)  # as found
    fills: str = ""
    seconds: float = 0.0


def _in_nocase(count: int) -> str:
    """The union's NOCASE proposals, when there were any (bench/expert.py)."""
    if not count:
        return ""
    return f" ({count} of its proposals in COLLATE NOCASE, for a LIKE, built as proposed)"


def measure_bench(bench: Bench, rounds: int, repetitions: int, states: tuple[str, ...],
                  statement_seconds: float, in_order_rounds: int = 0) -> Run:
    started = time.perf_counter()
    say(f"{bench.title}: database")
    database = bench.database()
    say(f"{bench.title}: advisor recommend {bench.log.name} --db {database.name}")
    clock = time.perf_counter()
    recommended = run_recommend(RecommendRequest(Inputs(logs=(str(bench.log),),
                                                        db=str(database))))
    recommend_seconds = time.perf_counter() - clock
    workload = recommended.workload
    chosen = tuple(entry.spec for entry in recommended.recommendation.chosen)
    say(f"{bench.title}: {len(chosen)} recommended in {recommend_seconds:.1f} s; "
        f"filling samples")
    filled = replay_set(workload, database, repetitions)
    distinct = list(dict.fromkeys(sql for _, _, sqls in filled.statements for sql in sqls))
    say(f"{bench.title}: .expert on {len(distinct)} distinct statements")
    union, served, in_nocase = expert_union(database, distinct, workload.catalog)
    configurations = [(NONE, ()), (AGAIN, ()), (EXPERT, union), (RECOMMENDED, chosen)]
    configurations += [(label, tuple(load_index_list(str(path), workload.catalog)))
                       for label, path in bench.extra]
    run = Run(bench, database, workload, configurations, states, recommend_seconds, served,
              len(distinct), in_nocase, _own_slower(recommended.recommendation.measured),
              _own_check(recommended.recommendation.measured))
    tally = filled.fills
    run.fills = (f"{tally.kept} samples as logged, {tally.replaced} with values the database "
                 f"lacks replaced by drawn ones, {tally.drawn} drawn, {tally.unfilled} unfilled")
    plan = [(label, indexes, state == ANALYZED) for label, indexes in configurations
            for state in states]
    for number in range(1, rounds + 1):
        clock = time.perf_counter()
        measured = measure_together(workload, database, plan, repetitions, statement_seconds,
                                    statements=filled)
        run.rounds.append({(m.label, m.statistics): m for m in measured})
        totals = ", ".join(f"{m.label} {m.statistics}: {m.weighted_seconds:.2f}" for m in measured)
        say(f"{bench.title}: round {number}/{rounds} in {time.perf_counter() - clock:.0f} s "
            f"({totals})")
    run.in_order = replay_in_order(run, in_order_rounds, statement_seconds)
    run.seconds = time.perf_counter() - started
    return run


def replay_in_order(run: Run, rounds: int, statement_seconds: float
                    ) -> list[dict[str, Measurement]]:
    """Every configuration (but none's twin) and a twin of the recommended set replayed in
    log order, as found, ``rounds`` times: all of a round's copies take turns statement
    by statement (advisor's ``measure_in_order``), and the twins' gap is the noise."""
    configurations = [(label, indexes, False) for label, indexes in run.configurations
                      if label != AGAIN]
    configurations += [(IN_ORDER_TWIN, indexes, False) for label, indexes
                       in run.configurations if label == RECOMMENDED]
    out = []
    for number in range(1, rounds + 1):
        clock = time.perf_counter()
        measured = measure_in_order(run.workload, [str(run.bench.log)], None, run.database,
                                    configurations, statement_seconds, seed=number)
        out.append({m.label: m for m in measured})
        say(f"{run.bench.title}: in log order, round {number}/{rounds}: "
            + ", ".join(f"{m.label} {m.weighted_seconds:.2f} s CPU" for m in measured)
            + f" ({time.perf_counter() - clock:.0f} s)")
    return out


# --- figures -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """What the targets are checked on: one run, one statistics state."""

    run: Run
    state: str

    def each(self, label: str) -> list[Measurement]:
        return [measured[(label, self.state)] for measured in self.run.rounds]

    def median(self, label: str, part: str) -> float:
        return statistics.median(_part(m, part) for m in self.each(label))

    def ratio(self, label: str, part: str, to: str = EXPERT) -> float | None:
        """Median over the rounds of label's ``part`` seconds over ``to``'s, same round."""
        pairs = [(_part(a, part), _part(b, part)) for a, b in zip(
            self.each(label), self.each(to), strict=True)]
        ratios = [a / b for a, b in pairs if b > 0]
        return statistics.median(ratios) if ratios else None

    def count(self, label: str) -> int:
        return len(dict(self.run.configurations)[label])

    # The targets' checks: (met, the figures that decide it).
    def ratio_at_most(self, part: str, limit: float) -> tuple[bool, str]:
        ratio = self.ratio(RECOMMENDED, part)
        return (ratio is not None and ratio <= limit,
                f"{benchdoc.times(ratio)} ({self.median(RECOMMENDED, part):.3f} s vs "
                f"{self.median(EXPERT, part):.3f} s)")

    def count_at_most(self, limit: int) -> tuple[bool, str]:
        mine = self.count(RECOMMENDED)
        return mine <= limit, f"{mine} indexes"

    def count_at_most_half(self) -> tuple[bool, str]:
        mine, union = self.count(RECOMMENDED), self.count(EXPERT)
        return mine * 2 <= union, f"{mine} vs {union} indexes"

    def write_at_most(self, other: str) -> tuple[bool, str]:
        ratio = self.ratio(RECOMMENDED, "write", other)
        return (ratio is not None and ratio <= 1.0,
                f"{self.median(RECOMMENDED, 'write'):.3f} s vs "
                f"{self.median(other, 'write'):.3f} s ({benchdoc.times(ratio)})")

    def write_below(self, other: str) -> tuple[bool, str]:
        ratio = self.ratio(RECOMMENDED, "write", other)
        return (ratio is not None and ratio < 1.0,
                f"{self.median(RECOMMENDED, 'write'):.3f} s vs "
                f"{self.median(other, 'write'):.3f} s ({benchdoc.times(ratio)})")

    def recommend_within(self, limit: float) -> tuple[bool, str]:
        seconds = self.run.recommend_seconds
        return seconds <= limit, f"{seconds:.1f} s"


def _part(m: Measurement, part: str) -> float:
    if part == "read":
        return m.weighted_read_seconds
    if part == "write":
        return m.weighted_write_seconds
    return m.weighted_seconds


@dataclass(frozen=True)
class Slower:
    """A template measured slower with the recommended set than with none."""

    template_id: str
    kind: str
    count: int
    none_ms: float  # per execution, median over the rounds
    mine_ms: float
    band: float  # its noise band
    sql: str

    @property
    def ratio(self) -> float:
        return self.mine_ms / self.none_ms

    @property
    def extra_seconds(self) -> float:
        """What the slowdown costs over the log's executions."""
        return (self.mine_ms - self.none_ms) * self.count / 1000


def slower_templates(figures: Figures, label: str = RECOMMENDED) -> list[Slower]:
    """Templates measured slower with ``label`` than with none beyond their noise band,
    the costliest first."""
    found = []
    templates = figures.run.workload.digest.templates
    for template_id, none in _per_template(figures, NONE).items():
        mine = _per_template(figures, label).get(template_id)
        again = _per_template(figures, AGAIN).get(template_id)
        if mine is None:
            continue
        mine_median, none_median = statistics.median(mine), statistics.median(none)
        band = noise_band(none, mine, again)
        if none_median > 0 and mine_median > none_median * (1 + band):
            stats = templates[template_id]
            found.append(Slower(template_id, stats.template.kind, stats.count,
                                none_median * 1000, mine_median * 1000, band,
                                stats.template.text))
    return sorted(found, key=lambda s: -s.extra_seconds)


def noise_band(none: Sequence[float], mine: Sequence[float],
               again: Sequence[float] | None) -> float:
    """How much slower than none a template may measure and still be noise (see
    NOISE_FLOOR): per-round times of none, of the configuration, of none's twin."""
    band = max(NOISE_FLOOR, _spread(none), _spread(mine))
    if again:
        band = max(band, abs(statistics.median(again) / statistics.median(none) - 1))
    return band


def _per_template(figures: Figures, label: str) -> dict[str, list[float]]:
    """Template id -> its median seconds in each round (rounds where it ran)."""
    found: dict[str, list[float]] = {}
    for m in figures.each(label):
        for timing in m.timings:
            if timing.median_seconds is not None:
                found.setdefault(timing.template_id, []).append(timing.median_seconds)
    return found


def _spread(values: Sequence[float]) -> float:
    middle = statistics.median(values)
    return (max(values) - min(values)) / middle if middle > 0 else 0.0


def twins(figures: Figures) -> tuple[float, float]:
    """How far the two copies without indexes differ per template: median and largest
    of |AGAIN / NONE - 1| over the templates (their medians over the rounds)."""
    none, again = _per_template(figures, NONE), _per_template(figures, AGAIN)
    gaps = [abs(statistics.median(again[t]) / statistics.median(none[t]) - 1)
            for t in none if t in again and statistics.median(none[t]) > 0]
    return (statistics.median(gaps), max(gaps)) if gaps else (0.0, 0.0)


def no_read_slower(figures: Figures) -> tuple[bool, str]:
    """The issue's "no template slower than with none": reads. Writes pay the upkeep of
    the indexes by nature; they are listed with the set's net gain beside them."""
    slower = [s for s in slower_templates(figures) if s.kind == "read"]
    if not slower:
        return True, "none"
    return False, (f"{len(slower)}: " + ", ".join(f"{s.template_id} {s.ratio:.2f}×"
                                                   for s in slower[:4])
                   + (", …" if len(slower) > 4 else ""))


def write_upkeep(figures: Figures) -> tuple[bool, str]:
    """Write templates slower with the set, beside the set's net gain over none: met when
    none is slower, or the gain is larger than what they lose."""
    slower = [s for s in slower_templates(figures) if s.kind == "write"]
    extra = sum(s.extra_seconds for s in slower)
    gain = figures.median(NONE, "total") - figures.median(RECOMMENDED, "total")
    return not slower or gain > extra, (f"{len(slower)} slower, {extra:.3f} s extra; net "
                                        f"gain over none {gain:.3f} s")


GENERAL_TARGETS = (
    Target("no read template slower than with none (beyond the noise band)", no_read_slower),
    Target("write templates slower than with none only where the net gain covers them",
           write_upkeep),
)


# --- the document ------------------------------------------------------------------------


def section(runs: list[Run], name: str, command: str, rounds: int, repetitions: int) -> str:
    begin, end = benchdoc.markers(name)
    lines = [
        begin,
        *benchdoc.preamble(_title(runs), command),
        "",
        f"advisor/ as of commit {advisor_commit()}. "
        f"Each workload's templates are replayed (sampled: each template's filled samples "
        f"run at least {repetitions} times, fast ones until 5 ms are timed, the median "
        f"kept, writes rolled back; seconds weighted by the log's counts) on copies of its "
        f"database, every configuration in every statistics state on its own copy, the "
        f"copies taking turns statement by statement. {rounds} round(s); figures are "
        f"medians over the rounds, *spread* is the lowest and the highest round's total, "
        f"and every ratio is taken within a round (to the `.expert` union of the same "
        f"round) before the median. *recommended* is what `advisor recommend LOG --db DB` "
        f"chooses (measured: the search on the estimate says what to replay on copies of "
        f"the database, and the replays decide; docs/recommend.md); the `.expert` union "
        f"is every index the sqlite3 shell's `.expert` proposes for any of the distinct "
        f"replayed statements; *{AGAIN}* is a second "
        f"copy without indexes, a control: what it differs from *none* by is noise. *As "
        f"found*: the database as built, without sqlite_stat1; *after ANALYZE*: ANALYZE "
        f"run on the copy once its indexes are built.",
        "",
        f"Noise band: a template counts as slower with the recommended set than with none "
        f"when its median time over the rounds exceeds none's by more than the largest of "
        f"{NOISE_FLOOR:.0%}, the round-to-round spread ((highest − lowest) / median) of "
        f"either configuration's time for it, and the gap between *none* and *{AGAIN}* on "
        f"it. The floor is there because a template of a few microseconds, or a "
        f"template's first run on a copy (cold page cache), moves by that much between "
        f"identical copies; the twins' gaps are given per workload. Write templates pay "
        f"the upkeep of the indexes by nature: they are listed with the set's net gain "
        f"beside them; the target is on reads. *Extra s* is what a slowdown costs over the "
        f"log's executions.",
    ]
    for run in runs:
        lines += ["", *_workload(run)]
    lines.append(end)
    return "\n".join(lines) + "\n"


def _title(runs: list[Run]) -> str:
    """The section's title: the workload's name when there is one, else how many."""
    if len(runs) == 1:
        return f"{runs[0].bench.title}: no index, .expert union, recommended"
    count = {2: "Two", 3: "Three", 4: "Four"}.get(len(runs), str(len(runs)))
    return f"{count} workloads: no index, .expert union, recommended"


def _workload(run: Run) -> list[str]:
    bench = run.bench
    templates = run.workload.digest.templates
    kinds = {kind: sum(1 for t in templates.values() if t.template.kind == kind)
             for kind in ("read", "write")}
    lines = [
        f"### {bench.title}",
        "",
        f"{bench.about} {len(templates)} templates ({kinds['read']} read, {kinds['write']} "
        f"write, the rest transaction control), {run.workload.digest.statements:,} "
        f"statements; database {run.database.stat().st_size / 2**20:.1f} MiB. Values: "
        f"{run.fills}. `.expert` proposed indexes for {run.expert_served} of "
        f"{run.expert_statements} statements{_in_nocase(run.expert_in_nocase)}. "
        f"`recommend --db` took "
        f"{run.recommend_seconds:.1f} s; the whole workload {run.seconds:.0f} s.",
        "",
        "| configuration | statistics | indexes | index MiB | read s | write s | total s "
        "| spread s | read × union | write × union | total × union |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for label, indexes in run.configurations:
        for state in run.states:
            f = Figures(run, state)
            each = f.each(label)
            totals = [m.weighted_seconds for m in each]
            lines.append(
                f"| {label} | {state} | {len(indexes)} "
                f"| {statistics.median(m.index_bytes for m in each) / 2**20:.1f} "
                f"| {f.median(label, 'read'):.3f} | {f.median(label, 'write'):.3f} "
                f"| {f.median(label, 'total'):.3f} | {min(totals):.3f}–{max(totals):.3f} "
                f"| {benchdoc.times(f.ratio(label, 'read'))} "
                f"| {benchdoc.times(f.ratio(label, 'write'))} "
                f"| {benchdoc.times(f.ratio(label, 'total'))} |")
    gaps = [twins(Figures(run, state)) for state in run.states]
    lines += ["", "Twins (*none* against *none, again*), per template: " + "; ".join(
        f"{state}: median gap {median:.0%}, largest {largest:.0%}"
        for state, (median, largest) in zip(run.states, gaps, strict=True)) + "."]
    lines += ["", "| target | " + " | ".join(run.states) + " |",
              "|---|" + "---|" * len(run.states)]
    for target in (*bench.targets, *GENERAL_TARGETS):
        cells = []
        for state in run.states:
            met, detail = target.check(Figures(run, state))
            cells.append(f"**{'met' if met else 'missed'}**: {detail}")
        lines.append(f"| {target.text} | " + " | ".join(cells) + " |")
    lines += ["", *_in_order(run), *_slower(run), "", "recommend's own timing against today, "
              f"templates slower with its set beyond its noise band: "
              f"{run.own_slower or 'none'}.", "",
              f"recommend's check in log order: {run.own_check or 'none'}.", "",
              *_problems(run), "Indexes: " + "; ".join(
        f"**{label}**: " + ", ".join(str(s) for s in indexes)
        for label, indexes in run.configurations if indexes)]
    return lines


def _in_order(run: Run) -> list[str]:
    """The configurations replayed in log order (``replay_in_order``), if they were."""
    if not run.in_order:
        return []
    lines = [f"In log order (every statement once, writes applied, as found; CPU seconds; "
             f"the copies taking turns statement by statement; {len(run.in_order)} "
             f"round(s), medians, ratios within a round; *{IN_ORDER_TWIN}* is a second "
             f"copy of the recommended set, its gap the noise):", "",
             "| configuration | read s | write s | total s | spread s | total × union |",
             "|---|--:|--:|--:|--:|--:|"]
    for label in run.in_order[0]:
        each = [measured[label] for measured in run.in_order]
        totals = [m.weighted_seconds for m in each]
        ratios = [m.weighted_seconds / measured[EXPERT].weighted_seconds
                  for m, measured in zip(each, run.in_order, strict=True)
                  if measured[EXPERT].weighted_seconds > 0]
        lines.append(
            f"| {label} | {statistics.median(_part(m, 'read') for m in each):.3f} "
            f"| {statistics.median(_part(m, 'write') for m in each):.3f} "
            f"| {statistics.median(totals):.3f} | {min(totals):.3f}–{max(totals):.3f} "
            f"| {benchdoc.times(statistics.median(ratios) if ratios else None)} |")
    return [*lines, ""]


def _own_slower(measured: MeasuredDecision | None) -> str:
    """What recommend's step 4 reported slower with its set than today: whether a slowdown
    the bench finds is one recommend saw (and could not repair) or one its timing missed."""
    if measured is None:
        return ""
    return ", ".join(f"{s.template_id} ({s.state or 'the worse state'}: "
                     f"{s.with_set / s.today:.2f}×)" if s.today > 0 else s.template_id
                     for s in measured.slower)


def _own_check(measured: MeasuredDecision | None) -> str:
    """What recommend's check in log order (its step 5) replayed and took, in a sentence."""
    check = measured.in_order if measured is not None else None
    if check is None:
        return ""
    if not check.passes:
        return f"not run ({check.skipped})"
    searches = [p for p in check.passes if p.confirms is None]
    tried = sum(len(p.moves) for p in searches)
    taken = ", ".join(f"{m.describe()}" for m in check.taken) or "no move"
    return (f"{len(searches)} search(es), {tried} moves replayed, "
            f"{len(check.passes) - len(searches)} confirmation(s); taken: {taken}; "
            f"{check.seconds:.1f} s")


def _slower(run: Run) -> list[str]:
    rows, plans = [], []
    for state in run.states:
        figures = Figures(run, state)
        found = slower_templates(figures)
        for s in found[:LISTED_SLOWER]:
            sql = s.sql if len(s.sql) <= 90 else s.sql[:87] + "…"
            rows.append(f"| {state} | {s.template_id} | {s.kind} | {s.count} "
                        f"| {s.none_ms:.3f} | {s.mine_ms:.3f} | {s.ratio:.2f}× "
                        f"| {s.band:.0%} | {s.extra_seconds:.3f} | `{sql}` |")
            if s.kind == "read":
                before, after = (figures.each(label)[0].plans.get(s.template_id, "")
                                 for label in (NONE, RECOMMENDED))
                plans.append(f"- {s.template_id} ({state}): none `{before}`; recommended "
                             f"`{after}`" if before != after else
                             f"- {s.template_id} ({state}): the same plan, `{after}`")
        if len(found) > LISTED_SLOWER:
            rows.append(f"| {state} | and {len(found) - LISTED_SLOWER} more | | | | | | | | |")
    if not rows:
        return ["No template measured slower with the recommended set than with none "
                "beyond the noise band."]
    return ["Templates measured slower with the recommended set than with none, beyond "
            "the noise band:", "",
            "| statistics | template | kind | count | none ms | recommended ms | × none "
            "| band | extra s | template text |",
            "|---|---|---|--:|--:|--:|--:|--:|--:|---|", *rows,
            *(["", "SQLite's plans for the slower reads (first round):", "", *plans]
              if plans else [])]


def _problems(run: Run) -> list[str]:
    """Replayed statements that did not run (timeouts, errors), in the first round: each
    kind of failure once, with the configurations it happened in."""
    found: dict[tuple[str, int, str], list[str]] = {}
    for (label, state), m in run.rounds[0].items():
        for status, n in m.tally.counts.items():
            if status != "ok":
                example = (m.tally.examples.get(status) or [""])[0][:100]
                found.setdefault((status, n, example), []).append(f"{label} ({state})")
    if not found:
        return []
    everywhere = len(run.rounds[0])
    parts = [f"{n} {status} in " + ("every configuration" if len(where) == everywhere
                                    else ", ".join(where))
             + (f" (`{example}`)" if example else "")
             for (status, n, example), where in found.items()]
    return ["Replayed statements that did not run, first round (a template whose runs all "
            "failed counts nothing): " + "; ".join(parts) + ".", ""]


# --- the command -------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workloads", default=",".join(ALL),
                        help=f"comma-separated, of {', '.join(ALL)} (default: all)")
    parser.add_argument("--tpch-sf", type=float, default=0.01,
                        help="TPC-H scale factor (0.1 builds a ~150 MB database)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repetitions", type=int, default=3)
    parser.add_argument("--stats", choices=sorted(STATS), default="both")
    parser.add_argument("--statement-timeout", type=float, default=30.0,
                        help="seconds a replayed statement may run")
    parser.add_argument("--in-order-rounds", type=int, default=0,
                        help="also replay every configuration in log order, writes "
                             "applied, this many rounds (default: not)")
    parser.add_argument("--quick", action="store_true",
                        help="one round, as found only; the doc is not written unless "
                             "--out is given")
    parser.add_argument("--out", type=Path, default=None,
                        help="the document to write (default docs/benchmarks.md)")
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.stats = 1, "as-found"
    keys = [key.strip() for key in args.workloads.split(",") if key.strip()]
    makers = {"torc": torc, "tpch": lambda: tpch(args.tpch_sf), "tpcc": tpcc,
              "tickets": tickets, "ledger": ledger}
    unknown = [key for key in keys if key not in makers]
    if unknown:
        parser.error(f"unknown workloads: {', '.join(unknown)} ({', '.join(ALL)})")
    # TERM (a timeout, a kill) stops the bench as Ctrl-C does, through the context
    # managers that remove the replay's copies: a killed run left eight ledger copies
    # of 135-285 MB in the temporary folder.
    try:
        with stopping_on_signals():
            runs = [measure_bench(makers[key](), args.rounds, args.repetitions,
                                  STATS[args.stats], args.statement_timeout,
                                  args.in_order_rounds) for key in keys]
    except Interrupted as stop:
        raise SystemExit(f"bench/workloads.py: stopped ({stop}); nothing written") from None
    name = "workloads" + ("" if tuple(keys) == ALL and args.tpch_sf == 0.01
                          else "-" + "-".join(run.bench.key for run in runs))
    command = (f"python bench/workloads.py --workloads {','.join(keys)} "
               f"--tpch-sf {args.tpch_sf:g} --rounds {args.rounds} "
               f"--repetitions {args.repetitions} --stats {args.stats}"
               + (f" --in-order-rounds {args.in_order_rounds}" if args.in_order_rounds else ""))
    text = section(runs, name, command, args.rounds, args.repetitions)
    out = args.out or (None if args.quick else benchdoc.BENCHMARKS_MD)
    if out is not None:
        benchdoc.write_section(name, text, out)
    print(text)


if __name__ == "__main__":
    main()

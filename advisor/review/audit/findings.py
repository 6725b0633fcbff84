"""Audit: the indexes a database already has, judged by what it runs ("monitor and refine").

Given a live database (only ever read: opened read-only, experiments on copies)
and, optionally, the log of what it ran, the audit finds:

1. unused indexes: no template's plan uses them (usage);
2. redundant ones: exact duplicates, and left prefixes of a longer index that no
   template needs on its own (redundancy);
3. harmful ones: the workload measured slower with the index than without it,
   every template it serves replayed on copies of the database (replay, harmful);
4. partial indexes whose WHERE no logged statement implies (usage);
5. sqlite_stat1 missing or stale, and the templates whose plan ANALYZE changes
   (statistics);
6. tables that hot templates read in full (scans);
7. the drop list, with the write time each drop saves (drops);
8. the drop list measured as a whole, and the indexes to put back when dropping
   them together makes the workload slower (together);
9. each index's verdict: harmful, redundant, keep, negligible or unused, from
   its measurements where it was measured (verdicts).

The database is read once (advisor.review.audit.facts) and planned once
(advisor.review.audit.plans) into an ``AuditContext`` that no pass changes.
Each finding above is a pass over that context, in the modules named, returning
values; this module runs them in order and combines them into the ``Audit``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from advisor.analysis.workload import Workload
from advisor.catalog.database import check_database
from advisor.catalog.schema import catalog_from_database
from advisor.replay.workbench import Workbench
from advisor.review.audit import (
    drops,
    harmful,
    redundancy,
    replay,
    scans,
    statistics,
    together,
    usage,
    verdicts,
)
from advisor.review.audit.drops import Drop
from advisor.review.audit.facts import read_database
from advisor.review.audit.harmful import Harmful
from advisor.review.audit.plans import Progress, audit_context
from advisor.review.audit.redundancy import Redundancy
from advisor.review.audit.replay import DEFAULT_MAX_REPLAYS, Replayed, Replays
from advisor.review.audit.scans import FullScan
from advisor.review.audit.statistics import StatsFinding
from advisor.review.audit.together import Together
from advisor.review.audit.usage import AuditedIndex, UnusablePartial, Unused
from advisor.review.audit.verdicts import Verdict


@dataclass(frozen=True)
class Audit:
    database: str
    sqlite_version: str
    with_log: bool
    templates_planned: int
    plan_mismatches: tuple[str, ...]  # templates the schema copy plans unlike the database
    indexes: tuple[AuditedIndex, ...]
    unused: tuple[Unused, ...]
    redundant: tuple[Redundancy, ...]
    harmful: tuple[Harmful, ...]
    unusable_partial: tuple[UnusablePartial, ...]
    statistics: StatsFinding
    full_scans: tuple[FullScan, ...]
    drops: tuple[Drop, ...]
    together: Together | None  # the drop list measured as a whole (None: not measured)
    replayed: tuple[Replayed, ...]
    not_replayed: tuple[str, ...]  # indexes worth replaying beyond --max-replays
    measured_states: tuple[str, ...]  # the statistics states replayed
    verdicts: tuple[Verdict, ...]  # every index's, with a log
    notes: tuple[str, ...]


def audit(database: str | Path, workload: Workload | None = None, measure: bool = True,
          repetitions: int = 3, statement_seconds: float = 5.0,
          max_replays: int = DEFAULT_MAX_REPLAYS, progress: Progress | None = None) -> Audit:
    """Audit the indexes of ``database`` (only read) against ``workload``, if any."""
    path = check_database(database)
    say = progress or (lambda _message: None)
    catalog = catalog_from_database(path)
    facts = read_database(path, catalog)
    stats_fresh = statistics.stats_state(catalog, facts)[0] == "fresh"
    replaying = workload is not None and measure
    # The copies outlive the drop-one replays: the drop list is measured on them too.
    with audit_context(path, catalog, facts, workload, stats_fresh, say) as context, \
            Workbench(path, catalog, False, statement_seconds) as bench:
        indexes = usage.audited_indexes(context)
        replays = Replays((), (), (), ())
        if replaying:
            replays = replay.replay(context, bench, indexes, repetitions, max_replays, say)
        unused = usage.unused(context, indexes, replay.measured_needs(replays.replayed))
        judged = harmful.judge_harmful(context, replays.replayed, indexes)
        dropped = frozenset({u.index for u in unused if u.drop}
                            | {h.index for h in judged if h.drop})
        redundant = redundancy.redundant(context, indexes, dropped,
                                         {r.index: r for r in replays.replayed})
        stats = statistics.statistics_finding(context)
        drop_list = drops.drop_list(context, indexes, unused, redundant, judged,
                                    replays.replayed)
        whole = None
        if replays.rig is not None and drop_list:
            whole = together.together(replays.rig, indexes, [d.index for d in drop_list],
                                      say, {r.index: r for r in replays.replayed})
        unusable = usage.unusable_partial(context, indexes)
        today = None
        if replaying and workload is not None and not workload.digest.total_ns:
            today = replay.time_today(context, bench, repetitions, say, replays.replayed)
        full_scans = scans.full_scans(context, None if today is None else today.seconds)
        judged_each = () if workload is None else verdicts.verdicts(
            indexes, replays.replayed, unused, redundant, judged, measure,
            replays.not_replayed)
        cost = replay.bench_note(bench) if replays.rig is not None else None
    notes = [*context.notes, *replays.notes, *([cost] if cost else [])]
    if replaying and drop_list and whole is None:
        notes.append("the drop list was not measured as a whole: nothing it serves was "
                     "replayed")
    if workload is None:
        notes.append("no log: unused, harmful and partial-index findings, full scans and the "
                     "plans ANALYZE would change need the log of what the database runs; "
                     "prefixes are only 'possibly redundant' until a log shows no template "
                     "needs them")
    elif not measure:
        notes.append("estimate only (--no-replay): nothing was replayed; verdicts come from "
                     "the cost model and today's plans, no index is found harmful, and write "
                     "savings are estimated")
    if today is not None and today.untimed:
        notes.append(f"{len(today.untimed)} templates could not be timed as the database is "
                     f"(no values to run them with, or every run failed); the shares of the "
                     f"full scans count none of their time: {', '.join(today.untimed)}")
    if replays.not_replayed:
        notes.append(f"not replayed (over --max-replays {max_replays}): "
                     f"{', '.join(replays.not_replayed)}")
    if facts.stat4:
        notes.append("the database has sqlite_stat4: the schema copy holds sqlite_stat1 only, "
                     "so what-if plans ignore it (plan_mismatches shows where that matters)")
    return Audit(
        database=str(database), sqlite_version=facts.sqlite_version,
        with_log=workload is not None, templates_planned=len(context.today),
        plan_mismatches=context.mismatches, indexes=indexes, unused=unused,
        redundant=redundant, harmful=judged, unusable_partial=unusable, statistics=stats,
        full_scans=full_scans, drops=drop_list, together=whole, replayed=replays.replayed,
        not_replayed=replays.not_replayed, measured_states=replays.states,
        verdicts=judged_each, notes=tuple(notes))

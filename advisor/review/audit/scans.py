"""Hot templates that read a large table in full."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from advisor.model.ranking import ESTIMATED_COST, LOGGED_TIME, MEASURED_TIME
from advisor.review.audit.plans import AuditContext

# A template is hot from this share of the workload's logged time (when the log carries
# no durations: of its time replayed as the database is, else of its estimated cost); a
# full scan matters on a table of at least FULL_SCAN_MIN_ROWS rows.
HOT_SHARE = 0.01
FULL_SCAN_MIN_ROWS = 1_000
# A pass over every row: no index, or a covering index read end to end (still every
# entry: Torc's hottest query scanned job_blocked_by's key that way).
_PLAIN_SCAN = re.compile(r"^SCAN (\S+)(?: USING COVERING INDEX .+)?$")  # a name may hold spaces


@dataclass(frozen=True)
class FullScan:
    template_id: str
    sql: str
    count: int
    table: str
    rows: int
    share: float
    basis: str  # LOGGED_TIME, MEASURED_TIME or ESTIMATED_COST
    plan_line: str


def full_scans(context: AuditContext, replayed: Mapping[str, float] | None = None
               ) -> tuple[FullScan, ...]:
    """Full SCANs (no index, or a covering index end to end) of large tables by templates
    with a hot share of the time: the log's, else the weighted seconds ``replayed`` today
    (advisor.review.audit.replay.time_today; a template not timed counts none), else the
    estimate's."""
    workload = context.workload
    if workload is None:
        return ()
    digest = workload.digest
    timed = digest.total_ns > 0
    basis = (LOGGED_TIME if timed else MEASURED_TIME if replayed is not None
             else ESTIMATED_COST)
    weights: dict[str, float] = {}
    for tid, plans in context.today.items():
        if timed:
            weights[tid] = float(digest.templates[tid].total_ns)
        elif replayed is not None:
            weights[tid] = replayed.get(tid, 0.0)
        else:
            cost = context.cost(tid, plans[0])
            weights[tid] = (cost or 0.0) * context.count(tid)
    total = sum(weights.values()) if not timed else float(digest.total_ns)
    out = []
    for tid, plans in context.today.items():
        share = weights[tid] / total if total else 0.0
        if share < HOT_SHARE:
            continue
        aliases = {a.alias.lower(): a.table for a in workload.analyses[tid].reads}
        for step in plans[0].steps:
            match = _PLAIN_SCAN.match(step.detail)
            if not match:
                continue
            name = match.group(1)
            table = aliases.get(name.lower()) or (name if context.catalog.table(name) else None)
            rows = context.facts.rows.get(table.lower()) if table else None
            if table is None or rows is None or rows < FULL_SCAN_MIN_ROWS:
                continue
            out.append(FullScan(tid, digest.templates[tid].template.text, context.count(tid),
                                table, rows, share, basis, step.detail))
    out.sort(key=lambda f: -f.share)
    return tuple(out)

"""``advisor replay`` as a table or a JSON document."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tabulate import tabulate

from advisor.replay.measure import Measurement
from advisor.replay.parameters import Fills
from advisor.report.common import Report, kib
from advisor.review.requests import Replayed

# 2: statistics state and value filling per configuration; 3: the time limit, and whether
# a configuration's seconds are a lower bound (statements that ran into it count as it);
# 4: sequential mode lists its templates (statements run, median and summed seconds) and
# has no repetitions (null)
FORMAT_VERSION = 4


def report(replayed: Replayed) -> Report:
    document = replay_document(replayed.measurements, replayed.database, replayed.repetitions,
                               replayed.mode, replayed.statement_seconds)
    return Report(document, lambda document, _markdown: render_table(document))  # no markdown


def replay_document(measurements: Sequence[Measurement], database: str,
                    repetitions: int, mode: str = "sampled",
                    statement_seconds: float | None = None) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "database": database,
        "mode": mode,
        "repetitions": repetitions if mode == "sampled" else None,  # in order: each once
        "statement_timeout_seconds": statement_seconds,
        "configurations": [
            {
                "label": m.label,
                "statistics": m.statistics,
                "indexes": [str(spec) for spec in m.indexes],
                "drops": list(m.drops),
                "build_seconds": round(m.build_seconds, 6),
                "index_bytes": m.index_bytes,
                "weighted_read_seconds": round(m.weighted_read_seconds, 6),
                "weighted_write_seconds": round(m.weighted_write_seconds, 6),
                "lower_bound": m.lower_bound,
                "templates_replayed": sum(t.median_seconds is not None for t in m.timings),
                "templates_without_values": list(m.without_values),
                "values": values_document(m.fills, reasons=True),
                "outcomes": dict(m.tally.counts),
                "refused_or_failed": {k: v for k, v in m.tally.examples.items()},
                "templates": [
                    {"id": t.template_id, "kind": t.kind, "runs": t.runs,
                     "median_seconds": None if t.median_seconds is None
                     else round(t.median_seconds, 9),
                     **({} if t.total_seconds is None
                        else {"total_seconds": round(t.total_seconds, 9)})}
                    for t in m.timings
                ],
            }
            for m in measurements
        ],
    }


def values_document(fills: Fills | None, reasons: bool = False) -> dict[str, Any] | None:
    """How the replayed statements got their values (advisor.replay.parameters), for JSON."""
    if fills is None:
        return None
    out: dict[str, Any] = {"kept": fills.kept, "replaced": fills.replaced,
                           "drawn": fills.drawn, "unfilled": fills.unfilled}
    if reasons:
        out["reasons"] = dict(fills.reasons)
    return out


def values_sentence(values: dict[str, Any], what: str) -> str:
    return (f"Values ({what}): {values['kept']} as logged, {values['replaced']} with values "
            f"the database lacks replaced, {values['drawn']} drawn from the database (logged "
            f"without values), {values['unfilled']} could not be filled.")


def render_table(document: dict[str, Any]) -> str:
    rows = []
    for c in document["configurations"]:
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(c["outcomes"].items()))
        replayed = (c["templates_replayed"] if document["mode"] == "sampled"
                    else c["outcomes"].get("ok", 0))
        at_least = "≥ " if c.get("lower_bound") else ""
        rows.append([c["label"], c["statistics"], len(c["indexes"]), f"{c['build_seconds']:.3f}",
                     kib(c["index_bytes"]), f"{at_least}{c['weighted_read_seconds']:.3f}",
                     f"{at_least}{c['weighted_write_seconds']:.3f}", replayed,
                     len(c["templates_without_values"]), outcomes])
    how = (f"sampled: each template's sample {document['repetitions']} times, median, writes "
           "rolled back; seconds are weighted by the log's counts"
           if document["mode"] == "sampled" else
           "sequential: the whole log in order, writes applied; seconds are summed")
    lines = [
        f"Replayed on a copy of {document['database']} ({how}).",
        tabulate(rows, headers=["configuration", "statistics", "indexes", "build s", "index KiB",
                                "read s", "write s",
                                "templates" if document["mode"] == "sampled" else "statements",
                                "no values", "outcomes"],
                 tablefmt="simple", disable_numparse=True),
    ]
    bounded = [c["label"] for c in document["configurations"] if c.get("lower_bound")]
    if bounded:
        limit = document.get("statement_timeout_seconds")
        lines.append(
            f"{', '.join(dict.fromkeys(bounded))}: some statements ran into the time limit"
            + (f" ({limit:g} s, --statement-timeout)" if limit else "")
            + " and count as the limit: ≥ marks seconds that are lower bounds.")
    dropping = {c["label"]: c["drops"] for c in document["configurations"] if c.get("drops")}
    lines += [f"{label} drops the database's {', '.join(drops)} (on its copy)"
              for label, drops in dropping.items()]
    values = document["configurations"][0]["values"] if document["configurations"] else None
    if values:
        what = "samples" if document["mode"] == "sampled" else "statements with placeholders"
        lines.append(values_sentence(values, what))
    skipped = {tid for c in document["configurations"] for tid in c["templates_without_values"]}
    if skipped:
        lines.append(f"{len(skipped)} templates were not replayed: no value could be drawn "
                     "for some placeholder (" + ", ".join(sorted(skipped)[:5]) + ").")
    return "\n".join(lines)

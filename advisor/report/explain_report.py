"""``advisor explain`` as text or a JSON document (keys in docs/explain.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tabulate import tabulate

from advisor.advise.explain import Costed, TemplateExplanation, ranked_by
from advisor.analysis.workload import Workload
from advisor.model.ranking import SELECTION
from advisor.report.common import Report
from advisor.report.reasons import reason_fields
from advisor.review.requests import Explained
from advisor.whatif.planner import WhatIfCounters

FORMAT_VERSION = 2  # 2: reasons as a code and its sentence ("verdict" became "code")


def report(explained: Explained) -> Report:
    return Report(explain_document(explained.workload, explained.explanations,
                                   explained.whatif, explained.selected), render_text)


def _costed(costed: Costed | None) -> dict[str, Any] | None:
    if costed is None:
        return None
    price = costed.price
    estimate = price.estimate
    return {
        "indexes": [str(spec) for spec in price.indexes],
        "cost": round(price.total, 3),
        "read_cost": round(price.read, 3),
        "upkeep": round(price.upkeep, 3),
        "plan": price.plan.lines(),
        "plan_error": price.plan.error,
        "sorts": [{"for": what, "rows": round(rows, 1)}
                  for what, rows in (estimate.sorts if estimate else ())],
        "notes": list(estimate.notes if estimate else ()),
    }


def analysed_document(workload: Workload) -> dict[str, Any]:
    """How many templates could be analysed, and why each other one could not."""
    analysed, total, share = workload.analysed_share
    templates = workload.digest.templates
    return {
        "templates": analysed, "of": total, "share_of_statements": round(share, 6),
        "unanalysed": [
            {"id": tid, "sql": templates[tid].template.text, "reason": a.unanalysed,
             "count": templates[tid].count}
            for tid, a in workload.analyses.items() if not a.ok
        ],
    }


def analysed_line(analysed: Mapping[str, Any]) -> str:
    return (f"Templates analysed: {analysed['templates']} of {analysed['of']} "
            f"({analysed['share_of_statements'] * 100:.1f}% of statements).")


def statistics_source(stats: Mapping[str, Any]) -> str:
    """Where a document's statistics came from, for its text. Without a database or
    profile every size and cost rests on SQLite's assumed row counts, and the note that
    says so (the first: the source's own) is given in full: a newcomer read a 48-row
    table's index of 64 MiB as a wrong estimate, not an assumption."""
    if stats["source"] == "defaults" and stats["notes"]:
        return f"{stats['source']}: {stats['notes'][0]}"
    return f"{stats['source']} ({stats['from']})"


def explain_document(workload: Workload, explanations: Sequence[TemplateExplanation],
                     counters: WhatIfCounters, selected: bool = False) -> dict[str, Any]:
    digest = workload.digest
    return {
        "format_version": FORMAT_VERSION,
        "schema": workload.sources.schema,
        "statistics": {"source": workload.statistics.source, "from": workload.sources.statistics,
                       "planner_has_stats": workload.statistics.planner_has_stats,
                       "notes": list(workload.statistics.notes)},
        "analysed": analysed_document(workload),
        "whatif": {"calls": counters.calls, "cache_hits": counters.hits,
                   "hit_rate": round(counters.hit_rate, 4), "indexes_built": counters.builds},
        "templates": [_template(e, digest.total_ns) for e in explanations],
        "shown": {"templates": len(explanations), "of": len(digest.templates),
                  "ranked_by": ranked_by(workload, selected)},
    }


def _template(e: TemplateExplanation, total_ns: int) -> dict[str, Any]:
    best = e.best
    return {
        "id": e.template.id,
        "kind": e.template.kind,
        "sql": e.template.text,
        "count": e.stats.count,
        "share_time": round(e.stats.total_ns / total_ns, 6) if total_ns and e.stats.timed
        else None,
        "unanalysed": e.analysis.unanalysed,
        "today": _costed(e.today),
        "given": [_costed(c) for c in e.given],
        "best": None if best is None else {"index": str(best.spec),
                                            "saving": round(best.saving, 6)},
        "candidates": [
            {"index": str(v.spec), "shapes": list(v.shapes), **reason_fields(v.decision),
             "saving": round(v.saving, 6), **(_costed(v.costed) or {})}
            for v in e.verdicts
        ],
        "dropped": [{"index": str(d.spec), **reason_fields(d.reason)} for d in e.dropped],
        "order_by_without_sort": [_costed(c) for c in e.order_free],
    }


def render_text(document: dict[str, Any], markdown: bool = False) -> str:
    fmt = "github" if markdown else "simple"
    analysed = document["analysed"]
    whatif = document["whatif"]
    stats = document["statistics"]
    lines = [
        f"{analysed_line(analysed)} Schema: {document['schema']}. "
        f"Statistics: {statistics_source(stats)}.",
        *(f"Note: {note}" for note in stats["notes"][1:] if note),
        f"What-if plans: {whatif['calls']:,} asked, {whatif['hit_rate'] * 100:.0f}% from cache.",
    ]
    for entry in analysed["unanalysed"]:
        lines.append(f"Not analysed: {entry['id']} ({entry['count']:,} runs): {entry['reason']}")
    for template in document["templates"]:
        lines.append("")
        lines.extend(_template_text(template, fmt, markdown))
    shown = document["shown"]
    if shown["templates"] < shown["of"] and shown["ranked_by"] != SELECTION:
        lines += ["", f"Shown: the first {shown['templates']} of {shown['of']} templates by "
                      f"{shown['ranked_by']} (--top N for more, --template ID for one)."]
    return "\n".join(lines)


def _template_text(t: dict[str, Any], fmt: str, markdown: bool) -> list[str]:
    share = f", {t['share_time'] * 100:.1f}% of logged time" if t["share_time"] else ""
    head = f"{t['id']}  {t['kind']}, {t['count']:,} runs{share}"
    out = [f"### {head}" if markdown else f"== {head}",
           f"```sql\n{t['sql']}\n```" if markdown else t["sql"]]
    if t["unanalysed"]:
        out.append(f"Not analysed: {t['unanalysed']}")
        return out
    if t["today"] is None:
        out.append("Nothing to index (transaction control or a statement on no table).")
        return out
    rows = [["today's indexes", _num(t["today"]["cost"]), "\n".join(t["today"]["plan"])]]
    for given in t["given"]:
        rows.append([f"with {' + '.join(given['indexes'])}", _num(given["cost"]),
                     "\n".join(given["plan"])])
    best = _best(t)
    if best is not None:
        # Single candidates only: a pair (--index, or the search's) may cost less.
        rows.append([f"best single candidate: {best['index']} ({best['saving'] * -100:+.0f}%)",
                     _num(best["cost"]), "\n".join(best["plan"])])
    out.append(tabulate(rows, headers=["configuration", "cost", "plan"], tablefmt=fmt,
                        disable_numparse=True))
    if t["candidates"]:
        out.append("Candidates:")
        out.append(tabulate(
            [[c["index"], ",".join(c["shapes"]), _num(c["cost"]), f"{c['saving'] * 100:.1f}%",
              c["code"]] for c in t["candidates"]],
            headers=["index", "shape", "cost", "saving", "verdict"], tablefmt=fmt,
            disable_numparse=True))
    for dropped in t["dropped"]:
        out.append(f"Dropped {dropped['index']} ({dropped['code']}): {dropped['reason']}")
    if t["order_by_without_sort"]:
        out.append("Index sets that avoid the temp b-tree for ORDER BY:")
        for costed in t["order_by_without_sort"]:
            out.append(f"  {' + '.join(costed['indexes'])}: cost {_num(costed['cost'])}")
    elif t["today"] and any(s["for"].startswith("ORDER BY") for s in t["today"]["sorts"]):
        out.append("No candidate set of one or two indexes avoids the ORDER BY sort.")
    return out


def _best(t: dict[str, Any]) -> dict[str, Any] | None:
    if t["best"] is None:
        return None
    for candidate in t["candidates"]:
        if candidate["index"] == t["best"]["index"]:
            return candidate
    return None


def _num(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:,.2f}"

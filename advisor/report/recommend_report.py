"""``advisor recommend`` as a table, JSON (docs/recommend.md), markdown or a SQL migration;
sqlx migration files; and its validation, measured."""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path
from typing import Any

from tabulate import tabulate

from advisor.advise.recommend import OF_WORKLOAD, Recommendation, Verdict
from advisor.analysis.workload import Workload
from advisor.model.reasons import Decision, Reason
from advisor.report import compare_report
from advisor.report.common import Report, command_line, heading, kib_text, regenerate
from advisor.report.explain_report import analysed_document, analysed_line
from advisor.report.reasons import reason_fields
from advisor.review.requests import Recommended
from advisor.review.validate import Validation

FORMAT_VERSION = 2  # 2: reasons as a code and its sentence ("verdict" became "code")
IN_RECOMMENDATION = "it is (a prefix of) a recommended index"
PLAN_TEMPLATES = 3  # templates with plans shown per index in text reports


def report(recommended: Recommended, migrations_dir: str | None = None) -> Report:
    """The recommendation with the command line that made it; with ``migrations_dir``, its
    sqlx migration files there."""
    document = recommend_document(recommended.recommendation, recommended.workload,
                                  command_line())
    files: dict[Path, str] = {}
    notices: tuple[str, ...] = ()
    if migrations_dir:
        files = migration_files(document, Path(migrations_dir), recommended.analyze)
        notices = (f"wrote {len(files)} migration files to {migrations_dir}",)
    appendix = (None if recommended.validation is None
                else validation_text(recommended.validation, recommended.workload))
    return Report(document, render_text, partial(render_sql, analyze=recommended.analyze),
                  appendix, notices, files)


def recommend_document(rec: Recommendation, workload: Workload,
                       command: str | None = None) -> dict[str, Any]:
    """The recommendation as plain data; ``command`` is the command line that made it."""
    totals = rec.totals
    selection = rec.selection
    return {
        "format_version": FORMAT_VERSION,
        "command": command,
        "schema": workload.sources.schema,
        "statistics": {"source": workload.statistics.source, "from": workload.sources.statistics,
                       "planner_has_stats": workload.statistics.planner_has_stats,
                       "sampling": (workload.statistics.sampling.describe()
                                    if workload.statistics.sampling else None),
                       "notes": list(workload.statistics.notes)},
        "analysed": analysed_document(workload),
        "budget": {"max_indexes": rec.budget.max_indexes, "max_bytes": rec.budget.max_bytes,
                   "min_saving": rec.budget.min_saving, "tolerance": rec.tolerance},
        "indexes": [
            {
                "table": c.spec.table,
                "columns": [{"name": name, "descending": desc} for name, desc in c.spec.columns],
                "where": c.spec.where,
                "phase": c.phase,
                "create_sql": c.spec.create_sql() + ";",
                "drop_sql": f'DROP INDEX IF EXISTS "{c.spec.name}";',
                "estimated_bytes": c.bytes,
                "saving_share": round(c.saving_share, 6),
                "write_cost": round(c.write_cost, 3),
                "exists": c.exists,
                "prefix_note": c.prefix_note,
                "needs_analyze": c.needs_analyze,
                "stats_note": c.stats_note,
                "serves": [
                    {"template": s.template_id, "sql": s.sql, "count": s.count,
                     "cost_share": round(s.cost_share, 6),
                     "cost_before": round(s.cost_before, 3), "cost_after": round(s.cost_after, 3),
                     "plan_before": s.plan_before.lines(), "plan_after": s.plan_after.lines()}
                    for s in c.serves
                ],
            }
            for c in rec.chosen
        ],
        "phases": [
            {"phase": p.number, "indexes": [str(s) for s in p.indexes],
             "cumulative_share": round(p.cumulative_share, 6),
             "write_cost": round(p.write_cost, 3), "bytes": p.bytes}
            for p in rec.phases
        ],
        "rejected": [_verdict(v) for v in rec.rejected],
        "drops": [{**_verdict(d.verdict), "name": d.name,
                   "drop_sql": f'DROP INDEX IF EXISTS "{d.name}";',
                   "restore_sql": d.restore_sql.rstrip(";") + ";"} for d in rec.drops],
        "dropped": [{"index": str(d.spec), **reason_fields(d.reason)}
                    for d in rec.candidates.dropped],
        "against": [{**_verdict(v), "in_recommendation": v.in_recommendation}
                    for v in rec.against],
        "search": {
            "components": [
                {"candidates": len(c.candidates), "templates": len(c.templates),
                 "method": c.method, "chosen": [str(s) for s in sorted(c.chosen)]}
                for c in selection.components
            ],
            "evaluations": selection.evaluations,
            "whatif_calls": rec.whatif.calls, "whatif_cache_hits": rec.whatif.hits,
            "whatif_hit_rate": round(rec.whatif.hit_rate, 4),
        },
        "totals": {
            "baseline_cost": round(totals.baseline, 3),
            "recommended_cost": round(totals.recommended, 3),
            "optimum_cost": round(totals.optimum, 3),
            "saving_share": round(totals.saving_share, 6),
            "write_upkeep_before": round(totals.write_upkeep_baseline, 3),
            "write_upkeep_after": round(totals.write_upkeep_recommended, 3),
            "estimated_bytes": totals.bytes,
            "indexes": len(rec.chosen),
        },
    }


def _unanalysed_lines(analysed: dict[str, Any]) -> list[str]:
    """What the recommendation could not see: templates that were not analysed."""
    missing = analysed["of"] - analysed["templates"]
    if not missing:
        return []
    reasons = sorted({entry["reason"] for entry in analysed["unanalysed"]})
    return [f"{analysed_line(analysed)} The other {missing:,} are left out of the "
            f"recommendation ({'; '.join(reasons[:3])}{'; …' if len(reasons) > 3 else ''}); "
            "advisor explain lists each."]


def _verdict(v: Verdict) -> dict[str, Any]:
    more = (IN_RECOMMENDATION,) if v.in_recommendation else ()
    return {"index": str(v.spec), **reason_fields(v.decision, *more),
            "read_saving": round(v.read_saving, 3), "write_cost": round(v.write_cost, 3),
            "estimated_bytes": v.bytes}


def render_text(document: dict[str, Any], markdown: bool = False) -> str:
    """Phases, the indexes with their reasons, what was rejected and why, and totals."""
    fmt = "github" if markdown else "simple"
    t = document["totals"]
    stats = document["statistics"]
    out = []
    if markdown:
        out += ["# Index recommendation", "", *regenerate(document.get("command"))]
    out.append(
        f"{t['indexes']} indexes save {t['saving_share']:.1%} of the estimated workload cost "
        f"({t['baseline_cost']:,.0f} -> {t['recommended_cost']:,.0f}); index upkeep on writes "
        f"{t['write_upkeep_before']:,.0f} -> {t['write_upkeep_after']:,.0f}; "
        f"{kib_text(t['estimated_bytes'])} estimated.")
    out.append("Costs are row steps (about 0.07 µs each on the machine the model was "
               "calibrated on), summed over the log's statements; see docs/recommend.md.")
    out.append(f"Statistics: {stats['source']} ({stats['from']}); the planner "
               f"{'sees' if stats['planner_has_stats'] else 'has no'} sqlite_stat1"
               + (f"; {stats['sampling']}." if stats.get("sampling") else "."))
    out.extend(_unanalysed_lines(document["analysed"]))
    out.append("")
    out.append(heading("Implementation strategy (phases)", markdown))
    out.append(tabulate(
        [[p["phase"], "\n".join(p["indexes"]), f"{p['cumulative_share']:.1%}",
          f"{p['write_cost']:,.0f}", kib_text(p["bytes"])] for p in document["phases"]],
        headers=["phase", "indexes", "saving reached", "write cost added", "size"],
        tablefmt=fmt, disable_numparse=True))
    out.append("")
    out.append("saving reached: the share of the whole set's saving once the phase is built.")
    out.append("")
    out.append(heading("Recommended indexes", markdown))
    for index in document["indexes"]:
        out.extend(_index_text(index, markdown))
    if document["drops"]:
        out.append(heading("Existing indexes to drop", markdown))
        out.append(tabulate(
            [[d["name"], d["index"], d["reason"], f"{d['write_cost']:,.0f}"]
             for d in document["drops"]],
            headers=["index", "columns", "why", "write cost saved"], tablefmt=fmt,
            disable_numparse=True))
        out.append("")
    if document["against"]:
        out.append(heading("The given list, judged", markdown))
        out.append(tabulate([[v["index"], v["code"], v["reason"]] for v in document["against"]],
                            headers=["index", "verdict", "why"], tablefmt=fmt))
        out.append("")
    out.append(heading("Rejected candidates", markdown))
    rows = [[v["index"], v["code"], v["reason"]]
            for v in (*document["rejected"], *document["dropped"])]
    out.append(tabulate(rows, headers=["index", "verdict", "why"], tablefmt=fmt))
    search = document["search"]
    methods = ", ".join(f"{c['method']} ({c['candidates']} candidates)"
                        for c in search["components"])
    out.append("")
    out.append(f"Search: {len(search['components'])} components: {methods}. "
               f"{search['evaluations']:,} cost evaluations; what-if plans "
               f"{search['whatif_calls']:,} asked, {search['whatif_hit_rate']:.0%} from cache.")
    return "\n".join(out)


def _index_text(index: dict[str, Any], markdown: bool) -> list[str]:
    create = index["create_sql"]
    saves = Decision.of(Reason.SAVES, share=index["saving_share"], of=OF_WORKLOAD,
                        beside="the rest of the set")
    summary = (f"{saves.sentence}; adds {index['write_cost']:,.0f} of write upkeep; "
               f"{kib_text(index['estimated_bytes'])}.")
    if index["stats_note"]:
        summary += f" Statistics: {index['stats_note']}."
    if index["prefix_note"]:
        summary += f" Note: {index['prefix_note']}."
    if markdown:
        lines = [f"### Phase {index['phase']}: `{create}`", "", summary, ""]
    else:
        lines = [f"- phase {index['phase']}: {create}", f"  {summary}"]
    for served in index["serves"][:PLAN_TEMPLATES]:
        head = (f"serves {served['template']} ({served['count']:,} runs, "
                f"{served['cost_share']:.1%} of today's cost): "
                f"{served['cost_before']:,.0f} today -> {served['cost_after']:,.0f} with the set")
        before = " | ".join(p.strip() for p in served["plan_before"])
        after = " | ".join(p.strip() for p in served["plan_after"])
        if markdown:
            lines += [f"- {head}", "  ```", f"  {served['sql']}", f"  before: {before}",
                      f"  after:  {after}", "  ```"]
        else:
            lines += [f"  {head}", f"    {served['sql']}", f"    before: {before}",
                      f"    after:  {after}"]
    if len(index["serves"]) > PLAN_TEMPLATES:
        more = len(index["serves"]) - PLAN_TEMPLATES
        lines.append(f"- and {more} more templates" if markdown
                     else f"  and {more} more templates")
    lines.append("")
    return lines


def render_sql(document: dict[str, Any], analyze: bool) -> str:
    """A migration in phase order (drops last), then its rollback, commented out: the
    output is meant to be applied as it is (sqlite3 app.db < it)."""
    lines = ["-- advisor recommend: create in phase order; the rollback at the end is "
             "commented out."]
    lines.extend(f"-- {line}" for line in _unanalysed_lines(document["analysed"]))
    for phase in document["phases"]:
        lines.append(f"\n-- phase {phase['phase']}: {phase['cumulative_share']:.1%} of the "
                     f"saving once built")
        lines.extend(_creates(document, phase["phase"]))
    if document["drops"]:
        lines.append("\n-- existing indexes the workload does not need")
        lines.extend(drop["drop_sql"] for drop in document["drops"])
    if analyze:
        lines.append("\n-- Some plans above need statistics: let SQLite gather them.")
        lines.append("ANALYZE;")
    lines.append("\n-- rollback (uncomment to undo the above)")
    lines.extend("-- " + drop["restore_sql"] for drop in document["drops"])
    lines.extend("-- " + index["drop_sql"] for index in reversed(document["indexes"])
                 if not index["exists"])
    return "\n".join(lines)


def _creates(document: dict[str, Any], phase: int) -> list[str]:
    return [index["create_sql"] for index in document["indexes"]
            if index["phase"] == phase and not index["exists"]]


def migration_files(document: dict[str, Any], folder: Path, analyze: bool,
                    now: dt.datetime | None = None) -> dict[Path, str]:
    """sqlx-style ``<stamp>NN_advisor_phase_N.up.sql`` / ``.down.sql`` files, one pair a
    phase, stamped with the minute (UTC); the drops (and ANALYZE) go with the last phase."""
    stamp = (now or dt.datetime.now(dt.timezone.utc)).strftime("%Y%m%d%H%M")
    files = {}
    phases = document["phases"]
    for phase in phases:
        last = phase is phases[-1]
        up = _creates(document, phase["phase"])
        down = [i["drop_sql"] for i in reversed(document["indexes"])
                if i["phase"] == phase["phase"] and not i["exists"]]
        if last:
            up += [drop["drop_sql"] for drop in document["drops"]]
            down = [drop["restore_sql"] for drop in document["drops"]] + down
            if analyze:
                up.append("ANALYZE;")
        base = folder / f"{stamp}{phase['phase']:02d}_advisor_phase_{phase['phase']}"
        for suffix, statements in ((".up.sql", up), (".down.sql", down)):
            files[Path(f"{base}{suffix}")] = "\n".join(statements) + "\n"
    return files


def validation_text(validation: Validation, workload: Workload) -> str:
    """The comparison measured on copies of the database, then each recommended index
    whose templates gained nothing measurable."""
    document = compare_report.compare_document(validation.comparison, workload,
                                               database=validation.database)
    lines = ["", "Validation (measured on copies of the database):",
             compare_report.render_text(document)]
    for name, ratios in validation.without_gain.items():
        seen = ", ".join(f"{ratio:.2f}x ({state})" for state, ratio in ratios.items())
        lines.append(f"No measured gain: {name}: the templates it serves ran at best {seen} "
                     "of today's time here; the estimate may not hold on this data.")
    return "\n".join(lines)

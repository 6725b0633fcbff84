"""``advisor audit`` as a table, markdown, JSON (keys in docs/audit.md) or a SQL drop script."""

from __future__ import annotations

from typing import Any

from tabulate import tabulate

from advisor.replay import noise
from advisor.report.common import Report, command_line, heading, kib_text, regenerate
from advisor.report.reasons import reason_fields
from advisor.review.audit import redundancy, replay, scans, statistics
from advisor.review.audit.findings import Audit
from advisor.review.audit.replay import StateMeasure, TemplateMeasure
from advisor.review.audit.together import Attempt, Together

# 2: each drop reason is a code and its sentence; 3: verdicts measured per index and
# statistics state, with the noise band
FORMAT_VERSION = 3
PLAN_CHANGES_SHOWN = 10  # in text reports; JSON has all


def report(result: Audit) -> Report:
    """The audit with the command line that made it."""
    return Report(audit_document(result, command_line()), render_text, render_sql)


def _round(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(value, digits)


def audit_document(result: Audit, command: str | None = None) -> dict[str, Any]:
    """The audit as plain data; ``command`` is the command line that made it."""
    stats = result.statistics
    put_back = set() if result.together is None else {
        p.index for p in result.together.put_back}
    return {
        "format_version": FORMAT_VERSION,
        "command": command,
        "database": result.database,
        "sqlite_version": result.sqlite_version,
        "with_log": result.with_log,
        "templates_planned": result.templates_planned,
        "plan_mismatches": list(result.plan_mismatches),
        "thresholds": {
            "stale_factor": statistics.STALE_FACTOR,
            "stale_min_rows": statistics.STALE_MIN_ROWS,
            "hot_share": scans.HOT_SHARE, "full_scan_min_rows": scans.FULL_SCAN_MIN_ROWS,
            "cost_tolerance": redundancy.COST_TOLERANCE,
            "noise_z": noise.Z, "noise_floor": noise.FLOOR, "rounds": replay.ROUNDS,
        },
        "measured_states": list(result.measured_states),
        "verdicts": [
            {"index": v.index, "definition": v.definition, "verdict": v.verdict,
             "measured": v.measured, "basis": v.basis,
             "states": [_state(s) for s in v.states], "put_back": v.index in put_back}
            for v in result.verdicts
        ],
        "indexes": [
            {"name": i.name, "table": i.table, "definition": i.definition, "origin": i.origin,
             "unique": i.unique, "bytes": i.bytes, "bytes_measured": i.bytes_measured,
             "used_by": list(i.used_by),
             "used_after_analyze": None if i.used_after_analyze is None
             else list(i.used_after_analyze),
             "foreign_key_writes": list(i.foreign_key_writes)}
            for i in result.indexes
        ],
        "drops": [
            {"index": d.index, "table": d.table, "definition": d.definition,
             "reasons": [reason_fields(r) for r in d.reasons], "bytes": d.bytes,
             "write_seconds_saved": _round(d.write_seconds_saved),
             "read_seconds_saved": _round(d.read_seconds_saved),
             "band_seconds": _round(d.band_seconds),
             "upkeep_saved": round(d.upkeep_saved, 3), "upkeep_basis": d.upkeep_basis,
             "drop_sql": f'DROP INDEX IF EXISTS "{d.index}";',
             "restore_sql": None if d.create_sql is None else d.create_sql.rstrip(";") + ";",
             "put_back": d.index in put_back}
            for d in result.drops
        ],
        "drops_together": None if result.together is None else _together(result.together),
        "unused": [
            {"index": u.index, "definition": u.definition, "bytes": u.bytes, "drop": u.drop,
             "note": u.note}
            for u in result.unused
        ],
        "redundant": [
            {"index": r.index, "definition": r.definition, "kind": r.kind,
             "covered_by": r.covered_by, "covered_definition": r.covered_definition,
             "verdict": r.verdict, "basis": r.basis, "templates_checked": r.templates_checked,
             "drop_saves": r.drop_saves,
             "needed_by": [
                 {"template": n.template_id, "count": n.count,
                  "cost_with": _round(n.cost_with, 9 if r.basis == "measured" else 3),
                  "cost_without": _round(n.cost_without, 9 if r.basis == "measured" else 3),
                  "plan_without": list(n.plan_without)}
                 for n in r.needed_by]}
            for r in result.redundant
        ],
        "harmful": [
            {"index": h.index, "definition": h.definition, "drop": h.drop, "note": h.note,
             "statistics": h.statistics,
             "net_seconds_saved": round(h.net_seconds_saved, 6),
             "band_seconds": round(h.band_seconds, 6),
             "estimated_saving": _round(h.estimated_saving, 3),
             "saves_in": h.saves_in,
             "slower": [_template(t) for t in h.measure.slower]}
            for h in result.harmful
        ],
        "unusable_partial": [
            {"index": p.index, "definition": p.definition, "where": p.where,
             "statements_checked": p.statements_checked,
             "templates_checked": p.templates_checked, "unchecked": p.unchecked}
            for p in result.unusable_partial
        ],
        "statistics": {
            "state": stats.state,
            "advice": stats.advice,
            "stat4": stats.stat4,
            "tables": [
                {"table": t.table, "rows_now": t.rows_now, "rows_recorded": t.rows_recorded,
                 "indexes": t.indexes, "state": t.state}
                for t in stats.tables
            ],
            "plan_changes": None if stats.changes is None else [
                {"template": c.template_id, "sql": c.sql, "count": c.count,
                 "plan_without_stats": list(c.plan_without_stats),
                 "plan_with_stats": list(c.plan_with_stats),
                 "cost_without_stats": _round(c.cost_without_stats, 3),
                 "cost_with_stats": _round(c.cost_with_stats, 3),
                 "analyze_changes_it": c.analyze_changes_it}
                for c in stats.changes
            ],
        },
        "full_scans": [
            {"template": f.template_id, "sql": f.sql, "count": f.count, "table": f.table,
             "rows": f.rows, "share": round(f.share, 6), "basis": f.basis, "plan": f.plan_line}
            for f in result.full_scans
        ],
        "replayed": [r.index for r in result.replayed],
        "not_replayed": list(result.not_replayed),
        "notes": list(result.notes),
    }


def _state(s: StateMeasure) -> dict[str, Any]:
    return {"statistics": s.statistics, "effect": s.effect,
            "seconds_saved": round(s.seconds_saved, 9),
            "read_seconds_saved": round(s.read_seconds_saved, 9),
            "write_seconds_saved": round(s.write_seconds_saved, 9),
            "band_seconds": round(s.band_seconds, 9), "served": list(s.served),
            "unmeasured": list(s.unmeasured), "templates": [_template(t) for t in s.templates]}


def _together(together: Together) -> dict[str, Any]:
    whole = together.whole
    return {
        "indexes": list(whole.dropped),
        "states": [_state(s) for s in whole.states],
        "slower": whole.slower,
        "slower_templates": _slowed(whole),
        "warning": _warning(together),
        "put_back": [
            {"index": p.index, "seconds_slower": round(p.seconds, 9),
             "templates": list(p.templates), "dropped_after": list(p.after.dropped),
             "states_after": [_state(s) for s in p.after.states],
             "slower_after": p.after.slower}
            for p in together.put_back],
        "safe_subset": list(together.final.dropped),
        "safe": together.safe,
    }


def _slowed(attempt: Attempt) -> list[dict[str, Any]]:
    return [{"statistics": state, **_template(t)} for state, t in attempt.slowed]


def _warning(together: Together) -> str | None:
    """One sentence: dropped together the listed indexes slow the workload, and where."""
    whole = together.whole
    if not whole.slower:
        return None
    worse = "; ".join(f"{s.statistics}, {-s.seconds_saved:,.4f} s slower, noise band "
                      f"{s.band_seconds:,.4f} s" for s in whole.states if s.effect == replay.SAVES)
    templates = ", ".join(dict.fromkeys(t.template_id for _, t in whole.slowed))
    names = ", ".join(p.index for p in together.put_back)
    left = ("then the rest measures not slower" if together.safe
            else f"the rest is still slower after {len(together.put_back)} re-measurements")
    return (f"dropped together, the {len(whole.dropped)} listed indexes make the workload "
            f"slower beyond noise ({worse})"
            + (f"; slower beyond their band: {templates}" if templates else "")
            + f"; put back {names}: {left}")


def _template(t: TemplateMeasure) -> dict[str, Any]:
    return {"template": t.template_id, "kind": t.kind, "count": t.count,
            "seconds_with": round(t.seconds_with, 9),
            "seconds_without": round(t.seconds_without, 9),
            "saved_seconds": round(t.saved, 9), "band_seconds": round(t.band_seconds, 9),
            "effect": t.effect, "plan_with": t.plan_with, "plan_without": t.plan_without}


def render_sql(document: dict[str, Any]) -> str:
    """The drop list as DROP INDEX statements, each after a comment giving its reason;
    ANALYZE, when the statistics need it, commented out: it is advice apart from the drops
    (and can take long on a large database), so a drop script never runs it unasked. An
    index put back (the drop list measured slower as a whole) is commented out too."""
    dropped = [d for d in document["drops"] if not d.get("put_back")]
    count = len(dropped)
    lines = [f"-- advisor audit of {document['database']}: {count} "
             f"{'index' if count == 1 else 'indexes'} to drop"]
    for drop in document["drops"]:
        lines.append(f"-- {drop['definition']}: {_reasons(drop)}; frees "
                     f"{kib_text(drop['bytes'])}; {_write_saving(drop)}")
        if drop.get("put_back"):
            lines.append("-- put back: dropped with the rest of the list, the workload "
                         "measured slower (see the report's drop list)")
            lines.append(f"-- {drop['drop_sql']}")
        else:
            lines.append(drop["drop_sql"])
    advice = document["statistics"]["advice"]
    if advice:
        lines.append(f"-- statistics ({document['statistics']['state']}): {advice}")
        lines.append("-- ANALYZE;")
    if dropped:
        lines.append("-- to undo the drops:")
        lines.extend(f"-- {drop['restore_sql']}" for drop in dropped if drop["restore_sql"])
    return "\n".join(lines)


def _reasons(drop: dict[str, Any]) -> str:
    return "; ".join(f"{r['code']}: {r['reason']}" for r in drop["reasons"])


def _seconds(value: float) -> str:
    return f"{value:,.3f} s"


def _write_saving(drop: dict[str, Any]) -> str:
    if drop["write_seconds_saved"] is not None:
        return (f"saves {_seconds(drop['write_seconds_saved'])} of writes over the log "
                f"(measured, noise band {_seconds(drop['band_seconds'])})")
    return f"saves {drop['upkeep_saved']:,.0f} {drop['upkeep_basis']}"


def _tab(rows: list[list[Any]], headers: list[str], fmt: str) -> str:
    """A table; in markdown with blank lines around it, so it is not read as a paragraph."""
    text = tabulate(rows, headers=headers, tablefmt=fmt, disable_numparse=True)
    return f"\n{text}\n" if fmt == "github" else text


def _plan(lines: list[str]) -> str:
    return " / ".join(line.strip() for line in lines) or "(none)"


def render_text(document: dict[str, Any], markdown: bool = False) -> str:
    """Every finding with its numbers; sections without findings say so in one line."""
    fmt = "github" if markdown else "simple"
    out: list[str] = []
    if markdown:
        out += ["# Index audit", "", *regenerate(document.get("command"))]
    out += _summary(document)
    out += _verdicts_text(document, fmt, markdown)
    out.append(heading("Drop list", markdown))
    if document["drops"]:
        out.append(_tab(
            [[d["index"], d["definition"],
              ("PUT BACK (see below); " if d.get("put_back") else "") + _reasons(d),
              kib_text(d["bytes"]),
              _measured_cell(d["write_seconds_saved"], d["band_seconds"]),
              _measured_cell(d["read_seconds_saved"], d["band_seconds"]),
              f"{d['upkeep_saved']:,.0f}"]
             for d in document["drops"]],
            ["index", "definition", "why", "size", "writes saved (measured)",
                     "reads saved (measured)", "upkeep saved (est.)"], fmt))
        out.append(f"Upkeep: {document['drops'][0]['upkeep_basis']}. Measured: every template "
                   f"the index serves replayed with every index and without that one, as "
                   f"found; weighted by the log's counts; ± is the noise band.")
        out += _together_text(document.get("drops_together"), fmt, markdown)
    else:
        out.append("nothing to drop.")
    out.append("")
    out += _unused_text(document, fmt, markdown)
    out += _redundant_text(document, fmt, markdown)
    out += _harmful_text(document, fmt, markdown)
    out += _partial_text(document, fmt, markdown)
    out += _statistics_text(document, fmt, markdown)
    out += _scans_text(document, fmt, markdown)
    if document["notes"]:
        out.append(heading("Notes", markdown))
        out.extend(f"- {note}" for note in document["notes"])
    return "\n".join(out).rstrip()


def _summary(document: dict[str, Any]) -> list[str]:
    indexes = document["indexes"]
    created = sum(1 for i in indexes if i["origin"] == "c")
    lines = [f"Database {document['database']}: {len(indexes)} indexes ({created} by CREATE "
             f"INDEX, {len(indexes) - created} for PRIMARY KEY / UNIQUE constraints); plans by "
             f"SQLite {document['sqlite_version']}."]
    if document["with_log"]:
        lines.append(f"{document['templates_planned']} logged templates planned as the "
                     f"database plans them today.")
        if document["plan_mismatches"]:
            lines.append(f"The schema copy plans {len(document['plan_mismatches'])} templates "
                         f"unlike the database ({', '.join(document['plan_mismatches'])}): "
                         f"what-if findings for them are less certain.")
    stats = document["statistics"]
    lines.append(f"Statistics (sqlite_stat1): {stats['state']}"
                 + ("; ANALYZE advised (see below)." if stats["advice"] else "."))
    lines.append("")
    return lines


def _warning_label(markdown: bool) -> str:
    return "**WARNING:**" if markdown else "WARNING:"


def _together_text(together: dict[str, Any] | None, fmt: str, markdown: bool) -> list[str]:
    """The drop list measured as a whole, the warning when it is slower, what was put
    back and why."""
    if together is None:
        return []
    out = [f"Together (the {len(together['indexes'])} listed dropped at once, every template "
           f"they serve replayed with every index and without all of them): "
           + "; ".join(_attempt_text(s) for s in together["states"]) + "."]
    if together["warning"] is None:
        if together["slower_templates"]:
            # The sum is not slower, but some templates are: the savings elsewhere pay.
            out.append("Slower beyond their band, outweighed by the savings: " + ", ".join(
                f"{t['template']} ({t['statistics']}, {-t['saved_seconds']:,.4f} s)"
                for t in together["slower_templates"]) + ".")
        return out
    out.append(f"{_warning_label(markdown)} {together['warning']}.")
    out.append(_tab(
        [[t["statistics"], t["template"], t["kind"], t["count"],
          f"{t['seconds_with'] * 1000:.3f}", f"{t['seconds_without'] * 1000:.3f}",
          f"{-t['saved_seconds']:,.3f} ± {t['band_seconds']:,.3f}"]
         for t in together["slower_templates"]],
        ["statistics", "template", "kind", "count", "ms with every index",
         "ms with the list dropped", "s slower"], fmt))
    for back in together["put_back"]:
        after = ("nothing left to drop" if not back["dropped_after"] else
                 "; ".join(_attempt_text(s) for s in back["states_after"]))
        out.append(f"- put back {back['index']}: it serves {', '.join(back['templates'])}, "
                   f"{back['seconds_slower']:,.4f} s of the slowdown; then dropping the rest "
                   f"({', '.join(back['dropped_after']) or 'none'}) measures: {after}.")
    if together["safe"]:
        out.append(f"Drop only: {', '.join(together['safe_subset']) or 'none'} "
                   f"(--format sql leaves the rest commented out).")
    else:
        out.append(f"Still slower with {', '.join(together['safe_subset'])} dropped: measure "
                   f"again before dropping any of them.")
    return out


def _attempt_text(state: dict[str, Any]) -> str:
    return (f"{state['statistics']}, reads {state['read_seconds_saved']:+,.4f} s and writes "
            f"{state['write_seconds_saved']:+,.4f} s saved, noise band "
            f"{state['band_seconds']:,.4f} s ({_effect_text(state['effect'])})")


def _effect_text(effect: str) -> str:
    return {replay.HARMFUL: "saves time", replay.SAVES: "slower",
            replay.WITHIN_NOISE: "within noise"}[effect]


def _measured_cell(value: float | None, uncertainty: float | None) -> str:
    if value is None:
        return "not measured"
    return f"{value:,.3f} ± {uncertainty or 0:,.3f} s"


def _unused_text(document: dict[str, Any], fmt: str, markdown: bool) -> list[str]:
    out = [heading("Unused indexes (no logged template's plan uses them)", markdown)]
    if not document["with_log"]:
        return [*out, "needs a log.", ""]
    if not document["unused"]:
        return [*out, "none: every index is used by some plan.", ""]
    out.append(_tab(
        [[u["index"], u["definition"], kib_text(u["bytes"]), "yes" if u["drop"] else "no",
          u["note"] or ""] for u in document["unused"]],
        ["index", "definition", "size", "drop", "note"], fmt))
    return [*out, ""]


def _redundant_text(document: dict[str, Any], fmt: str, markdown: bool) -> list[str]:
    out = [heading("Duplicates and prefixes", markdown)]
    if not document["redundant"]:
        # Judged against what is left once the drops above are made (docs/audit.md): said
        # so, as a prefix of an index on the drop list read as overlooked.
        return [*out, "none: of the indexes not already on the drop list, none duplicates "
                      "another or is a left prefix of one.", ""]
    rows = []
    for r in document["redundant"]:
        measured = r["basis"] == "measured"
        cost = _ms if measured else _cost
        if r["verdict"] == "needed":
            why = "; ".join(
                f"{n['template']} ({n['count']} runs): {cost(n['cost_with'])} -> "
                f"{cost(n['cost_without'])} without it ({_plan(n['plan_without'])})"
                for n in r["needed_by"][:3])
            why = f"needed on its own ({'measured' if measured else 'estimated'}): {why}"
        elif r["verdict"] == "redundant" and measured:
            # Within noise, or faster without it: the verdicts above call that harmful.
            effect = "to save time" if r["drop_saves"] else "within noise"
            why = (f"its drop is measured {effect} ({r['templates_checked']} templates "
                   f"replayed)")
        elif r["verdict"] == "redundant" and r["kind"] == "prefix":
            why = (f"no template's estimated cost rises without it "
                   f"({r['templates_checked']} checked)")
        elif r["verdict"] == "possibly redundant":
            why = "a log would show whether a template needs it on its own"
        else:
            why = ""
        rows.append([r["index"], r["definition"], r["kind"],
                     f"{r['covered_by']}: {r['covered_definition']}", r["verdict"], why])
    out.append(_tab(rows, ["index", "definition", "kind", "covered by", "verdict",
                                       "why"], fmt))
    out.append("Costs per execution: measured in ms, estimated in row steps.")
    return [*out, ""]


def _ms(value: float | None) -> str:
    return "?" if value is None else f"{value * 1000:,.3f} ms"


def _cost(value: float | None) -> str:
    return "?" if value is None else f"{value:,.0f}"


def _harmful_text(document: dict[str, Any], fmt: str, markdown: bool) -> list[str]:
    out = [heading("Harmful indexes (the workload measured faster without them)", markdown)]
    if not document["with_log"]:
        return [*out, "needs a log (and replays).", ""]
    if not document["replayed"]:
        return [*out, "not measured (no replays).", ""]
    if not document["harmful"]:
        return [*out, "none measured.", ""]
    rows = []
    for h in document["harmful"]:
        for t in h["slower"]:
            rows.append([h["index"], t["template"], t["kind"], t["count"],
                         f"{t['seconds_with'] * 1000:.3f}", f"{t['seconds_without'] * 1000:.3f}",
                         f"{t['saved_seconds']:,.3f} ± {t['band_seconds']:,.3f}"])
    if rows:
        out.append(_tab(rows, ["index", "template", "kind", "count", "ms with", "ms without",
                               "s saved by the drop"], fmt))
    for h in document["harmful"]:
        out.append(f"- {h['index']} ({h['statistics']}): dropping it saves "
                   f"{h['net_seconds_saved']:,.3f} s measured (noise band "
                   f"{h['band_seconds']:,.3f} s); {_estimated_drop(h['estimated_saving'])}: "
                   + ("drop." if h["drop"] else f"keep ({h['note']})."))
    return [*out, ""]


def _estimated_drop(saving: float | None) -> str:
    """What the estimate expected of a drop the measurement decides: a saving, or a cost
    (a negative saving read "the estimate said -620,262,284 row steps: drop")."""
    if saving is None:
        return "the estimate had no figure"
    if saving < 0:
        return f"the estimate expected the drop to cost {-saving:,.0f} row steps"
    return f"the estimate expected it to save {saving:,.0f} row steps"


def _partial_text(document: dict[str, Any], fmt: str, markdown: bool) -> list[str]:
    out = [heading("Partial indexes no logged statement can use", markdown)]
    if not document["with_log"]:
        return [*out, "needs a log.", ""]
    if not document["unusable_partial"]:
        partial = any(" WHERE " in i["definition"] for i in document["indexes"])
        return [*out, "none." if partial else "none (no partial indexes).", ""]
    out.append(_tab(
        [[p["index"], p["where"], p["templates_checked"], p["statements_checked"],
          p["unchecked"]] for p in document["unusable_partial"]],
        ["index", "WHERE", "templates on its table", "statements asked",
                 "could not ask"], fmt))
    out.append("SQLite refused INDEXED BY for every statement: no logged WHERE implies the "
               "index's WHERE.")
    return [*out, ""]


def _statistics_text(document: dict[str, Any], fmt: str, markdown: bool) -> list[str]:
    stats = document["statistics"]
    out = [heading("Statistics (sqlite_stat1)", markdown)]
    lagging = [t for t in stats["tables"] if t["state"] != "ok"]
    out.append(f"State: {stats['state']}; {len(stats['tables']) - len(lagging)} tables fine, "
               f"{len(lagging)} not.")
    if lagging:
        out.append(_tab(
            [[t["table"], _count(t["rows_now"]), _count(t["rows_recorded"]), t["indexes"],
              t["state"]] for t in lagging],
            ["table", "rows now", "rows in sqlite_stat1", "indexes", "state"], fmt))
    if stats["advice"]:
        out.append(f"Advice: {stats['advice']}.")
    changes = stats["plan_changes"]
    if changes is None:
        out.append("A log would name the templates whose plan changes with statistics.")
    elif not changes:
        out.append("No logged template's plan changes with statistics (none, today's or "
                   "fresh).")
    else:
        today = sum(c["analyze_changes_it"] for c in changes)
        out.append(f"{len(changes)} templates are planned differently without sqlite_stat1 "
                   f"and with it as ANALYZE would write it now ({today} of them change if "
                   f"ANALYZE runs today); estimated cost per execution:")
        out.append(_tab(
            [[c["template"], c["count"], _only(c["plan_without_stats"], c["plan_with_stats"]),
              _cost(c["cost_without_stats"]),
              _only(c["plan_with_stats"], c["plan_without_stats"]),
              _cost(c["cost_with_stats"]), "yes" if c["analyze_changes_it"] else "no"]
             for c in changes[:PLAN_CHANGES_SHOWN]],
            ["template", "count", "steps only without stats", "cost",
             "steps only with stats",
                     "cost", "ANALYZE changes it"], fmt))
        if len(changes) > PLAN_CHANGES_SHOWN:
            out.append(f"({len(changes) - PLAN_CHANGES_SHOWN} more in --format json)")
    return [*out, ""]


def _only(plan: list[str], other: list[str]) -> str:
    """The steps of ``plan`` that ``other`` lacks: where two plans differ, compactly."""
    theirs = {line.strip() for line in other}
    return _plan([line for line in plan if line.strip() not in theirs]).replace(
        "(none)", "(no other step)")


def _count(value: int | None) -> str:
    return "-" if value is None else f"{value:,}"


def _scans_text(document: dict[str, Any], fmt: str, markdown: bool) -> list[str]:
    t = document["thresholds"]
    out = [heading(f"Full scans by hot templates (at least {t['hot_share']:.0%} of the time, "
                    f"tables of {t['full_scan_min_rows']:,}+ rows)", markdown)]
    if not document["with_log"]:
        return [*out, "needs a log.", ""]
    if not document["full_scans"]:
        return [*out, "none.", ""]
    out.append(_tab(
        [[f["template"], f"{f['share']:.1%} of {f['basis']}", f["count"], f["table"],
          f"{f['rows']:,}", f["plan"], f["sql"][:80]] for f in document["full_scans"]],
        ["template", "share", "count", "table", "rows", "plan", "statement"], fmt))
    out.append("advisor recommend LOG --db DATABASE names the index that would serve each.")
    return [*out, ""]


def _verdicts_text(document: dict[str, Any], fmt: str, markdown: bool) -> list[str]:
    if not document["with_log"]:
        return []
    out = [heading("Verdicts", markdown)]
    states = document["measured_states"] or ["as found"]
    rows = []
    for v in document["verdicts"]:
        measured = {s["statistics"]: s for s in v["states"]}
        cells = [_state_cell(measured.get(state)) for state in states]
        served = max((len(s["templates"]) for s in v["states"]), default=0)
        verdict = f"{v['verdict']}, put back" if v.get("put_back") else v["verdict"]
        rows.append([v["index"], v["definition"], verdict, *cells,
                     served if v["measured"] else "-", "" if v["measured"] else v["basis"]])
    out.append(_tab(rows, ["index", "definition", "verdict",
                           *(f"saved by the drop, {state} (s)" for state in states),
                           "templates replayed", "not measured"], fmt))
    t = document["thresholds"]
    out.append(f"Measured: every template an index serves (its plan uses the index, or it "
               f"writes the index's table), replayed on copies with every index and without "
               f"that one, the copies taking turns, in {t['rounds']} rounds; ± is the noise "
               f"band ({t['noise_z']:g} standard errors of the paired rounds plus "
               f"{t['noise_floor']:.0%} of the larger median). A negative saving: the "
               f"workload is slower without the index.")
    together = document.get("drops_together")
    if together is not None and together["warning"] is not None:
        out.append(f"{_warning_label(markdown)} {together['warning']} (see the drop list).")
    return [*out, ""]


def _state_cell(state: dict[str, Any] | None) -> str:
    if state is None:
        return "-"
    return f"{state['seconds_saved']:+,.4f} ± {state['band_seconds']:,.4f}"

"""``advisor recommend`` as a table, JSON (docs/recommend.md), markdown or a SQL migration;
sqlx migration files. A measured recommendation's figures are seconds, and say which
were replayed and which are the estimate converted to seconds."""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path
from typing import Any

from tabulate import tabulate

from advisor.advise.earning import MARGINAL, Earned
from advisor.advise.in_order import InOrderCheck, Move
from advisor.advise.measured import SEARCHED, TOGETHER, MeasuredDecision
from advisor.advise.recommend import OF_WORKLOAD, Recommendation, Size, Verdict, cost_text
from advisor.analysis.workload import Workload
from advisor.model.indexes import KeyExpression
from advisor.model.reasons import Decision, Reason
from advisor.replay.noise import Difference
from advisor.report.common import Report, command_line, heading, kib_text, regenerate
from advisor.report.explain_report import analysed_document, analysed_line, statistics_source
from advisor.report.reasons import reason_fields
from advisor.review.requests import Recommended

# 2: reasons as a code and its sentence ("verdict" became "code");
# 3: measured decisions ("measured", "totals.units", "measured" flags);
# 4: sizes measured where built ("bytes" beside "estimated_bytes"; phases' "bytes" too);
# 5: with --allow-drops, today has the database's own indexes ("existing_weighed");
#    kept existing indexes a recommended one may make redundant ("redundant_existing").
# 6: the check in log order ("measured.in_order"); the reason code "in-order-slower".
# 7: the time budget and the refining steps it left out ("measured.time_budget").
FORMAT_VERSION = 7
SECONDS = "seconds"
ROW_STEPS = "row steps"
IN_RECOMMENDATION = "it is (a prefix of) a recommended index"
PLAN_TEMPLATES = 3  # templates with plans shown per index in text reports


def report(recommended: Recommended, migrations_dir: str | None = None) -> Report:
    """The recommendation with the command line that made it; with ``migrations_dir``, its
    sqlx migration files there."""
    document = recommend_document(recommended.recommendation, recommended.workload,
                                  command_line(), recommended.estimate_only,
                                  recommended.unmeasurable)
    files: dict[Path, str] = {}
    notices: tuple[str, ...] = ()
    if migrations_dir:
        files = migration_files(document, Path(migrations_dir), recommended.analyze)
        notices = (f"wrote {len(files)} migration files to {migrations_dir}",)
    return Report(document, render_text, partial(render_sql, analyze=recommended.analyze),
                  notices=notices, files=files)


def recommend_document(rec: Recommendation, workload: Workload, command: str | None = None,
                       estimate_only: bool = False, unmeasurable: str | None = None
                       ) -> dict[str, Any]:
    """The recommendation as plain data; ``command`` is the command line that made it;
    ``estimate_only``: measuring was not asked for; ``unmeasurable``: why it could not be
    done when it was."""
    totals = rec.totals
    selection = rec.selection
    earned = ({str(e.spec): e for e in rec.measured.earned} if rec.measured is not None
              else {})
    # Plans name the database's own indexes, weighed as candidates, by advisor's names.
    own = {spec.name: name for spec, name in rec.today}

    def plan(lines: list[str]) -> list[str]:
        return [_renamed(line, own) for line in lines]

    return {
        "format_version": FORMAT_VERSION,
        "command": command,
        "estimate_only": estimate_only,
        "unmeasurable": unmeasurable,
        "measured": None if rec.measured is None else _measured(rec.measured),
        "schema": workload.sources.schema,
        "statistics": {"source": workload.statistics.source, "from": workload.sources.statistics,
                       "planner_has_stats": workload.statistics.planner_has_stats,
                       "sampling": (workload.statistics.sampling.describe()
                                    if workload.statistics.sampling else None),
                       "notes": list(workload.statistics.notes)},
        "analysed": analysed_document(workload),
        "existing_weighed": [str(spec) for spec, _ in rec.today],
        "budget": {"max_indexes": rec.budget.max_indexes, "max_bytes": rec.budget.max_bytes,
                   "min_saving": rec.budget.min_saving, "tolerance": rec.tolerance},
        "indexes": [
            {
                "table": c.spec.table,
                "columns": [{"name": name, "descending": desc,
                             "expression": isinstance(name, KeyExpression)}
                            for name, desc in c.spec.columns],
                "where": c.spec.where,
                "phase": c.phase,
                "create_sql": c.spec.create_sql() + ";",
                "drop_sql": f'DROP INDEX IF EXISTS "{c.spec.name}";',
                **_size(c.size),
                "saving_share": round(c.saving_share, 6),
                "write_cost": _round(c.write_cost),
                "exists": c.exists,
                "prefix_note": c.prefix_note,
                "in_order_note": c.in_order_note,
                "needs_analyze": c.needs_analyze,
                "stats_note": c.stats_note,
                "measured_saving": _saving(earned.get(str(c.spec))),
                "serves": [
                    {"template": s.template_id, "sql": s.sql, "count": s.count,
                     "cost_share": round(s.cost_share, 6),
                     "cost_before": _round(s.cost_before), "cost_after": _round(s.cost_after),
                     "cost_before_lower_bound": s.before_lower_bound,
                     "measured": s.measured,
                     "plan_before": plan(s.plan_before.lines()),
                     "plan_after": plan(s.plan_after.lines()),
                     "cost_without": (None if s.cost_without is None
                                      else _round(s.cost_without)),
                     "plan_without": (None if s.plan_without is None
                                      else plan(s.plan_without.lines()))}
                    for s in c.serves
                ],
            }
            for c in rec.chosen
        ],
        "phases": [
            {"phase": p.number, "indexes": [str(s) for s in p.indexes],
             "cumulative_share": round(p.cumulative_share, 6),
             "write_cost": _round(p.write_cost), "bytes": p.bytes,
             "estimated_bytes": sum(c.size.estimated for c in rec.chosen if c.phase == p.number),
             "sizes_measured": sum(c.size.measured for c in rec.chosen if c.phase == p.number)}
            for p in rec.phases
        ],
        "rejected": [_verdict(v) for v in rec.rejected],
        "drops": [{**_verdict(d.verdict), "name": d.name,
                   "drop_sql": f'DROP INDEX IF EXISTS "{d.name}";',
                   "restore_sql": d.restore_sql.rstrip(";") + ";"} for d in rec.drops],
        "redundant_existing": [{"name": o.name, "index": str(o.spec),
                                "prefix_of": str(o.longer)} for o in rec.outgrown],
        "existing_unweighed": [{"name": name, "has": what} for name, what in rec.unweighed],
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
            "units": ROW_STEPS if rec.measured is None else SECONDS,
            "baseline_cost": _round(totals.baseline),
            "timed_out_today": list(totals.timed_out_today),
            "recommended_cost": _round(totals.recommended),
            "optimum_cost": _round(totals.optimum),
            "saving_share": round(totals.saving_share, 6),
            "write_upkeep_before": _round(totals.write_upkeep_baseline),
            "write_upkeep_after": _round(totals.write_upkeep_recommended),
            "bytes": totals.bytes,
            "estimated_bytes": totals.estimated_bytes,
            "sizes_measured": totals.measured_sizes,
            "indexes": len(rec.chosen),
        },
    }


def _renamed(line: str, names: dict[str, str]) -> str:
    """A plan line with advisor's names of the database's own indexes replaced by theirs."""
    for hypothetical, name in names.items():
        line = line.replace(hypothetical, name)
    return line


def _unanalysed_lines(analysed: dict[str, Any]) -> list[str]:
    """What the recommendation could not see: templates that were not analysed."""
    missing = analysed["of"] - analysed["templates"]
    if not missing:
        return []
    reasons = sorted({entry["reason"] for entry in analysed["unanalysed"]})
    return [f"{analysed_line(analysed)} The other {missing:,} are left out of the "
            f"recommendation ({'; '.join(reasons[:3])}{'; …' if len(reasons) > 3 else ''}); "
            "advisor explain lists each."]


def _round(value: float) -> float:
    """Row steps to three decimals; seconds (which can be microseconds) to six
    significant figures."""
    return float(f"{value:.6g}") if abs(value) < 1000 else round(value, 3)


def _difference(d: Difference) -> dict[str, float]:
    return {"base_seconds": _round(d.base), "other_seconds": _round(d.other),
            "delta_seconds": _round(d.delta), "noise_seconds": _round(d.band)}


def _saving(earned: Earned | None) -> dict[str, Any] | None:
    """A chosen index's measured drop-one saving (None: estimated only)."""
    if earned is None:
        return None
    return {"seconds": _round(earned.gain), "noise_seconds": _round(earned.saving.band),
            "marginal": earned.marginal,
            "repair": earned.repair,
            "slows": [{"template": t, "ratio": round(r, 3)} for t, r in earned.slows],
            "together": {"indexes": [str(s) for s in earned.together],
                         **_difference(earned.joint)} if earned.joint is not None else None}


def _measured(m: MeasuredDecision) -> dict[str, Any]:
    c = m.counters
    return {
        "database": m.database,
        "statistics": " and ".join(m.states),
        "rounds": [{"round": r.number, "indexes": [str(s) for s in r.chosen],
                    "seconds": _round(r.seconds), "measured_share": round(r.measured_share, 4),
                    "keys_measured": r.measured, "kind": r.kind,
                    "together": r.kind == TOGETHER} for r in m.rounds],
        "estimate_set": {"indexes": [str(s) for s in m.estimate_set],
                         "seconds": _round(m.estimate_seconds)},
        "against_today": _difference(m.against_today),
        "earned": [{"index": str(e.spec), "kept": e.kept, **(_saving(e) or {})}
                   for e in m.earned],
        "slower": [{"template": s.template_id, "today_seconds": _round(s.today),
                    "with_set_seconds": _round(s.with_set), "noise_seconds": _round(s.band),
                    "indexes": [str(i) for i in s.indexes],
                    "net_saving_seconds": _round(s.net_saving),
                    "statistics": s.state} for s in m.slower],
        "counters": {
            "replays": c.replays, "runs": c.runs, "measured_work": c.measured, "keys": c.keys,
            "sessions": c.sessions, "copies": c.copies, "copy_seconds": round(c.copy_seconds, 3),
            "builds": c.builds, "build_seconds": round(c.build_seconds, 3), "drops": c.drops,
            "price_calls": c.price_calls, "measured_prices": c.measured_prices,
            "measured_share": round(c.measured_share, 4),
            "plan_mismatches": c.plan_mismatches, "unreplayable": list(c.unreplayable),
            "outcomes": dict(c.outcomes), "estimated": c.estimated, "failed": list(c.failed)},
        "steps": None if c.steps is None else {
            "pairs": c.steps.pairs,
            "rho": None if c.steps.rho is None else round(c.steps.rho, 4),
            "beyond_noise": c.steps.beyond_noise, "agreeing": c.steps.agreeing,
            "quiet_but_stepping": c.steps.quiet_but_stepping},
        "seconds": round(m.seconds, 3),
        "search_seconds": round(m.search_seconds, 3),
        "in_order": None if m.in_order is None else _in_order(m.in_order),
        "time_budget": {"seconds": m.time_budget or None, "skipped": list(m.skipped)},
    }


def _in_order(check: InOrderCheck) -> dict[str, Any]:
    """The check in log order: each pass's set, its twin, the moves replayed beside it."""
    def move(m: Move) -> dict[str, Any]:
        return {"move": m.kind, "index": str(m.spec), "seconds": _round(m.seconds),
                "gain_seconds": _round(m.gain)}

    return {"budget_seconds": check.budget, "seconds": round(check.seconds, 3),
            "skipped": check.skipped or None,
            "passes": [{"indexes": [str(s) for s in p.chosen], "seconds": _round(p.seconds),
                        "twin_seconds": _round(p.twin_seconds),
                        "noise_seconds": _round(p.band),
                        "moves": [move(m) for m in p.moves],
                        "taken": None if p.taken is None else move(p.taken),
                        "confirms": None if p.confirms is None else move(p.confirms),
                        "confirmed": p.confirmed}
                       for p in check.passes]}


def _size(size: Size) -> dict[str, Any]:
    """An index's bytes: measured on a copy where it was built there, else estimated."""
    return {"bytes": size.bytes, "bytes_measured": size.measured,
            "estimated_bytes": size.estimated}


def size_text(size: float, measured: int, of: int = 1) -> str:
    """Bytes in KiB and whether they were measured: of ``of`` indexes' sizes, ``measured``
    were.

    >>> size_text(3_604_480, 2, 2), size_text(5_505_024, 0, 2), size_text(4_000_000, 1, 2)
    ('3,520 KiB measured', '5,376 KiB estimated', '3,906 KiB (1 of 2 measured)')
    """
    amount = kib_text(size)
    if not measured:
        return f"{amount} estimated"
    return f"{amount} measured" if measured == of else f"{amount} ({measured} of {of} measured)"


def _verdict(v: Verdict) -> dict[str, Any]:
    more = (IN_RECOMMENDATION,) if v.in_recommendation else ()
    return {"index": str(v.spec), **reason_fields(v.decision, *more),
            "read_saving": _round(v.read_saving), "write_cost": _round(v.write_cost),
            **_size(v.size), "measured": v.measured}


def render_text(document: dict[str, Any], markdown: bool = False) -> str:
    """Phases, the indexes with their reasons, what was rejected and why, and totals."""
    fmt = "github" if markdown else "simple"
    stats = document["statistics"]
    measured = document["measured"]
    out = []
    if markdown:
        out += ["# Index recommendation", "", *regenerate(document.get("command"))]
    out += _headline(document)
    out.append(f"Statistics: {statistics_source(stats)}; the planner "
               f"{'sees' if stats['planner_has_stats'] else 'has no'} sqlite_stat1"
               + (f"; {stats['sampling']}." if stats.get("sampling") else "."))
    out.extend(_unanalysed_lines(document["analysed"]))
    out.append("")
    if measured is not None:
        out += _rounds_text(measured, fmt, markdown)
        out += _in_order_text(measured.get("in_order"), fmt, markdown)
    out.append(heading("Implementation strategy (phases)", markdown))
    out.append(tabulate(
        [[p["phase"], "\n".join(p["indexes"]), f"{p['cumulative_share']:.1%}",
          _amount(p["write_cost"], measured),
          size_text(p["bytes"], p["sizes_measured"], len(p["indexes"]))]
         for p in document["phases"]],
        headers=["phase", "indexes", "saving reached",
                 "write cost added" if measured is None else "write time added", "size"],
        tablefmt=fmt, disable_numparse=True))
    out.append("")
    out.append(_phases_note(document["phases"], measured is not None))
    out.append("")
    out.append(heading("Recommended indexes", markdown))
    for index in document["indexes"]:
        out.extend(_index_text(index, markdown, measured is not None))
    if measured is not None and measured["slower"]:
        out += _slower_text(measured["slower"], measured["statistics"], fmt, markdown)
    out += _redundant_text(document.get("redundant_existing") or [], markdown)
    if document.get("existing_unweighed"):
        out.append("Not weighed for dropping, kept as they are (advisor weighs indexes on "
                   "columns, in any collation, and on expressions it writes back as SQLite "
                   "matches them to queries): " + ", ".join(
                       f"{u['name']} ({u['has']})" for u in document["existing_unweighed"])
                   + ".")
        out.append("")
    if document["drops"]:
        out.append(heading("Existing indexes to drop", markdown))
        out.append(tabulate(
            [[d["name"], d["index"], d["reason"], _amount(d["write_cost"], measured)]
             for d in document["drops"]],
            headers=["index", "columns", "why", "write cost saved"], tablefmt=fmt,
            disable_numparse=True))
        out.append("")
    if document["against"]:
        out.append(heading("The given list, judged", markdown))
        out.append(tabulate([[v["index"], v["code"], v["reason"], *_basis(v, measured)]
                             for v in document["against"]],
                            headers=["index", "verdict", "why", *_basis_header(measured)],
                            tablefmt=fmt))
        out.append("")
    out.append(heading("Rejected candidates", markdown))
    rows = [[v["index"], v["code"], v["reason"], *_basis(v, measured)]
            for v in (*document["rejected"], *document["dropped"])]
    out.append(tabulate(rows, headers=["index", "verdict", "why", *_basis_header(measured)],
                        tablefmt=fmt))
    search = document["search"]
    methods = ", ".join(f"{c['method']} ({c['candidates']} candidates)"
                        for c in search["components"])
    out.append("")
    memo = ""
    if measured is not None:
        counters = measured["counters"]
        memo = (f" (the measured pricer's memo answered "
                f"{counters['price_calls'] - counters['estimated']:,} more)")
    out.append(f"Search: {len(search['components'])} components: {methods}. "
               f"{search['evaluations']:,} cost evaluations; what-if plans "
               f"{search['whatif_calls']:,} asked, {search['whatif_hit_rate']:.0%} from "
               f"cache{memo}.")
    if measured is not None:
        out.append(_measuring_text(measured))
        out += _time_budget_lines(measured["time_budget"])
    return "\n".join(out)


def _time_budget_lines(time_budget: dict[str, Any]) -> list[str]:
    """The time budget, and each refining step it left out (none: nothing)."""
    if not time_budget["skipped"]:
        return []
    return [f"Time budget ({time_budget['seconds']:g} s, --time-budget): "
            + "; ".join(time_budget["skipped"]) + "."]


def _indexes(count: int, verb: str = "") -> str:
    """``1 index saves``, ``3 indexes save``: a count of indexes, and a verb agreeing.

    >>> _indexes(1, "save"), _indexes(3)
    ('1 index saves', '3 indexes')
    """
    if count == 1:
        return f"1 index {verb}s" if verb else "1 index"
    return f"{count} indexes {verb}" if verb else f"{count} indexes"


def _headline(document: dict[str, Any]) -> list[str]:
    """What the set saves, in what units, and whether it was measured."""
    t = document["totals"]
    measured = document["measured"]
    if measured is None:
        why = ("--estimate-only: nothing was replayed" if document["estimate_only"]
               else document["unmeasurable"] or "nothing was replayed")
        return [
            f"{_indexes(t['indexes'], 'save')} {t['saving_share']:.1%} of the estimated workload "
            f"cost ({t['baseline_cost']:,.0f}{_today_in_place(document)} -> "
            f"{t['recommended_cost']:,.0f}); index upkeep "
            f"on writes {t['write_upkeep_before']:,.0f} -> {t['write_upkeep_after']:,.0f}; "
            f"{_total_size(t)}.",
            f"Estimated only ({why}). Costs are row steps (about 0.07 µs each on the machine "
            "the model was calibrated on), summed over the log's statements; see "
            "docs/recommend.md."]
    today = measured["against_today"]
    estimate = measured["estimate_set"]
    stopped = t.get("timed_out_today") or []
    at_least = "at least " if stopped else ""
    bounded = ([f"Today's time is a lower bound: the runs of {', '.join(stopped)} stopped at "
                f"the statement time limit (--statement-timeout); the saving is at least as "
                f"large."] if stopped else [])
    return [
        f"{_indexes(t['indexes'], 'save')} {at_least}{t['saving_share']:.1%} of the workload's "
        f"measured time ({at_least}{t['baseline_cost']:,.3f} s{_today_in_place(document)} -> "
        f"{t['recommended_cost']:,.3f} s over the "
        f"log's statements; writes {t['write_upkeep_before']:,.3f} s -> "
        f"{t['write_upkeep_after']:,.3f} s); {_total_size(t)}.",
        f"Measured on copies of {measured['database']}, {measured['statistics']}: the "
        f"templates the set changes, timed together with today's indexes, "
        f"{today['base_seconds']:,.3f} s -> {today['other_seconds']:,.3f} s (the difference's "
        f"noise band {today['noise_seconds']:,.3f} s). The estimate alone would choose "
        f"{_indexes(len(estimate['indexes']))}: {estimate['seconds']:,.3f} s measured.",
        "Seconds are the replaying thread's CPU time: the median of a template's runs "
        "times its count. A figure marked estimated is the cost model's, converted to "
        "seconds by the template's measured plans (docs/recommend.md).", *bounded]


def _today_in_place(document: dict[str, Any]) -> str:
    """With --allow-drops, that today has the database's own indexes in place."""
    weighed = document.get("existing_weighed")
    return f" today, its own {_indexes(len(weighed))} in place," if weighed else ""


def _total_size(totals: dict[str, Any]) -> str:
    return size_text(totals["bytes"], totals["sizes_measured"], totals["indexes"])


def _amount(value: float, measured: Any) -> str:
    return cost_text(value, seconds=measured is not None)


def _basis(verdict: dict[str, Any], measured: Any) -> list[str]:
    if measured is None:
        return []
    if "measured" not in verdict:  # served by an existing index: nothing was priced
        return [""]
    return ["measured" if verdict["measured"] else "estimated"]


def _basis_header(measured: Any) -> list[str]:
    return [] if measured is None else ["figures"]


def _phases_note(phases: list[dict[str, Any]], measured: bool) -> str:
    """What the phases' columns mean; a write time below zero is explained (a newcomer
    read -2.52 s of 'write time added' as a mistake: the sweep's DELETE found its rows
    through the phase's index)."""
    note = ("saving reached: the share of the whole set's saving once the phase is built"
            + (" (measured where replayed, else the estimate in seconds)." if measured
               else "."))
    if measured and any((p["write_cost"] or 0.0) < 0 for p in phases):
        note += (" Write time added: the writes' own time with the phase's indexes against "
                 "without them, the phases before built; below zero where an index finds "
                 "the rows a write changes faster than its upkeep costs. Each index's own "
                 "write time below is beside the whole set, where another index may find "
                 "those rows already.")
    return note


def _rounds_text(measured: dict[str, Any], fmt: str, markdown: bool) -> list[str]:
    return [
        heading("Measured search", markdown),
        # A set measured after the rounds is no round: numbered, it read as a round the
        # time budget said it skipped ("round 2 ... skipped" beside "2 (cheapest)").
        tabulate([[r["round"] if r["kind"] == SEARCHED else f"({r['kind']})",
                   len(r["indexes"]), "\n".join(r["indexes"]),
                   f"{r['seconds']:,.3f} s", f"{r['measured_share']:.0%}",
                   r["keys_measured"]] for r in measured["rounds"]],
                 headers=["round", "n", "chosen set", "workload", "measured", "new keys"],
                 tablefmt=fmt, disable_numparse=True),
        "",
        "Each round measures the set the search chose (with the best set it found, each "
        "index dropped in turn and the moves it weighs most), then searches again on what "
        "was measured; (together): the rounds' sets together, measured; (cheapest): the "
        "cheapest configuration the last round measured, measured as a set. measured: the "
        "share of the templates the set changes priced by replay.",
        ""]


def _in_order_text(check: dict[str, Any] | None, fmt: str, markdown: bool) -> list[str]:
    """The check in log order: one line when it did not run, else a table of its moves."""
    if check is None:
        return []
    if not check["passes"]:
        return [f"Checked in log order: no ({check['skipped']}).", ""]
    rows = []
    for number, p in enumerate(check["passes"], 1):
        confirming = p["confirms"] is not None
        label = (f"the set {_sign(p['confirms'])} ({len(p['indexes'])})" if confirming
                 else f"the set ({len(p['indexes'])})")
        rows.append([f"{number}: {'confirm' if confirming else 'search'}", label,
                     f"{p['seconds']:.3f} s", "",
                     f"twin {p['twin_seconds']:.3f} s, band {p['noise_seconds']:.3f} s", ""])
        for m in p["moves"]:
            verdict = ("" if confirming else
                       "best, beyond the band" if p["taken"] is not None
                       and p["taken"]["index"] == m["index"] else "")
            if confirming:
                verdict = "confirmed: taken" if p["confirmed"] else "not confirmed"
            rows.append(["", "the set before" if confirming else _sign(m),
                         f"{m['seconds']:.3f} s", f"{m['gain_seconds']:+.3f} s", "", verdict])
    taken = [p["confirms"] for p in check["passes"] if p["confirmed"]]
    # Every row has a cell under every heading: the pass's noise sat under "saves" and
    # an unnamed column, and read as a saving (a newcomer's test, a chat workload).
    return [heading("Checked in log order", markdown),
            tabulate(rows, headers=["pass", "configuration", "CPU", "saves", "noise",
                                    "verdict"],
                     tablefmt=fmt, disable_numparse=True),
            "",
            "The log replayed in order, writes applied, on copies taking turns statement by "
            "statement: the set, a twin of it, and the set with one index added or dropped. "
            "The best move, if it saves more than the noise band (three times the twins' gap, "
            "pooled over the check's replays, and at least 3% of the set's time), is replayed "
            "again on fresh copies beside the set before it, and taken if it is faster there "
            "too. "
            f"{len(taken)} taken{': ' + ', '.join(_sign(m) for m in taken) if taken else ''}; "
            f"{check['seconds']:.1f} s of a {check['budget_seconds']:g} s budget.",
            ""]


def _sign(move: dict[str, Any]) -> str:
    return f"{'+' if move['move'] == 'add' else '-'} {move['index']}"


def _slower_text(slower: list[dict[str, Any]], states: str, fmt: str, markdown: bool
                 ) -> list[str]:
    """``states``: the statistics states measured ("as found and after ANALYZE", or one).
    A slowdown is found in the state the set runs the template slower in (the worse
    state), or in one state alone."""
    both = " and " in states
    return [
        heading("Templates measured slower with the set than today", markdown),
        tabulate([[s["template"], s["statistics"] or ("worse state" if both else states),
                   f"{s['today_seconds']:,.4f} s",
                   f"{s['with_set_seconds']:,.4f} s", f"{s['noise_seconds']:,.4f} s",
                   "\n".join(s["indexes"]), f"{s['net_saving_seconds']:,.3f} s"]
                  for s in slower],
                 headers=["template", "statistics", "today", "with the set", "noise band",
                          "indexes on its tables", "their net saving"],
                 tablefmt=fmt, disable_numparse=True),
        "",
        "Each of those indexes earned its place, measured with and without it beside the "
        "rest of the set (it saves more than noise, or is kept as a repair): its net saving "
        "is beside the slowdown it costs."
        + (" Statistics: the state the slowdown was found in; worse state: of as found "
           "and after ANALYZE, the one in which the set runs the template slower."
           if both else ""),
        ""]


def _redundant_text(redundant: list[dict[str, Any]], markdown: bool) -> list[str]:
    """Kept existing indexes the set makes redundant: a hint, not part of the decision."""
    if not redundant:
        return []
    return [
        heading("Existing indexes the set may make redundant", markdown),
        *(f"- {r['name']} on {r['index']}: a leading-column prefix of the recommended "
          f"{r['prefix_of']}, which gives the same seeks" for r in redundant),
        "",
        "This run keeps the database's indexes; --allow-drops weighs dropping these (one "
        "may still serve an order or a narrower scan the longer index does not).",
        ""]


def _measuring_text(measured: dict[str, Any]) -> str:
    c = measured["counters"]
    unreplayable = (f"; {len(c['unreplayable'])} templates could not be replayed and are "
                    "priced by the estimate" if c["unreplayable"] else "")
    if c["failed"]:
        unreplayable += (f"; every run of {', '.join(c['failed'])} failed under some "
                         "configuration (see outcomes), priced there by the estimate")
    searched = sum(r["kind"] == SEARCHED for r in measured["rounds"])
    after = len(measured["rounds"]) - searched
    rounds = (f"{searched} round{'s' * (searched != 1)}"
              + (f" and {after} set{'s' * (after != 1)} measured after them" if after else ""))
    text = (f"Measuring: {measured['seconds']:,.1f} s ({measured['search_seconds']:,.1f} s "
            f"of it searching), {rounds}: {c['replays']:,} replays "
            f"({c['runs']:,} statement runs) of {c['measured_work']:,} plans, {c['builds']} "
            f"index builds ({c['build_seconds']:,.1f} s) and {c['drops']} drops on "
            f"{c['copies']} copies ({c['copy_seconds']:,.1f} s to make); "
            f"{c['measured_share']:.0%} of {c['price_calls']:,} prices from measurements; "
            f"{c['plan_mismatches']} what-if plans were not SQLite's on the copy"
            f"{unreplayable}.")
    steps = measured["steps"]
    if steps and steps["pairs"]:
        rho = "n/a" if steps["rho"] is None else f"{steps['rho']:.2f}"
        text += (f" VM steps beside time: rho {rho} over {steps['pairs']} compared "
                 f"templates; where time differs beyond noise the steps point the same way "
                 f"in {steps['agreeing']} of {steps['beyond_noise']}; within noise they "
                 f"differ by a fifth or more in {steps['quiet_but_stepping']}.")
    return text


def _guard_line(served: dict[str, Any], measured: bool) -> str | None:
    """Where the set less the index runs a served template slower than today: its cost
    and plan then, which the index's drop-one saving counts."""
    cost, lines = served.get("cost_without"), served.get("plan_without")
    if cost is None or not lines:
        return None
    figure = f"{cost:,.4f} s" if measured else f"{cost:,.0f}"
    times = cost / served["cost_before"] if served["cost_before"] else float("inf")
    return (f"without it: {figure}, {times:,.1f}x today's (the set's other indexes "
            "lead SQLite to a worse plan than today's; the saving counts that): "
            + " | ".join(p.strip() for p in lines))


def _index_size(index: dict[str, Any]) -> str:
    return size_text(index["bytes"], int(index["bytes_measured"]))


def _index_text(index: dict[str, Any], markdown: bool, measured: bool) -> list[str]:
    create = index["create_sql"]
    saving = index["measured_saving"]
    if saving is not None:
        summary = (f"saves {saving['seconds']:,.3f} s of the workload's time, measured with "
                   f"and without it beside the rest of the set (noise band "
                   f"{saving['noise_seconds']:,.3f} s); write time {index['write_cost']:+,.3f} "
                   f"s; {_index_size(index)}.")
        if saving.get("repair"):
            summary += (" Kept as a repair: it saves no more than noise, but without it a "
                        "template runs slower than today, and what it costs fits the "
                        "tolerance's band about the whole set.")
        if saving["slows"]:
            slowed = ", ".join(f"{s['template']} ({s['ratio']:.2f}x)" for s in saving["slows"])
            summary += f" It slows {slowed}: the saving is net of that."
        if saving.get("together"):
            joint = saving["together"]
            summary += (f" Without it the rest of the set leads SQLite to plans slower than "
                        f"today's through {', '.join(joint['indexes'])}, which that saving "
                        f"counts; dropped together with them it saves "
                        f"{joint['delta_seconds']:,.3f} s (noise band "
                        f"{joint['noise_seconds']:,.3f} s), its own share.")
        if saving.get("marginal"):
            summary += (f" Marginal: it saves less than {MARGINAL:g}x its noise band, and "
                        f"another run may leave it out.")
    else:
        saves = Decision.of(Reason.SAVES, share=index["saving_share"], of=OF_WORKLOAD,
                            beside="the rest of the set")
        summary = (f"{saves.sentence}; adds {index['write_cost']:,.0f} of write upkeep; "
                   f"{_index_size(index)}.")
    if index["stats_note"]:
        summary += f" Statistics: {index['stats_note']}."
    if index["prefix_note"]:
        summary += f" Note: {index['prefix_note']}."
    if index["where"]:
        summary += (f" Partial: SQLite uses it only for a statement whose SQL text implies "
                    f"WHERE {index['where']}, its values written as literals; where the "
                    f"application binds them as parameters, it is not used.")
    if index.get("in_order_note"):  # its measured saving is the one the note gives
        note = index["in_order_note"]
        summary = (f"{note[0].upper()}{note[1:]}; write time {index['write_cost']:+,.3f} s "
                   f"sample by sample; {_index_size(index)}.")
    if markdown:
        lines = [f"### Phase {index['phase']}: `{create}`", "", summary, ""]
    else:
        lines = [f"- phase {index['phase']}: {create}", f"  {summary}"]
    for served in index["serves"][:PLAN_TEMPLATES]:
        if measured:
            at_least = "at least " if served.get("cost_before_lower_bound") else ""
            figures = (f"{at_least}{served['cost_before']:,.4f} s today -> "
                       f"{served['cost_after']:,.4f} s with the set, "
                       f"{'measured' if served['measured'] else 'estimated'}")
            if at_least:
                figures += " (today's runs stopped at the statement time limit)"
        else:
            figures = (f"{served['cost_before']:,.0f} today -> {served['cost_after']:,.0f} "
                       "with the set")
        head = (f"serves {served['template']} ({served['count']:,} runs, "
                f"{served['cost_share']:.1%} of today's {'time' if measured else 'cost'}): "
                f"{figures}")
        before = " | ".join(p.strip() for p in served["plan_before"])
        after = " | ".join(p.strip() for p in served["plan_after"])
        guard = _guard_line(served, measured)
        if markdown:
            lines += [f"- {head}", "  ```", f"  {served['sql']}", f"  before: {before}",
                      f"  after:  {after}", *([f"  {guard}"] if guard else []), "  ```"]
        else:
            lines += [f"  {head}", f"    {served['sql']}", f"    before: {before}",
                      f"    after:  {after}", *([f"    {guard}"] if guard else [])]
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

"""``advisor compare`` as a table, markdown or a JSON document (keys: docs/replay.md)."""

from __future__ import annotations

from typing import Any

from tabulate import tabulate

from advisor.analysis.workload import Workload
from advisor.replay.measure import Measurement
from advisor.report.common import Report, command_line, kib, regenerate
from advisor.report.replay_report import values_document, values_sentence
from advisor.review.compare import Comparison, fidelity, plan_groups, state_flips
from advisor.review.requests import ComparedConfigurations

# 2: measurements, verdicts and fidelity per statistics state; 3: lower_bound, where
# statements ran into the time limit and count as it
FORMAT_VERSION = 3
UNMEASURABLE = "advisor: no --db and no profile to synthesise one from: estimates only"


def report(compared: ComparedConfigurations, top: int | None = None) -> Report:
    """The comparison with the command line that made it, its ``top`` templates (None:
    all); a notice when it could not be measured."""
    document = compare_document(compared.comparison, compared.workload, command_line(),
                                compared.database, top)
    return Report(document, render_text,
                  notices=(UNMEASURABLE,) if compared.unmeasurable else ())


def compare_document(comparison: Comparison, workload: Workload,
                     command: str | None = None, database: str | None = None,
                     top: int | None = None) -> dict[str, Any]:
    """The comparison as a document; of the templates, the ``top`` costliest in the first
    configuration (None: all)."""
    digest = workload.digest
    baseline = comparison.configurations[0].per_template
    shown = sorted(baseline, key=lambda tid: -baseline[tid])[:top]
    states = [m.statistics for m in comparison.configurations[0].measurements]
    first = comparison.configurations[0].measurement
    groups = {state: plan_groups(comparison.configurations, state) for state in states}
    return {
        "format_version": FORMAT_VERSION,
        "command": command,
        "database": database,
        "statistics_states": states,
        "statistics": {"source": workload.statistics.source, "from": workload.sources.statistics,
                       "planner_has_stats": workload.statistics.planner_has_stats},
        "values": None if first is None else values_document(first.fills),
        "verdict": comparison.verdict,
        "best": comparison.best,
        "verdicts": {state: {"best": best, "verdict": text}
                     for state, (best, text) in comparison.verdicts.items()},
        "fidelity": {state: _fidelity(comparison, workload, state) for state in states},
        "state_flips": [{"template": f.template_id, "configuration": f.configuration,
                         "ratios": {k: round(v, 3) for k, v in f.ratios.items()}}
                        for f in state_flips(comparison)],
        "configurations": [
            {
                "label": c.label,
                "indexes": [str(s) for s in c.indexes],
                "drops": list(c.drops),
                "estimated_cost": round(c.estimated_total, 3),
                "estimated_read": round(c.estimated_read, 3),
                "estimated_upkeep": round(c.estimated_upkeep, 3),
                "estimated_bytes": c.estimated_bytes,
                "measured": {m.statistics: {**_measured(m), "plan_group": groups[m.statistics]
                                            .get(c.label)} for m in c.measurements},
            }
            for c in comparison.configurations
        ],
        "templates": [
            {"id": tid, "sql": digest.templates[tid].template.text,
             "count": digest.templates[tid].count,
             "estimated": {c.label: round(c.per_template[tid], 3)
                           for c in comparison.configurations},
             "measured_median_seconds": {
                 state: {c.label: _median(c.measured(state), tid)
                         for c in comparison.configurations}
                 for state in states},
             "timed_out": {
                 state: [c.label for c in comparison.configurations
                         if _timed_out(c.measured(state), tid)]
                 for state in states},
             "plans": {
                 state: {c.label: m.plans.get(tid)
                         for c in comparison.configurations
                         if (m := c.measured(state)) is not None}
                 for state in states}}
            for tid in shown
        ],
    }


def _measured(m: Measurement) -> dict[str, Any]:
    return {"read_seconds": round(m.weighted_read_seconds, 6),
            "write_seconds": round(m.weighted_write_seconds, 6),
            "build_seconds": round(m.build_seconds, 6),
            "index_bytes": m.index_bytes,
            "outcomes": dict(m.tally.counts),
            "lower_bound": m.lower_bound,
            "templates_without_values": len(m.without_values)}


def _median(m: Measurement | None, template_id: str) -> float | None:
    if m is None:
        return None
    return next((t.median_seconds for t in m.timings if t.template_id == template_id), None)


def _timed_out(m: Measurement | None, template_id: str) -> bool:
    """Whether every run of the template ran into the time limit (no median to show)."""
    return m is not None and any(t.template_id == template_id and t.status == "timeout"
                                 for t in m.timings)


def _fidelity(comparison: Comparison, workload: Workload, state: str) -> dict[str, Any]:
    agreement = fidelity(comparison, workload, state=state)
    return {
        "spearman_rho": None if agreement.spearman_rho is None
        else round(agreement.spearman_rho, 4),
        "pairs": agreement.pairs,
        "worst": [{"template": m.template_id, "configuration": m.configuration,
                   "estimated": round(m.estimated, 3),
                   "measured_seconds": round(m.measured_seconds, 9),
                   "rank_gap": m.rank_gap} for m in agreement.worst],
    }


def render_text(document: dict[str, Any], markdown: bool = False) -> str:
    fmt = "github" if markdown else "simple"
    states = document["statistics_states"]
    out = []
    if markdown:
        out += ["# Index configurations compared", "", *regenerate(document.get("command"))]
    if document.get("database"):
        out += [f"Measured on copies of {document['database']}, in each statistics state: "
                + ", ".join(states) + ".", ""]
    rows = []
    for c in document["configurations"]:
        row = [c["label"], len(c["indexes"]), f"{c['estimated_cost']:,.0f}",
               f"{c['estimated_upkeep']:,.0f}", kib(c["estimated_bytes"])]
        for state in states:
            m = c["measured"][state]
            at_least = "≥ " if m.get("lower_bound") else ""
            row += [f"{at_least}{m['read_seconds']:.4f}", f"{at_least}{m['write_seconds']:.4f}",
                    m.get("plan_group") or ""]
        if states:
            row.append(kib(c["measured"][states[0]]["index_bytes"]))
        rows.append(row)
    headers = ["configuration", "indexes", "est. cost", "est. upkeep", "est. KiB"]
    for state in states:
        headers += [f"read s ({state})", f"write s ({state})", f"plans ({state})"]
    if states:
        headers.append("measured KiB")
    out.append(tabulate(rows, headers=headers, tablefmt=fmt, disable_numparse=True))
    if states:
        out += ["", "*plans*: configurations with the same letter got the very same plan for "
                "every template in that state; their measured differences are noise."]
    if any(m.get("lower_bound") for c in document["configurations"]
           for m in c["measured"].values()):
        out.append("≥: some statements ran into the time limit (--statement-timeout) and "
                   "count as the limit: those seconds are lower bounds.")
    out.append("")
    named = [c for c in document["configurations"] if c.get("drops") or (
        c["indexes"] and c["label"] != "; ".join(c["indexes"]))]
    if named:
        out += ["Configurations (the database's own indexes, less those dropped, plus these):",
                ""]
        out += [f"- {c['label']}: " + "; ".join(f"`{i}`" if markdown else i
                                                for i in c["indexes"])
                + _dropped(c.get("drops"), markdown) for c in named]
        out.append("")
    for state, verdict in document["verdicts"].items():
        label = "Verdict" if state == "estimated" else f"Verdict, {state}"
        out.append(f"{label}: {verdict['verdict']}.")
    for state in states:
        rho = document["fidelity"][state]["spearman_rho"]
        if rho is not None:
            out.append(f"Estimates against measurements ({state}): Spearman rho {rho:.2f} over "
                       f"{document['fidelity'][state]['pairs']} (template, configuration) "
                       "pairs.")
    values = document.get("values")
    if values:
        out.append(values_sentence(values, "samples"))
    if document["state_flips"]:
        out += ["", "The statistics state decides whether these help or hurt "
                "(time against the first configuration's, same state):", ""]
        out.append(tabulate(
            [[f["template"], f["configuration"],
              *(f"{f['ratios'][state]:.2f}×" for state in states)]
             for f in document["state_flips"]],
            headers=["template", "configuration", *states], tablefmt=fmt,
            disable_numparse=True))
    out += ["", "Per template (estimated cost per execution; measured median ms):", ""]
    template_rows = []
    for t in document["templates"]:
        for c in document["configurations"]:
            label = c["label"]
            row = [t["id"], t["count"], label, f"{t['estimated'][label] / t['count']:,.0f}"]
            for state in states:
                measured = t["measured_median_seconds"][state].get(label)
                row.append(f"{measured * 1000:.3f}" if measured is not None else
                           "timed out" if label in t.get("timed_out", {}).get(state, ())
                           else "")
            template_rows.append(row)
    headers = ["template", "count", "configuration", "est. cost",
               *(f"ms ({state})" for state in states)]
    out.append(tabulate(template_rows, headers=headers, tablefmt=fmt, disable_numparse=True))
    out += ["", "Templates, and the plans SQLite chose on the measured copies (where a "
            "template's samples plan differently, each plan, apart by |):"]
    for t in document["templates"]:
        out += ["", f"- {t['id']}: `{t['sql']}`" if markdown else f"  {t['id']}: {t['sql']}"]
        for plan, where in _plan_groups(t["plans"]):
            out.append(f"  - `{plan}`: {where}" if markdown else f"      {plan}: {where}")
    return "\n".join(out)


def _dropped(drops: list[str] | None, markdown: bool) -> str:
    """A configuration's drops, after its indexes."""
    if not drops:
        return ""
    return "; drops " + ", ".join(f"`{name}`" if markdown else name for name in drops)


def _plan_groups(plans: dict[str, dict[str, str | None]]) -> list[tuple[str, str]]:
    """Each distinct plan with the configurations (and states) that got it."""
    groups: dict[str, list[str]] = {}
    for state, by_label in plans.items():
        for label, plan in by_label.items():
            if plan:
                groups.setdefault(plan, []).append(f"{label} ({state})")
    return [(plan, ", ".join(where)) for plan, where in groups.items()]

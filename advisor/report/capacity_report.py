"""``advisor capacity`` as a table, a markdown review, a JSON document or a chart.

The document (``capacity_document``) holds every figure; the renderers only
arrange it. Keys are listed in docs/capacity.md. Figures at an extrapolated
scale come from the fitted growth and are marked (``"extrapolated": true``;
a ``*`` after the scale in text).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from tabulate import tabulate

from advisor.analysis.workload import Workload
from advisor.catalog.scales import format_count
from advisor.model.errors import InputError
from advisor.report.common import Report, command_line
from advisor.review.capacity import (
    BASELINE,
    RUN_QUANTITIES,
    SIZE_METHODS,
    Capacity,
    Fit,
    ScalePoint,
)
from advisor.review.requests import Planned

FORMAT_VERSION = 1
SQL_WIDTH = 60


def report(planned: Planned, top: int | None = None, chart: str | None = None) -> Report:
    """The capacity review with the command line that made it; tables show ``top``
    templates (None: all; JSON always has all); with ``chart``, the chart drawn into that
    file."""
    document = capacity_document(planned.capacity, planned.workload, command_line())
    files = {Path(chart): render_chart(document, Path(chart).suffix[1:] or "png")} if chart else {}
    return Report(document, partial(render_table, top=top), files=files)


def capacity_document(result: Capacity, workload: Workload,
                      command: str | None = None) -> dict[str, Any]:
    templates = _ranked_templates(result, workload)
    reference = result.reference
    return {
        "format_version": FORMAT_VERSION,
        "command": command,
        "profile": result.profile,
        "reference": None if reference is None else {
            "table": reference.table, "per": reference.per, "rows": reference.rows,
            "unit": reference.unit},
        "machine": dict(result.machine),
        "size_method": result.size_method,
        "repetitions": result.repetitions,
        "statement_timeout_seconds": result.statement_seconds,
        "max_synth_scale": result.max_synth_scale,
        "wall_seconds": round(result.seconds, 3),
        "configurations": [{"label": label, "indexes": [str(s) for s in specs]}
                           for label, specs in result.configurations],
        "templates": [
            {"id": tid, "kind": workload.digest.templates[tid].template.kind,
             "count": workload.digest.templates[tid].count,
             "sql": workload.digest.templates[tid].template.text}
            for tid in templates],
        "scales": [_scale_entry(point, templates) for point in result.points],
        "growth": {
            "database_bytes": _fit(result.database_growth),
            "indexes": {str(spec): _fit(fit) for spec, fit in result.index_growth.items()},
            "templates": {tid: {label: _fit(fit) for label, fit in
                                result.latency_growth.get(tid, {}).items()}
                          for tid in templates},
            "configurations": {label: {q: _fit(fit) for q, fit in quantities.items()}
                               for label, quantities in result.run_growth.items()},
        },
        "notes": _notes(result),
    }


def _ranked_templates(result: Capacity, workload: Workload) -> list[str]:
    """Replayed templates, heaviest first: count × latency with no added index at the
    largest measured scale (where the workload hurts most)."""
    if not result.measured:
        return []
    before = result.measured[-1].run(BASELINE).latencies
    weight = {tid: (seconds or 0.0) * workload.digest.templates[tid].count
              for tid, seconds in before.items()}
    return sorted(weight, key=lambda tid: -weight[tid])


def _scale_entry(point: ScalePoint, templates: Sequence[str]) -> dict[str, Any]:
    base = point.database_bytes
    return {
        "label": point.scale.label,
        "text": point.scale.text,
        "factor": point.scale.factor,
        "reference_rows": point.scale.rows,
        "extrapolated": point.extrapolated,
        "seconds": round(point.seconds, 3),
        "rows": dict(point.rows),
        "database_bytes": _whole(base),
        "indexes": [
            {"index": str(size.index), "table": size.index.table, "bytes": _whole(size.bytes),
             "estimated_bytes": size.estimated_bytes, "entries": size.entries,
             "bytes_per_entry": None if not size.entries or size.bytes is None
             else round(size.bytes / size.entries, 2),
             "build_seconds": _round(size.build_seconds)}
            for size in point.indexes],
        "configurations": [
            {"label": run.label,
             **{q: _whole(getattr(run, q)) if q == "index_bytes" else _round(getattr(run, q))
                for q in RUN_QUANTITIES},
             "write_overhead_seconds": None if run.label == BASELINE
             else _round(point.write_overhead(run.label)),
             "database_bytes": None if base is None or run.index_bytes is None
             else _whole(base + run.index_bytes),
             "outcomes": dict(run.outcomes)}
            for run in point.runs],
        "templates": {tid: {run.label: _round(run.latencies.get(tid), 9) for run in point.runs}
                      for tid in templates},
    }


def _fit(fit: Fit | None) -> dict[str, Any] | None:
    if fit is None:
        return None
    return {"a": float(f"{fit.a:.6g}"), "b": round(fit.b, 4), "points": fit.points,
            "r2": None if fit.r2 is None else round(fit.r2, 4)}


def _round(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(value, digits)


def _whole(value: float | None) -> int | None:
    return None if value is None else round(value)


def _notes(result: Capacity) -> list[str]:
    notes = [f"index sizes by {SIZE_METHODS[result.size_method]}; estimates are the analytic "
             "sizes the search uses (evaluate.index_bytes) from the profile scaled"]
    extrapolated = [p.scale.label for p in result.points if p.extrapolated]
    if extrapolated:
        measured = ", ".join(p.scale.label for p in result.measured)
        notes.append(f"{', '.join(extrapolated)} not synthesised (above --max-synth-scale "
                     f"{result.max_synth_scale:g}): every figure there is extrapolated from "
                     f"y = a·scale^b fitted over {measured}; rows are the profile's expectation")
    falling = sorted(label for label, fits in result.run_growth.items()
                     if (fit := fits.get("write_seconds")) is not None and fit.b < 0)
    if extrapolated and falling:
        notes.append(f"write seconds of {' and '.join(falling)} fall as the data grows over "
                     "the measured scales (b < 0), which no workload keeps up: their "
                     "extrapolated write figures are not to be trusted; measure larger scales "
                     "(--max-synth-scale)")
    faster = sorted({r.label for p in result.measured for r in p.runs
                     if r.label != BASELINE and (p.write_overhead(r.label) or 0) < 0})
    if faster:
        notes.append(f"write overhead is net: with {' and '.join(faster)}, writes that search "
                     "(UPDATE … WHERE workflow_id = ?) get faster by more than the indexes' "
                     "upkeep costs the others, so it can be below 0")
    timeouts = [f"{p.scale.label} {r.label}" for p in result.measured for r in p.runs
                if r.outcomes.get("timeout")]
    if timeouts:
        notes.append(f"statements over the {result.statement_seconds:g} s limit were stopped "
                     f"({', '.join(timeouts)}): those latencies are missing, not small")
    return notes


# ---------------------------------------------------------------- rendering


def format_bytes(value: float | None) -> str:
    if value is None:
        return "–"
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if abs(value) >= size:
            return f"{value / size:,.3g} {unit}" if value < 100 * size else \
                f"{value / size:,.0f} {unit}"
    return f"{value:,.0f} B"


def format_ms(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    ms = seconds * 1000
    return f"{ms:,.3g}" if abs(ms) < 1000 else f"{ms:,.0f}"


def _significant(value: float | None) -> str:
    """Three significant digits, – when missing (seconds, in a column headed so)."""
    return "–" if value is None else f"{value:,.3g}"


def _exponent(fit: dict[str, Any] | None) -> str:
    return "–" if fit is None else f"{fit['b']:.2f}"


def scale_heading(scale: dict[str, Any]) -> str:
    return scale["label"] + ("*" if scale["extrapolated"] else "")


def _runs(repetitions: int) -> str:
    return "1 run" if repetitions == 1 else f"{repetitions} runs"


def _shorten(text: str, width: int = SQL_WIDTH) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def render_table(document: dict[str, Any], markdown: bool = False,
                 top: int | None = None) -> str:
    """The per-scale tables; with ``markdown``, a capacity-planning review document."""
    fmt = "github" if markdown else "simple"
    sections = [_review_head(document, markdown)] if markdown else [_summary(document)]
    for title, body in _tables(document, fmt, top):
        sections.append(f"## {title}\n\n{body}" if markdown else f"{title}\n{body}")
    notes = [f"* {note}" if markdown else f"- {note}" for note in document["notes"]]
    sections.append(("## Notes\n\n" if markdown else "Notes:\n") + "\n".join(notes))
    return "\n\n".join(sections)


def _summary(document: dict[str, Any]) -> str:
    scales = ", ".join(scale_heading(s) for s in document["scales"])
    reference = document["reference"]
    unit = (f" ({reference['unit']}; scale 1 = {reference['rows']:,})"
            if reference else " (profile multipliers)")
    machine = document["machine"]
    return (f"Capacity at {scales}{unit}, profile {document['profile']}; * extrapolated.\n"
            f"Measured on {machine['cores']} cores of {machine['cpu']}, SQLite "
            f"{machine['sqlite']}, in {document['wall_seconds']:,.0f} s; latencies are "
            f"medians of {_runs(document['repetitions'])}.")


def _review_head(document: dict[str, Any], markdown: bool) -> str:
    machine = document["machine"]
    reference = document["reference"]
    measured = [s for s in document["scales"] if not s["extrapolated"]]
    extrapolated = [s for s in document["scales"] if s["extrapolated"]]
    configurations = [c for c in document["configurations"] if c["label"] != BASELINE]
    lines = [
        "# Capacity-planning review",
        "",
        f"Profile `{document['profile']}`" + (
            f", sized by {reference['unit']}: scale 1 holds {reference['rows']:,}, so "
            + ", ".join(f"{s['label']} is scale {s['factor']:g}" for s in document["scales"])
            if reference else "; scales are the profile's multipliers") + ".",
        "",
        "What was measured: at "
        + (", ".join(s["label"] for s in measured) or "no scale")
        + ", a database synthesised from the schema and profile; its size "
        "(page_count × page_size); each added index's size "
        f"({SIZE_METHODS[document['size_method']]}) beside the analytic estimate; the "
        "workload's templates replayed on copies of it (each statement alone, "
        f"{_runs(document['repetitions'])}, the median; writes rolled back) with no added "
        f"index (`{BASELINE}`) and with "
        + ", ".join(f"`{c['label']}` ({len(c['indexes'])} indexes)" for c in configurations)
        + ".",
    ]
    if extrapolated:
        lines += ["", "Extrapolated, not measured: "
                  + ", ".join(s["label"] for s in extrapolated)
                  + " — every figure there is a·scale^b with a and b fitted over the measured "
                  "scales (least squares in log-log), marked * below."]
    lines += ["", f"Machine: {machine['cores']} cores of {machine['cpu']}, {machine['memory']}, "
              f"{machine['system']}; Python {machine['python']}, SQLite {machine['sqlite']}. "
              f"Wall time of synthesis and measurement: {document['wall_seconds']:,.0f} s."]
    if document["command"]:
        lines += ["", f"```sh\n{document['command']}\n```"]
    return "\n".join(lines)


def _tables(document: dict[str, Any], fmt: str, top: int | None) -> list[tuple[str, str]]:
    return [
        ("Database and configurations", _configuration_table(document, fmt)),
        ("Index sizes (measured, and the analytic estimate)", _index_table(document, fmt)),
        ("Template latency (ms per execution, median)", _latency_table(document, fmt, top)),
        ("Growth exponents b (y = a·scale^b over the measured scales)",
         _growth_table(document, fmt)),
    ]


def _configuration_table(document: dict[str, Any], fmt: str) -> str:
    reference = document["reference"]
    rows = []
    for scale in document["scales"]:
        for config in scale["configurations"]:
            rows.append([
                scale_heading(scale),
                # without a reference table, every table's rows: a dash said nothing
                f"{sum(scale['rows'].values()):,}" if not reference
                else f"{scale['rows'].get(reference['table'], 0):,}",
                config["label"], format_bytes(config["database_bytes"]),
                format_bytes(config["index_bytes"]), _significant(config["build_seconds"]),
                _significant(config["read_seconds"]), _significant(config["write_seconds"]),
                _significant(config["write_overhead_seconds"]),
            ])
    table_rows = f"{reference['table']} rows" if reference else "rows (all tables)"
    return tabulate(rows, headers=["scale", table_rows, "configuration", "database",
                                   "added indexes", "build s", "read s", "write s",
                                   "write overhead s"],
                    tablefmt=fmt, disable_numparse=True)


def _index_table(document: dict[str, Any], fmt: str) -> str:
    rows = []
    growth = document["growth"]["indexes"]
    measured = [s for s in document["scales"] if not s["extrapolated"]]
    for position, name in enumerate(i["index"] for i in document["scales"][0]["indexes"]):
        cells = [f"{format_bytes(s['indexes'][position]['bytes'])} "
                 f"(est. {format_bytes(s['indexes'][position]['estimated_bytes'])})"
                 for s in document["scales"]]
        per_entry = measured[-1]["indexes"][position]["bytes_per_entry"] if measured else None
        rows.append([name, *cells, "–" if per_entry is None else f"{per_entry:.1f}",
                     _exponent(growth.get(name))])
    largest = f"B/entry at {measured[-1]['label']}" if measured else "B/entry"
    return tabulate(rows, headers=["index", *(scale_heading(s) for s in document["scales"]),
                                   largest, "b"],
                    tablefmt=fmt, disable_numparse=True) if rows else "(no added indexes)"


def _latency_table(document: dict[str, Any], fmt: str, top: int | None) -> str:
    rows = []
    labels = [c["label"] for c in document["configurations"]]
    for template in document["templates"][:top]:
        fits = document["growth"]["templates"].get(template["id"], {})
        for number, label in enumerate(labels):
            first = number == 0
            rows.append([
                template["id"][:12] if first else "",
                f"{template['count']:,}" if first else "",
                _shorten(template["sql"]) if first else "",
                label,
                *(format_ms(s["templates"][template["id"]].get(label)) for s in document["scales"]),
                _exponent(fits.get(label)),
            ])
    return tabulate(rows, headers=["template", "count", "sql", "configuration",
                                   *(scale_heading(s) for s in document["scales"]), "b"],
                    tablefmt=fmt, disable_numparse=True) if rows else "(no replayed templates)"


def _growth_table(document: dict[str, Any], fmt: str) -> str:
    growth = document["growth"]
    rows = [["database size", BASELINE, _exponent(growth["database_bytes"])]]
    for label, quantities in growth["configurations"].items():
        for quantity, fit in quantities.items():
            rows.append([quantity.replace("_", " "), label, _exponent(fit)])
    return tabulate(rows, headers=["quantity", "configuration", "b"], tablefmt=fmt,
                    disable_numparse=True)


# ---------------------------------------------------------------- chart


CHART_EXTRA = "pip install -e '.[chart]'"


def require_chart() -> None:
    """Fail before a long run, not after it, when the chart cannot be drawn."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise InputError(f"--chart needs matplotlib, the 'chart' extra: {CHART_EXTRA}") from None


CHART_INDEXES = 8  # the largest indexes drawn; more lines would not be told apart
MARKERS = ("o", "s", "^", "D", "v", "P")  # one per configuration, BASELINE first


def render_chart(document: dict[str, Any], image_format: str = "png", top: int | None = 4
                 ) -> bytes:
    """Latency and size against scale, log-log; extrapolated points hollow and dotted: an
    image in ``image_format`` (png, svg, pdf: what matplotlib writes)."""
    require_chart()
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed
    from matplotlib import pyplot

    reference = document["reference"]
    xs = [s["reference_rows"] if reference else s["factor"] for s in document["scales"]]
    figure, (latency, size) = pyplot.subplots(1, 2, figsize=(14, 7.5))
    labels = [c["label"] for c in document["configurations"]]
    for template in document["templates"][:top]:
        color = None  # one color per template; configurations by marker and line style
        for number, label in enumerate(labels):
            ys = [s["templates"][template["id"]].get(label) for s in document["scales"]]
            line = _plot(latency, document, xs, [None if y is None else y * 1000 for y in ys],
                         f"{template['id'][:8]} {label}: {_shorten(template['sql'], 34)}",
                         "--" if label == BASELINE else "-", MARKERS[number % len(MARKERS)],
                         color=color)
            color = color or (line.get_color() if line is not None else None)
    _plot(size, document, xs, [s["database_bytes"] for s in document["scales"]],
          "database (schema's indexes only)", "-", "o", width=2.5, color="black")
    for name, ys in _largest_indexes(document):
        _plot(size, document, xs, ys, _shorten(name, 50), "-", "o")
    unit = f"{reference['unit']}" if reference else "scale (profile multiplier)"
    titles = ((latency, f"Template latency, top {top} (dashed: {BASELINE})", "ms per execution"),
              (size, f"Database and the {CHART_INDEXES} largest added indexes", "bytes"))
    for axis, title, ylabel in titles:
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel(unit)
        axis.set_ylabel(ylabel)
        axis.set_title(title, fontsize=10)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)
        if reference:
            axis.xaxis.set_major_formatter(_count_formatter())
    figure.suptitle("Capacity (hollow markers, dotted lines: extrapolated)")
    figure.tight_layout()
    image = io.BytesIO()
    figure.savefig(image, format=image_format, dpi=110)
    pyplot.close(figure)
    return image.getvalue()


def _largest_indexes(document: dict[str, Any]) -> list[tuple[str, list[float | None]]]:
    """(index, bytes per scale) of the largest indexes at the largest measured scale."""
    measured = [s for s in document["scales"] if not s["extrapolated"]]
    if not measured:
        return []
    names = [i["index"] for i in measured[-1]["indexes"]]
    ranked = sorted(range(len(names)),
                    key=lambda n: -(measured[-1]["indexes"][n]["bytes"] or 0))[:CHART_INDEXES]
    return [(names[n], [s["indexes"][n]["bytes"] for s in document["scales"]]) for n in ranked]


def _plot(axis: Any, document: dict[str, Any], xs: Sequence[float], ys: Sequence[float | None],
          label: str, style: str, marker: str, width: float = 1.2,
          color: str | None = None) -> Any:
    """One series: measured points joined solid (or dashed), extrapolated ones dotted."""
    flags = [s["extrapolated"] for s in document["scales"]]
    measured = [(x, y) for x, y, e in zip(xs, ys, flags, strict=True) if y and not e]
    if not measured:
        return None
    (line,) = axis.plot(*zip(*measured, strict=True), style, marker=marker, label=label,
                        linewidth=width, markersize=4, color=color)
    beyond = [(x, y) for x, y, e in zip(xs, ys, flags, strict=True) if y and e]
    if beyond:
        x0, y0 = measured[-1]
        axis.plot([x0, *(x for x, _ in beyond)], [y0, *(y for _, y in beyond)], ":",
                  marker=marker, markerfacecolor="none", color=line.get_color(),
                  linewidth=width, markersize=5)
    return line


def _count_formatter() -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _position: format_count(value))

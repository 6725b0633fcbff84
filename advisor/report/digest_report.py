"""The digest as a ranked table, a stable JSON document, or markdown.

The JSON keys are documented in docs/digest-json.md; ``FORMAT_VERSION`` changes
when a key changes meaning or goes away (new keys may be added any time).
"""

from __future__ import annotations

from typing import Any

from tabulate import tabulate

from advisor.digest.digest import Digest, TemplateStats
from advisor.report.common import Report

FORMAT_VERSION = 1
SQL_WIDTH = 72


def _ms(ns: float | None) -> float | None:
    return None if ns is None else round(ns / 1e6, 6)


def _share(part: float, whole: float) -> float | None:
    return round(part / whole, 6) if whole else None


def report(digest: Digest, sort: str = "time", top: int | None = None) -> Report:
    """The digest ranked by ``sort``, cut to ``top`` templates (None: all)."""
    return Report(digest_document(digest, sort, top), render_table)


def digest_document(digest: Digest, sort: str = "time", top: int | None = None) -> dict[str, Any]:
    """The digest as plain data, ranked by ``sort`` and cut to ``top`` templates."""
    ranked = digest.ranked(sort)
    statements = digest.statements
    total_ns = digest.total_ns
    shown = ranked if top is None else ranked[:top]
    return {
        "format_version": FORMAT_VERSION,
        "sort": sort,
        "sources": [
            {"name": s.name, "format": s.format, "lines": s.lines}
            for s in digest.sources.values()
        ],
        "totals": {
            "lines": digest.lines,
            "statements": statements,
            "templates": len(ranked),
            "timed_statements": digest.timed,
            "total_ms": _ms(total_ns),
            "unreadable": digest.unreadable,
            "skipped": digest.skipped,
            "first_ts": digest.first_ts,
            "last_ts": digest.last_ts,
        },
        "templates": [
            _template_entry(rank, stats, statements, total_ns)
            for rank, stats in enumerate(shown, start=1)
        ],
        "unreadable": [
            {
                "reason": reason,
                "count": tally.count,
                "first": [{"source": name, "line": line} for name, line in tally.refs],
            }
            for reason, tally in sorted(digest.problems.items(), key=lambda kv: -kv[1].count)
        ],
    }


def _template_entry(rank: int, stats: TemplateStats, statements: int,
                    total_ns: int) -> dict[str, Any]:
    template = stats.template
    return {
        "rank": rank,
        "id": template.id,
        "kind": template.kind,
        "command": template.command,
        "tables": list(template.tables),
        "sql": template.text,
        "count": stats.count,
        "share_count": _share(stats.count, statements),
        "timed": stats.timed,
        "total_ms": _ms(stats.total_ns) if stats.timed else None,
        "share_time": _share(stats.total_ns, total_ns) if stats.timed else None,
        "mean_ms": _ms(stats.mean_ns),
        "p95_ms": _ms(stats.quantile_ns(0.95)),
        "max_ms": _ms(stats.max_ns) if stats.timed else None,
        "rows_mean": None if stats.mean_rows is None else round(stats.mean_rows, 3),
        "samples": [
            {"sql": s.sql, "source": s.source, "line": s.line, "params": s.params}
            for s in stats.samples
        ],
    }


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}"


def _number(value: float | None, digits: int = 3) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def render_table(document: dict[str, Any], markdown: bool = False) -> str:
    """A ranked table with a summary above and unreadable records below."""
    totals = document["totals"]
    lines = [_summary_line(document)]
    rows = [
        [
            t["rank"], t["id"], t["kind"], t["count"], _percent(t["share_count"]),
            _number(t["total_ms"], 1), _percent(t["share_time"]), _number(t["mean_ms"]),
            _number(t["p95_ms"]), _number(t["rows_mean"], 1), ",".join(t["tables"]),
            t["sql"].replace("|", "\\|") if markdown else _shorten(t["sql"], SQL_WIDTH),
        ]
        for t in document["templates"]
    ]
    headers = ["#", "id", "kind", "count", "%count", "total ms", "%time", "mean ms", "p95 ms",
               "rows", "tables", "template"]
    lines.append("")
    lines.append(tabulate(rows, headers=headers, tablefmt="github" if markdown else "simple",
                          disable_numparse=True))
    shown = len(document["templates"])
    if shown < totals["templates"]:
        lines.append(f"\n({totals['templates'] - shown} more templates; --top to show more)")
    if document["unreadable"]:
        lines.append("")
        lines.append(_unreadable_section(document))
    return "\n".join(lines)


def _summary_line(document: dict[str, Any]) -> str:
    totals = document["totals"]
    formats = sorted({s["format"] for s in document["sources"]})
    text = (
        f"{totals['statements']:,} statements in {totals['templates']:,} templates "
        f"from {totals['lines']:,} lines ({', '.join(formats) or 'no input'})"
    )
    if totals["total_ms"] is not None and totals["timed_statements"]:
        text += f"; {totals['total_ms'] / 1000:,.3f} s logged time"
    if totals["skipped"]:
        text += f"; {totals['skipped']:,} non-statement records skipped"
    if totals["unreadable"]:
        text += f"; {totals['unreadable']:,} unreadable"
    return text


def _unreadable_section(document: dict[str, Any]) -> str:
    lines = ["Unreadable records (skipped; --strict makes them an error):"]
    for entry in document["unreadable"]:
        where = ", ".join(f"{ref['source']}:{ref['line']}" for ref in entry["first"])
        lines.append(f"  {entry['reason']}: {entry['count']:,} (first at {where})")
    return "\n".join(lines)

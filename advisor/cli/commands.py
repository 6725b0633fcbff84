"""The commands. Each parses its options into one request, makes one library call and
writes the report (advisor.report.common.emit); no decision is made here.

The library is imported inside each command: analysis loads sqlglot and the
search networkx, which ``advisor digest`` and ``--help`` do not need.
"""

from __future__ import annotations

from typing import Any

import click

from advisor.advise.in_order import IN_ORDER_SECONDS
from advisor.cli import terminal
from advisor.cli.group import main
from advisor.cli.options import (
    CONFIG_FILE_HELP,
    NAMED_PATH,
    QUIET_OPTION,
    Number,
    Size,
    audited_db_option,
    config_option,
    estimate_only_option,
    log_options,
    measurement_options,
    output_format,
    parse,
    schema_options,
    shown_templates,
    stats_option,
    synth_scale_option,
    synthesis_options,
    template_option,
    top_option,
)
from advisor.model.time_budget import TIME_BUDGET_SECONDS
from advisor.report.common import emit
from advisor.search.search import OWN_COST_FACTOR

__all__ = ["main"]


@main.command()
@click.argument("logs", nargs=-1, required=True, metavar="LOG...")
@log_options
@QUIET_OPTION
@output_format("table", "json", "markdown")
@top_option
@click.option("--sort", type=click.Choice(["time", "count"]), default="time", show_default=True,
              help="Rank by total logged time (count where times are unknown) or by count.")
def digest(**options: Any) -> None:
    """What the workload is: its statement templates, counted and timed.

    LOG is a file (plain SQL, JSON lines, SQLite trace output, sqlx tracing
    events; gzip allowed) or - for standard input. Several logs are digested
    as one workload.
    """
    from advisor.analysis.inputs import Inputs, read_digest
    from advisor.report import digest_report

    with terminal.feedback(options) as feedback:
        result = read_digest(parse(Inputs, options), feedback, need_statements=False)
    emit(digest_report.report(result, options["sort"], shown_templates(options)),
         options["output"])


@main.command()
@click.argument("logs", nargs=-1, metavar="[LOG...]")
@schema_options
@log_options
@QUIET_OPTION
@output_format("table", "json", "markdown")
@template_option
@click.option("--sql", help="Explain this statement instead of a log's templates.")
@click.option("--index", "indexes", multiple=True, metavar="'table(col, col DESC)'",
              help="Also plan with these indexes (together). Repeatable.")
@top_option
@click.option("--no-combinations", is_flag=True,
              help="Skip the search for index pairs that avoid an ORDER BY sort.")
def explain(**options: Any) -> None:
    """Per template: the plan and estimated cost today and with candidate indexes.

    Plans are SQLite's own (EXPLAIN QUERY PLAN on an empty copy of the schema
    holding statistics like the target's); costs are estimates in row steps.
    Every candidate considered is listed with its verdict, every dropped one
    with its reason.
    """
    from advisor.report import explain_report
    from advisor.review.requests import ExplainRequest, run_explain

    request = parse(ExplainRequest, {**options, "top": shown_templates(options)})
    with terminal.feedback(options) as feedback:
        explained = run_explain(request, feedback)
    emit(explain_report.report(explained), options["output"])


@main.command()
@click.argument("logs", nargs=-1, required=True, metavar="LOG...")
@schema_options
@log_options
@QUIET_OPTION
@output_format("table", "json", "markdown", "sql",
               sql="the CREATE INDEX statements, in phase order (ANALYZE where needed)")
@click.option("--max-indexes", type=click.IntRange(min=0), default=None,
              help="Recommend at most this many indexes.")
@click.option("--max-bytes", type=Size(), metavar="SIZE", default=None,
              help="Recommend at most this much index storage (e.g. 500MB), by the "
                   "estimated sizes: the search runs before anything is built.")
@click.option("--min-saving", type=Number(0, 1), default=0.0, show_default=True,
              help="Each recommended index must save at least this share of the workload cost.")
@click.option("--tolerance", type=Number(0, 1), default=0.01, show_default=True,
              help="The recommendation is the smallest set whose saving is within this share "
                   f"of the best set's, and whose cost within {OWN_COST_FACTOR:g} times this "
                   "share of the best set's own.")
@click.option("--assume-analyze", is_flag=True,
              help="Plan as after ANALYZE, even where the target has no sqlite_stat1.")
@click.option("--keep-existing/--allow-drops", default=True, show_default=True,
              help="Keep the database's own indexes, or let them compete with the "
                   "candidates and recommend dropping those the workload does not need.")
@click.option("--against", "against_file", type=NAMED_PATH,
              help="Judge these indexes too: CREATE INDEX statements or table(col) lines.")
@click.option("--algorithm", type=click.Choice(["auto", "exact", "greedy"]), default="auto",
              show_default=True, help="Search per component: exact when small (auto), or not.")
@click.option("--migrations-dir", type=click.Path(file_okay=False),
              help="Also write sqlx-style <timestamp>_advisor_phase_N.up.sql/.down.sql files.")
@estimate_only_option
@click.option("--validate", is_flag=True,
              help="Insist on measuring: fail when there is no database to measure on "
                   "(measuring is the default whenever there is one).")
@click.option("--in-order-budget", "in_order_seconds", type=Number(0, 86400),
              default=IN_ORDER_SECONDS, show_default=True, metavar="SECONDS",
              help="Measured: check the set by replaying the log in order beside the set "
                   "with one index added or dropped, taking a move that runs the log faster "
                   "beyond noise, twice; the check may take this many seconds; 0: no check.")
@click.option("--time-budget", "time_budget_seconds", type=Number(0, 86400),
              default=TIME_BUDGET_SECONDS, show_default=True, metavar="SECONDS",
              help="Measured: aim to finish in this many seconds. Past them no further round "
                   "of the measured search starts, and a repair of a slowed template or the "
                   "check in log order runs only if it fits in what is left, by what such "
                   "steps took so far; the report lists what was skipped. Every index still "
                   "earns its place. 0: no limit.")
@measurement_options
@synth_scale_option
def recommend(**options: Any) -> None:
    """The minimal index set for the workload, in the phase order to build it.

    With a database (--db, or one synthesised from the profile) the set is
    decided by measurement: the cost model's choice says what to replay on
    copies where the indexes really exist, the search runs again on what was
    measured, and every recommended index must save more than noise when the
    set is replayed without it; where the log's replay is cheap enough, the
    set is then checked against the log replayed in order. --estimate-only
    decides on the cost model alone. Every index comes with the templates it serves and their plans;
    every rejected candidate with why.
    """
    from advisor.model.files import check_writable_folder
    from advisor.report import recommend_report
    from advisor.review.requests import RecommendRequest, run_recommend

    if options["migrations_dir"]:  # before the work, not after it
        check_writable_folder(options["migrations_dir"], "migrations folder")
    with terminal.feedback(options) as feedback:
        recommended = run_recommend(parse(RecommendRequest, options), feedback)
    emit(recommend_report.report(recommended, options["migrations_dir"]), options["output"])


@main.command()
@click.argument("logs", nargs=-1, required=True, metavar="LOG...")
@config_option("An index configuration: none, recommended (the estimate's set, as "
               f"--estimate-only chooses it), {CONFIG_FILE_HELP}, or "
               "'table(col, …); table(col)'. Repeatable: each is measured.")
@schema_options
@log_options
@QUIET_OPTION
@output_format("table", "json")
@measurement_options
@synth_scale_option
@click.option("--mode", type=click.Choice(["sampled", "sequential"]), default="sampled",
              show_default=True,
              help="sampled: each template alone, repeated, writes rolled back; sequential: "
                   "the log in order, writes applied.")
@stats_option
def replay(**options: Any) -> None:
    """Measure the workload on a real SQLite database under index configurations.

    Each configuration gets a fresh copy of --db (made with SQLite's backup
    API; the original is only read) or of a database synthesised from the
    profile at --scale (cached), its indexes built and timed, and every
    template's samples replayed under a sandbox (no ATTACH, no writing
    PRAGMAs, no extensions, a time limit per statement). Values that name no
    row of that database, or that the log lacks (sqlx), are drawn from it.
    """
    from advisor.report import replay_report
    from advisor.review.requests import ReplayRequest, run_replay

    with terminal.feedback(options) as feedback:
        replayed = run_replay(parse(ReplayRequest, options), feedback)
    emit(replay_report.report(replayed), options["output"])


@main.command()
@click.argument("logs", nargs=-1, required=True, metavar="LOG...")
@config_option("A configuration to compare (none, recommended: the estimate's set, as "
               f"--estimate-only chooses it; {CONFIG_FILE_HELP}; or "
               "'table(col); table(col)'). Give two or more.")
@schema_options
@log_options
@QUIET_OPTION
@output_format("table", "json", "markdown")
@measurement_options
@synth_scale_option
@stats_option
@estimate_only_option
@template_option
@top_option
def compare(**options: Any) -> None:
    """Index configurations side by side: estimated and measured.

    Per configuration: estimated workload cost, index upkeep on writes and
    size; then the replayed read and write time and the measured index size,
    in each statistics state, on copies of --db or of a database synthesised
    from the profile at --scale. Then the top templates, where the statistics
    state flips an index from helping to hurting, and a verdict.
    """
    from advisor.report import compare_report
    from advisor.review.requests import CompareRequest, run_compare

    with terminal.feedback(options) as feedback:
        compared = run_compare(parse(CompareRequest, options), feedback)
    emit(compare_report.report(compared, shown_templates(options)), options["output"])


@main.command()
@click.argument("logs", nargs=-1, metavar="[LOG...]")
@audited_db_option
@log_options
@QUIET_OPTION
@output_format("table", "json", "markdown", "sql",
               sql="the drop list as DROP INDEX statements (ANALYZE commented out)")
@measurement_options
@click.option("--max-replays", type=click.IntRange(min=0), default=64, show_default=True,
              help="Measure at most this many indexes, each by replaying every template it "
                   "serves with it and without it (the most used first).")
@click.option("--no-replay", is_flag=True,
              help="Estimate only (fast): replay nothing; verdicts from the cost model, no "
                   "harmful findings, write savings estimated.")
def audit(**options: Any) -> None:
    """Judge a database's existing indexes against the log of what it runs.

    Each index's verdict (harmful, redundant, keep, negligible, unused) is
    measured: every template it serves is replayed on copies of the database
    with it and without it, as found and after ANALYZE, and the difference
    judged against the noise band. Also partial indexes no statement can use,
    missing or stale sqlite_stat1, hot templates that scan large tables; and a
    drop list with the time each drop saves. --no-replay: the estimate alone.
    Without a LOG: duplicates, possibly redundant prefixes and statistics
    only. See docs/audit.md.
    """
    from advisor.report import audit_report
    from advisor.review.requests import AuditRequest, run_audit

    with terminal.feedback(options) as feedback:
        result = run_audit(parse(AuditRequest, options), feedback)
    emit(audit_report.report(result), options["output"])


def _chart_drawable(ctx: click.Context, param: click.Parameter, chart: str | None) -> str | None:
    """Fail before a long run, not after it, when the chart cannot be drawn."""
    if chart is not None:
        from advisor.report.capacity_report import require_chart

        require_chart()
    return chart


@main.command()
@click.argument("logs", nargs=-1, metavar="[LOG...]")
@click.option("--scales", "scale_text", default="10k,100k,1M", show_default=True,
              metavar="SCALES",
              help="Comma-separated sizes: counts of the profile's reference rows (10k, 100k, "
                   "1M: jobs per workflow for Torc) or multipliers (x2, 0.5x).")
@config_option("Indexes to measure against none: recommended (the default, needs a LOG), "
               "a .sql file, or 'table(col); table(col)'. Repeatable.", required=False)
@synthesis_options
@log_options
@QUIET_OPTION
@output_format("table", "json", "markdown")
@measurement_options
@click.option("--max-synth-scale", type=Number(min=0, min_open=True), default=10.0,
              show_default=True,
              help="Synthesise and measure scales up to this multiplier; larger ones are "
                   "extrapolated from the measured growth.")
@top_option
@click.option("--chart", type=click.Path(dir_okay=False), metavar="OUT.png",
              callback=_chart_drawable,
              help="Also draw latency and size against scale, log-log (needs the 'chart' "
                   "extra: matplotlib).")
def capacity(**options: Any) -> None:
    """Database size, index sizes and template latencies as the data grows.

    Each of --scales up to --max-synth-scale gets a database synthesised from the
    schema and profile (cached) and is measured there: its size, each added
    index's size (dbstat), and the workload replayed with no added index and
    with each -c configuration. Larger scales are extrapolated from the growth
    fitted over the measured ones (y = a·scale^b) and marked so.
    """
    from advisor.report import capacity_report
    from advisor.review.requests import CapacityRequest, run_capacity

    with terminal.feedback(options) as feedback:
        planned = run_capacity(parse(CapacityRequest, options), feedback)
    emit(capacity_report.report(planned, shown_templates(options), options["chart"]),
         options["output"])


@main.group()
def cache() -> None:
    """Databases synthesised to replay on, kept for reuse.

    Replay, compare, capacity and recommend --validate build them, in
    $ADVISOR_CACHE_DIR/synth (else $XDG_CACHE_HOME/advisor/synth or
    ~/.cache/advisor/synth), kept under ADVISOR_CACHE_MAX_BYTES (4 GiB by
    default): when a new one is built, the least recently used others go first.
    """


@cache.command("list")
@output_format("table", "json")
def cache_list(**options: Any) -> None:
    """List the cached databases, the least recently used first."""
    from advisor.replay.synth import cache_entries, default_cache_dir
    from advisor.replay.synth.cache import max_cache_bytes
    from advisor.report import cache_report

    emit(cache_report.report(default_cache_dir(), cache_entries(), max_cache_bytes()),
         options["output"])


@cache.command("clear")
@output_format("table", "json")
def cache_clear(**options: Any) -> None:
    """Remove every cached database (they are built again when needed)."""
    from advisor.replay.synth import clear_cache, default_cache_dir
    from advisor.replay.synth.cache import max_cache_bytes
    from advisor.report import cache_report

    removed = clear_cache()
    emit(cache_report.report(default_cache_dir(), removed, max_cache_bytes(), removed=True),
         options["output"])

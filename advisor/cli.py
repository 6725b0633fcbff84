"""The command line. Each command parses options, calls one library function and
prints a report; no logic lives here."""

from __future__ import annotations

import os
import re
import shlex
import sys
from collections.abc import Callable
from typing import Any

import click

from advisor import __version__
from advisor.catalog.index_lists import read_index
from advisor.digest.digest import (
    Digest,
    DigestOptions,
    digest_logs,
    require_readable,
    statement_digest,
    total_input_bytes,
)
from advisor.ingest import FORMATS
from advisor.model.errors import AdvisorError, InputError
from advisor.report.digest_report import digest_document, render_json, render_table

EXIT_USER_ERROR = 1
EXIT_INTERNAL_ERROR = 70  # EX_SOFTWARE


class AdvisorGroup(click.Group):
    """Turns errors a user can cause into one line on stderr and a non-zero exit."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AdvisorError as exc:
            click.echo(f"advisor: error: {exc}", err=True)
            sys.exit(EXIT_USER_ERROR)
        except BrokenPipeError:
            # The reader went away (| head): not an error of ours.
            sys.stderr.close()
            sys.exit(0)
        except KeyboardInterrupt:
            click.echo("advisor: interrupted", err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise  # click's own: --help, usage errors; click reports them
        except Exception as exc:  # a bug of ours: one line, unless asked for the traceback
            if os.environ.get("ADVISOR_DEBUG"):
                raise
            detail = str(exc).splitlines()[0] if str(exc) else ""
            click.echo(f"advisor: internal error: {type(exc).__name__}: {detail} (a bug in "
                       "advisor; ADVISOR_DEBUG=1 shows the traceback)", err=True)
            sys.exit(EXIT_INTERNAL_ERROR)


def output_format(*choices: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The --format option every reporting command shares."""
    return click.option(
        "--format", "output", type=click.Choice(choices), default=choices[0], show_default=True,
        help="table: for reading; json: stable keys for scripts (see docs/); "
             "markdown: for a review document.",
    )


def _apply_options(func: Callable[..., Any],
                   options: list[Callable[[Callable[..., Any]], Callable[..., Any]]],
                   ) -> Callable[..., Any]:
    """Apply option decorators so that --help lists them in the given order."""
    for option in reversed(options):  # decorators apply bottom-up
        func = option(func)
    return func


def log_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options of every command that reads logs."""
    options = [
        click.option(
            "--log-format", type=click.Choice(["auto", *FORMATS]), default="auto",
            show_default=True, help="How the logs are written; auto detects it per file."),
        click.option(
            "--strict", is_flag=True,
            help="Exit with an error if any record cannot be read (default: count and skip)."),
        click.option(
            "--workers", type=click.IntRange(min=1), default=None,
            help="Processes for reading large files (default: one per core)."),
        click.option(
            "--max-line-bytes", type=click.IntRange(min=1024), default=1 << 20,
            show_default=True, help="Longer lines are skipped and counted as too-long."),
    ]
    return _apply_options(func, options)


@click.group(cls=AdvisorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="advisor")
def main() -> None:
    """A workload-driven index advisor for SQLite.

    It reads captured query logs and works out which indexes the workload
    needs, from SQLite's own planner and measured replays.
    """


@main.command()
@click.argument("logs", nargs=-1, required=True, metavar="LOG...")
@log_options
@output_format("table", "json", "markdown")
@click.option("--top", type=click.IntRange(min=1), default=None,
              help="Show only the first N templates (default: 25 in a table, all in json).")
@click.option("--sort", type=click.Choice(["time", "count"]), default="time", show_default=True,
              help="Rank by total logged time (count where times are unknown) or by count.")
def digest(logs: tuple[str, ...], log_format: str, strict: bool, workers: int | None,
           max_line_bytes: int, output: str, top: int | None, sort: str) -> None:
    """What the workload is: its statement templates, counted and timed.

    LOG is a file (plain SQL, JSON lines, SQLite trace output, sqlx tracing
    events; gzip allowed) or - for standard input. Several logs are digested
    as one workload.
    """
    result = _digest_for_command(logs, log_format, strict, workers, max_line_bytes,
                                 need_statements=False)
    if top is None and output == "table":
        top = 25
    document = digest_document(result, sort=sort, top=top)
    if output == "json":
        click.echo(render_json(document))
    else:
        click.echo(render_table(document, markdown=output == "markdown"))


_SCHEMA_OPTION = click.option(
    "--schema", type=click.Path(exists=True),
    help="Schema: a DDL file, a migrations folder (*.up.sql) or a database.")
_PROFILE_OPTION = click.option(
    "--profile", type=click.Path(exists=True, dir_okay=False),
    help="A scale profile (TOML) for statistics; see docs/profile-format.md.")


def schema_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Where the schema and statistics come from (else schema.sql / profile.toml by the log)."""
    return _apply_options(func, [
        _SCHEMA_OPTION,
        click.option("--db", type=click.Path(exists=True, dir_okay=False),
                     help="A live database (opened read-only): schema and statistics."),
        _PROFILE_OPTION,
    ])


def synthesis_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The schema and profile a command synthesises its databases from (no --db)."""
    return _apply_options(func, [_SCHEMA_OPTION, _PROFILE_OPTION])


@main.command()
@click.argument("logs", nargs=-1, metavar="[LOG...]")
@schema_options
@log_options
@output_format("table", "json", "markdown")
@click.option("--template", "template_ids", multiple=True, metavar="ID",
              help="Explain this template (an id from advisor digest, or its prefix). Repeatable.")
@click.option("--sql", help="Explain this statement instead of a log's templates.")
@click.option("--index", "indexes", multiple=True, metavar="'table(col, col DESC)'",
              help="Also plan with these indexes (together). Repeatable.")
@click.option("--top", type=click.IntRange(min=1), default=None,
              help="Explain the N templates with the most logged time (default 10; json: all).")
@click.option("--no-combinations", is_flag=True,
              help="Skip the search for index pairs that avoid an ORDER BY sort.")
def explain(logs: tuple[str, ...], schema: str | None, db: str | None, profile: str | None,
            log_format: str, strict: bool, workers: int | None, max_line_bytes: int,
            output: str, template_ids: tuple[str, ...], sql: str | None,
            indexes: tuple[str, ...], top: int | None, no_combinations: bool) -> None:
    """Per template: the plan and estimated cost today and with candidate indexes.

    Plans are SQLite's own (EXPLAIN QUERY PLAN on an empty copy of the schema
    holding statistics like the target's); costs are estimates in row steps.
    Every candidate considered is listed with its verdict, every dropped one
    with its reason.
    """
    # Imported here: analysis loads sqlglot, which the digest does not need.
    from advisor.advise.explain import explain_workload
    from advisor.analysis.workload import load_workload
    from advisor.report import explain_report

    if not logs and not sql:
        raise InputError("give a LOG to explain its templates, or --sql STATEMENT")
    if sql:
        digest = statement_digest(sql)
    else:
        digest = _digest_for_command(logs, log_format, strict, workers, max_line_bytes)
    workload = load_workload(list(logs), schema=schema, db=db, profile=profile, digest=digest)
    given = [read_index(text, workload.catalog) for text in indexes]
    if top is None and output != "json" and not template_ids:
        top = 10
    explanations, counters = explain_workload(workload, given, template_ids, top,
                                              combinations=not no_combinations)
    document = explain_report.explain_document(workload, explanations, counters)
    if output == "json":
        click.echo(explain_report.render_json(document))
    else:
        click.echo(explain_report.render_text(document, markdown=output == "markdown"))


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:([kmg])i?)?b?\s*$", re.I)
_UNIT = {None: 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


def _size(text: str | None) -> int | None:
    """Bytes from '500MB', '64 KiB' or '1048576' (binary units)."""
    if text is None:
        return None
    match = _SIZE.match(text)
    if not match:
        raise InputError(f"--max-bytes {text!r}: write a size such as 500MB, 64KiB or 1048576")
    unit = match.group(2).lower() if match.group(2) else None
    return int(float(match.group(1)) * _UNIT[unit])


@main.command()
@click.argument("logs", nargs=-1, required=True, metavar="LOG...")
@schema_options
@log_options
@output_format("table", "json", "markdown", "sql")
@click.option("--max-indexes", type=click.IntRange(min=0), default=None,
              help="Recommend at most this many indexes.")
@click.option("--max-bytes", metavar="SIZE", default=None,
              help="Recommend at most this much index storage (e.g. 500MB).")
@click.option("--min-saving", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Each recommended index must save at least this share of the workload cost.")
@click.option("--tolerance", type=click.FloatRange(0, 1), default=0.01, show_default=True,
              help="The smallest set within this share of the best cost is the recommendation.")
@click.option("--assume-analyze", is_flag=True,
              help="Plan as after ANALYZE, even where the target has no sqlite_stat1.")
@click.option("--keep-existing/--allow-drops", default=True, show_default=True,
              help="Keep the database's own indexes, or let them compete with the "
                   "candidates and recommend dropping those the workload does not need.")
@click.option("--against", "against_file", type=click.Path(exists=True, dir_okay=False),
              help="Judge these indexes too: CREATE INDEX statements or table(col) lines.")
@click.option("--algorithm", type=click.Choice(["auto", "exact", "greedy"]), default="auto",
              show_default=True, help="Search per component: exact when small (auto), or not.")
@click.option("--migrations-dir", type=click.Path(file_okay=False),
              help="Also write sqlx-style <timestamp>_advisor_phase_N.up.sql/.down.sql files.")
@click.option("--validate", is_flag=True,
              help="Replay today's indexes and the recommended set on copies of --db (or of "
                   "a database synthesised from the profile at --scale), with and without "
                   "ANALYZE, and print the measured times beside the estimates.")
@click.option("--scale", type=click.FloatRange(min=0.001), default=1.0, show_default=True,
              help="Without --db: the profile's scale, for the statistics the set is chosen "
                   "for and the database --validate synthesises.")
def recommend(logs: tuple[str, ...], schema: str | None, db: str | None, profile: str | None,
              log_format: str, strict: bool, workers: int | None, max_line_bytes: int,
              output: str, max_indexes: int | None, max_bytes: str | None, min_saving: float,
              tolerance: float, assume_analyze: bool, keep_existing: bool,
              against_file: str | None,
              algorithm: str, migrations_dir: str | None, validate: bool, scale: float) -> None:
    """The minimal index set for the workload, in the phase order to build it.

    Candidates are priced with SQLite's own plans and a cost model that
    weighs read savings against index upkeep on writes; the smallest set
    within --tolerance of the best is recommended. Every index comes with the
    templates it serves and their plans; every rejected candidate with why.
    """
    import datetime as dt
    from pathlib import Path

    from advisor.advise.recommend import recommend as run_recommend
    from advisor.analysis.workload import load_workload
    from advisor.catalog.index_lists import load_index_list
    from advisor.report import recommend_report
    from advisor.search.search import Budget

    digest = _digest_for_command(logs, log_format, strict, workers, max_line_bytes)
    workload = load_workload(list(logs), schema=schema, db=db, profile=profile, digest=digest,
                             assume_analyze=assume_analyze, scale=scale)
    against = load_index_list(against_file, workload.catalog) if against_file else []
    budget = Budget(max_indexes=max_indexes, max_bytes=_size(max_bytes), min_saving=min_saving)
    result = run_recommend(workload, budget, tolerance, against, algorithm,
                           allow_drops=not keep_existing)
    command = "advisor " + " ".join(shlex.quote(arg) for arg in sys.argv[1:])
    document = recommend_report.recommend_document(result, workload, command)
    # ANALYZE belongs in the migration when a recommended index is used only with stats.
    analyze = assume_analyze or any(c.needs_analyze for c in result.chosen)
    if migrations_dir:
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%d%H%M%S")
        written = recommend_report.write_migrations(document, Path(migrations_dir), stamp[:-2],
                                                    analyze)
        click.echo(f"wrote {len(written)} migration files to {migrations_dir}", err=True)
    if output == "json":
        click.echo(recommend_report.render_json(document))
    elif output == "sql":
        click.echo(recommend_report.render_sql(document, analyze))
    else:
        click.echo(recommend_report.render_text(document, markdown=output == "markdown"))
    if validate:
        from advisor.replay.measure import STATISTICS_OPTIONS
        from advisor.report import compare_report
        from advisor.review.compare import compare as run_compare

        configurations = [("today", ()), ("recommended", tuple(c.spec for c in result.chosen))]
        database, described = _measurement_database(logs, db, schema, profile, scale)
        if database is None:
            raise InputError("--validate needs a database: give --db app.db, or a --profile "
                             "to synthesise one")
        checked = run_compare(workload, configurations, database,
                              states=STATISTICS_OPTIONS["both"], progress=_step_progress())
        validation = compare_report.compare_document(checked, workload, command, described)
        click.echo("\nValidation (measured on copies of the database):", err=output == "json")
        click.echo(compare_report.render_text(validation), err=output == "json")
        from advisor.review.compare import without_measured_gain

        idle = without_measured_gain(checked, "today", "recommended", {
            str(c.spec): [s.template_id for s in c.serves] for c in result.chosen})
        for name, ratios in idle.items():
            seen = ", ".join(f"{ratio:.2f}x ({state})" for state, ratio in ratios.items())
            click.echo(f"No measured gain: {name}: the templates it serves ran at best {seen} "
                       "of today's time here; the estimate may not hold on this data.",
                       err=output == "json")


def config_option(help: str, required: bool = True
                  ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """-c CONFIG (repeatable): none, recommended, a .sql file or inline specs, NAME=…"""
    return click.option("-c", "--config", "configs", multiple=True, required=required,
                        metavar="CONFIG", help=help)


def synth_scale_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """The scale a database is synthesised at when there is no --db (replay, compare)."""
    return click.option(
        "--scale", type=click.FloatRange(min=0.001), default=1.0, show_default=True,
        help="Without --db: the profile's scale for the synthesised database.")(func)


def stats_option(default: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """--stats: the statistics states each configuration is measured in (the keys of
    advisor.replay.measure.STATISTICS_OPTIONS, written out to keep start-up light)."""
    return click.option(
        "--stats", type=click.Choice(["as-found", "analyzed", "both"]), default=default,
        show_default=True,
        help="Statistics state of each copy: as the database has them, after ANALYZE, or "
             "both (each configuration measured twice: an index can help in one and hurt "
             "in the other).")


def measurement_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """How replayed statements are timed (replay, compare)."""
    return _apply_options(func, [
        click.option("--repetitions", type=click.IntRange(min=1), default=3, show_default=True,
                     help="Times each template's sample runs when measured; the median is "
                          "kept."),
        click.option("--statement-timeout", type=click.FloatRange(min=0.001), default=5.0,
                     show_default=True,
                     help="Seconds a replayed statement may run before it is stopped."),
    ])


@main.command()
@click.argument("logs", nargs=-1, required=True, metavar="LOG...")
@config_option("An index configuration: none, recommended, a .sql file of CREATE INDEX, "
              "or 'table(col, …); table(col)'. Repeatable: each is measured.")
@schema_options
@log_options
@output_format("table", "json")
@measurement_options
@synth_scale_option
@click.option("--mode", type=click.Choice(["sampled", "sequential"]), default="sampled",
              show_default=True,
              help="sampled: each template alone, repeated, writes rolled back; sequential: "
                   "the log in order, writes applied.")
@stats_option("as-found")
def replay(logs: tuple[str, ...], configs: tuple[str, ...], schema: str | None, db: str | None,
           profile: str | None, log_format: str, strict: bool, workers: int | None,
           max_line_bytes: int, output: str, repetitions: int, statement_timeout: float,
           scale: float, mode: str, stats: str) -> None:
    """Measure the workload on a real SQLite database under index configurations.

    Each configuration gets a fresh copy of --db (made with SQLite's backup
    API; the original is only read) or of a database synthesised from the
    profile at --scale (cached), its indexes built and timed, and every
    template's samples replayed under a sandbox (no ATTACH, no writing
    PRAGMAs, no extensions, a time limit per statement). Values that name no
    row of that database, or that the log lacks (sqlx), are drawn from it.
    """

    from advisor.analysis.workload import load_workload
    from advisor.replay.measure import (
        ANALYZED,
        STATISTICS_OPTIONS,
        measure,
        measure_sequential,
        replay_database,
        replay_set,
    )
    from advisor.report import replay_report
    from advisor.review.configs import resolve_configuration

    digest = _digest_for_command(logs, log_format, strict, workers, max_line_bytes)
    workload = load_workload(list(logs), schema=schema, db=db, profile=profile, digest=digest)
    database, described = replay_database(list(logs), db, schema, profile, scale,
                                          _synth_progress())
    measurements = []
    chosen_format = None if log_format == "auto" else log_format
    statements = replay_set(workload, database, repetitions) if mode == "sampled" else None
    for text in configs:
        label, specs = resolve_configuration(text, workload)
        for state in STATISTICS_OPTIONS[stats]:
            if mode == "sequential":
                measurements.append(measure_sequential(
                    workload, logs, chosen_format, database, specs, label, statement_timeout,
                    state == ANALYZED))
            else:
                measurements.append(measure(workload, database, specs, label, repetitions,
                                            statement_timeout, state == ANALYZED, statements))
    document = replay_report.replay_document(measurements, described, repetitions, mode)
    if output == "json":
        click.echo(replay_report.render_json(document))
    else:
        click.echo(replay_report.render_table(document))


@main.command()
@click.argument("logs", nargs=-1, required=True, metavar="LOG...")
@config_option("A configuration to compare (none, recommended, a .sql file, or "
              "'table(col); table(col)'). Give two or more.")
@schema_options
@log_options
@output_format("table", "json", "markdown")
@measurement_options
@synth_scale_option
@stats_option("both")
@click.option("--estimate-only", is_flag=True,
              help="Do not replay: compare the cost model's estimates only.")
@click.option("--template", "template_ids", multiple=True, metavar="ID",
              help="Compare on this template only (an id from advisor digest, or its "
                   "prefix). Repeatable; default: the whole workload.")
def compare(logs: tuple[str, ...], configs: tuple[str, ...], schema: str | None,
            db: str | None, profile: str | None, log_format: str, strict: bool,
            workers: int | None, max_line_bytes: int, output: str, repetitions: int,
            statement_timeout: float, scale: float, stats: str, estimate_only: bool,
            template_ids: tuple[str, ...]) -> None:
    """Index configurations side by side: estimated and measured.

    Per configuration: estimated workload cost, index upkeep on writes and
    size; then the replayed read and write time and the measured index size,
    in each statistics state, on copies of --db or of a database synthesised
    from the profile at --scale. Then the top templates, where the statistics
    state flips an index from helping to hurting, and a verdict.
    """
    from advisor.analysis.workload import load_workload
    from advisor.replay.measure import STATISTICS_OPTIONS
    from advisor.report import compare_report
    from advisor.review.compare import compare as run_compare
    from advisor.review.configs import resolve_configuration

    if len(configs) < 2:
        raise InputError("compare needs two or more -c configurations")
    digest = _digest_for_command(logs, log_format, strict, workers, max_line_bytes)
    workload = load_workload(list(logs), schema=schema, db=db, profile=profile, digest=digest,
                             scale=scale)
    resolved = [resolve_configuration(text, workload) for text in configs]
    if template_ids:
        workload = workload.only(template_ids)
    database, described = (None, None) if estimate_only else _measurement_database(
        logs, db, schema, profile, scale)
    result = run_compare(workload, resolved, database, repetitions, statement_timeout,
                         STATISTICS_OPTIONS[stats], _step_progress())
    command = "advisor " + " ".join(shlex.quote(arg) for arg in sys.argv[1:])
    document = compare_report.compare_document(result, workload, command, described)
    if output == "json":
        click.echo(compare_report.render_json(document))
    else:
        click.echo(compare_report.render_text(document, markdown=output == "markdown"))


@main.command()
@click.argument("logs", nargs=-1, metavar="[LOG...]")
@click.option("--db", metavar="DATABASE",
              help="The database to audit (required); only read, experiments run on copies.")
@log_options
@output_format("table", "json", "markdown", "sql")
@click.option("--repetitions", type=click.IntRange(min=1), default=3, show_default=True,
              help="Runs per replayed template and round; the median is kept.")
@click.option("--statement-timeout", type=click.FloatRange(min=0.001), default=5.0,
              show_default=True, help="Seconds a replayed statement may run.")
@click.option("--max-replays", type=click.IntRange(min=0), default=16, show_default=True,
              help="Replay the workload without at most this many indexes, one at a time "
                   "(the most used first).")
@click.option("--no-replay", is_flag=True,
              help="Do not replay: no harmful findings; write savings estimated only.")
def audit(logs: tuple[str, ...], db: str | None, log_format: str, strict: bool,
          workers: int | None, max_line_bytes: int, output: str, repetitions: int,
          statement_timeout: float, max_replays: int, no_replay: bool) -> None:
    """Judge a database's existing indexes against the log of what it runs.

    Unused, duplicate and prefix-redundant indexes, indexes that measurably
    slow a template, partial indexes no statement can use, missing or stale
    sqlite_stat1, hot templates that scan large tables; and a drop list with
    the write time each drop saves. Without a LOG: duplicates, possibly
    redundant prefixes and statistics only. --format sql prints the drop list.
    See docs/audit.md.
    """
    from advisor.analysis.workload import load_workload
    from advisor.report import audit_report
    from advisor.review.audit.findings import audit as run_audit
    from advisor.review.audit.findings import check_database

    if db is None:
        raise InputError("audit needs the database: give --db app.db")
    check_database(db)  # before reading the logs, which can take a while
    workload = None
    if logs:
        digest = _digest_for_command(logs, log_format, strict, workers, max_line_bytes)
        workload = load_workload(list(logs), db=db, digest=digest)
    result = run_audit(db, workload, not no_replay, repetitions, statement_timeout,
                       max_replays, _step_progress())
    command = "advisor " + " ".join(shlex.quote(arg) for arg in sys.argv[1:])
    document = audit_report.audit_document(result, command)
    if output == "json":
        click.echo(audit_report.render_json(document))
    elif output == "sql":
        click.echo(audit_report.render_sql(document))
    else:
        click.echo(audit_report.render_text(document, markdown=output == "markdown"), nl=False)


@main.command()
@click.argument("logs", nargs=-1, metavar="[LOG...]")
@click.option("--scale", "scale_text", default="10k,100k,1M", show_default=True,
              metavar="SCALES",
              help="Comma-separated sizes: counts of the profile's reference rows (10k, 100k, "
                   "1M: jobs per workflow for Torc) or multipliers (x2, 0.5x).")
@config_option("Indexes to measure against none: recommended (the default, needs a LOG), "
              "a .sql file, or 'table(col); table(col)'. Repeatable.", required=False)
@synthesis_options
@log_options
@output_format("table", "json", "markdown")
@measurement_options
@click.option("--max-synth-scale", type=click.FloatRange(min=0, min_open=True), default=10.0,
              show_default=True,
              help="Synthesise and measure scales up to this multiplier; larger ones are "
                   "extrapolated from the measured growth.")
@click.option("--top", type=click.IntRange(min=1), default=None,
              help="Templates in the latency table (default 10; json: all).")
@click.option("--chart", type=click.Path(dir_okay=False), metavar="OUT.png",
              help="Also draw latency and size against scale, log-log (needs the 'chart' "
                   "extra: matplotlib).")
def capacity(logs: tuple[str, ...], scale_text: str, configs: tuple[str, ...],
             schema: str | None, profile: str | None, log_format: str,
             strict: bool, workers: int | None, max_line_bytes: int, output: str,
             repetitions: int, statement_timeout: float, max_synth_scale: float,
             top: int | None, chart: str | None) -> None:
    """Database size, index sizes and template latencies as the data grows.

    Each scale up to --max-synth-scale gets a database synthesised from the
    schema and profile (cached) and is measured there: its size, each added
    index's size (dbstat), and the workload replayed with no added index and
    with each -c configuration. Larger scales are extrapolated from the growth
    fitted over the measured ones (y = a·scale^b) and marked so.
    """
    from advisor.analysis.workload import load_workload, require_synthesis_inputs
    from advisor.catalog.profile import load_profile
    from advisor.catalog.scales import parse_scales
    from advisor.digest.digest import Digest
    from advisor.report import capacity_report
    from advisor.review.capacity import plan_capacity, split_scales, synthesis_inputs
    from advisor.review.configs import resolve_configuration

    if not logs and not configs:
        raise InputError("without a LOG there is no workload to recommend for: give a LOG, "
                         "or -c CONFIG with the indexes to size")
    if chart:
        capacity_report.require_chart()
    schema_path, profile_path = require_synthesis_inputs(logs, schema, profile, NEEDS_SYNTHESIS)
    scales = parse_scales(scale_text, load_profile(profile_path).reference)
    split_scales(scales, max_synth_scale)  # before the log is read: a bad mix fails fast
    digest = (_digest_for_command(logs, log_format, strict, workers, max_line_bytes)
              if logs else Digest())
    workload = load_workload(list(logs), schema=str(schema_path), profile=str(profile_path),
                             digest=digest)
    resolved = [resolve_configuration(text, workload) for text in configs or ("recommended",)]
    result = plan_capacity(workload, schema_path, profile_path, scales, resolved,
                           max_synth_scale, repetitions, statement_timeout,
                           progress=_step_progress(), synth_progress=_synth_progress())
    command = "advisor " + " ".join(shlex.quote(arg) for arg in sys.argv[1:])
    document = capacity_report.capacity_document(result, workload, command)
    if chart:
        capacity_report.render_chart(document, chart)
    if output == "json":
        click.echo(capacity_report.render_json(document))
    else:
        click.echo(capacity_report.render_table(document, markdown=output == "markdown",
                                                top=top or capacity_report.DEFAULT_TOP))


def _step_progress() -> Callable[[str], None] | None:
    """One line per step of long work on stderr, when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None
    return lambda message: click.echo(message, err=True)


def _measurement_database(logs: tuple[str, ...], db: str | None, schema: str | None,
                          profile: str | None, scale: float) -> tuple[Any, str | None]:
    """--db, else a database synthesised from the profile; (None, None) when neither is
    at hand (the comparison is then estimated only, and says so)."""
    from advisor.analysis.workload import synthesis_inputs
    from advisor.replay.measure import replay_database

    if db is None and synthesis_inputs(logs, schema, profile) is None:
        click.echo("advisor: no --db and no profile to synthesise one from: estimates only",
                   err=True)
        return None, None
    return replay_database(list(logs), db, schema, profile, scale, _synth_progress())


def _synth_progress() -> Callable[[str, int, int], None] | None:
    """Synthesis progress on stderr, one line per table, when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None

    def report(table: str, done: int, total: int) -> None:
        click.echo(f"\rsynthesising {table}: {done:,}/{total:,} rows\033[K", err=True,
                   nl=done >= total)

    return report


def _digest_for_command(logs: tuple[str, ...], log_format: str, strict: bool,
                        workers: int | None, max_line_bytes: int,
                        need_statements: bool = True) -> Digest:
    """The digest every log-reading command starts from, with --strict applied; a log
    with no statement is an error for the commands that work on its statements."""
    options = DigestOptions(log_format=log_format, max_line_bytes=max_line_bytes,
                            workers=workers)
    paths = list(logs)
    digest = _with_progress(paths, lambda progress: digest_logs(paths, options, progress))
    if strict:
        require_readable(digest)
    if need_statements and not digest.statements:
        unreadable = (f" ({digest.unreadable:,} unreadable records; advisor digest lists "
                      "why)" if digest.unreadable else "")
        raise InputError(f"no statements in {', '.join(paths)}{unreadable}")
    return digest


PROGRESS_MIN_BYTES = 32 << 20


def _with_progress(paths: list[str], work: Callable[[Callable[[int], None] | None], Any]) -> Any:
    """Run ``work`` with a progress bar on stderr when reading is long and stderr a terminal."""
    total = total_input_bytes(paths)
    if not sys.stderr.isatty() or total is None or total < PROGRESS_MIN_BYTES:
        return work(None)
    with click.progressbar(length=total, label="reading", file=sys.stderr,
                           show_eta=True) as bar:
        seen = [0]

        def progress(done: int) -> None:
            # Compressed inputs read more bytes than they hold on disk.
            step = min(done, total) - seen[0]
            if step > 0:
                bar.update(step)
                seen[0] += step

        return work(progress)

"""The options commands share, and their values parsed into a request.

A request is a frozen dataclass of the library (advisor.review.requests); its
fields are named as the options are, and a field that is itself a dataclass
(the ``inputs``, the ``measuring``) is filled from the same options.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import fields, is_dataclass
from typing import Any, TypeVar, get_type_hints

import click

from advisor.digest.workers import MAX_WORKERS
from advisor.ingest import FORMATS

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]
Request = TypeVar("Request")


def parse(kind: type[Request], options: Mapping[str, Any]) -> Request:
    """A ``kind`` whose fields are the options of the same names (the rest its defaults)."""
    assert is_dataclass(kind)
    types = get_type_hints(kind)
    values = {}
    for field in fields(kind):
        if is_dataclass(types[field.name]):
            values[field.name] = parse(types[field.name], options)
        elif field.name in options:
            values[field.name] = options[field.name]
    return kind(**values)


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:([kmg])i?)?b?\s*$", re.I)
_UNIT = {None: 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30}


# --- values: every number an option takes is checked here -------------------------


class Number(click.FloatRange):
    """A float in a range that is a number: click's FloatRange lets nan and inf through
    (nan compares false with every bound), and no option of advisor means either."""

    name = "number"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return number


class Size(click.ParamType):
    """Bytes from '500MB', '64 KiB' or '1048576' (binary units)."""

    name = "size"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        match = _SIZE.match(str(value))
        if not match:
            self.fail(f"{value!r}: write a size such as 500MB, 64KiB or 1048576", param, ctx)
        unit = match.group(2).lower() if match.group(2) else None
        size = float(match.group(1)) * _UNIT[unit]
        if not math.isfinite(size):
            self.fail(f"{value!r} is not a finite size", param, ctx)
        return int(size)


MAX_SCALE = 1e6  # a multiplier of the profile's sizes; beyond it no count fits SQLite

# --- options several commands share: one definition each --------------------------

_FORMAT_HELP = {
    "table": "table: for reading",
    "json": "json: stable keys for scripts (see docs/)",
    "markdown": "markdown: for a review document",
}


def output_format(*choices: str, sql: str | None = None) -> Decorator:
    """--format with these choices (the first is the default); ``sql`` says what the sql
    form holds, for a command that offers it."""
    assert ("sql" in choices) == (sql is not None)
    described = [_FORMAT_HELP[choice] if choice != "sql" else f"sql: {sql}"
                 for choice in choices]
    return click.option(
        "--format", "output", type=click.Choice(choices), default=choices[0], show_default=True,
        help="; ".join(described) + ".",
    )


QUIET_OPTION = click.option(
    "-q", "--quiet", is_flag=True,
    help="No progress on stderr (notices and errors are still reported).")

SHOWN_TEMPLATES = 10
TOP_TEMPLATES_HELP = "Show the first N templates (default {shown}; json: all)."


def shown_templates(options: Mapping[str, Any]) -> int | None:
    """--top as given; unset, SHOWN_TEMPLATES, or all of them in JSON (for scripts) and
    when templates are named (--template)."""
    if options["top"] is not None:
        return int(options["top"])
    if options["output"] == "json" or options.get("template_ids"):
        return None
    return SHOWN_TEMPLATES


def top_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """--top: templates a report shows (default SHOWN_TEMPLATES; json: all)."""
    return click.option("--top", type=click.IntRange(min=1), default=None,
                        help=TOP_TEMPLATES_HELP.format(shown=SHOWN_TEMPLATES))(func)


def template_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """--template ID (repeatable): work on these templates only."""
    return click.option(
        "--template", "template_ids", multiple=True, metavar="ID",
        help="Only this template (an id from advisor digest, or its prefix). "
             "Repeatable.")(func)


def _apply_options(func: Callable[..., Any], options: list[Decorator]) -> Callable[..., Any]:
    """Apply option decorators so that --help lists them in the given order."""
    for option in reversed(options):  # decorators apply bottom-up
        func = option(func)
    return func


def log_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options of every command that reads logs."""
    return _apply_options(func, [
        click.option(
            "--log-format", type=click.Choice(["auto", *FORMATS]), default="auto",
            show_default=True, help="How the logs are written; auto detects it per file."),
        click.option(
            "--strict", is_flag=True,
            help="Exit with an error if any record cannot be read (default: count and skip)."),
        click.option(
            "--workers", type=click.IntRange(min=1, max=MAX_WORKERS), default=None,
            help="Processes for reading large files (default: one per core; more than "
                 "the cores are not started)."),
        click.option(
            "--max-line-bytes", type=click.IntRange(min=1024), default=1 << 20,
            show_default=True, help="Longer lines are skipped and counted as too-long."),
    ])


_DB_HELP = "A live database (opened read-only): schema and statistics."
# A file the user names (--db, --schema, --profile, --against) is checked by the library
# before the logs are read (model.files: one line, exit 1, as a missing log is), not by
# click, whose checks are usage errors (exit 2).
NAMED_PATH = click.Path(readable=False)
_SCHEMA_OPTION = click.option(
    "--schema", type=NAMED_PATH,
    help="Schema: a DDL file, a migrations folder (*.up.sql) or a database.")
_PROFILE_OPTION = click.option(
    "--profile", type=NAMED_PATH,
    help="A scale profile (TOML) for statistics; see docs/profile-format.md.")


def schema_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Where the schema and statistics come from (else schema.sql / profile.toml by the log)."""
    return _apply_options(func, [
        _SCHEMA_OPTION,
        click.option("--db", type=NAMED_PATH, help=_DB_HELP),
        _PROFILE_OPTION,
    ])


def synthesis_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The schema and profile a command synthesises its databases from (no --db)."""
    return _apply_options(func, [_SCHEMA_OPTION, _PROFILE_OPTION])


# What a configuration file holds, as replay and compare read it.
CONFIG_FILE_HELP = ("a .sql file of CREATE and DROP INDEX statements (such as `recommend "
                    "--db DB [--allow-drops] --format sql` writes): the database's indexes, "
                    "less those it drops, plus those it creates")


def config_option(help: str, required: bool = True) -> Decorator:
    """-c CONFIG (repeatable): none, recommended, a .sql file or inline specs, NAME=…"""
    return click.option("-c", "--config", "configs", multiple=True, required=required,
                        metavar="CONFIG", help=help)


def audited_db_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """--db for the audit: the database judged, which it cannot do without."""
    return click.option(
        "--db", type=NAMED_PATH, required=True,
        metavar="DATABASE",
        help="The database to audit; only read, experiments run on copies.")(func)


def estimate_only_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """--estimate-only: the cost model alone (recommend, compare)."""
    return click.option(
        "--estimate-only", is_flag=True,
        help="The cost model's estimates alone (fast): replay nothing, even where a "
             "database could be measured.")(func)


def synth_scale_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """The profile's scale when there is no --db (recommend, replay, compare)."""
    return click.option(
        "--scale", type=Number(min=0.001, max=MAX_SCALE), default=1.0, show_default=True,
        help="Without --db: a multiplier of the profile's sizes, for the statistics and "
             "for the database synthesised to measure on.")(func)


def stats_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """--stats: the statistics states each configuration is measured in (the keys of
    advisor.replay.measure.STATISTICS_OPTIONS, written out to keep start-up light)."""
    return click.option(
        "--stats", type=click.Choice(["as-found", "analyzed", "both"]), default="both",
        show_default=True,
        help="Statistics state of each copy: as the database has them, after ANALYZE, or "
             "both (each configuration measured twice: an index can help in one and hurt "
             "in the other).")(func)


def measurement_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """How replayed statements are timed (replay, compare, capacity, recommend)."""
    return _apply_options(func, [
        click.option("--repetitions", type=click.IntRange(min=1), default=3, show_default=True,
                     help="Times each template's sample runs when measured; the median is "
                          "kept."),
        click.option("--statement-timeout", type=Number(min=0.001, max=86_400), default=5.0,
                     show_default=True,
                     help="Seconds a replayed statement may run before it is stopped."),
    ])

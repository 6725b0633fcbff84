"""Every command's options, together: one name means one thing, with one default.

Row 12 of issue 12: --stats defaulted to both in compare and as-found in replay,
--top to 25, 10 and 10, --scale was a multiplier in three commands and a list of
counts in capacity, replay's help offered markdown it refused, and audit's
required --db was shown as optional.
"""

from __future__ import annotations

import math
from typing import Any

import click
import pytest
from test_cli import all_commands

from advisor.cli import main
from advisor.cli.options import Number

# Options whose help may differ between commands, and why.
HELP_MAY_DIFFER = {
    "--format": "each command offers its own formats; the help lists exactly those",
    "--config": "what a configuration is measured against differs (compare, replay, capacity)",
    "--db": "audit judges the database; elsewhere it gives schema and statistics",
}
# Options that are required in one command and not another, and why.
REQUIRED_MAY_DIFFER = {
    "--db": "the audit cannot do without it; the other commands can synthesise or use --schema",
    "--config": "capacity measures the recommended set unless told otherwise",
}


def options_by_name() -> dict[str, list[tuple[str, click.Option]]]:
    found: dict[str, list[tuple[str, click.Option]]] = {}
    for path, command in all_commands():
        for param in command.params:
            if isinstance(param, click.Option):
                name = max(param.opts, key=len)
                found.setdefault(name, []).append((path, param))
    return found


def kind(param: click.Option) -> Any:
    """What an option takes: its type, with choices and range for those that have them."""
    value_type = param.type
    if isinstance(value_type, click.Choice):
        return ("choice",)  # choices may differ (--format); their meaning is in the help
    if isinstance(value_type, click.types._NumberRangeBase):
        return (type(value_type).__name__, value_type.min, value_type.max,
                value_type.min_open, value_type.max_open)
    return (type(value_type).__name__,)


SHARED = {name: uses for name, uses in options_by_name().items() if len(uses) > 1}


@pytest.mark.parametrize("name", sorted(SHARED))
def test_an_option_means_the_same_in_every_command(name: str) -> None:
    uses = SHARED[name]
    first_path, first = uses[0]
    for path, param in uses[1:]:
        where = f"{name} in 'advisor {first_path}' and 'advisor {path}'"
        assert param.opts == first.opts and param.name == first.name, where
        assert kind(param) == kind(first), where
        assert param.default == first.default, where
        assert (param.is_flag, param.multiple) == (first.is_flag, first.multiple), where
        if name not in HELP_MAY_DIFFER:
            assert param.help == first.help, where
        if name not in REQUIRED_MAY_DIFFER:
            assert param.required == first.required, where


def test_the_exceptions_are_still_needed() -> None:
    """An allowance nobody uses any more goes."""
    for name in HELP_MAY_DIFFER:
        assert len({param.help for _, param in SHARED[name]}) > 1, name
    for name in REQUIRED_MAY_DIFFER:
        assert len({param.required for _, param in SHARED[name]}) > 1, name


def test_every_number_option_refuses_nan_and_infinity() -> None:
    for path, command in all_commands():
        for param in command.params:
            if isinstance(param.type, click.types.FloatParamType):
                assert isinstance(param.type, Number), f"advisor {path} {param.opts}"
                for bad in ("nan", "inf", "-inf", "1e999"):
                    with pytest.raises(click.BadParameter):
                        param.type.convert(bad, param, None)
            if isinstance(param.type, click.types._NumberRangeBase) and param.type.max:
                assert math.isfinite(param.type.max)


def test_format_help_names_only_the_offered_formats() -> None:
    for path, command in all_commands():
        for param in command.params:
            if isinstance(param, click.Option) and param.name == "output":
                choices = set(param.type.choices)  # type: ignore[attr-defined]
                for word in ("table", "json", "markdown", "sql"):
                    assert (f"{word}:" in (param.help or "")) == (word in choices), (path, word)


def test_required_options_are_shown_as_required(cli: Any) -> None:
    help_text = cli("audit", "--help").stdout
    assert "--db DATABASE" in help_text and "[required]" in help_text


def test_scale_is_a_multiplier_and_scales_a_list() -> None:
    scale = {path: param for path, param in
             ((p, o) for p, o in options_by_name()["--scale"])}
    assert set(scale) == {"recommend", "replay", "compare"}
    assert all(isinstance(param.type, Number) for param in scale.values())
    [(path, scales)] = options_by_name()["--scales"]
    assert path == "capacity" and scales.default == "10k,100k,1M"


def test_every_command_can_be_quiet() -> None:
    quiet = {path for path, _ in options_by_name()["--quiet"]}
    working = {name for name, command in main.commands.items()
               if not isinstance(command, click.Group)}
    assert quiet == working

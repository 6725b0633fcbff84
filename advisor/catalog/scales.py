"""Scale text: ``--scales 10k,100k,1M`` (capacity) as counts, or ``x2`` / ``0.5x`` as multipliers.

A count is rows of the profile's reference table per parent row (Torc: jobs
per workflow); the profile's ``[profile].reference`` says how many there are
at scale 1, so ``100k`` with a reference of 10,000 is scale 10. A multiplier is
the scale itself. Both become :class:`Scale` values, smallest first.

>>> from advisor.catalog.profile import Reference
>>> [s.factor for s in parse_scales("1M, 10k,x2", Reference("job", 10_000, "workflow"))]
[1.0, 2.0, 100.0]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from advisor.catalog.profile import Reference
from advisor.model.errors import InputError, OptionError

__all__ = ["Scale", "format_count", "parse_scales"]

_NUMBER = r"(\d+(?:\.\d*)?|\.\d+)"
_MULTIPLIER = re.compile(rf"^(?:x\s*{_NUMBER}|{_NUMBER}\s*x)$", re.I)
_COUNT = re.compile(rf"^{_NUMBER}\s*([kMG]?)$")
_SUFFIX = {"": 1, "k": 1_000, "M": 1_000_000, "G": 1_000_000_000}
SYNTAX = ("write counts such as 10k, 100k, 1M (k thousand, M million) or multipliers such "
          "as x2, 0.5x")


@dataclass(frozen=True)
class Scale:
    """One asked-for size: the profile multiplier, and the rows it means where known."""

    text: str  # as the user wrote it, trimmed
    factor: float
    rows: float | None  # reference rows at this scale (10k: 10,000); None without a reference

    @property
    def label(self) -> str:
        """``10k`` for a count (however it was written), ``x2`` for a bare multiplier."""
        return format_count(self.rows) if self.rows is not None else f"x{self.factor:g}"


def format_count(rows: float) -> str:
    """10000 -> ``10k``, 1e6 -> ``1M``, 2500 -> ``2.5k``, 750 -> ``750``."""
    for suffix, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if rows >= size:
            return f"{rows / size:.3g}{suffix}"
    return f"{rows:.3g}"


def parse_scales(text: str, reference: Reference | None) -> tuple[Scale, ...]:
    """Comma-separated scales, smallest first, repeats dropped. A malformed one is an
    OptionError; a count without the profile's reference to convert it, an InputError."""
    found: dict[float, Scale] = {}
    for item in text.split(","):
        scale = _parse_one(item.strip(), reference)
        found.setdefault(scale.factor, scale)
    return tuple(sorted(found.values(), key=lambda s: s.factor))


def _parse_one(item: str, reference: Reference | None) -> Scale:
    if not item:
        raise OptionError("--scales: an empty item between commas; " + SYNTAX)
    multiplier = _MULTIPLIER.match(item)
    if multiplier:
        factor = float(multiplier.group(1) or multiplier.group(2))
        _check_positive(item, factor)
        return Scale(item, factor, factor * reference.rows if reference else None)
    count = _COUNT.match(item)
    if count is None:
        hint = " (m would be milli: write M for millions)" if item.endswith("m") else ""
        raise OptionError(f"--scales {item!r}: {SYNTAX}{hint}")
    rows = float(count.group(1)) * _SUFFIX[count.group(2)]
    _check_positive(item, rows)
    if reference is None:
        raise InputError(f"--scales {item!r} is a count, but the profile has no "
                         "[profile].reference saying how many rows scale 1 holds; add one "
                         "(docs/profile-format.md) or give multipliers such as x2")
    return Scale(item, rows / reference.rows, rows)


def _check_positive(item: str, value: float) -> None:
    if value <= 0:
        raise OptionError(f"--scales {item!r}: a scale must be above 0")

"""Decision fidelity: does the estimate get right what a recommendation is decided on?

Spearman's rho over (template, configuration) pairs (advisor.review.compare.fidelity)
is not enough: its ranks are dominated by the differences between templates, so a
workload can score 0.92 while one template's cost is over-estimated sixfold and
every other index looks negligible beside it. Two figures judge the estimate by
what decides:

- **shares**: each template's estimated share of the workload's cost (with no
  index, where the search starts) against its measured share; every template
  whose share is at least ``SHARE_FLOOR`` either way is checked, and is within
  when the two differ by at most ``SHARE_TOLERANCE`` times;
- **savings**: each chosen index's drop-one saving (how much more the workload
  costs with the set less that index, as a share of the set's cost), estimated
  against measured, within ``SAVING_TOLERANCE`` times. A saving the measurement
  or the estimate puts at zero or below has no ratio and is not within.

Both compare shares, never raw numbers: the estimate counts row steps and the
measurement seconds.

>>> shares = share_fidelity({"a": 60.0, "b": 40.0}, {"a": 0.5, "b": 0.5})
>>> [(c.template_id, round(c.ratio, 2)) for c in shares.checks], shares.within
([('a', 1.2), ('b', 0.8)], 2)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from advisor.replay.measure import Measurement

SHARE_FLOOR = 0.01
SHARE_TOLERANCE = 2.0
SAVING_TOLERANCE = 1.5


def _within(ratio: float | None, tolerance: float) -> bool:
    return ratio is not None and 1 / tolerance <= ratio <= tolerance


@dataclass(frozen=True)
class ShareCheck:
    """One template's share of the workload's cost, estimated and measured."""

    template_id: str
    estimated: float
    measured: float

    @property
    def ratio(self) -> float | None:
        """Estimated over measured share (None when the measured share is zero)."""
        return self.estimated / self.measured if self.measured > 0 else None


class _Ratioed(Protocol):
    @property
    def ratio(self) -> float | None: ...


Check = TypeVar("Check", bound=_Ratioed)


@dataclass(frozen=True)
class _Checks(Generic[Check]):
    """Checks of estimated against measured, each passed when its ratio is within the
    tolerance either way."""

    checks: tuple[Check, ...]
    tolerance: float

    def passed(self, check: Check) -> bool:
        return _within(check.ratio, self.tolerance)

    @property
    def within(self) -> int:
        return sum(self.passed(check) for check in self.checks)


@dataclass(frozen=True)
class ShareFidelity(_Checks[ShareCheck]):
    """Every template at or above the floor, largest share first."""

    @property
    def worst(self) -> tuple[ShareCheck, ...]:
        """The checks outside the tolerance, farthest first."""
        missed = [c for c in self.checks if not self.passed(c)]
        return tuple(sorted(missed, key=lambda c: -_distance(c.ratio)))


def _distance(ratio: float | None) -> float:
    """How far a ratio is from 1, either way (infinite when there is none)."""
    if ratio is None or ratio <= 0:
        return float("inf")
    return max(ratio, 1 / ratio)


def share_fidelity(estimated: Mapping[str, float], measured: Mapping[str, float],
                   floor: float = SHARE_FLOOR, tolerance: float = SHARE_TOLERANCE
                   ) -> ShareFidelity:
    """Each template's share of the total, estimated (``estimated``: template id ->
    weighted cost) against measured (``measured``: template id -> weighted seconds),
    over the templates both have; those at or above ``floor`` either way are checked."""
    common = [t for t in estimated if t in measured]
    total_estimated = sum(max(estimated[t], 0.0) for t in common)
    total_measured = sum(max(measured[t], 0.0) for t in common)
    checks = []
    for template_id in common:
        mine = max(estimated[template_id], 0.0) / total_estimated if total_estimated else 0.0
        real = max(measured[template_id], 0.0) / total_measured if total_measured else 0.0
        if max(mine, real) >= floor:
            checks.append(ShareCheck(template_id, mine, real))
    checks.sort(key=lambda c: -max(c.estimated, c.measured))
    return ShareFidelity(tuple(checks), tolerance)


@dataclass(frozen=True)
class SavingCheck:
    """One index of a set: what dropping it adds to the set's cost, as a share of it."""

    index: str
    estimated: float
    measured: float

    @property
    def ratio(self) -> float | None:
        """Estimated over measured saving; None unless both are above zero."""
        if self.estimated <= 0 or self.measured <= 0:
            return None
        return self.estimated / self.measured


@dataclass(frozen=True)
class SavingFidelity(_Checks[SavingCheck]):
    """Every index of a set, in the order given."""


def saving_fidelity(with_all: tuple[float, float], without: Mapping[str, tuple[float, float]],
                    tolerance: float = SAVING_TOLERANCE) -> SavingFidelity:
    """``with_all``: the set's (estimated cost, measured seconds); ``without``: index ->
    the same with that index dropped. Each index's saving is the share of the set's
    cost its drop adds, estimated and measured."""
    estimated_all, measured_all = with_all
    checks = []
    for index, (estimated, measured) in without.items():
        checks.append(SavingCheck(
            index,
            (estimated - estimated_all) / estimated_all if estimated_all > 0 else 0.0,
            (measured - measured_all) / measured_all if measured_all > 0 else 0.0))
    return SavingFidelity(tuple(checks), tolerance)


def measured_weighted(measurement: Measurement, counts: Mapping[str, int]) -> dict[str, float]:
    """Template id -> its median seconds times its count in the workload (the templates
    that were timed)."""
    return {t.template_id: t.median_seconds * counts[t.template_id]
            for t in measurement.timings
            if t.median_seconds is not None and t.template_id in counts}

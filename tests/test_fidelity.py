"""The fidelity figures: Spearman's rho, and the two that judge what decides (template
shares of the workload's cost, drop-one savings of a chosen set)."""

from __future__ import annotations

import pytest

from advisor.model.ranking import ranks, spearman
from advisor.replay.measure import Measurement
from advisor.replay.sandbox import Tally, TemplateTiming
from advisor.review.fidelity import measured_weighted, saving_fidelity, share_fidelity


def test_ranks_share_ties() -> None:
    assert ranks([5, 1, 5, 2]) == [3.5, 1.0, 3.5, 2.0]


@pytest.mark.parametrize(("xs", "ys", "rho"), [
    ([1, 2, 3, 4], [10, 20, 30, 40], 1.0),
    ([1, 2, 3, 4], [4, 3, 2, 1], -1.0),
    ([1, 2, 3, 4, 5], [1, 10, 100, 1000, 10000], 1.0),  # monotone, not linear: still 1
    ([1, 2, 3, 4], [1, 3, 2, 4], 0.8),
])
def test_spearman(xs: list[float], ys: list[float], rho: float) -> None:
    assert spearman(xs, ys) == pytest.approx(rho)


@pytest.mark.parametrize(("xs", "ys"), [([1, 2], [1, 2]), ([1, 1, 1], [1, 2, 3])])
def test_spearman_undefined(xs: list[float], ys: list[float]) -> None:
    assert spearman(xs, ys) is None


def test_one_overestimated_template_puts_the_others_out_of_tolerance() -> None:
    """Ranks agree perfectly here; the shares show the sixfold error that decides."""
    measured = {"big": 0.40, "b": 0.30, "c": 0.20, "d": 0.10}
    estimated = {"big": 2400.0, "b": 300.0, "c": 200.0, "d": 100.0}
    assert spearman(list(estimated.values()), list(measured.values())) == pytest.approx(1.0)
    shares = share_fidelity(estimated, measured)
    assert [c.template_id for c in shares.checks] == ["big", "b", "c", "d"]
    assert shares.within == 1  # big: 0.8 / 0.4 = 2.0, at the edge; the others 3.3× low
    assert len(shares.worst) == 3
    assert shares.checks[0].ratio == pytest.approx(2.0)


def test_shares_check_templates_above_the_floor_either_way() -> None:
    measured = {"a": 0.990, "tiny": 0.001, "hidden": 0.009}
    estimated = {"a": 90.0, "tiny": 0.05, "hidden": 1.05}  # hidden: 1% estimated only
    shares = share_fidelity(estimated, measured)
    assert [c.template_id for c in shares.checks] == ["a", "hidden"]
    assert shares.within == 2
    # a template one side lacks is left out, and the shares are over the rest
    assert [c.template_id for c in share_fidelity({"a": 1.0, "x": 5.0}, {"a": 2.0}).checks] == [
        "a"]


def test_savings_are_shares_of_the_set_cost_and_need_both_positive() -> None:
    savings = saving_fidelity((100.0, 1.0), {"ix_a": (150.0, 1.4), "ix_b": (130.0, 1.1),
                                              "ix_c": (120.0, 0.98)})
    a, b, c = savings.checks
    assert (a.estimated, a.measured) == pytest.approx((0.5, 0.4))
    assert savings.passed(a) and not savings.passed(b)  # 0.3 / 0.1: 3×
    assert c.ratio is None and not savings.passed(c)  # measured no saving at all
    assert savings.within == 1


def test_measured_weighted_is_median_times_count() -> None:
    timings = (TemplateTiming("t1", "read", 0.002, 3), TemplateTiming("t2", "write", None, 0))
    measurement = Measurement("x", (), 0.0, 0, timings, 0.0, 0.0, (), Tally().frozen())
    assert measured_weighted(measurement, {"t1": 10, "t2": 5}) == {"t1": pytest.approx(0.02)}

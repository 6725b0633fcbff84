"""Spearman's rho, as the fidelity report computes it."""

from __future__ import annotations

import pytest

from advisor.model.ranking import ranks, spearman


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

"""Sampling: counts per parent row and column values drawn from a profile's shapes."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from advisor.catalog.profile import ColumnHint, Distribution
from advisor.catalog.profile.sampling import (
    apportion,
    round_randomly,
    tabulated,
    weighted_population,
    zipf_weights,
)

PARENTS = 40_000


def shares(counts: list[int]) -> dict[int, float]:
    return {count: n / len(counts) for count, n in Counter(counts).items()}


@pytest.mark.parametrize("dist", [
    Distribution(kind="poisson", mean=1.5, max=8),
    Distribution(kind="poisson", mean=4.0, min=2, max=6),
    Distribution(kind="geometric", mean=2.0, max=12),
    Distribution(kind="geometric", mean=0.5, min=1),
])
def test_tabulated_counts_follow_the_distribution_drawn_one_by_one(dist: Distribution) -> None:
    one_by_one = dist.allocate(PARENTS, random.Random(1))
    looked_up = dist.allocate(PARENTS, random.Random(1), tabulate=True)
    if dist.kind == "poisson":  # Knuth's method takes several uniforms per count
        assert one_by_one != looked_up  # another stream for the same seed ...
    assert min(looked_up) == min(one_by_one) == dist.min  # ... the same clamping ...
    if dist.max is not None:
        assert max(looked_up) == max(one_by_one) == dist.max
    drawn, table = shares(one_by_one), shares(looked_up)
    for count in set(drawn) | set(table):  # ... and the same share of every count
        assert abs(drawn.get(count, 0.0) - table.get(count, 0.0)) < 0.015, count
    assert abs(sum(looked_up) / PARENTS - sum(one_by_one) / PARENTS) < 0.05


def test_a_whole_fixed_count_is_looked_up_without_a_draw() -> None:
    rng = random.Random(5)
    state = rng.getstate()
    assert Distribution(mean=3, max=2).allocate(4, rng, tabulate=True) == [2, 2, 2, 2]
    assert rng.getstate() == state
    assert Distribution(mean=3, max=2).allocate(4, random.Random(5)) == [2, 2, 2, 2]


def test_what_has_no_table_is_drawn_one_by_one_either_way() -> None:
    for dist in (Distribution(kind="poisson", mean=45.0), Distribution(mean=1.5),
                 Distribution(kind="zipf", total=100, min=1),
                 Distribution(kind="uniform", min=1, max=4)):
        assert (dist.allocate(50, random.Random(2), tabulate=True)
                == dist.allocate(50, random.Random(2)))
    with pytest.raises(ValueError):
        tabulated("uniform", 2.0, 0, None, 10, random.Random(0))


def test_zero_mean_and_no_parents() -> None:
    assert tabulated("poisson", 0.0, 1, None, 3, random.Random(0)) == [1, 1, 1]
    assert Distribution(kind="poisson", mean=1.0).allocate(0, random.Random(0),
                                                           tabulate=True) == []


def test_apportion_is_exact_and_keeps_the_minimum() -> None:
    split = apportion(1000, zipf_weights(7, 1.0), minimum=50)
    assert sum(split) == 1000 and min(split) >= 50
    assert split == sorted(split, reverse=True)
    assert apportion(5, [1.0] * 10, minimum=3) == [1] * 5 + [0] * 5  # too few for the minimum


def test_random_rounding_keeps_the_mean() -> None:
    rng = random.Random(3)
    values = [round_randomly(2.25, rng) for _ in range(PARENTS)]
    assert set(values) == {2, 3}
    assert abs(sum(values) / PARENTS - 2.25) < 0.01


def test_a_hint_draws_from_its_weighted_population() -> None:
    mix = ColumnHint(values=(("ready", 0.75), ("done", 0.25)))
    assert mix.mix() == (("ready", "done"), (0.75, 1.0))
    ranks = ColumnHint(distinct=3, skew=1.0)
    population, cumulative = ranks.mix()
    assert population == (0, 1, 2)
    assert cumulative == pytest.approx((1.0, 1.5, 1.5 + 1 / 3))
    assert weighted_population((), 3, 1.0) is weighted_population((), 3, 1.0)  # cached
    one, other = random.Random(9), random.Random(9)
    drawn = [ranks.draw(one) for _ in range(200)]
    assert drawn == other.choices(population, cum_weights=cumulative, k=200)
    assert Counter(drawn)[0] > Counter(drawn)[2]
    with pytest.raises(ValueError):
        ColumnHint().draw(random.Random(0))

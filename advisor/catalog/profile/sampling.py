"""Sampling: the draws that turn a profile's shapes into concrete counts and values.

A profile states shapes (rows per parent row drawn from Poisson(1.5), zipf
shares of 184,000 rows, a value mix); the synthesiser and the Torc simulator
need numbers, reproducible from a seeded ``random.Random``. Every such draw
is made here; :class:`~advisor.catalog.profile.values.Distribution` and
:class:`~advisor.catalog.profile.values.ColumnHint` offer them as methods.

Per-parent counts are drawn one of two ways: one at a time (Knuth's method for
Poisson, inversion for geometric, a random rounding for a fractional fixed
count), or *tabulated*: one uniform per parent looked up in the clamped
distribution's cumulative probabilities, which is several times faster over a
million parents. Both follow the same distribution, but Poisson counts come
out different for one seed (Knuth's method takes several uniforms per count)
and a whole fixed count takes no uniform when tabulated, so a caller keeps to
one way: the synthesiser tabulates, the simulator draws one at a time.

>>> apportion(10, [1.0, 1.0, 2.0], minimum=0)
[3, 2, 5]
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from functools import lru_cache
from itertools import accumulate

Value = str | int  # a value of a column's mix, as the profile writes it

TABULATED_KINDS = ("poisson", "geometric")
TABULATED_MAX_MEAN = 30  # above it the rounded normal stands in for Poisson: no table
_LARGEST_COUNT = 100_000  # a table without max stops here (its tail is below 1e-12 long before)


def zipf_weights(count: int, skew: float) -> list[float]:
    """``1 / rank ** skew`` for ranks 1..count: the weight of each of ``count`` items."""
    return [1.0 / (rank + 1) ** skew for rank in range(count)]


def apportion(total: int, weights: Sequence[float], minimum: int) -> list[int]:
    """Split ``total`` into integer shares by weight, each at least ``minimum`` where possible.

    Largest-remainder rounding, ties broken by position, so the result is exact
    and reproducible.
    """
    parents = len(weights)
    minimum = min(minimum, total // parents)
    rest = total - minimum * parents
    whole = sum(weights)
    raw = [rest * w / whole for w in weights]
    shares = [math.floor(r) for r in raw]
    order = sorted(range(parents), key=lambda i: (-(raw[i] - shares[i]), i))
    for i in order[: rest - sum(shares)]:
        shares[i] += 1
    return [minimum + s for s in shares]


def round_randomly(value: float, rng: random.Random) -> int:
    """Round up or down at random so that the mean holds (2.3: 3 three times in ten)."""
    whole = math.floor(value)
    return whole + (1 if rng.random() < value - whole else 0)


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw: Knuth's method for small means, a rounded normal for large ones."""
    if mean <= 0:
        return 0
    if mean > TABULATED_MAX_MEAN:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def geometric(rng: random.Random, mean: float) -> int:
    """Failures before the first success, with the given mean."""
    if mean <= 0:
        return 0
    p = 1.0 / (1.0 + mean)
    return math.floor(math.log(1.0 - rng.random()) / math.log(1.0 - p))


def tabulated(kind: str, mean: float, low: int, high: int | None, parents: int,
              rng: random.Random) -> list[int]:
    """``parents`` Poisson or geometric counts clamped to ``low``..``high``, by inverse CDF.

    The probabilities of 0, 1, 2, ... come from each one's ratio to the one
    before; the mass above ``high`` goes to ``high`` and the mass below ``low``
    to ``low``, as clamping a drawn count would put it.
    """
    if kind not in TABULATED_KINDS or mean > TABULATED_MAX_MEAN:
        raise ValueError(f"no table for {kind} with mean {mean}")
    if mean <= 0:
        return [low] * parents
    if kind == "poisson":
        weights, ratio = [math.exp(-mean)], lambda k: mean / k
    else:
        success = 1.0 / (1.0 + mean)
        weights, ratio = [success], lambda _: 1.0 - success
    top = high if high is not None else _LARGEST_COUNT
    total = weights[0]
    while len(weights) <= top and (total < 1 - 1e-12 or len(weights) <= low):
        weights.append(weights[-1] * ratio(len(weights)))
        total += weights[-1]
    if len(weights) > top:  # counts above high are clamped to high
        weights[top:] = [max(0.0, 1.0 - sum(weights[:top]))]
    low = min(low, len(weights) - 1)
    weights[: low + 1] = [sum(weights[: low + 1])]  # and counts below low to low
    values = range(low, low + len(weights))
    return rng.choices(values, cum_weights=list(accumulate(weights)), k=parents)


@lru_cache(maxsize=256)
def weighted_population(mix: tuple[tuple[Value, float], ...], distinct: int | None,
                        skew: float) -> tuple[tuple[Value, ...], tuple[float, ...]]:
    """What a column's values are drawn from, and the cumulative weights to draw with.

    The value mix when there is one, else the ranks ``0..distinct-1`` weighted
    by zipf ``skew`` (0: all alike). Cached: a column is drawn from chunk after
    chunk.
    """
    if mix:
        population: tuple[Value, ...] = tuple(value for value, _ in mix)
        weights = [weight for _, weight in mix]
    else:
        population = tuple(range(distinct or 1))
        weights = zipf_weights(len(population), skew)
    return population, tuple(accumulate(weights))

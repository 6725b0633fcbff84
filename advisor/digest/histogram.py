"""A log-linear histogram of durations: bounded memory, exact merge, ~1.6% quantiles.

Each power of two is cut into 32 equal sub-buckets, so a bucket's width is at
most 1/32 of its lower edge; the quantile reported is the bucket's midpoint,
within about 1.6% of the true value. Counts merge by addition, so the
histogram of a whole log equals the sum of its parts' histograms.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

SUB_BITS = 5
SUB_BUCKETS = 1 << SUB_BITS
ZERO_BUCKET = -(1 << 30)
_EXACT_IN_FLOAT = 1 << 53  # every integer below this is exactly a float


def bucket_of(value: int) -> int:
    """The bucket of a non-negative integer duration (nanoseconds)."""
    if value <= 0:
        return ZERO_BUCKET
    if value < _EXACT_IN_FLOAT:
        # What frexp gives below, in integers (the digest calls this once a line):
        # the exponent is the bit length, the sub-bucket the SUB_BITS bits after the
        # leading one.
        exponent = value.bit_length()
        return ((exponent - 1) << SUB_BITS) + ((value << SUB_BITS + 1) >> exponent)
    mantissa, exponent = math.frexp(value)  # value = mantissa * 2**exponent, mantissa in [0.5, 1)
    return exponent * SUB_BUCKETS + int((mantissa - 0.5) * 2 * SUB_BUCKETS)


def bucket_bounds(bucket: int) -> tuple[float, float]:
    """The half-open value range [low, high) a bucket covers."""
    if bucket == ZERO_BUCKET:
        return 0.0, 0.0
    exponent, sub = divmod(bucket, SUB_BUCKETS)
    low = math.ldexp(0.5 + sub / (2 * SUB_BUCKETS), exponent)
    high = math.ldexp(0.5 + (sub + 1) / (2 * SUB_BUCKETS), exponent)
    return low, high


def quantile(buckets: Mapping[int, int], q: float) -> float | None:
    """The q-quantile (0..1) of the values counted in ``buckets``, or None if empty."""
    total = sum(buckets.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(q * total))
    seen = 0
    for bucket in sorted(buckets):
        seen += buckets[bucket]
        if seen >= rank:
            low, high = bucket_bounds(bucket)
            return (low + high) / 2
    raise AssertionError("unreachable: rank <= total")


def merge_into(target: dict[int, int], other: Mapping[int, int]) -> None:
    for bucket, count in other.items():
        target[bucket] = target.get(bucket, 0) + count

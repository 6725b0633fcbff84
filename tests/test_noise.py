"""The noise band: what a measured difference must exceed (advisor/replay/noise.py)."""

from advisor.replay.noise import FLOOR, Z, combine, difference, separated


def test_paired_jitter_sets_the_band_when_runs_overlap():
    base = [1.00, 1.10, 0.90, 1.05, 0.95]
    other = [1.05, 1.08, 0.93, 1.04, 0.99]
    d = difference(base, other)
    assert d.jitter > 0
    assert abs(d.band - (Z * d.jitter + FLOOR * 1.04)) < 1e-12
    assert not d.slower and not d.faster


def test_runs_of_different_statements_far_apart_are_beyond_noise():
    # A seek timed 31 times over three sampled statements, a scan 100x slower timed
    # once per statement: the scan's runs spread as its statements do (1.4 to 8 ms),
    # which is no jitter; every scan run is far above every seek run.
    seek = [0.000015 + 0.000001 * (k % 3) for k in range(31)]
    scan = [0.0024, 0.0014, 0.0081]
    d = difference(seek, scan, count=17087)
    assert separated(seek, scan)
    assert d.jitter == 0.0
    assert d.slower
    assert d.band == d.floor


def test_separation_needs_enough_runs_and_a_clear_gap():
    assert not separated([1.0, 1.1], [3.0, 6.0, 7.0])  # two runs: 4x apart, not 2x
    assert separated([1.0, 1.1], [5.0, 6.0, 7.0])
    assert not separated([1.0], [5.0, 6.0, 7.0])  # one run: 8x apart
    assert separated([0.004, 0.0041, 0.0039], [0.9, 0.91])  # a slow side timed twice
    assert not separated([], [5.0, 6.0, 7.0])
    assert not separated([1.0, 1.1, 1.2], [2.0, 6.0, 7.0])  # 2.0 is not above 2 x 1.2
    assert separated([5.0, 6.0, 7.0], [1.0, 1.1, 1.2])  # either way round


def test_runs_each_far_from_their_pair_are_beyond_noise_though_the_sides_overlap():
    """An aging report run for companies of 2 to 3,000 invoices: a correlated scan of
    payments per invoice takes 4 ms to 5 s a run, the index 0.1 to 40 ms. The sides
    overlap and the paired differences spread as the companies do (jitter, read so,
    three times the saving); but every run is far from its own pair, the same way."""
    indexed = [0.0001, 0.004, 0.04, 0.0008, 0.012]
    scanned = [0.004, 0.9, 5.0, 0.05, 2.2]
    d = difference(scanned, indexed, count=40)
    assert not min(scanned) > 2 * max(indexed)  # the sides overlap
    assert separated(scanned, indexed)
    assert d.faster and d.band == d.floor
    # One pair the wrong way round, or too close, and the spread is jitter again.
    assert not separated([0.004, 0.9, 0.01], [0.0001, 0.004, 0.04])
    assert not separated([0.004, 0.9, 0.05], [0.0001, 0.004, 0.04])


def test_combined_jitters_add_in_quadrature_and_floors_add_up():
    a = difference([1.0, 1.2, 0.8, 1.1], [1.1, 1.0, 0.9, 1.3])
    b = difference([2.0, 2.4, 1.6, 2.2], [2.2, 2.0, 1.8, 2.6])
    both = combine([a, b])
    assert abs(both.jitter ** 2 - (a.jitter ** 2 + b.jitter ** 2)) < 1e-12
    assert abs(both.floor - (a.floor + b.floor)) < 1e-12


def test_six_pairs_each_slower_the_same_way_are_beyond_noise():
    """A retention DELETE of 2 to 21,000 old rows a cutoff: with an index to keep up,
    1.2 to 2.9 times slower in each of six pairs. The paired differences spread as the
    cutoffs do, and read as jitter made a band wider than the slowdown; six pairs the
    same way round, each by 15% or more, are no jitter. Five pairs, or one pair within
    15%, or one the other way, and the spread is jitter again."""
    today = [0.0173, 0.0185, 0.0163, 0.0179, 0.0197, 0.0331]
    with_set = [0.0273, 0.0501, 0.0204, 0.0275, 0.0573, 0.0386]
    d = difference(today, with_set, count=38)
    assert separated(today, with_set) and d.slower and d.band == d.floor
    assert not separated(today[:5], with_set[:5])
    assert not separated(today, [*with_set[:5], 0.0370])  # 1.12x
    assert not separated(today, [*with_set[:5], 0.0300])  # the other way round

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
    assert not separated([1.0, 1.1], [5.0, 6.0, 7.0])  # too few runs on one side
    assert not separated([1.0, 1.1, 1.2], [2.0, 6.0, 7.0])  # 2.0 is not above 2 x 1.2
    assert separated([5.0, 6.0, 7.0], [1.0, 1.1, 1.2])  # either way round


def test_combined_jitters_add_in_quadrature_and_floors_add_up():
    a = difference([1.0, 1.2, 0.8, 1.1], [1.1, 1.0, 0.9, 1.3])
    b = difference([2.0, 2.4, 1.6, 2.2], [2.2, 2.0, 1.8, 2.6])
    both = combine([a, b])
    assert abs(both.jitter ** 2 - (a.jitter ** 2 + b.jitter ** 2)) < 1e-12
    assert abs(both.floor - (a.floor + b.floor)) < 1e-12

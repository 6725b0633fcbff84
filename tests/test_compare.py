"""The compare verdict: fewest indexes within 5% of the best; plan-twins scored together."""

from __future__ import annotations

from advisor.model.indexes import parse_index
from advisor.replay.measure import ANALYZED, AS_FOUND, Measurement
from advisor.replay.sandbox import Tally, TemplateTiming
from advisor.review.compare import Compared, Comparison, _verdict, state_flips

SCAN = "SCAN job"
SEEK = "SEARCH job USING INDEX advisor_job_workflow_id (workflow_id=?)"


def measured(label: str, seconds: float, plan: str, state: str = AS_FOUND,
             template_seconds: float | None = None) -> Measurement:
    timing = TemplateTiming("t1", "read", template_seconds or seconds, 3)
    return Measurement(label, (), 0.0, 0, (timing,), seconds, 0.0, (), Tally().frozen(), state,
                       None, {"t1": plan})


def configuration(label: str, indexes: int, *measurements: Measurement) -> Compared:
    specs = tuple(parse_index(f"job(c{i})") for i in range(indexes))
    return Compared(label, specs, 0.0, 0.0, 0.0, 0, {"t1": 0.0}, measurements)


def test_the_fewest_indexes_within_five_percent_wins() -> None:
    compared = [configuration("none", 0, measured("none", 10.0, SCAN)),
                configuration("one", 1, measured("one", 1.00, SEEK)),
                configuration("two", 2, measured("two", 0.97, SEEK + "; x"))]
    best, text = _verdict(compared, AS_FOUND)
    assert best == "one"
    assert "90% less measured time than none" in text and "than two" in text


def test_plan_twins_are_scored_by_their_median_and_named() -> None:
    # "noisy" got the baseline's plan: its lucky 8 s is noise, not a saving.
    compared = [configuration("none", 0, measured("none", 10.0, SCAN)),
                configuration("noisy", 1, measured("noisy", 8.0, SCAN)),
                configuration("seek", 1, measured("seek", 8.3, SEEK))]
    best, text = _verdict(compared, AS_FOUND)
    assert best == "seek"
    best, text = _verdict(compared[:2], AS_FOUND)
    assert best == "none" and "same plans with noisy" in text


def test_a_state_flip_is_reported() -> None:
    compared = [
        configuration("none", 0, measured("none", 1.0, SCAN),
                      measured("none", 1.0, SCAN, ANALYZED)),
        configuration("idx", 1, measured("idx", 2.0, SEEK),
                      measured("idx", 0.5, SEEK, ANALYZED)),
    ]
    flips = state_flips(Comparison(tuple(compared), "", "", {}))
    assert [(f.template_id, f.configuration) for f in flips] == [("t1", "idx")]
    assert flips[0].ratios == {AS_FOUND: 2.0, ANALYZED: 0.5}


def test_plan_groups_letter_the_configurations_by_their_plans() -> None:
    from advisor.review.compare import plan_groups

    compared = [configuration("none", 0, measured("none", 10.0, SCAN)),
                configuration("twin", 1, measured("twin", 8.0, SCAN)),
                configuration("seek", 1, measured("seek", 1.0, SEEK))]
    assert plan_groups(compared, AS_FOUND) == {"none": "A", "twin": "A", "seek": "B"}

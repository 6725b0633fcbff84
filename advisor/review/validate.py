"""Validation of a recommendation: today's indexes and the recommended set replayed side by
side on copies of a database, as found and after ANALYZE, and the recommended indexes none
of whose templates measured faster.

The cost model's estimate is what chose the set; this is the evidence that it holds
on real data (an index can be worth its writes on paper and gain nothing here).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from advisor.advise.recommend import Recommendation
from advisor.analysis.workload import Workload
from advisor.model.feedback import QUIET, Feedback
from advisor.replay.measure import ANALYZED, AS_FOUND
from advisor.review.compare import Comparison, compare, without_measured_gain
from advisor.review.configs import RECOMMENDED

TODAY = "today"
STATES = (AS_FOUND, ANALYZED)  # an index can help in one state and hurt in the other


@dataclass(frozen=True)
class Validation:
    comparison: Comparison  # TODAY, then RECOMMENDED, measured in both STATES
    database: str  # the database measured on, described
    # Recommended index -> statistics state -> the best time ratio (after / before) among
    # the templates it serves, for the indexes without a measured gain in any state.
    without_gain: Mapping[str, Mapping[str, float]]


def validate(workload: Workload, recommendation: Recommendation, database: Path,
             described: str, feedback: Feedback = QUIET) -> Validation:
    """Measure today's indexes against the recommended set on copies of ``database``."""
    chosen = recommendation.chosen
    configurations = [(TODAY, ()), (RECOMMENDED, tuple(c.spec for c in chosen))]
    checked = compare(workload, configurations, database, states=STATES,
                      progress=feedback.step)
    served = {str(c.spec): [s.template_id for s in c.serves] for c in chosen}
    return Validation(checked, described,
                      without_measured_gain(checked, TODAY, RECOMMENDED, served))

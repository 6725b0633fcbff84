"""Each index's verdict from what was measured (advisor/review/audit/verdicts.py)."""

from advisor.replay.measure import ANALYZED, AS_FOUND
from advisor.review.audit.harmful import Harmful
from advisor.review.audit.replay import HARMFUL, SAVES, Replayed, StateMeasure
from advisor.review.audit.usage import AuditedIndex
from advisor.review.audit.verdicts import verdicts


def _index(name: str) -> AuditedIndex:
    return AuditedIndex(name, "job", "job(status)", "c", False, 4096, True, ("t1",), ("t1",), ())


def _state(statistics: str, read_saved: float, write_saved: float) -> StateMeasure:
    # seconds_saved > 0: dropping the index saves time (the index is harmful there).
    return StateMeasure(statistics, ("t1",), (), (), read_saved, write_saved, 0.1)


def _harmful(name: str, measure: StateMeasure, saves_in: str | None) -> Harmful:
    return Harmful(name, "job(status)", measure.statistics, measure, None, saves_in,
                   saves_in is None, None if saves_in is None else "kept")


def test_an_index_harmful_in_one_state_and_saving_in_the_other_is_kept():
    found = _state(AS_FOUND, -19.2, 0.36)  # as found, the drop costs 19 s of reads
    analysed = _state(ANALYZED, 0.0, 0.58)  # after ANALYZE, the drop saves its writes
    assert (found.effect, analysed.effect) == (SAVES, HARMFUL)
    (verdict,) = verdicts([_index("idx_job_status")],
                          [Replayed("idx_job_status", (found, analysed))], [], [],
                          [_harmful("idx_job_status", analysed, AS_FOUND)], True, [])
    assert verdict.verdict == "keep"
    assert "harmful" in verdict.basis and "saves" in verdict.basis


def test_an_index_harmful_in_every_state_it_was_measured_in_is_harmful():
    found = _state(AS_FOUND, 0.0, 0.26)
    analysed = _state(ANALYZED, 0.0, 0.14)
    (verdict,) = verdicts([_index("idx_partial")],
                          [Replayed("idx_partial", (found, analysed))], [], [],
                          [_harmful("idx_partial", found, None)], True, [])
    assert verdict.verdict == "harmful"

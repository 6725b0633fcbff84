"""The reason vocabulary: stable codes, one sentence each, figures checked, all in use."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from advisor.model.reasons import SENTENCES, Decision, Reason

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = {"share": 0.0321, "of": "the workload cost", "beside": "the rest of the list",
          "rise": 0.5, "tolerance": 0.01, "table": "job", "upkeep": 1234.0,
          "read_saving": 567.0, "min_saving": 0.05, "threshold": 0.001, "alone_share": 0.2,
          "longer": "job(a, b)", "other": "job_a", "kind": "PRIMARY KEY", "index": "pk",
          "definition": "job(a)", "column": "id", "template": "abc123", "ms_with": 2.0,
          "ms_without": 1.0, "gain": -0.25, "noise": 0.5, "ratio": 2.5, "without": 0.4,
          "with_it": 0.5, "seconds": 4.5, "others": "; 2 more slowed", "guard": "rooms(active)",
          "partners": "availability(status)", "alone": 379.0, "narrower": "reviews(a, b)",
          "band": 0.1}


def test_every_reason_has_one_sentence_for_users() -> None:
    assert SENTENCES.keys() == set(Reason)
    for reason in Reason:
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", reason.value), reason
        assert reason.sentence and reason.sentence == reason.sentence.strip()
        rendered = Decision.of(reason, **{name: SAMPLE[name] for name in reason.figures})
        assert "{" not in rendered.sentence and "}" not in rendered.sentence


def test_no_sentence_names_a_command_line_option() -> None:
    for reason in Reason:
        assert "--" not in reason.sentence, reason


def test_a_decision_keeps_its_figures_and_renders_them() -> None:
    decision = Decision.of(Reason.SAVES, share=0.0321, of="the workload cost",
                           beside="the rest of the list")
    assert decision.code is Reason.SAVES
    assert dict(decision.figures)["share"] == 0.0321
    assert decision.sentence == "saves 3.21% of the workload cost beside the rest of the list"
    assert decision == Decision.of(Reason.SAVES, beside="the rest of the list", share=0.0321,
                                   of="the workload cost")
    with pytest.raises(ValueError, match="needs the figures beside, of"):
        Decision.of(Reason.SAVES, share=0.1)


def test_every_reason_is_given_somewhere_and_documented() -> None:
    """No code only the vocabulary knows: each is decided in the package, and listed
    in docs/recommend.md, where the vocabulary is explained."""
    source = "\n".join(path.read_text() for path in (ROOT / "advisor").rglob("*.py")
                       if path.name != "reasons.py" or path.parent.name != "model")
    docs = (ROOT / "docs" / "recommend.md").read_text()
    for reason in Reason:
        assert f"Reason.{reason.name}" in source, f"{reason.value} is never decided"
        assert f"`{reason.value}`" in docs, f"{reason.value} is not in docs/recommend.md"

"""How a reason appears in every document: its stable code and its sentence."""

from __future__ import annotations

from advisor.model.reasons import Decision


def reason_fields(decision: Decision, *more: str) -> dict[str, str]:
    """``code`` and ``reason`` (the sentence with its figures, then ``more`` clauses)."""
    return {"code": decision.code.value, "reason": "; ".join((decision.sentence, *more))}

"""The action server's clients raise errors (which it logs) that never quote what was sent."""
from __future__ import annotations

from actions.clients.handoff import HandoffRejected

WORDS = "my husband Bartholomew died"


def test_a_refusal_names_the_status_and_the_fields_not_the_values():
    detail = {"detail": [{"type": "string_too_long", "loc": ["body", "transcript", 0, "text"], "msg": "too long",
                          "input": WORDS}], "message": f"Invalid request: {WORDS}"}
    assert str(HandoffRejected(422, detail)) == "handoff service answered 422 (invalid: body.transcript.0.text)"
    assert str(HandoffRejected(409, {"detail": "Ticket 7 is not open"})) == (
        "handoff service answered 409: Ticket 7 is not open")
    assert "Bartholomew" not in str(HandoffRejected(400, {"detail": WORDS * 10}))
    assert str(HandoffRejected(502, WORDS)) == "handoff service answered 502"

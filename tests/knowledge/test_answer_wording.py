"""A vetted answer fits the question's form: "Yes"/"No" only answers a yes-or-no question."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from actions.knowledge.wording import fitted_answer

OMBUDSMAN = "Yes. If you're unhappy with our final response, you can ask the Financial Ombudsman Service."


@pytest.mark.parametrize(("question", "answer", "expected"), [
    ("How do I complain to the ombudsman about you?", OMBUDSMAN,
     "If you're unhappy with our final response, you can ask the Financial Ombudsman Service."),
    ("hi, what's the fee to cancel?", "No, there's no cancellation fee.", "There's no cancellation fee."),
    ("What happens if I miss a payment", "Yes: we'll write to you first.", "We'll write to you first."),
    ("whats the deal with named drivers", "Yes - up to four.", "Up to four."),
    ("I've lost my wallet with my licence in it, what should I do", "No, it doesn't affect your cover.",
     "It doesn't affect your cover."),
    # A yes-or-no question keeps its answer's first word, wherever it is asked.
    ("I've lost my licence, can I still drive? what do I do", "Yes, while you wait.", "Yes, while you wait."),
    ("Can I go to the ombudsman?", OMBUDSMAN, OMBUDSMAN),
    ("is there a fee to cancel", "No, there's no cancellation fee.", "No, there's no cancellation fee."),
    ("my dog ate my glasses, does home insurance cover that?", "Yes, with Home Plus.", "Yes, with Home Plus."),
    # Only a leading yes/no is left out, and only as a word of its own.
    ("How does it work?", "Yesterday's claims are handled first.", "Yesterday's claims are handled first."),
    ("How does it work?", "Nobody needs to call.", "Nobody needs to call."),
    ("How does it work?", "You pay monthly.", "You pay monthly."),
    ("", OMBUDSMAN, OMBUDSMAN),
    (None, OMBUDSMAN, OMBUDSMAN),
])
def test_a_leading_yes_or_no_is_left_out_of_answers_to_other_questions(question, answer, expected):
    assert fitted_answer(answer, question) == expected


@given(question=st.text(max_size=300), answer=st.text(min_size=1, max_size=300))
def test_an_answer_is_never_emptied_and_only_its_first_word_can_go(question, answer):
    fitted = fitted_answer(answer, question)
    assert fitted
    assert fitted == answer or answer.lower().startswith(("yes", "no"))
    assert len(fitted) <= len(answer)


def test_a_huge_question_is_read_in_bounded_time():
    assert fitted_answer(OMBUDSMAN, "how " + "hi, " * 50_000) != OMBUDSMAN

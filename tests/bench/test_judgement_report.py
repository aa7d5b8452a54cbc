"""Shares, zero-tolerance counts and the runner's bounds, on hand-made results and a fake Rasa."""
from __future__ import annotations

import threading
import time

import httpx
import pytest

from bench import judgement_report as report
from bench.judgement import Bot, run_all, run_one
from bench.judgement_classify import FLOW_WITHOUT_EVIDENCE, SAFETY_WITHOUT_RISK, Behaviours
from bench.judgement_set import Item

BEHAVIOURS = Behaviours.load()


def item(n: int, expected=("kb_answer",), kind="plain", split="tune", hard=False) -> Item:
    return Item(id=f"T{n}", text=f"message {n}", expected=tuple(expected), kind=kind, hard=hard,
                why="a trap" if hard else "", split=split)


def result(n: int, right: bool, violations=(), **fields) -> report.Result:
    return report.Result(item(n, **fields), observed="kb_answer" if right else "none: fallback", right=right,
                         violations=tuple(violations))


@pytest.mark.parametrize("right_of_20, met", [(18, False), (19, True), (20, True)])
def test_the_target_is_ninety_five_percent(right_of_20, met):
    summary = report.summary([result(n, right=n < right_of_20) for n in range(20)])
    assert summary["all"]["share"] == right_of_20 / 20
    assert summary["all"]["target_met"] is met


def test_one_zero_tolerance_breach_misses_the_target_whatever_the_share():
    results = [result(n, right=True) for n in range(99)] + [result(99, False, [SAFETY_WITHOUT_RISK])]
    summary = report.summary(results)["all"]
    assert summary["share"] == 0.99
    assert summary[SAFETY_WITHOUT_RISK] == 1 and summary[FLOW_WITHOUT_EVIDENCE] == 0
    assert summary["target_met"] is False


def test_tune_and_frozen_are_reported_apart():
    results = [result(1, True, split="tune"), result(2, False, split="tune"), result(3, False, split="frozen",
                                                                                     violations=[FLOW_WITHOUT_EVIDENCE])]
    summary = report.summary(results)
    assert (summary["tune"]["messages"], summary["tune"]["right"]) == (2, 1)
    assert (summary["frozen"]["messages"], summary["frozen"]["right"]) == (1, 0)
    assert summary["frozen"][FLOW_WITHOUT_EVIDENCE] == 1 and summary["tune"][FLOW_WITHOUT_EVIDENCE] == 0
    assert summary["all"]["messages"] == 3


def test_a_message_counts_under_its_preferred_class_and_its_kind():
    results = [result(1, True, expected=("clarify", "offer_person"), kind="negation", hard=True),
               result(2, False, expected=("offer_person",)), result(3, True, expected=("offer_person", "clarify"))]
    summary = report.summary(results)["all"]
    assert summary["per_class"]["clarify"] == {"messages": 1, "right": 1, "share": 1.0, "observed": {"kb_answer": 1}}
    assert summary["per_class"]["offer_person"]["observed"] == {"none: fallback": 1, "kb_answer": 1}
    assert summary["per_kind"]["negation"]["messages"] == 1
    assert summary["hard_vs_plain"]["hard"]["right"] == 1 and summary["hard_vs_plain"]["plain"]["messages"] == 2


def test_the_failures_file_has_what_a_developer_needs():
    failing = report.Result(item(7, expected=("check_claim",)), observed="start_claim", right=False,
                            violations=(), names=("action_acknowledge_claim", "claim_form"),
                            replies=("I'm sorry to hear that.",))
    rows = report.failures([failing, result(8, True), result(9, False, split="frozen")])
    assert rows == [{"id": "T7", "split": "tune", "kind": "plain", "message": "message 7", "expected": ["check_claim"],
                     "observed": "start_claim", "violations": [], "ran": ["action_acknowledge_claim", "claim_form"],
                     "replies": ["I'm sorry to hear that."], "why": "", "scored": None}]


def test_frozen_failures_are_written_only_when_asked_for():
    results = [result(1, False, split="frozen"), result(2, False, split="tune"), result(3, True, split="frozen")]
    assert [row["id"] for row in report.failures(results)] == ["T2"]
    assert [row["id"] for row in report.failures(results, include_frozen=True)] == ["T1", "T2"]


def test_unscored_messages_are_counted_per_part():
    results = [report.Result(item(1), "kb_answer", True, scored=False), report.Result(item(2), "kb_answer", True,
                                                                                     scored=True),
               report.Result(item(3, split="frozen"), "kb_answer", True)]
    summary = report.summary(results)
    assert (summary["all"]["unscored"], summary["tune"]["unscored"], summary["frozen"]["unscored"]) == (1, 1, 0)


def test_the_rendered_report_has_a_row_per_part_class_and_kind():
    text = report.render(report.summary([result(1, True, split="frozen"), result(2, False, kind="typo")]))
    assert "| frozen | 1 | 1 | 100.0% | 0 | 0 | 0 |" in text
    assert "| kb_answer | 0/1 (0%) | 1/1 (100%) | 1/2 (50%) |" in text
    assert "| typo | 0/1 (0%) | – | 0/1 (0%) |" in text


# --- The runner against a fake Rasa --------------------------------------------------------------

class FakeBot:
    """Answers like Rasa's tracker would, counting how many conversations run at once."""

    def __init__(self, delay: float = 0.0, fail_on: str | None = None) -> None:
        self.delay, self.fail_on = delay, fail_on
        self.running = self.most_at_once = 0
        self.lock = threading.Lock()

    def first_message(self, text: str) -> list[dict]:
        with self.lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            time.sleep(self.delay)
            if text == self.fail_on:
                raise httpx.ConnectError("connection refused")
            return [{"event": "user", "text": text}, {"event": "action", "name": "utter_greet"},
                    {"event": "bot", "text": "Hello", "metadata": {"utter_action": "utter_greet"}}]
        finally:
            with self.lock:
                self.running -= 1


def test_a_turn_is_judged_from_the_tracker():
    judged = run_one(FakeBot(), item(1, expected=("small_talk",)), BEHAVIOURS)
    assert (judged.observed, judged.right, judged.names, judged.replies) == ("small_talk", True, ("utter_greet",),
                                                                           ("Hello",))


def test_a_failed_request_is_a_wrong_answer_with_the_error_not_a_crash():
    judged = run_one(FakeBot(fail_on="message 1"), item(1, expected=("small_talk",)), BEHAVIOURS)
    assert judged.observed.startswith("error: ConnectError") and not judged.right


def test_no_more_conversations_at_once_than_asked():
    bot = FakeBot(delay=0.02)
    results, not_run = run_all(bot, [item(n) for n in range(12)], BEHAVIOURS, concurrency=3, budget_seconds=60)
    assert len(results) == 12 and not not_run
    assert bot.most_at_once == 3


def test_nothing_new_starts_once_the_budget_is_spent():
    results, not_run = run_all(FakeBot(delay=0.05), [item(n) for n in range(10)], BEHAVIOURS, concurrency=2,
                               budget_seconds=0.12)
    assert 2 <= len(results) < 10
    assert len(results) + len(not_run) == 10


def test_the_bot_client_reads_the_tracker_of_the_conversation_it_just_opened(monkeypatch):
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if request.url.path == "/webhooks/rest/webhook":
            return httpx.Response(200, json=[{"text": "Hello"}])
        return httpx.Response(200, json={"events": [{"event": "user", "text": "hi"}]})

    real_client = httpx.Client
    monkeypatch.setattr(httpx, "Client", lambda **kw: real_client(transport=httpx.MockTransport(handler), **kw))
    events = Bot("http://rasa.test/", token="secret", timeout=5).first_message("hi")
    assert events == [{"event": "user", "text": "hi"}]
    sent, read = calls
    sender = __import__("json").loads(sent.content)["sender"]
    assert read.url.path == f"/conversations/{sender}/tracker" and read.url.params["token"] == "secret"
    other = Bot("http://rasa.test", token="secret", timeout=5)
    other.first_message("hi")
    assert __import__("json").loads(calls[2].content)["sender"] != sender  # a fresh conversation each time


def test_saved_turns_are_judged_again_with_the_current_mapping(tmp_path, capsys):
    from bench.judgement import main

    set_file = tmp_path / "set.jsonl"
    rows = [{"id": "J1", "text": "hi", "expected": ["small_talk"], "kind": "plain", "hard": False, "why": "",
             "split": "tune"},
            {"id": "J2", "text": "my card was declined at the shop", "expected": ["other_company"],
             "kind": "other-company", "hard": True, "why": "another company's card", "split": "tune"},
            {"id": "J3", "text": "not saved", "expected": ["kb_answer"], "kind": "plain", "hard": False, "why": "",
             "split": "frozen"}]
    set_file.write_text("".join(__import__("json").dumps(row) + "\n" for row in rows))
    history = [{"event": "action", "name": "action_session_start"}, {"event": "action", "name": "action_listen"}]
    turns = tmp_path / "turns.jsonl"
    turns.write_text("".join(__import__("json").dumps(row) + "\n" for row in [
        {"id": "J1", "text": "hi", "events": history + [
            {"event": "user", "text": "hi", "parse_data": {"emotion": {"available": True}}},
            {"event": "action", "name": "utter_greet"}, {"event": "bot", "text": "Hello",
                                                        "metadata": {"utter_action": "utter_greet"}}]},
        {"id": "J2", "text": "my card was declined at the shop", "events": [
            {"event": "user", "text": "my card was declined at the shop"},
            {"event": "action", "name": "action_offer_handoff"}, {"event": "bot", "text": "a person"}]},
    ]))
    failures = tmp_path / "failures.json"
    assert main(["--set", str(set_file), "--replay", str(turns), "--failures", str(failures)]) == 0
    printed = capsys.readouterr().out
    assert "2 messages" in printed and "1 NOT RUN" in printed
    written = __import__("json").loads(failures.read_text())
    assert written["not_run"] == ["J3"]
    assert [(f["id"], f["observed"]) for f in written["failures"]] == [("J2", "offer_person")]
    assert written["summary"]["tune"]["right"] == 1


def test_nothing_waits_in_a_queue_beyond_the_conversations_running():
    # The budget runs out while the first conversations are still open: only those may have been started.
    results, not_run = run_all(FakeBot(delay=0.2), [item(n) for n in range(6)], BEHAVIOURS, concurrency=2,
                               budget_seconds=0.05)
    assert len(results) == 2 and len(not_run) == 4

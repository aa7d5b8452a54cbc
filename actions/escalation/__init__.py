"""When a person should take over: the escalation decision, kept free of Rasa so it is easy to test
and so the transcript command can apply the same rules to one message at a time."""
from actions.escalation.decision import Decision, Thresholds, Turn, decide_conversation, decide_message

__all__ = ["Decision", "Thresholds", "Turn", "decide_conversation", "decide_message"]

"""What action_answer_question says: an opener for the question's kind and the customer's tone, the vetted
answer, and where it comes from. Content is read once at import from knowledge/ (frames.yml, retrieval.yml)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

from actions.knowledge import content
from actions.knowledge.content import ContentError, Entry, KnowledgeBase


@dataclass(frozen=True)
class Frames:
    by_kind: Dict[str, Dict[str, Tuple[str, ...]]]
    tone_groups: Dict[str, str]

    @classmethod
    def from_file(cls) -> "Frames":
        raw = content.read_settings_file(content.FRAMES_FILE)
        groups = {tone: group for group, tones in (raw.get("tone_groups") or {}).items() for tone in tones}
        by_kind = {kind: {group: tuple(str(text) for text in texts) for group, texts in spec.items()}
                   for kind, spec in (raw.get("frames") or {}).items()}
        for kind in content.KINDS:
            for group in ("calm", *sorted(set(groups.values()))):
                if not by_kind.get(kind, {}).get(group):
                    raise ContentError(f"{content.FRAMES_FILE}: no {group} frames for kind {kind}")
        return cls(by_kind, groups)

    def opener(self, kind: str, tone: Optional[str], turn: int) -> str:
        variants = self.by_kind[kind][self.tone_groups.get(tone or "", "calm")]
        return variants[turn % len(variants)]


# A vetted answer written for "Can I…?" starts "Yes"/"No"; asked "How do I…?" or "What happens if…?", that word
# answers nothing ("How do I complain to the ombudsman?" got "Yes. If you're unhappy…", session 8), so it is left out.
_WH_QUESTION = re.compile(r"(?:^|[.!?,;:-]\s*)(?:(?:hi|hello|hey|hiya|ok|okay|so|and|but|um|erm|quick question|please)"
                          r"[\s,!.:-]+)*(?:how|what|what'?s|whats|when|where|why|who|which|how'?s)\b", re.IGNORECASE)
# A yes-or-no question anywhere ("…, can I claim?") keeps the answer's "Yes"/"No".
_YES_NO_QUESTION = re.compile(r"(?:^|[.!?,;:-]\s*)(?:(?:hi|hello|hey|hiya|ok|okay|so|and|but|also|please)[\s,!.:-]+)*"
                              r"(?:can|could|do|does|did|is|are|am|will|would|should|shall|have|has)\s+(?:i|we|you|it|"
                              r"this|that|they|he|she|my|our|the|your|there|a|an)\b", re.IGNORECASE)
_YES_NO_LEAD = re.compile(r"^(?:yes|no)\s*(?:[,.:;!]|\s[-–—])\s*", re.IGNORECASE)


def fitted_answer(answer: str, question: Optional[str]) -> str:
    """The answer without a leading "Yes"/"No" when the customer did not ask a yes-or-no question."""
    asked = " ".join((question or "")[:500].replace("’", "'").split())
    if not _WH_QUESTION.search(asked) or _YES_NO_QUESTION.search(asked):
        return answer
    rest = _YES_NO_LEAD.sub("", answer, count=1)
    if rest == answer or not rest:
        return answer
    return rest[0].upper() + rest[1:]


def answer_text(kb: KnowledgeBase, entry: Entry, opener: str, question: Optional[str] = None) -> Tuple[str, str]:
    """(the answer with its opener, the source line); ``question`` is the customer's message."""
    body = f"{opener} {fitted_answer(entry.answer, question)}".strip()
    return body, f"From {kb.section_for(entry).citation()}."

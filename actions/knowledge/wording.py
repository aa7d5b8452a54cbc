"""What action_answer_question says: an opener for the question's kind and the customer's tone, the vetted
answer, and where it comes from. Content is read once at import from knowledge/ (frames.yml, retrieval.yml)."""
from __future__ import annotations

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


def answer_text(kb: KnowledgeBase, entry: Entry, opener: str) -> Tuple[str, str]:
    """(the answer with its opener, the source line)."""
    body = f"{opener} {entry.answer}".strip()
    return body, f"From {kb.section_for(entry).citation()}."

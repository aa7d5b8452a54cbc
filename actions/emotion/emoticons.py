"""Text emoticons (":(", ">:(", "<3") read as the emoji they stand for.

MiniLM's word pieces split ":(" into ":" and "(", which carry no feeling, so "ok :(" read as neutral. Each
emoticon is mapped to one emoji; the model then reads that emoji's name (``embedder.spell_out_emoji``) and
the cue layer treats it like the emoji (``cues.find_cues``). About 2 % of GoEmotions comments have one.

An emoticon counts only at the end of a token (a space or the text's end after it, trailing punctuation
allowed) and, unless it starts with its eyes (":)", ";)"), at the start of one, so URLs ("https://"), times
("10:30"), "std::vector" and list markers ("b)") are left alone. A repeated last character (":((", ":)))")
is the same emoticon.
"""
from __future__ import annotations

import re

SLIGHTLY_SMILING, GRINNING, WINKING, TONGUE, KISS = "\U0001F642", "\U0001F600", "\U0001F609", "\U0001F61B", "\U0001F618"
FROWNING, CRYING, ANGRY, CONFUSED, NEUTRAL = "\U0001F641", "\U0001F622", "\U0001F620", "\U0001F615", "\U0001F610"
EXPRESSIONLESS, OPEN_MOUTH, HEART, BROKEN_HEART = "\U0001F611", "\U0001F62E", "\u2764", "\U0001F494"

EMOTICONS: dict[str, str] = {
    **dict.fromkeys([":)", ":-)", "=)", ":]", "(:", "^_^", "^^"], SLIGHTLY_SMILING),
    **dict.fromkeys([":D", ":-D", "=D", "xD", "XD"], GRINNING),
    **dict.fromkeys([";)", ";-)"], WINKING),
    **dict.fromkeys([":P", ":p", ":-P", ":-p"], TONGUE),
    **dict.fromkeys([":*", ":-*"], KISS),
    **dict.fromkeys([":(", ":-(", "=(", ":[", "):"], FROWNING),
    **dict.fromkeys([":'(", ":'-(", ";(", ";_;", "T_T"], CRYING),
    **dict.fromkeys([">:(", ">:-(", ">:["], ANGRY),
    **dict.fromkeys([":/", ":-/", ":\\", "=/", ":S", ":s", "o_O", "O_o"], CONFUSED),
    **dict.fromkeys([":|", ":-|"], NEUTRAL),
    **dict.fromkeys(["-_-", "-.-"], EXPRESSIONLESS),
    **dict.fromkeys([":O", ":o", ":-O", ":-o"], OPEN_MOUTH),
    "<3": HEART,
    "</3": BROKEN_HEART,
}

def _alternatives(emoticons) -> str:
    # Longest first, so ">:(" is not read as ":(".
    return "|".join(f"{re.escape(e)}{re.escape(e[-1])}*" for e in sorted(emoticons, key=len, reverse=True))


# Chat writes "thanks:)" and "sorry:(" without a space, so emoticons with eyes first may follow a letter.
_EMOTICON = re.compile(rf"(?:(?<!\S)({_alternatives(EMOTICONS)})"
                       rf"|(?<=[^\W\d_])({_alternatives(e for e in EMOTICONS if e[0] in ':;')}))"
                       r"(?=[.,!?]*(?:\s|$))")


def _canonical(found: str) -> str:
    """":(((" -> ":(": the emoticon without its repeated last character."""
    while found not in EMOTICONS:
        found = found[:-1]
    return found


def find_emoticons(text: str) -> list[tuple[str, str]]:
    """(emoticon as written, the emoji it stands for), in order of appearance."""
    return [(m.group(m.lastindex), EMOTICONS[_canonical(m.group(m.lastindex))]) for m in _EMOTICON.finditer(text)]


def emoticons_to_emoji(text: str) -> str:
    return _EMOTICON.sub(lambda m: EMOTICONS[_canonical(m.group(m.lastindex))], text)

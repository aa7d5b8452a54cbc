"""The one risk reader: the customer's own risk now, and what discounts risk words in context."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from actions.emotion.risk import active_risk, laughing, read_risk, risk_words


@pytest.mark.parametrize("text, category", [
    ("I don't see the point of anything any more", "self_harm"),
    ("I can't go on like this.", "self_harm"),
    ("Honestly I just want to end it all.", "self_harm"),
    ("I keep thinking the kids would be better off without me", "self_harm"),
    ("I'll kill myself if the claim is refused, I mean it", "self_harm"),  # a condition after the words is no "what if"
    ("I can't stop thinking about killing myself", "self_harm"),  # "can't stop" is not a denial
    ("there's no way out, I want to die", "self_harm"),  # a "no" in an earlier clause denies nothing
    ("I keep getting urges to hurt myself", "self_harm"),
    ("he's outside the house right now and threatening me", "threat"),
    ("my husband is threatening to kill me if I make this claim", "threat"),
    ("I'm going to hurt someone if you lot don't sort this out", "threat"),
    ("the kitchen is on fire and my kids are upstairs", "danger_now"),
    ("there's smoke coming from under the door and my son is still upstairs", "danger_now"),
    ("I can smell gas in the hallway", "danger_now"),
    ("Not ideal really, water's up to our waists and it's still rising fast.", "danger_now"),
    # Written for the judgement work (issue #16): danger said without the classic words.
    ("it would be easier for everyone if I just wasn't around", "self_harm"),
    ("I can't go on like this anymore", "self_harm"),
    ("I've had way too many painkillers tonight", "self_harm"),
    ("I'm frightened she'll come back, she kicked the door in last night", "threat"),
    ("the water is coming up really fast in the lounge", "danger_now"),
    ("my dad is stuck upstairs and the stairs are gone", "danger_now"),
    ("we're trapped behind the car and can't move", "danger_now"),
    ("the rain is coming through the light fittings in the kitchen", "danger_now"),
    ("the fuse box is sparking", "danger_now"),
    ("the sofa's alight and the lounge is black with smoke", "danger_now"),
    ("There's a fire next door and the landing is filling with smoke", "danger_now"),
    ("the bedroom ceiling is caving in", "danger_now"),
    ("hit a wall, the van's on its roof", "danger_now"),
    ("my neighbour's trapped under the fallen wall", "danger_now"),  # a person, not a thing
    ("the cyclist is not responding", "danger_now"),
    ("I'm on the motorway hard shoulder, car's dead, what now?", "danger_now"),
    ("we're stuck on the hard shoulder with two kids in the back", "danger_now"),
    ("he hit me last night and took my keys", "threat"),  # a person, not a vehicle
    # Session 3: the phrases narrowed after GoEmotions-train false alarms must still catch these.
    ("there's a man with a knife outside my flat", "threat"),
    ("I'm terrified of him and he's on his way back", "threat"),
    ("my husband's going to kill me when he finds out I called you, I'm scared", "threat"),  # fear: no hyperbole
    ("he hit me at the weekend and I'm frightened", "threat"),
    ("he beats me", "threat"),
    ("the driver is not moving and there's smoke", "danger_now"),
    ("I think I'm having a heart attack after the crash", "danger_now"),  # NHS 999 list: now, not a figure of speech
    ("my dad is having a stroke", "danger_now"),
])
def test_the_customers_own_risk_is_active(text, category):
    reading = active_risk(text)
    assert reading is not None and reading.category == category
    assert risk_words(text) == reading.words and reading.words.lower() in text.lower()


@pytest.mark.parametrize("text, discount", [
    ("I'm not going to hurt myself, don't worry", "negation"),
    ("I'd never kill myself over a car", "negation"),
    ("my mate said he'd kill me if I crashed his car lol", "humour"),
    ("one more form and I swear I want to die haha", "humour"),
    ('my son said "I want to die" when he saw the bill', "reported"),
    ('The song is called "Suicide Blonde", weird hold music', "quoted"),
    ("My husband says 'the house is on fire' every time I cook, ha", "quoted"),   # single quotation marks
    ("the sign just says 'danger, house is on fire' as a joke", "quoted"),
    ("In the film he kills himself and she wants to end it all", "third_party"),
    ("Another driver hit me at the roundabout", "vehicle"),
    ("a van reversed and hit me in the car park", "vehicle"),
    ("My card is stuck inside the ATM.", "object"),
    ("What should I do since my card is trapped in the ATM?", "object"),
    ("the cat got stuck under the decking again", "object"),
    ("Does life insurance pay out for suicide?", "hypothetical"),
    ("What if the house is on fire while I'm away?", "hypothetical"),
    ("Is suicide covered?", "cover_question"),
    # "No claims" is a discount, not a denial: the question is hypothetical (session 8 got a check-in for it).
    ("What happens to my no claims if someone else hits me", "hypothetical"),
    ("what happens to my no-claims bonus if a van hits me", "vehicle"),
])
def test_words_in_context_are_read_but_not_active(text, discount):
    readings = read_risk(text)
    assert readings and all(not reading.active for reading in readings)
    assert readings[0].discounted_by == discount
    assert active_risk(text) is None and risk_words(text) is None
    assert discount in readings[0].reason()


@pytest.mark.parametrize("text", [
    "I hurt myself when I slipped on the wet floor",  # an accident, not self-harm
    "this wait is killing me",
    "I could die of embarrassment",
    "I can't go on holiday now my passport is lost",
    "this looks staged lol",
    "gutted my team lost :(",
    "stuck in traffic, will be late for my appointment",  # stuck only where a person cannot get out
    "I've been stuck in a queue for an hour",
    "there was a fire at the neighbours' last year",  # past, not now
    "the leak damaged the sockets last month",  # "damaged" is not one of the water-meets-electrics verbs
    "the car was on its side when the recovery truck came",  # past
    "I broke down on the hard shoulder last year and you paid for the recovery",  # past
    # Session 3: phrases that fired on GoEmotions-train comments (new wordings of the same uses).
    "hit me up when you've got the quote",
    "it hit me hard when I saw the renewal price",  # a realisation (context not_a_person)
    "my brother always beats me to the post",
    "the lads at work are beating me at fantasy football",
    "my back will kill me after all that lifting",
    "my mum's going to kill me when she finds out I dented it",  # hyperbole
    "people sitting in the middle lane doing 50 drive me mad",
    "they're not moving forward with my claim at all",
    "that song gets stuck inside your head for days",
    "the dog is scared of him",
    "it feels like being trapped in a contract I can't get out of",  # figurative
    "not even with a gun to my head would I pay that excess",
    "I nearly had a heart attack at the price",  # past, a figure of speech
    "I'm having a heart attack over this bill",
    "my husband's having a fit about the renewal price",  # temper: "fit" is left to the reader by meaning
    "I can't get out of bed most mornings",  # low mood (a check-in), not someone trapped
    "",
])
def test_everyday_words_are_not_risk(text):
    assert active_risk(text) is None


def test_active_readings_come_first_and_each_has_a_reason():
    readings = read_risk("I'm not going to hurt myself. But he is threatening me.")
    assert [r.active for r in readings] == [True, False]
    assert readings[0].reason() == 'risk words: "threatening me" (threat)'


def test_laughter_markers():
    assert laughing("my cat is trying to kill me lol") and laughing("the hold music 😂")
    assert not laughing("I'm lonely") and not laughing("")


@pytest.mark.parametrize("text", ["<b>I want to end it all</b>", "I want to end it all 😢😢😢",
                                  "Je veux mourir. I want to die"])
def test_markup_emoji_and_other_languages_around_the_words(text):
    assert active_risk(text).category == "self_harm"


def test_a_100_kilobyte_message_is_read_only_up_to_its_bound():
    assert active_risk("a" * 100_000 + " I want to end it all") is None  # beyond MAX_CHARS: bounded work
    assert active_risk("I want to end it all " + "a" * 100_000).category == "self_harm"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_read_without_error(text):
    for reading in read_risk(text):
        assert reading.category in ("self_harm", "threat", "danger_now")


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["I want to end it all", "he is threatening me", "I can smell gas"]),
       st.sampled_from([" lol", " haha", " 😂"]))
def test_laughter_anywhere_in_the_message_discounts_the_words(words, laugh):
    assert active_risk(words + laugh) is None and active_risk(words) is not None


@pytest.mark.parametrize("text", [
    "I'm trapped, it's on fire and I can't get out",         # apostrophes are not quotation marks
    "we're stuck in the car and it's on fire",
    "he said 'call someone' and now the house is on fire",   # the quotation closed before the words
])
def test_apostrophes_and_closed_quotations_do_not_hide_danger(text):
    assert active_risk(text) is not None

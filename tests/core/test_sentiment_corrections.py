"""Agents' corrections: the corrected post and its near-duplicates take the agent's label; repeated terms nudge."""

from __future__ import annotations

import pytest

from scrm_desktop.core.sentiment.corrections import TERM_CAP, TOTAL_CAP, CorrectionMemory, normalise
from scrm_desktop.core.sentiment.social import SocialAnalyzer


@pytest.fixture(scope="module")
def social() -> SocialAnalyzer:
    return SocialAnalyzer()


SARCASM = "Great, my train is late again. Just great."


def test_exact_correction_wins_and_says_so(social: SocialAnalyzer) -> None:
    text = "Oh great, the app updated itself overnight"
    assert social.analyze(text).label == "positive"
    corrected = CorrectionMemory([(text, "negative")]).wrap(social).analyze(text)
    assert corrected.label == "negative"
    first = corrected.reasons[0]
    assert (first.cue, first.kind) == ("agent correction", "correction")
    assert first.weight < 0


def test_near_duplicates_match_after_normalising(social: SocialAnalyzer) -> None:
    memory = CorrectionMemory([("@acme Oh great, order 1234 arrived broken https://t.co/abc", "negative")])
    analyzer = memory.wrap(social)
    # Different handle, number, link and case: the same complaint.
    assert analyzer.analyze("@acmehelp OH GREAT, order 98765 arrived broken http://x.y/z").label == "negative"
    # One word changed in a longer post: still the same post.
    near = analyzer.analyze("@acme Oh great, my order 1234 arrived broken https://t.co/abc")
    assert near.label == "negative"
    assert near.reasons[0].kind == "correction" and "near-duplicate" in near.reasons[0].cue


def test_different_posts_are_not_matched(social: SocialAnalyzer) -> None:
    analyzer = CorrectionMemory([("Oh great, the app updated itself overnight", "negative")]).wrap(social)
    result = analyzer.analyze("Great news: the new release is out")
    assert result.label == "positive"
    assert all(r.kind != "correction" for r in result.reasons)


def test_normalise_masks_what_varies_between_copies() -> None:
    assert normalise("@Bob 3 items at https://a.b/c!") == normalise("@alice 12 ITEMS at http://x.y !")


def test_later_correction_replaces_earlier(social: SocialAnalyzer) -> None:
    memory = CorrectionMemory([(SARCASM, "negative")])
    memory.add(SARCASM, "neutral")
    assert memory.wrap(social).analyze(SARCASM).label == "neutral"
    assert len(memory) == 1


def test_add_after_wrapping_takes_effect(social: SocialAnalyzer) -> None:
    memory = CorrectionMemory()
    analyzer = memory.wrap(social)
    assert analyzer.analyze(SARCASM).label == "positive"
    memory.add(SARCASM, "negative")
    assert analyzer.analyze(SARCASM).label == "negative"


def test_unknown_label_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="unknown sentiment label 'angry'"):
        CorrectionMemory([("whatever", "angry")])


def test_repeated_terms_nudge_new_posts_and_explain_it(social: SocialAnalyzer) -> None:
    # Agents keep marking posts that mention "firmware" as negative although the analyzer saw them as neutral.
    memory = CorrectionMemory(
        [
            ("The firmware for the router shipped today", "negative"),
            ("Did anyone else get the firmware on their thermostat", "negative"),
            ("firmware version arrived on my camera this morning", "negative"),
        ]
    )
    analyzer = memory.wrap(social)
    text = "New firmware rolled out to the doorbell"
    before = social.analyze(text)
    after = analyzer.analyze(text)
    assert after.score < before.score
    nudge = next(r for r in after.reasons if r.kind == "correction")
    assert "firmware" in nudge.cue and nudge.weight < 0
    assert analyzer.term_nudges()["firmware"] < 0


def test_a_single_correction_does_not_nudge(social: SocialAnalyzer) -> None:
    analyzer = CorrectionMemory([("The firmware for the router shipped today", "negative")]).wrap(social)
    text = "New firmware rolled out to the doorbell"
    assert analyzer.analyze(text) == social.analyze(text)


def test_mixed_directions_do_not_nudge(social: SocialAnalyzer) -> None:
    memory = CorrectionMemory(
        [
            ("The firmware for the router shipped today", "negative"),
            ("Did anyone else get the firmware on their thermostat", "positive"),
        ]
    )
    assert "firmware" not in memory.wrap(social).term_nudges()


def test_nudges_are_bounded(social: SocialAnalyzer) -> None:
    corrections = [(f"firmware gadget widget post number {chr(97 + i)} {chr(98 + i)}x", "negative") for i in range(25)]
    analyzer = CorrectionMemory(corrections).wrap(social)
    nudges = analyzer.term_nudges()
    assert all(abs(v) <= TERM_CAP for v in nudges.values())
    text = "firmware gadget widget review"
    shift = analyzer.analyze(text).score - social.analyze(text).score
    assert -TOTAL_CAP - 1e-9 <= shift < 0


def test_corrections_survive_hostile_text(social: SocialAnalyzer) -> None:
    memory = CorrectionMemory([("\x00\u202e" + "spam " * 3000, "neutral"), ("", "negative"), ("😡", "positive")])
    analyzer = memory.wrap(social)
    assert analyzer.analyze("😡").label == "positive"
    assert analyzer.analyze("").label == "neutral"
    assert analyzer.analyze("spam " * 3000).label == "neutral"

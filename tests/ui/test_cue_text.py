"""How a label's cues read to an agent: the post's own words, switched-off cues apart, function words only when
nothing else counted."""

from __future__ import annotations

from scrm_desktop.core.reasons import own_text
from scrm_desktop.ui.cue_text import cue_line

TEXT = "Third cancelled visit on my care plan. I am very disappointed. Please call me today."


def test_function_words_give_way_to_the_cues_that_mean_something() -> None:
    line = cue_line(["please", "call me", "am", "cancelled"], own_text(TEXT), 5)
    assert line == "“please”, “call me”, “cancelled”"


def test_function_words_are_shown_when_they_are_all_there_is() -> None:
    assert cue_line(["am", "it's"], own_text("It's late and I am here"), 5) == "“am”, “it's”"


def test_switched_off_cues_stay_apart_and_handles_are_no_reason() -> None:
    said = own_text("@rosa@mastodon.example I would never leave, no call needed")
    line = cue_line(["rosa@mastodon.example", "ignored: leave (negated)", "no call"], said, 5)
    assert line == "“no call”; not counted: “leave” (negated)"

"""The reasons beside trait, intent and lead are the post's own words: no handles, links, e-mail addresses or
domains, no "rules: none" or other verdicts, in new classifications and in reasons stored before."""

from __future__ import annotations

import pytest

from scrm_desktop.core.classify import classify
from scrm_desktop.core.reasons import own_reasons, own_text

POSTS = (  # as the demo's channels write them: fediverse handles, Bluesky domains, links, e-mail signatures
    "@ana74@mastodon.example +1 nobody came to mine either",
    "is something going on with brightwave care? third person in my office with a no-show #BrightwaveCare",
    "Took the morning off for the Brightwave Care technician. It's 11:30, nobody came. @BrightwaveCare what now?",
    "@tomas-varga.bsky.example same here, my Aero 14 won't charge past 60% since the update",
    "Looking for a new laptop, see https://shop.example/aero-16?ref=social for what I mean. Recommendations?",
    "Hello, my refund has not arrived. Regards, ines.alvarez@mail.example",
    "Shout-out to Brightwave Care: the technician swapped the hinge in twenty minutes. Great service.",
    "I would never leave Brightwave, best laptop I have owned",
)
NOT_OWN = ("mastodon", "example", "ana74", "bsky", "tomas", "varga", "shop", "ref", "social", "ines", "alvarez", "mail")


def test_handles_links_addresses_and_domains_are_not_the_posts_words() -> None:
    said = own_text("@ana74@mastodon.example and @BrightwaveCare: see https://x.example/a?b=1, mail me@mail.example")
    assert said == "and see mail"  # a word holding an address goes whole ("@BrightwaveCare:", a link to its end)
    assert own_text("It’s late, visit status.brightwave.example") == "it's late, visit"


@pytest.mark.parametrize("text", POSTS)
def test_every_reason_is_the_posts_own_words(text: str) -> None:
    found = classify(text)
    said = own_text(text)
    for reason in (*found.trait_cues, *found.intent_cues, *found.lead_products):
        assert not reason.startswith(("rules:", "sentiment:", "@", "http")), (text, reason)
        assert reason not in NOT_OWN, (text, reason)
        words = reason.removeprefix("buying: ").removeprefix("ignored: ").removesuffix(" (negated)")
        words = words.removeprefix("not ").rstrip("?")  # a negated cue: "not best laptop"
        assert words == "buying question" or words.lower() in said or words == "?", (text, reason)


def test_a_label_keeps_its_reasons_when_they_are_the_posts_words() -> None:
    found = classify("@ana74@mastodon.example +1 nobody came to mine either")
    assert found.trait and "nobody came" in found.trait_cues
    rosa = classify("Took the morning off for the Brightwave Care technician. Nobody came. @BrightwaveCare where?")
    assert rosa.intent and rosa.intent_cues and "@brightwavecare" not in rosa.intent_cues


def test_reasons_stored_before_are_filtered_the_same_way() -> None:
    stored = ["?", "rules: venting", "rules: none", "@brightwavecare", "mastodon", "no-show", "sentiment: negative"]
    said = own_text("@ana74@mastodon.example is anyone else getting a no-show today?")
    assert own_reasons(stored, said) == ("?", "no-show")
    marked = ["buying: aero 16", "ignored: leave (negated)", "brightwave or corvex?", "hinge (agents' corrections)"]
    said = own_text("I won't leave! Brightwave or Corvex for my dad? Aero 16 maybe, the hinge matters")
    assert own_reasons([*marked, "buying question", "agent correction"], said) == (
        *marked,
        "buying question",
        "agent correction",
    )
    assert own_reasons(["show"], own_text("no-shows everywhere")) == ()  # whole words only


@pytest.mark.parametrize(
    "text",
    ["  Ugh.  my ‘order’\tnever came ", "rosa@mastodon.example says\n\nhi", "see www.brightwave.example now", "fine"],
)
def test_a_cleaned_body_reads_the_same_own_text(text: str) -> None:
    from scrm_desktop.core.classify import post_body

    body = post_body(text, "A title")
    assert own_text(body, cleaned=True) == own_text(body)

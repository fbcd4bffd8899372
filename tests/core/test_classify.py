"""Trait, intent and lead classification on examples we wrote, plus agreement on labelled real and demo posts."""

from __future__ import annotations

import csv
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from scrm_desktop.core.classify import INTENTS, TRAITS, classify, enrich
from scrm_desktop.core.query import QueryError, parse

TRAIT_EXAMPLES = [
    ("venting", "@AcmeHelp my Aero 14 won't boot after the update. what do I do?"),
    ("venting", "My phone keeps crashing since yesterday, can someone help please"),
    ("venting", "Bought it 3 weeks ago and the screen started flickering. Is there a fix?"),
    ("passive", "the fan noise on this laptop is something else lol"),
    ("passive", "Great screen, but the only downside is the mushy keyboard. oh well"),
    ("passive", "I don't love the keyboard on the new model"),
    ("past", "Done with Acme. Switching to Corvex tomorrow."),
    ("past", "Cancelled my subscription today. Support never called back."),
    ("past", "Sold my Flux 13. Never buying from them again."),
    ("collaborative", "Feature request: let me pick a one-hour visit window"),
    ("collaborative", "Would be great if the app showed battery health"),
    ("collaborative", "Please add a matte screen option on the next model"),
    ("advocate", "Love my Aero 16, best laptop I've owned. 3 years and it has never crashed once"),
    ("advocate", "Shoutout to the technician who fixed my hinge in 20 minutes, impressed"),
    ("advocate", "I recommend the Flux to everyone who asks"),
    ("future", "Aero 14 or Corvex Air for coding? Can't decide"),
    ("future", "Torn between the Flux 13 and the Nimbly Go 13. Thoughts?"),
    ("future", "Thinking of getting the Aero 16. Any owners here with the coil whine issue?"),
    ("", "typing this on my laptop at the library"),
    ("", "Acme announces a refresh of its laptop range next month"),
]

INTENT_EXAMPLES = [
    ("transactional", "Where is my refund? The order was returned two weeks ago"),
    ("transactional", "I was charged twice for my subscription"),
    ("request", "Please fix the sync bug, it is driving everyone mad"),
    ("request", "DM me when the technician is on the way"),
    ("venting", "worst week ever, so frustrated with this thing"),
    ("information", "How do I connect two external monitors?"),
    ("information", "Does anyone know when the next sale is?"),
    ("engaged", "Congrats on the launch, can't wait to try it"),
    ("community", "Anyone else at the meetup tonight? Fellow owners, say hi"),
    ("purchase", "Which laptop should I get for uni?"),
    ("purchase", "Looking for a new laptop. Battery life matters most."),
]

# Sentences built to fool a keyword matcher: each must NOT get the trait on the right.
NOT_FOOLED = [
    ("past", "I would never leave Brightwave"),
    ("past", "Not switching to Corvex, no way"),
    ("advocate", "oh great, another outage"),
    ("advocate", "Thanks for nothing @Brightwave"),
    ("advocate", "love how my laptop keeps crashing every morning"),
    ("advocate", "Just great. The update bricked it."),
    ("passive", "Three years and it has never crashed once"),
    ("future", "Does it come with a US or EU plug?"),
]


@pytest.mark.parametrize(("trait", "text"), TRAIT_EXAMPLES)
def test_each_trait_is_recognised(trait, text):
    found = classify(text)
    assert found.trait == trait, (text, found)
    if trait:
        assert found.trait_cues, "a trait always comes with the words behind it"


@pytest.mark.parametrize(("intent", "text"), INTENT_EXAMPLES)
def test_each_intent_is_recognised(intent, text):
    found = classify(text)
    assert found.intent == intent, (text, found)
    assert found.intent_cues


@pytest.mark.parametrize(("wrong", "text"), NOT_FOOLED)
def test_negation_and_sarcasm_do_not_fool_it(wrong, text):
    assert classify(text).trait != wrong


def test_negated_cues_are_explained_as_ignored():
    found = classify("I would never leave Brightwave")
    assert found.trait == ""
    assert "ignored: leave (negated)" in found.trait_cues


def test_classifications_are_what_the_class_builds():
    # the classifier sets a Classification's slots directly (a frozen dataclass's __init__ is slow): they must be what
    # the class itself builds, field for field (a new field or check would break this)
    from dataclasses import astuple, fields

    from scrm_desktop.core.classify import Classification, classify_rules

    assert [f.name for f in fields(Classification)] == [
        "trait", "intent", "is_lead", "trait_cues", "intent_cues", "lead_products", "trait_confidence",
        "intent_confidence", "lead_confidence", "trait_guess", "intent_guess",
    ]  # fmt: skip
    assert not hasattr(Classification, "__post_init__")
    for text in ("Which laptop should I buy? mine keeps crashing, please help", "I would never leave Brightwave"):
        for found in (classify(text), classify_rules(text)):
            rebuilt = Classification(*astuple(found))
            assert found == rebuilt and hash(found) == hash(rebuilt) and repr(found) == repr(rebuilt)


def test_sarcasm_reads_as_venting_not_engagement():
    found = classify("oh great, another outage. thanks a lot")
    assert found.intent == "venting" and found.trait != "advocate"


@pytest.mark.parametrize(
    ("text", "products"),
    [
        ("Which laptop should I buy for video editing?", ("laptop",)),
        ("looking for a new gaming laptop for my son", ("gaming laptop",)),
        ("Can anyone recommend a good mechanical keyboard?", ("mechanical keyboard",)),
        ("in the market for a new tablet, under $400", ("tablet",)),
        (
            "Comparing Aero 16 vs Corvex Air vs Nimbly Book 15. help me choose",
            ("aero 16", "corvex air", "nimbly book 15"),
        ),
    ],
)
def test_buying_questions_are_leads_with_their_products(text, products):
    found = classify(text)
    assert found.is_lead and found.intent == "purchase"
    assert found.lead_products == products


@pytest.mark.parametrize(
    "text",
    ["I'm not looking for a new laptop, just venting", "I recommend the Flux to everyone", "my order is late", ""],
)
def test_non_buying_text_is_no_lead(text):
    found = classify(text)
    assert not found.is_lead and found.lead_products == () and found.intent != "purchase"


def test_hostile_and_huge_input_is_handled():
    for text in ["\x00\x01\x02", "?" * 100_000, "help " * 50_000, "😡" * 10_000, "<script>alert(1)</script>"]:
        found = classify(text)
        assert found.trait in (*TRAITS, "") and found.intent in (*INTENTS, "")


def test_the_enricher_fills_a_post_and_keeps_the_rest():
    from scrm_desktop.store.posts import NewPost

    post = NewPost("reddit", "x1", "Which laptop should I get?", datetime(2026, 1, 1), author_handle="amy")
    out = enrich(post)
    assert (out.trait, out.intent, out.is_lead) == ("future", "purchase", True)
    assert out.classification["lead_products"] == ["laptop"]
    assert {"trait_cues", "intent_cues", "lead_products"} <= set(out.classification)
    assert 0 < out.classification["trait_confidence"] <= 1 and out.classification["trait_guess"] == "future"
    assert out.author_handle == "amy" and out.external_id == "x1"


def test_query_fields_know_the_values():
    assert parse("intent:purchase").root.key == "purchase"
    with pytest.raises(QueryError, match="venting"):
        parse("trait:ventng")


# ---- labelled data ----------------------------------------------------------------------------------------
COMPLAINT = {"venting", "passive", "past"}


def ericsson_agreement(folder: Path) -> dict[str, float]:
    """How our traits line up with the topic labels people gave inbound support tweets."""
    by_topic: dict[str, Counter] = {}
    for path in sorted(folder.glob("*-inbound.csv")):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                trait = classify(row["text"]).trait
                for topic in ("Bad Support", "Service Praise", "Unresponsive/Freezing Device"):
                    if (row.get(topic) or "").strip() == "1":
                        by_topic.setdefault(topic, Counter())[trait] += 1
    bad, praise, frozen = by_topic["Bad Support"], by_topic["Service Praise"], by_topic["Unresponsive/Freezing Device"]
    share = lambda c, wanted: sum(n for t, n in c.items() if t in wanted) / sum(c.values())  # noqa: E731
    return {
        "bad_support_complaint": share(bad, COMPLAINT),
        "bad_support_advocate": share(bad, {"advocate"}),
        "praise_advocate": share(praise, {"advocate"}),
        "freezing_complaint": share(frozen, COMPLAINT),
        "n_bad": sum(bad.values()),
        "n_praise": sum(praise.values()),
    }


def test_traits_line_up_with_labelled_support_topics(shared_data):
    figures = ericsson_agreement(shared_data / "support" / "ericsson_twcs_labeled")
    print(figures)  # docs/guide/customers.md quotes these
    assert figures["n_bad"] == 19 and figures["n_praise"] == 5
    assert figures["bad_support_complaint"] >= 0.75
    assert figures["bad_support_advocate"] == 0
    assert figures["praise_advocate"] >= 0.6
    assert figures["freezing_complaint"] >= 0.7


def demo_agreement(seed: int) -> float:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "plugins"))
    from scrm_plugins.demo.scenario import iter_posts

    from scrm_desktop.core.text import normalize_text

    now = datetime(2026, 3, 2, tzinfo=UTC)
    posts = list(iter_posts(seed, 2.0, now, now - timedelta(hours=24), now))
    same = 0
    for p in posts:
        html = p.text_format == "html"
        found = classify(normalize_text(p.text, is_html=html), normalize_text(p.title or "", is_html=html))
        same += found.trait == p.extra["demo_trait"]
    return same / len(posts)


def test_demo_day_agreement():
    # Measured 0.85 (seed 7) and 0.87 (seed 11); most misses are crisis replies ("same here in Bristol")
    # that the scenario labels venting without a venting word in them.
    assert demo_agreement(11) >= 0.8

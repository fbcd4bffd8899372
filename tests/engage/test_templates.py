"""Templates: the default library, variables and placeholders, channel limits, tone, suggestions, bad files."""

from __future__ import annotations

import re

import pytest

from scrm_desktop.core.sentiment import default_analyzer
from scrm_desktop.engage.decision_tree import CATEGORIES
from scrm_desktop.engage.templates import (
    TemplateError,
    check_reply,
    default_templates,
    parse_templates,
    placeholders,
    render,
    reply_length,
    suggest,
)

CONTEXT = {
    "first_name": "Dana",
    "author_name": "Dana Whitfield",
    "handle": "@dana",
    "brand": "Brightwave",
    "case_id": 12,
    "agent_name": "Ana",
}


def test_the_default_library_covers_every_category() -> None:
    library = default_templates()
    assert {t.category for t in library} == set(CATEGORIES)


def test_render_fills_known_variables_and_turns_missing_ones_into_placeholders() -> None:
    text = render("Hi {first_name}, see {incident_url}. {case_id} {unknown}", CONTEXT)
    assert text == "Hi Dana, see [[incident url]]. 12 {unknown}"
    assert [name for _s, _e, name in placeholders(text)] == ["incident url"]


def test_unfilled_placeholders_block_sending_until_filled() -> None:
    template = next(t for t in default_templates() if t.id == "apology-order")
    text = render(template.text, CONTEXT)
    check = check_reply(text, "mastodon")
    assert not check.ok and check.problems == ("fill in: order number",)
    filled = text.replace("[[order number]]", "A-1041")
    assert check_reply(filled, "mastodon").ok


def test_length_limits_per_channel() -> None:
    text = "x" * 301
    assert not check_reply(text, "bluesky").ok
    assert "1 characters over the bluesky limit of 300" in check_reply(text, "bluesky").problems[0]
    assert check_reply(text, "mastodon").ok
    assert check_reply("y" * 50_000, "email").ok  # email has no limit
    assert check_reply("y" * 10_001, "reddit").problems
    long_link = "see https://example.com/" + "a" * 600
    assert reply_length(long_link, "mastodon") == len("see ") + 23
    assert check_reply(long_link, "mastodon").ok


def test_tone_check_warns_on_a_negative_reply_but_does_not_block() -> None:
    analyzer = default_analyzer()
    harsh = check_reply("This is a terrible, stupid complaint and you are wrong.", "mastodon", analyzer)
    assert harsh.tone < 0 and harsh.warnings and harsh.ok
    kind = check_reply("Thank you so much, we are glad you love it!", "mastodon", analyzer)
    assert kind.tone > 0 and not kind.warnings
    assert check_reply("   ", "mastodon").problems == ("the reply is empty",)


def test_suggestions_put_the_path_category_first_then_similar_past_uses() -> None:
    library = default_templates()
    post = "My order arrived broken and nobody answers"
    ranked = suggest(library, post, "mastodon", category="apology")
    assert {t.category for t in ranked[:3]} == {"apology"}
    past = [("the order I placed arrived broken", "apology-order"), ("love it", "apology-general")]
    ranked = suggest(library, post, "mastodon", category="apology", past=past)
    assert ranked[0].id == "apology-order"
    assert all(t.id != "apology-short" for t in suggest(library, post, "reddit"))  # channel-restricted


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("templates: [", "t.yaml:1: not valid YAML"),
        ("- a\n- b\n", "expected 'templates:'"),
        ("templates:\n  - id: a\n    category: apology\n    title: A\n", "t.yaml:2: template 'a': missing text"),
        ("templates:\n  - id: a\n    category: joke\n    title: A\n    text: hi", "unknown category 'joke'"),
        ("templates:\n  - id: a\n    category: apology\n    title: A\n    text: hi {who}", "unknown variable {who}"),
        (
            "templates:\n  - id: a\n    category: apology\n    title: A\n    text: x\n    tone: 1",
            "unknown field(s) tone",
        ),
        (
            "templates:\n  - {id: a, category: apology, title: A, text: x}\n"
            "  - {id: a, category: apology, title: B, text: y}",
            "t.yaml:3: template 'a': the id is used twice",
        ),
    ],
)
def test_bad_template_files_name_file_line_and_template(text: str, message: str) -> None:
    with pytest.raises(TemplateError, match=re.escape(message)):
        parse_templates(text, "t.yaml")


def test_every_default_template_passes_its_tone_check_on_every_channel_it_fits() -> None:
    from scrm_desktop.engage.templates import CHANNEL_LIMITS, SAMPLE_CONTEXT, template_check

    analyzer = default_analyzer()
    context = dict(SAMPLE_CONTEXT, brand="Brightwave", agent_name="Ana")
    for template in default_templates():
        for channel in [c for c in CHANNEL_LIMITS if template.fits(c)]:
            check = template_check(template, context, channel, analyzer)
            assert not check.warnings, (template.id, channel, check.warnings)
            assert check.limit is None or check.length <= check.limit, (template.id, channel)
            filled = re.sub(r"\[\[[^\]]+\]\]", "next Tuesday", render(template.text, context))
            assert check_reply(filled, channel, analyzer).ok, (template.id, channel)  # filled in, it can be sent


def test_the_library_fits_the_cases_the_demo_generates() -> None:
    by_id = {t.id: t for t in default_templates()}
    for wanted in ("apology-missed-visit", "status-missed-visits", "refund-request", "thanks-technician"):
        assert wanted in by_id
    assert {t.category for t in default_templates()} >= {"refund", "answer", "sales_handoff", "status_update"}
    for template in default_templates():
        assert "Brightwave" not in template.text  # the brand is a setting: {brand}
        assert "{author_name}" not in template.text.split(",")[0]  # greetings use {first_name}
    no_show = "@BrightwaveCare your technician was supposed to come between 8 and 12. Nobody came to the visit."
    [first, *_rest] = suggest(default_templates(), no_show, "mastodon", category="apology")
    assert first.id == "apology-missed-visit"


def test_a_reply_greets_by_first_name_and_is_signed_with_the_agent_s_name() -> None:
    from scrm_desktop.engage.templates import display_name, first_name

    assert first_name("Jade Mensah", "@jade") == "Jade"
    assert first_name("Dr. Ana Ruiz") == "Ana"
    assert first_name("", "@jade@x.social") == "@jade@x.social"
    assert first_name("real talk", "laptop-truther.bsky.example") == "@laptop-truther.bsky.example"  # a nickname
    assert first_name("ximena", "@x") == "ximena"  # one word is how they want to be called
    assert first_name("🌿 ", "jade") == "@jade"
    assert display_name("ana") == "Ana" and display_name("ana.lopez") == "Ana Lopez"
    assert display_name("Ana McKay") == "Ana McKay" and display_name("ana@example.org") == "Ana"
    assert display_name("agent") == ""  # the unset-name fallback never signs a reply
    text = render("Hi {first_name}, {agent_name} from {brand} here.", {"first_name": "Jade", "brand": "B"})
    assert text == "Hi Jade, [[agent name]] from B here."

"""The offline demo scenario: deterministic, boundary-independent, varied, with a crisis that really builds."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scrm_plugins.demo import DemoPlugin, phrases
from scrm_plugins.demo.plugin import MAX_POSTS_PER_FETCH

from scrm_desktop.core.sentiment import analyzer_named
from scrm_desktop.listening.api import ConfigError, FetchResult

NOW = datetime(2024, 6, 3, 15, 0, tzinfo=UTC)  # mid-afternoon UTC: the busiest time of the demo's day
TRAITS = {"venting", "passive", "past", "collaborative", "advocate", "future"}
CHANNELS = {"mastodon", "reddit", "bluesky", "hackernews", "youtube", "rss", "email"}

Fetch = Callable[..., FetchResult]


@pytest.fixture
def demo(plugin_ctx) -> Fetch:
    """fetch(now, cursor=None, **config): the demo plugin with a real SourceContext whose clock we set."""
    ctx = plugin_ctx(DemoPlugin.validate_config({}))

    def fetch(now: datetime, cursor: dict | None = None, **config) -> FetchResult:
        ctx.config = DemoPlugin.validate_config(config)
        ctx.clock = lambda: now
        return DemoPlugin().fetch(ctx, dict(cursor or {}))

    return fetch


_DAYS: dict[datetime, FetchResult] = {}


@pytest.fixture
def day(demo: Fetch) -> FetchResult:
    """The first fetch at NOW (a day of backfill); computed once, its posts are frozen values."""
    if NOW not in _DAYS:
        _DAYS[NOW] = demo(NOW)
    return _DAYS[NOW]


def _kinds(posts) -> Counter:
    return Counter(p.extra["demo_kind"] for p in posts)


def test_same_seed_same_story_other_seed_other_story(demo: Fetch, day: FetchResult) -> None:
    assert demo(NOW).posts == day.posts
    other = demo(NOW, seed=8).posts
    assert {p.text for p in other} != {p.text for p in day.posts}


def test_story_does_not_depend_on_the_process(day: FetchResult) -> None:
    # Random(str) is seeded through SHA-512, never through hash(): another hash seed must change nothing.
    code = (
        "import json;from datetime import datetime,timedelta;from scrm_plugins.demo.scenario import iter_posts;"
        f"n=datetime.fromisoformat({NOW.isoformat()!r});"
        "print(json.dumps([[p.external_id,p.text] for p in iter_posts(7,2.0,n,n-timedelta(hours=3),n)]))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    since = NOW - timedelta(hours=3)
    assert json.loads(out) == [[p.external_id, p.text] for p in day.posts if p.created_at > since]


def test_first_fetch_backfills_a_day_without_future_posts(day: FetchResult) -> None:
    times = [p.created_at for p in day.posts]
    assert times == sorted(times)
    assert all(t.tzinfo is not None and NOW - timedelta(hours=24) < t <= NOW for t in times)
    per_hour = Counter(t.hour for t in times)
    assert len(per_hour) == 24
    # Quiet at night, busy mid-day.
    assert max(per_hour.values()) > 5 * min(per_hour.values())
    assert per_hour[14] > 4 * per_hour[3]
    assert not day.more and day.cursor["until"] == NOW.isoformat() and day.cursor["anchor"] == NOW.isoformat()


def test_later_fetches_emit_only_what_happened_since(demo: Fetch, day: FetchResult) -> None:
    later = demo(NOW + timedelta(minutes=10), day.cursor)
    assert later.posts and all(NOW < p.created_at <= NOW + timedelta(minutes=10) for p in later.posts)
    assert later.cursor["anchor"] == day.cursor["anchor"]
    again = demo(NOW + timedelta(minutes=10), later.cursor)
    assert again.posts == [] and again.cursor == later.cursor


def test_split_fetches_give_exactly_the_same_posts(demo: Fetch, day: FetchResult) -> None:
    end = NOW + timedelta(hours=3)
    whole = demo(end, day.cursor).posts
    cursor, parts = day.cursor, []
    for cut in (timedelta(minutes=7, seconds=13.5), timedelta(minutes=7, seconds=14), timedelta(hours=2)):
        step = demo(NOW + cut, cursor)
        parts.extend(step.posts)
        cursor = step.cursor
    parts.extend(demo(end, cursor).posts)
    assert parts == whole and len(whole) > 200


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.integers(min_value=1, max_value=90 * 60 * 1000 - 1), max_size=5))
def test_any_split_of_a_range_gives_the_same_posts(demo: Fetch, cuts: list[int]) -> None:
    start = {"anchor": NOW.isoformat(), "until": NOW.isoformat()}
    end = NOW + timedelta(minutes=90)
    whole = demo(end, start).posts
    cursor, parts = start, []
    for ms in sorted(set(cuts)):
        step = demo(NOW + timedelta(milliseconds=ms), cursor)
        parts.extend(step.posts)
        cursor = step.cursor
    parts.extend(demo(end, cursor).posts)
    assert [p.external_id for p in parts] == [p.external_id for p in whole]


def test_a_day_has_every_trait_and_kind(day: FetchResult) -> None:
    traits = {p.extra["demo_trait"] for p in day.posts}
    assert traits >= TRAITS
    kinds = _kinds(day.posts)
    wanted = {"sales", "praise", "question", "misinformation", "troll", "news", "competitor", "crisis"}
    assert all(kinds[k] >= 5 for k in wanted), kinds
    sales = [p.text.lower() for p in day.posts if p.extra["demo_kind"] == "sales"]
    assert any("which laptop should i buy" in t for t in sales) and any("looking for a new" in t for t in sales)


def test_crisis_builds_for_hours_around_the_anchor(demo: Fetch, day: FetchResult) -> None:
    later = demo(NOW + timedelta(hours=2), day.cursor)
    posts = [*day.posts, *later.posts]
    crisis = [p for p in posts if p.extra["demo_kind"] == "crisis"]
    hourly = Counter((p.created_at - NOW) // timedelta(hours=1) for p in crisis)
    assert hourly[-4] == 0 and sum(hourly[h] for h in range(-24, -4)) == 0  # nothing before it starts
    rising = [hourly[h] for h in range(-3, 2)]
    assert rising == sorted(rising) and rising[-1] > 5 * rising[0], rising
    # At its height the crisis drowns out everything else the brand hears.
    last_hour = [p for p in posts if p.created_at > NOW + timedelta(hours=1)]
    assert _kinds(last_hour).most_common(1)[0][0] == "crisis"
    texts = " ".join(p.text.lower() for p in crisis)
    assert "brightwave care" in texts and "late" in texts and "no-show" in texts


def test_crisis_is_anchored_to_the_first_fetch(demo: Fetch) -> None:
    early = demo(NOW - timedelta(hours=10))
    hours = {(p.created_at - NOW) // timedelta(hours=1) for p in early.posts if p.extra["demo_kind"] == "crisis"}
    assert hours and min(hours) >= -13 and max(hours) <= -10


def test_unique_external_ids(demo: Fetch, day: FetchResult) -> None:
    later = demo(NOW + timedelta(hours=4), day.cursor)
    ids = [p.external_id for p in [*day.posts, *later.posts]]
    assert len(ids) == len(set(ids))
    assert all(i.startswith("demo:7-") for i in ids)


def test_text_has_social_media_variety(day: FetchResult) -> None:
    texts = [p.text for p in day.posts]
    assert len(set(texts)) >= 300
    assert sum("#" in t for t in texts) >= 50
    assert sum("@" in t for t in texts) >= 50
    assert sum(any(ord(c) > 0x2500 for c in t) for t in texts) >= 50
    assert sum("?" in t for t in texts) >= 100
    assert min(map(len, texts)) < 30 and max(map(len, texts)) > 280
    assert sum(t == t.lower() for t in texts) >= 50
    # Typos: ordinary words that are in none of the scenario's phrases ("batery", "thse", "technicain").
    vocabulary = _phrase_words()
    words = {w for t in texts for w in t.lower().split() if w.isalpha()}
    assert len(words - vocabulary) >= 20, sorted(words - vocabulary)


def _phrase_words() -> set[str]:
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, str):
            found.update(w.lower() for w in value.split())
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, tuple | list):
            for v in value:
                walk(v)

    for name in dir(phrases):
        if name.isupper():
            walk(getattr(phrases, name))
    return found


def test_channels_have_their_own_shapes(day: FetchResult) -> None:
    by_channel = {c: [p for p in day.posts if p.channel == c] for c in CHANNELS}
    assert all(by_channel.values()), {c: len(v) for c, v in by_channel.items()}
    for channel in ("reddit", "rss", "hackernews", "email"):
        roots = [p for p in by_channel[channel] if not p.reply_to]
        assert all(p.title for p in roots), channel
    asks = [p for p in by_channel["hackernews"] if p.title.startswith("Ask HN: ")]
    assert asks and not any(p.text.startswith(p.title.removeprefix("Ask HN: ")) for p in asks)  # said once
    assert all(p.url.startswith("https://") and ".example/" in p.url for p in day.posts if p.channel != "email")
    assert all(p.text_format == "html" and p.text.startswith("<p>") for p in by_channel["rss"])
    assert all(p.author_handle.endswith("@mail.example") and p.likes is None for p in by_channel["email"])
    assert all("@" in p.author_handle for p in by_channel["mastodon"])
    assert all(p.author_followers is None and p.likes >= 1 for p in by_channel["reddit"])
    assert all(len(p.text) <= 300 for p in by_channel["bluesky"])


def test_the_rss_feeds_carry_the_press_only(day: FetchResult) -> None:
    # the demo's "Press and news about us" rule (channel:rss) alerts communications: never about a customer's post
    rss = [p for p in day.posts if p.channel == "rss"]
    assert rss and _kinds(rss).keys() <= {"news", "crisis"}, _kinds(rss)  # outlets' stories (of the crisis too)


def test_posts_name_their_laptops_consistently(day: FetchResult) -> None:
    products = sorted(set(phrases.SLOTS["product"]) | set(phrases.SLOTS["product2"]), key=len, reverse=True)
    mails = [p for p in day.posts if p.channel == "email"]
    named = [(p, [w for w in products if w in p.title]) for p in mails]
    assert any(found for _, found in named)
    for mail, found in named:  # "Help with my Flux Pro 15" heads a mail about that laptop, not about another
        assert all(w in mail.text for w in found[:1]), (mail.title, mail.text)
    # a comparison never sets a laptop beside itself ("is the Vista 17 charger the same as the Vista 17 one?")
    for post in day.posts:
        for w in products:
            assert f"the {w} charger the same as the {w} one" not in post.text
            assert f"between the {w} and the {w}" not in post.text


def test_the_demos_emoji_read_as_the_mood_they_decorate() -> None:
    social = analyzer_named("social")
    # a buying question ending in 😵‍💫 read as a grumble and filled the Negative column with shoppers
    assert all(social.analyze(f"which laptop {e}").label == "neutral" for e in phrases.SLOTS["emoji_think"])
    assert all(social.analyze(f"my laptop {e}").label == "positive" for e in phrases.SLOTS["emoji_good"])
    assert all(social.analyze(f"my laptop {e}").label == "negative" for e in phrases.SLOTS["emoji_bad"])


def test_replies_form_short_threads(day: FetchResult) -> None:
    by_id = {p.external_id: p for p in day.posts}
    replies = [p for p in day.posts if p.reply_to and p.reply_to in by_id]
    assert len(replies) > 100
    for reply in replies:
        parent, root = by_id[reply.reply_to], by_id.get(reply.thread_id)
        assert parent.created_at < reply.created_at and parent.channel == reply.channel
        assert root is None or (not root.reply_to and root.thread_id == "")
    sizes = Counter(p.thread_id for p in replies)
    assert max(sizes.values()) <= 4 and any(by_id[r.reply_to].reply_to for r in replies)  # replies to replies


def test_authors_recur_with_a_long_follower_tail(day: FetchResult) -> None:
    followers = [p.author_followers for p in day.posts if p.author_followers is not None]
    assert statistics.median(followers) < 100 and max(followers) >= 80_000
    authors = Counter(p.author_name for p in day.posts if p.extra["demo_kind"] in ("advocate", "praise"))
    assert authors["Mara Lindqvist"] >= 3
    trolls = Counter(p.author_name for p in day.posts if p.extra["demo_kind"] == "troll")
    assert trolls.most_common(1)[0][1] >= 5
    assert len({p.author_name for p in day.posts}) > 250


def test_a_week_long_gap_is_caught_up_in_pages(demo: Fetch) -> None:
    start = {"anchor": (NOW - timedelta(days=7)).isoformat(), "until": (NOW - timedelta(days=7)).isoformat()}
    pages, cursor = [], start
    while True:
        result = demo(NOW, cursor)
        pages.append(result)
        assert len(result.posts) <= MAX_POSTS_PER_FETCH
        if not result.more:
            break
        assert result.cursor["until"] == result.posts[-1].created_at.isoformat()
        cursor = result.cursor
    assert len(pages) >= 5 and pages[-1].cursor["until"] == NOW.isoformat()
    paged = [p.external_id for page in pages for p in page.posts]
    daily, cursor = [], start
    for d in range(1, 8):
        result = FetchResult(posts=[], cursor=cursor, more=True)
        while result.more:  # the crisis day is too big for one page
            result = demo(NOW - timedelta(days=7 - d), cursor)
            daily.extend(p.external_id for p in result.posts)
            cursor = result.cursor
    assert paged == daily and len(set(paged)) == len(paged)


def test_a_long_first_backfill_pages_and_keeps_its_anchor(demo: Fetch) -> None:
    first = demo(NOW, backfill_hours=72)
    assert first.more and len(first.posts) <= MAX_POSTS_PER_FETCH
    second = demo(NOW + timedelta(seconds=5), first.cursor, backfill_hours=72)
    assert second.cursor["anchor"] == NOW.isoformat()
    assert second.posts[0].created_at > first.posts[-1].created_at


def test_rate_sets_how_busy_it_is(demo: Fetch, day: FetchResult) -> None:
    busy = demo(NOW, rate="10", backfill_hours=3).posts
    calm = [p for p in day.posts if p.created_at > NOW - timedelta(hours=3)]
    assert 3.5 * len(calm) < len(busy) < 6.5 * len(calm)


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ({"rate": "lots"}, "Posts per minute at peak"),
        ({"rate": "0"}, "above 0"),
        ({"rate": "5000"}, "at most 300"),
        ({"backfill_hours": "-1"}, "between 0 and"),
    ],
)
def test_bad_settings_are_refused_clearly(demo: Fetch, config: dict, words: str) -> None:
    with pytest.raises(ConfigError, match=words):
        demo(NOW, **config)


def test_unknown_option_is_refused() -> None:
    with pytest.raises(ConfigError, match="unknown option"):
        DemoPlugin.validate_config({"speed": "fast"})


def test_a_damaged_cursor_starts_afresh(demo: Fetch, day: FetchResult) -> None:
    assert demo(NOW, {"until": "yesterday-ish", "anchor": 42}).posts == day.posts


def test_a_clock_that_went_back_emits_nothing(demo: Fetch, day: FetchResult) -> None:
    result = demo(NOW - timedelta(minutes=5), day.cursor)
    assert result.posts == [] and result.cursor == day.cursor

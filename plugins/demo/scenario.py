"""The demo timeline as a pure function of (seed, time): per-minute posts, a day's rhythm, and a building crisis.

Every minute slot draws its posts from a Random seeded by (seed, slot) alone, so any split of a time range
into fetches yields exactly the same posts. Crisis posts come from a second stream per slot that also depends
on the anchor (the first fetch's time), which the plugin keeps in its cursor.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from scrm_desktop.listening.api import PostIn

from . import channels
from .compose import Filler, compose, decorate
from .people import INFLUENCER, Person, pick_author, regulars
from .phrases import CRISIS, CRISIS_INFLUENCER, CRISIS_NEWS, MOOD, NEWS, REPLIES, REPLY_MOOD, TEMPLATES

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SLOT_US = 60_000_000
THREAD_SPAN_US = 20 * SLOT_US  # replies land up to 20 minutes after their root
CRISIS_LEAD = timedelta(hours=3)  # the crisis starts this long before the anchor...
CRISIS_BUILD = timedelta(hours=5)  # ...and keeps building for this long (to 2 h after the anchor)
CRISIS_DECAY = timedelta(minutes=90)
CRISIS_PEAK = 1.2  # crisis posts per minute at its peak, as a multiple of `rate`

KIND_WEIGHTS = {
    "venting": 11, "passive": 9, "past": 4, "collaborative": 6, "advocate": 8, "praise": 5, "future": 7,
    "sales": 7, "question": 9, "misinformation": 3, "troll": 3, "news": 4, "competitor": 11, "chatter": 8,
}  # fmt: skip
TRAIT = {
    "venting": "venting", "passive": "passive", "past": "past", "collaborative": "collaborative",
    "advocate": "advocate", "praise": "advocate", "future": "future", "sales": "future",
}  # fmt: skip
THREAD_ODDS = {"misinformation": 0.5, "troll": 0.4, "future": 0.35, "sales": 0.35, "venting": 0.25, "crisis": 0.3}
CRISIS_TRAITS = {"venting": 0.72, "passive": 0.14, "past": 0.14}


def to_us(when: datetime) -> int:
    """Microseconds since the epoch, exactly (no float rounding at the fetch boundaries)."""
    return (when - EPOCH) // timedelta(microseconds=1)


def from_us(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


def _us(span: timedelta) -> int:
    return span // timedelta(microseconds=1)


def diurnal(slot: int) -> float:
    """Share of the peak rate at this minute of the (UTC) day: ~8% around 2 am, 100% at 2 pm."""
    hour = (slot % 1440) / 60
    wave = (math.cos((hour - 14) / 24 * 2 * math.pi) + 1) / 2
    return 0.08 + 0.92 * wave * wave


def crisis_rate(t_us: int, anchor_us: int) -> float:
    """Crisis posts per minute (per unit of `rate`): rising as a square from 3 h before the anchor to 2 h
    after it, then decaying as the problem is fixed."""
    start = anchor_us - _us(CRISIS_LEAD)
    peak = start + _us(CRISIS_BUILD)
    if t_us < start:
        return 0.0
    if t_us <= peak:
        x = (t_us - start) / (peak - start)
        return CRISIS_PEAK * (0.03 + 0.97 * x * x)
    level = CRISIS_PEAK * math.exp(-(t_us - peak) / _us(CRISIS_DECAY))
    return level if level > 0.01 else 0.0


def poisson(rng: random.Random, lam: float) -> int:
    """Knuth's method: fine for the few posts per minute the demo draws."""
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def iter_posts(seed: int, rate: float, anchor: datetime, since: datetime, until: datetime) -> Iterator[PostIn]:
    """Posts with since < created_at <= until, in time order, generated lazily minute by minute."""
    since_us, until_us, anchor_us = to_us(since), to_us(until), to_us(anchor)
    first = (since_us - THREAD_SPAN_US) // SLOT_US
    last = until_us // SLOT_US
    pending: list[tuple[int, str, PostIn]] = []
    for slot in range(first, last + 1):
        for post in slot_posts(seed, slot, rate, anchor_us):
            heapq.heappush(pending, (to_us(post.created_at), post.external_id, post))
        # Later slots only add posts at or after the next slot's start: everything before it is final.
        done_before = (slot + 1) * SLOT_US
        while pending and pending[0][0] < done_before:
            t_us, _, post = heapq.heappop(pending)
            if since_us < t_us <= until_us:
                yield post
    while pending:
        t_us, _, post = heapq.heappop(pending)
        if since_us < t_us <= until_us:
            yield post


def slot_posts(seed: int, slot: int, rate: float, anchor_us: int) -> list[PostIn]:
    """Everything that starts in one minute: ordinary posts with their threads, then crisis posts."""
    rng = random.Random(f"demo:{seed}:{slot}")
    posts: list[PostIn] = []
    for _ in range(poisson(rng, rate * diurnal(slot))):
        kind = rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
        t_us = slot * SLOT_US + rng.randrange(60_000) * 1000
        posts.extend(_thread(rng, f"demo:{seed}-{slot}-{len(posts)}", kind, t_us))
    crisis_lam = rate * crisis_rate(slot * SLOT_US + SLOT_US // 2, anchor_us)
    if crisis_lam > 0:
        crng = random.Random(f"demo:{seed}:{slot}:crisis")
        for i in range(poisson(crng, crisis_lam)):
            t_us = slot * SLOT_US + crng.randrange(60_000) * 1000
            phase = crisis_rate(t_us, anchor_us) / CRISIS_PEAK
            posts.extend(_crisis_thread(crng, f"demo:{seed}-{slot}-c{i}", t_us, phase, t_us > anchor_us))
    return posts


def _thread(rng: random.Random, root_id: str, kind: str, t_us: int) -> list[PostIn]:
    person = pick_author(rng, kind)
    if kind == "news":
        headline, body = rng.choice(NEWS)
        return [_news(rng, root_id, kind, person, t_us, headline, body)]
    channel = channels.pick_channel(rng, kind)
    text = compose(rng, rng.choice(TEMPLATES[kind]), kind, long=rng.random() < channels.LONG_FORM.get(channel, 0))
    return _with_replies(rng, root_id, kind, TRAIT.get(kind, ""), person, t_us, text, channel)


def _crisis_thread(rng: random.Random, root_id: str, t_us: int, phase: float, after_anchor: bool) -> list[PostIn]:
    # Late in the build-up the press and an influencer notice; before that it is customers only.
    if after_anchor and rng.random() < 0.03:
        headline, body = rng.choice(CRISIS_NEWS)
        person = pick_author(rng, "news")
        return [_news(rng, root_id, "crisis", person, t_us, headline, body)]
    if after_anchor and rng.random() < 0.015:
        text = decorate(rng, Filler(rng)(rng.choice(CRISIS_INFLUENCER)), "crisis")
        channel = rng.choice(("bluesky", "mastodon", "youtube"))
        return _with_replies(rng, root_id, "crisis", "", INFLUENCER, t_us, text, channel, boost=20.0)
    trait = rng.choices(list(CRISIS_TRAITS), weights=list(CRISIS_TRAITS.values()))[0]
    channel = channels.pick_channel(rng, "crisis")
    text = compose(rng, rng.choice(CRISIS[trait]), "crisis", long=rng.random() < channels.LONG_FORM.get(channel, 0))
    return _with_replies(rng, root_id, "crisis", trait, rng.choice(regulars()), t_us, text, channel, 1 + phase)


def _with_replies(
    rng: random.Random,
    root_id: str,
    kind: str,
    trait: str,
    person: Person,
    t_us: int,
    text: str,
    channel: str,
    boost: float = 1.0,
) -> list[PostIn]:
    root_shape = channels.shape(rng, channel, person, text, from_us(t_us), kind=kind)
    replies: list[PostIn] = []
    if channel in channels.THREADED and rng.random() < THREAD_ODDS.get(kind, 0.12):
        replies = _replies(rng, root_id, kind, channel, root_shape, t_us, rng.randint(1, 4))
    root = _post(rng, root_id, kind, trait, channel, root_shape, t_us, boost, n_replies=len(replies))
    return [root, *replies]


def _replies(
    rng: random.Random, root_id: str, kind: str, channel: str, root_shape: channels.Shape, t_us: int, count: int
) -> list[PostIn]:
    """A short thread: each reply answers the root or an earlier reply, a little later."""
    posts: list[PostIn] = []
    parents = [(root_id, root_shape, t_us)]
    mood = REPLY_MOOD.get(kind, "advice")
    for j in range(count):
        parent_id, parent_shape, parent_t = rng.choice(parents) if rng.random() < 0.4 else parents[0]
        reply_t = min(parent_t + rng.randrange(30, 360) * 1_000_000, t_us + THREAD_SPAN_US - 1)
        text = decorate(rng, Filler(rng)(rng.choice(REPLIES[mood])), MOOD.get(kind, "neutral"), tags=False)
        if channel in ("mastodon", "bluesky") and rng.random() < 0.7:
            text = f"@{parent_shape.author_handle} {text}"
        person = rng.choice(regulars())
        reply_shape = channels.shape(rng, channel, person, text, from_us(reply_t), parent=root_shape)
        reply_id = f"{root_id}r{j}"
        trait = "venting" if kind == "crisis" else ""
        reply = _post(rng, reply_id, "crisis" if kind == "crisis" else "reply", trait, channel, reply_shape, reply_t)
        posts.append(replace(reply, reply_to=parent_id, thread_id=root_id))
        parents.append((reply_id, reply_shape, reply_t))
    return posts


def _news(rng: random.Random, ext_id: str, kind: str, person: Person, t_us: int, headline: str, body: str) -> PostIn:
    """A story: an article on RSS, a link with its headline on Reddit or Hacker News, a share elsewhere."""
    channel = channels.pick_channel(rng, "news")
    fill = Filler(rng)
    title, text = fill(headline), fill(body)
    if channel in ("mastodon", "bluesky"):
        text = f"{title}: {text}"  # no title field there: people post the headline with the link
    shaped = channels.shape(rng, channel, person, text, from_us(t_us), headline=title, kind=kind)
    return _post(rng, ext_id, kind, "", channel, shaped, t_us)


def _post(
    rng: random.Random,
    ext_id: str,
    kind: str,
    trait: str,
    channel: str,
    shaped: channels.Shape,
    t_us: int,
    boost: float = 1.0,
    n_replies: int = 0,
) -> PostIn:
    likes, reposts, replies = _engagement(rng, channel, shaped.followers, boost, n_replies)
    return PostIn(
        channel=channel,
        external_id=ext_id,
        text=shaped.text,
        text_format=shaped.text_format,  # type: ignore[arg-type]
        created_at=from_us(t_us),
        author_handle=shaped.author_handle,
        author_name=shaped.author_name,
        author_followers=shaped.followers,
        url=shaped.url,
        title=shaped.title,
        lang="en",
        likes=likes,
        reposts=reposts,
        replies=replies,
        extra={**shaped.extra, "demo_kind": kind, "demo_trait": trait},
    )


def _engagement(
    rng: random.Random, channel: str, followers: int | None, boost: float, n_replies: int
) -> tuple[int | None, int | None, int | None]:
    if channel in ("email", "rss"):
        return None, None, None
    reach = 1 + math.sqrt(followers if followers is not None else 400) / 4
    likes = int((rng.paretovariate(1.6) - 1) * reach * boost)
    replies = n_replies + int(rng.paretovariate(2.5) - 1)
    if channel in ("reddit", "hackernews"):
        return max(1, likes), None, replies  # a score, never below the author's own vote
    return likes, int(likes * rng.uniform(0, 0.4)), replies

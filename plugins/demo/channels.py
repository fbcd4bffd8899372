"""Where each kind of demo post appears and what a post looks like on each channel (handles, URLs, titles)."""

from __future__ import annotations

import html
import random
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .compose import Filler, first_sentence
from .people import OUTLETS, Person
from .phrases import EMAIL_SUBJECTS, SUBREDDITS, YOUTUBE_VIDEOS

CHANNELS = ("mastodon", "bluesky", "reddit", "youtube", "hackernews", "email", "rss")
THREADED = frozenset({"mastodon", "bluesky", "reddit", "youtube", "hackernews"})
LONG_FORM = {"reddit": 0.6, "email": 0.7, "rss": 1.0, "hackernews": 0.3, "mastodon": 0.15, "youtube": 0.1}

_DEFAULT = {"mastodon": 3.0, "bluesky": 3.0, "reddit": 2.0, "youtube": 1.5, "hackernews": 0.5, "email": 1.0}
# The RSS channel is the press: outlets' articles (news) and nothing people write themselves, so a rule on
# `channel:rss` ("Press and news about us") alerts communications about coverage, never about a customer's post.
_BY_KIND: dict[str, dict[str, float]] = {
    "news": {"rss": 5, "hackernews": 3, "reddit": 2, "mastodon": 1, "bluesky": 1, "youtube": 0, "email": 0},
    "venting": {"email": 3, "hackernews": 0.2},
    "past": {"email": 2},
    "sales": {"reddit": 4, "email": 1.5, "youtube": 2},
    "question": {"reddit": 3, "youtube": 2, "email": 2},
    "future": {"reddit": 3, "youtube": 2},
    "troll": {"youtube": 3, "hackernews": 1, "email": 0},
    "misinformation": {"youtube": 2, "email": 0, "hackernews": 0.3},
    "competitor": {"email": 0},
    "chatter": {"email": 0, "hackernews": 0},
    "advocate": {"email": 0.3},
    "praise": {"email": 1.5, "hackernews": 0},
    "passive": {"email": 0.2},
    "collaborative": {"email": 1, "hackernews": 1},
    "crisis": {"bluesky": 4, "reddit": 1.5, "youtube": 0.5, "email": 2.5, "hackernews": 0.2},
}


def pick_channel(rng: random.Random, kind: str) -> str:
    weights = {**_DEFAULT, **_BY_KIND.get(kind, {})}
    names = [c for c in CHANNELS if weights.get(c, 0) > 0]
    return rng.choices(names, weights=[weights[c] for c in names])[0]


@dataclass
class Shape:
    """The channel-specific fields of one post."""

    author_handle: str
    author_name: str
    url: str
    title: str = ""
    text: str = ""
    text_format: str = "text"
    followers: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def handle_on(person: Person, channel: str) -> str:
    if channel == "mastodon":
        return f"{person.handle}@{person.instance}"
    if channel == "bluesky":
        return re.sub(r"[^a-z0-9-]", "-", person.handle.lower()).strip("-") + ".bsky.example"
    if channel == "youtube":
        return "@" + person.handle
    if channel == "email":
        return person.handle.replace("_", ".").strip(".") + "@mail.example"
    return person.handle


def shape(rng: random.Random, channel: str, person: Person, text: str, when: datetime, **kw: Any) -> Shape:
    """Fields for `person` posting `text` on `channel`; kw: headline, kind, parent (a Shape when replying)."""
    return _SHAPERS[channel](rng, person, text, when, **kw)


def _mastodon(rng, person, text, when, **kw) -> Shape:
    url = f"https://{person.instance}/@{person.handle}/{rng.randrange(10**17, 10**18)}"
    return Shape(handle_on(person, "mastodon"), person.name, url, text=text, followers=person.followers)


def _bluesky(rng, person, text, when, **kw) -> Shape:
    handle = handle_on(person, "bluesky")
    rkey = "".join(rng.choice("234567abcdefghijklmnopqrstuvwxyz") for _ in range(13))
    url = f"https://bsky.example/profile/{handle}/post/{rkey}"
    return Shape(handle, person.name, url, text=text[:300], followers=person.followers)


def _reddit(rng, person, text, when, parent: Shape | None = None, headline: str = "", **kw) -> Shape:
    if parent is not None:
        url = f"{parent.url.rstrip('/')}/{_base36(rng)}/"
        return Shape(person.handle, person.handle, url, text=text, extra={"subreddit": parent.extra["subreddit"]})
    sub = "news" if headline else rng.choice(SUBREDDITS)
    title = headline or first_sentence(text)
    url = f"https://reddit.example/r/{sub}/comments/{_base36(rng)}/{_slug(title)}/"
    return Shape(person.handle, person.handle, url, title=title, text=text, extra={"subreddit": sub})


def _hackernews(rng, person, text, when, parent: Shape | None = None, headline: str = "", **kw) -> Shape:
    url = f"https://news.example/item?id={rng.randrange(30_000_000, 49_999_999)}"
    if parent is not None:
        return Shape(person.handle, person.handle, url, text=text)
    if headline:
        return Shape(person.handle, person.handle, url, title=headline, text=text)
    # "Ask HN: <the question>" over the rest of the post; a question alone is the whole story, as the plugin
    # stores a story without text (its title as the text)
    ask = first_sentence(text, 80)
    title = "Ask HN: " + ask
    rest = text[len(ask) :].strip() if text.startswith(ask) else text
    return Shape(person.handle, person.handle, url, title=title, text=rest or title)


def _youtube(rng, person, text, when, parent: Shape | None = None, **kw) -> Shape:
    video = parent.extra["video"] if parent is not None else rng.choice(YOUTUBE_VIDEOS)
    url = f"https://video.example/watch?v={video}&lc={_base36(rng)}{_base36(rng)}"
    followers = person.followers // 3
    return Shape(handle_on(person, "youtube"), person.name, url, text=text, followers=followers, extra={"video": video})


def _rss(rng, person, text, when, headline: str = "", **kw) -> Shape:
    title = headline or first_sentence(text, 70)
    outlet = rng.choice(OUTLETS)
    url = f"https://{outlet}/{when:%Y/%m}/{_slug(title)}"
    body = "".join(f"<p>{html.escape(p)}</p>" for p in _paragraphs(text))
    extra = {"feed_title": outlet.split(".")[0].title()}
    return Shape(person.handle, person.name, url, title=title, text=body, text_format="html", extra=extra)


def _email(rng, person, text, when, kind: str = "", **kw) -> Shape:
    # People write "Brightwave" in a mail, not "@BrightwaveHelp", and do not hashtag it.
    text = re.sub(r"(\s+#\w+)+$", "", re.sub(r"@brightwave\w*", "Brightwave", text, flags=re.IGNORECASE))
    fill = Filler.following(rng, text)
    # A subject names the laptop, line or technician only when the body does (a typo can hide it: "Flxu Pro").
    subjects = [s for s in EMAIL_SUBJECTS.get(kind, ()) if fill.knows(s, ("product", "line", "techname"))]
    subject = fill(rng.choice(subjects or ["Hello"]))
    greeting = rng.choice(("Hi Brightwave team,", "Hello,", "To whom it may concern,", "Hi,", ""))
    sign = rng.choice((person.name, person.name.split(" ")[0], f"Regards,\n{person.name}", "Sent from my phone"))
    body = "\n\n".join(part for part in (greeting, text, sign) if part)
    return Shape(handle_on(person, "email"), person.name, "", title=subject, text=body)


_SHAPERS = {
    "mastodon": _mastodon,
    "bluesky": _bluesky,
    "reddit": _reddit,
    "hackernews": _hackernews,
    "youtube": _youtube,
    "rss": _rss,
    "email": _email,
}


def _paragraphs(text: str) -> list[str]:
    sentences = re.split(r"(?<=[.?!])\s", text)
    return [" ".join(sentences[i : i + 2]) for i in range(0, len(sentences), 2)]


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "post"


def _base36(rng: random.Random) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    return "".join(rng.choice(digits) for _ in range(7))

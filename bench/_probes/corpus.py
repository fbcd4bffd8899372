"""Deterministic synthetic posts for the benchmarks: varied text 40-280 chars, several channels and authors."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from scrm_desktop.listening.api import PostIn
from scrm_desktop.store.posts import NewPost

CHANNELS = ("rss", "mastodon", "reddit", "hackernews", "bluesky", "youtube", "email")
TITLED = {"rss", "reddit", "hackernews", "youtube", "email"}


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


BRANDS = ("Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay")
# A support-flavoured vocabulary; the FTS benchmark asks for "refund late": about 1 post in 60 has both words.
NEUTRAL = _words(
    "the a my our your their this that it is was are be been have has had do did will would can "
    "could should order package delivery shipping account app update version phone laptop router "
    "screen battery price plan contract store support team agent chat email call ticket week today "
    "yesterday morning evening again still just now already never always maybe since after before "
    "about with without from into over customer service product feature release bug fix issue "
    "problem question answer help setting login password sync cloud backup invoice payment card "
    "bank subscription trial upgrade downgrade cancel refund late tracking number warehouse courier "
    "driver address box label return exchange warranty repair replacement firmware driver install "
    "download network wifi signal outage status page report"
)
POSITIVE = _words("great love awesome thanks excellent happy fast helpful amazing perfect good nice best")
NEGATIVE = _words("terrible hate awful broken slow angry worst bad useless disappointed annoying horrible")
WORD_SCORE = {**{w: 0.4 for w in POSITIVE}, **{w: -0.4 for w in NEGATIVE}}
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


def _fragments(rng: random.Random, count: int = 3000) -> list[tuple[str, float]]:
    """Short word runs (with their cheap sentiment score) that posts are stitched from: fast and varied."""
    pool = [*NEUTRAL * 3, *POSITIVE, *NEGATIVE, *(b.lower() for b in BRANDS), *BRANDS]
    out = []
    for _ in range(count):
        words = rng.choices(pool, k=rng.randint(3, 9))
        if rng.random() < 0.15:
            words.append(rng.choice(("!", "?", "...", ":(", ":)", "#fail", "#support", "@help")))
        out.append((" ".join(words), sum(WORD_SCORE.get(w, 0.0) for w in words)))
    return out


class Corpus:
    """Post generator; the same seed gives the same posts."""

    def __init__(self, seed: int = 1, authors: int = 5000) -> None:
        self.rng = random.Random(seed)
        self.fragments = _fragments(self.rng)
        self.authors = [f"user{n:05d}" for n in range(authors)]
        # a few loud authors and a long tail, as in real listening data
        self.author_cum = list(itertools.accumulate(1.0 / (n + 1) ** 0.8 for n in range(authors)))

    def text(self) -> tuple[str, float]:
        target = self.rng.randint(40, 280)
        parts, score, length = [], 0.0, 0
        for frag, s in self.rng.choices(self.fragments, k=12):
            parts.append(frag)
            score += s
            length += len(frag) + 2
            if length >= target:
                break
        text = ". ".join(parts)
        if len(text) > target:
            text = text[:target].rsplit(" ", 1)[0] or text[:target]
        while len(text) < 40:
            text += " " + self.rng.choice(NEUTRAL)
        return text, max(-1.0, min(1.0, score / 4))

    def _fields(self, i: int, n: int, span: timedelta) -> dict:
        rng = self.rng
        channel = CHANNELS[i % len(CHANNELS)] if rng.random() < 0.6 else rng.choice(CHANNELS)
        handle = rng.choices(self.authors, cum_weights=self.author_cum)[0] if i % 4 else rng.choice(self.authors)
        # roughly chronological, as listening delivers it, with some jitter
        created = EPOCH + span * (i / max(n, 1)) + timedelta(seconds=rng.randint(-3600, 3600))
        replying = rng.random() < 0.2
        return {
            "channel": channel,
            "external_id": f"{channel}-{i}",
            "created_at": created,
            "author_handle": handle,
            "author_name": handle.replace("user", "User "),
            "author_followers": rng.randint(0, 50_000),
            "url": f"https://example.com/{channel}/{i}",
            "title": f"{rng.choice(BRANDS)} {rng.choice(NEUTRAL)} {rng.choice(NEUTRAL)}" if channel in TITLED else "",
            "lang": "en",
            "reply_to": f"{channel}-{rng.randint(0, i)}" if replying and i else "",
            "likes": rng.randint(0, 500),
            "reposts": rng.randint(0, 50),
            "replies": rng.randint(0, 20),
        }

    def post_ins(self, n: int, *, start: int = 0, span: timedelta = timedelta(days=30)) -> list[PostIn]:
        """`n` plugin-shaped posts (aware UTC times), external ids start..start+n-1."""
        out = []
        for i in range(start, start + n):
            text, _ = self.text()
            out.append(PostIn(text=text, **self._fields(i, start + n, span)))
        return out

    def new_posts(
        self, n: int, *, batch: int = 10_000, span: timedelta = timedelta(days=180)
    ) -> Iterator[list[NewPost]]:
        """`n` store-shaped posts in batches, with a cheap precomputed sentiment (the analyzer is not run)."""
        for lo in range(0, n, batch):
            out = []
            for i in range(lo, min(n, lo + batch)):
                text, score = self.text()
                f = self._fields(i, n, span)
                f["created_at"] = f["created_at"].replace(tzinfo=None)
                label = "positive" if score > 0.05 else "negative" if score < -0.05 else "neutral"
                cue = {"cue": "synthetic", "weight": round(score, 3), "kind": "word"}
                reasons = [cue] if label != "neutral" else []
                out.append(
                    NewPost(
                        text=text,
                        sentiment=round(score, 4),
                        sentiment_label=label,
                        sentiment_reasons=reasons,
                        thread_id=f["reply_to"],
                        **f,
                    )
                )
            yield out

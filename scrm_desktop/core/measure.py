"""Measurement maths: share of voice, net sentiment, the per-channel framework, `since:`/`until:` windows."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

RANGES: dict[str, timedelta] = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}
TIME_FORMAT = "%Y-%m-%dT%H:%M"


def format_time(when: datetime) -> str:
    """A naive UTC time as a query value (minute precision is all a window needs)."""
    return when.strftime(TIME_FORMAT)


def window_query(start: datetime, end: datetime) -> str:
    """`since:` (inclusive) and `until:` (exclusive) for a naive UTC window."""
    return f"since:{format_time(start)} until:{format_time(end)}"


# ---- share of voice and sentiment ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SentimentCounts:
    positive: int = 0
    negative: int = 0
    neutral: int = 0

    @property
    def total(self) -> int:
        return self.positive + self.negative + self.neutral

    def __add__(self, other: SentimentCounts) -> SentimentCounts:
        return SentimentCounts(
            self.positive + other.positive, self.negative + other.negative, self.neutral + other.neutral
        )

    @classmethod
    def from_labels(cls, counts: Mapping[str, int]) -> SentimentCounts:
        return cls(counts.get("positive", 0), counts.get("negative", 0), counts.get("neutral", 0))


def net_sentiment(counts: SentimentCounts) -> float | None:
    """(positive - negative) / total, in [-1, 1]; None when there is nothing to measure."""
    return (counts.positive - counts.negative) / counts.total if counts.total else None


def share_of_voice(mentions: Mapping[str, int]) -> dict[str, float]:
    """Each brand's mentions over all tracked brands' mentions (shares sum to 1; all 0 when nobody spoke)."""
    total = sum(max(0, n) for n in mentions.values())
    return {name: (max(0, n) / total if total else 0.0) for name, n in mentions.items()}


def positive_share_of_voice(counts: Mapping[str, SentimentCounts]) -> dict[str, float]:
    """Share of the positive conversation about the tracked brands."""
    return share_of_voice({name: c.positive for name, c in counts.items()})


def share_series(
    rows: Iterable[tuple[datetime, str, int]], brands: Iterable[str]
) -> tuple[list[datetime], dict[str, list[float]]]:
    """(bucket, brand, mentions) rows -> sorted buckets and each brand's share per bucket (for a stacked chart)."""
    names = list(brands)
    per_bucket: dict[datetime, dict[str, int]] = {}
    for bucket, brand, n in rows:
        if brand in names:
            slot = per_bucket.setdefault(bucket, {})
            slot[brand] = slot.get(brand, 0) + n
    buckets = sorted(per_bucket)
    shares = {
        name: [share_of_voice({b: per_bucket[t].get(b, 0) for b in names})[name] for t in buckets] for name in names
    }
    return buckets, shares


# ---- the measurement framework per channel -------------------------------------------------------------------
HIGH_REACH_FOLLOWERS = 10_000  # authority: an author with at least this many followers is "high reach"


@dataclass(frozen=True)
class ChannelTotals:
    """What the store counts per channel over a window (aggregate SQL over posts)."""

    channel: str
    posts: int
    unique_authors: int
    reach: int  # sum of followers of the unique authors
    likes: int
    reposts: int
    replies: int
    with_links: int  # posts whose text links somewhere (inbound links; a post's own permalink does not count)
    sentiment: SentimentCounts
    previous_sentiment: SentimentCounts  # the window of the same length just before
    from_high_reach: int = 0  # posts by authors with at least HIGH_REACH_FOLLOWERS followers


@dataclass(frozen=True)
class AuthorRank:
    """An author's weight in a window: followers (reach) and likes + reposts + replies on their posts."""

    handle: str
    channel: str
    followers: int
    posts: int
    engagement: int


@dataclass(frozen=True)
class ChannelMeasures:
    channel: str
    mentions: int
    unique_authors: int
    potential_reach: int
    likes_per_post: float
    reposts_per_post: float
    replies_per_post: float
    link_share: float  # authority: share of posts that link somewhere in their text
    high_reach_share: float  # authority: share of posts from high-reach authors
    net_sentiment: float | None
    net_sentiment_change: float | None  # vs the previous window; None when either is unknown
    top_authors: tuple[tuple[str, int], ...]  # influence: (handle, followers)
    top_engaged: tuple[tuple[str, int], ...] = ()  # influence: (handle, likes + reposts + replies)
    advocates: tuple[str, ...] = ()  # influence: the channel's most positive repeat voices, when known


def _per(n: int, d: int) -> float:
    return n / d if d else 0.0


def measure_channel(
    totals: ChannelTotals,
    top_authors: Iterable[tuple[str, int]] = (),
    advocates: Iterable[str] = (),
    top_engaged: Iterable[tuple[str, int]] = (),
) -> ChannelMeasures:
    """Attention, engagement, authority, influence and sentiment for one channel."""
    now = net_sentiment(totals.sentiment)
    before = net_sentiment(totals.previous_sentiment)
    return ChannelMeasures(
        channel=totals.channel,
        mentions=totals.posts,
        unique_authors=totals.unique_authors,
        potential_reach=totals.reach,
        likes_per_post=_per(totals.likes, totals.posts),
        reposts_per_post=_per(totals.reposts, totals.posts),
        replies_per_post=_per(totals.replies, totals.posts),
        link_share=_per(totals.with_links, totals.posts),
        high_reach_share=_per(totals.from_high_reach, totals.posts),
        net_sentiment=now,
        net_sentiment_change=None if now is None or before is None else now - before,
        top_authors=tuple(top_authors),
        top_engaged=tuple(top_engaged),
        advocates=tuple(advocates),
    )

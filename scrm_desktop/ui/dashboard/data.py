"""The dashboard's numbers for one time range and filter, read from the rollup tables (no Qt here)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from scrm_desktop.core.measure import (
    RANGES,
    ChannelMeasures,
    SentimentCounts,
    measure_channel,
    net_sentiment,
    share_of_voice,
    share_series,
)
from scrm_desktop.core.spikes import Band, bands
from scrm_desktop.store.posts import hour_bucket
from scrm_desktop.store.topics import Topic, TopicRepo


@dataclass(frozen=True)
class Filters:
    range_key: str = "24h"  # a key of core.measure.RANGES
    topic: str = ""  # "" = all posts; else a topic name (brand filter)
    channel: str = ""  # "" = every channel

    @property
    def channels(self) -> tuple[str, ...]:
        return (self.channel,) if self.channel else ()


@dataclass
class Snapshot:
    start: datetime
    end: datetime
    filters: Filters
    volume: dict[str, dict[datetime, int]] = field(default_factory=dict)  # channel -> bucket -> posts
    sentiment: dict[str, dict[datetime, int]] = field(default_factory=dict)  # label -> bucket -> posts
    net: float | None = None
    sov_buckets: list[datetime] = field(default_factory=list)
    sov_series: dict[str, list[float]] = field(default_factory=dict)  # brand -> share per bucket
    sov_now: dict[str, float] = field(default_factory=dict)
    sov_positive: dict[str, float] = field(default_factory=dict)
    spike_topic: str = ""
    spike_bands: list[Band] = field(default_factory=list)
    top_authors: list[tuple[str, str, int, int]] = field(default_factory=list)
    measures: list[ChannelMeasures] = field(default_factory=list)


def window(now: datetime, range_key: str) -> tuple[datetime, datetime]:
    end = hour_bucket(now) + timedelta(hours=1)
    return end - RANGES[range_key], end


def build(repo: TopicRepo, now: datetime, filters: Filters, *, measures: bool = True) -> Snapshot:
    """Everything the charts show; `measures=False` skips the per-channel table (it aggregates posts)."""
    start, end = window(now, filters.range_key)
    snap = Snapshot(start, end, filters)
    topics = repo.list()
    chosen = next((t for t in topics if t.name == filters.topic), None)
    _volume_and_sentiment(repo, snap, chosen)
    _share_of_voice(repo, snap, topics)
    _spike(repo, snap, chosen or next((t for t in topics if t.kind == "brand"), topics[0] if topics else None))
    snap.top_authors = repo.top_authors(start, filters.channels)
    if measures:
        top = defaultdict(list)
        for handle, channel, followers, _ in repo.top_authors(start, limit=50):
            if len(top[channel]) < 3:
                top[channel].append((handle, followers))
        snap.measures = [measure_channel(t, top[t.channel]) for t in repo.channel_totals(start, end)]
        if filters.channel:
            snap.measures = [m for m in snap.measures if m.channel == filters.channel]
    return snap


def _volume_and_sentiment(repo: TopicRepo, snap: Snapshot, topic: Topic | None) -> None:
    rows = repo.counts(snap.start, snap.end, topic_id=topic.id if topic else None, channels=snap.filters.channels)
    volume: dict[str, dict[datetime, int]] = defaultdict(lambda: defaultdict(int))
    sentiment: dict[str, dict[datetime, int]] = defaultdict(lambda: defaultdict(int))
    labels: dict[str, int] = defaultdict(int)
    for bucket, channel, label, n in rows:
        volume[channel][bucket] += n
        sentiment[label][bucket] += n
        labels[label] += n
    snap.volume = {k: dict(v) for k, v in sorted(volume.items())}
    snap.sentiment = {k: dict(sentiment.get(k, {})) for k in ("positive", "negative", "neutral")}
    snap.net = net_sentiment(SentimentCounts.from_labels(labels))


def _share_of_voice(repo: TopicRepo, snap: Snapshot, topics: list[Topic]) -> None:
    brands = {t.id: t.name for t in topics if t.kind in ("brand", "competitor")}
    rows = [r for r in repo.topic_counts(snap.start, snap.end, snap.filters.channels) if r[1] in brands]
    snap.sov_buckets, snap.sov_series = share_series(((b, brands[t], n) for b, t, _, n in rows), brands.values())
    totals: dict[str, int] = {name: 0 for name in brands.values()}
    positive: dict[str, int] = {name: 0 for name in brands.values()}
    for _, t, label, n in rows:
        totals[brands[t]] += n
        positive[brands[t]] += n if label == "positive" else 0
    snap.sov_now = share_of_voice(totals)
    snap.sov_positive = share_of_voice(positive)


def _spike(repo: TopicRepo, snap: Snapshot, topic: Topic | None) -> None:
    if topic is None:
        return
    history = snap.start - timedelta(days=repo.rule.days)
    series = repo.topic_series(topic.id, history, snap.end, channels=snap.filters.channels)
    snap.spike_topic = topic.name
    snap.spike_bands = bands(series, snap.start, snap.end, repo.rule, min(series) if series else None)

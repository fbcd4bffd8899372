"""The dashboard's numbers for one time range and filter, read from the rollup tables (no Qt here): built on a
worker thread, shown on the GUI thread."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from scrm_desktop.core.influence import rank_advocates
from scrm_desktop.core.measure import (
    RANGES,
    AuthorRank,
    ChannelMeasures,
    SentimentCounts,
    measure_channel,
    net_sentiment,
    share_of_voice,
    share_series,
)
from scrm_desktop.core.spikes import Band, bands
from scrm_desktop.store.posts import hour_bucket
from scrm_desktop.store.topics import Alert, Topic, TopicRepo

CUSTOM = "custom"
INFLUENCE_PER_CHANNEL = 2  # authors named per channel in the table's influence columns


@dataclass(frozen=True)
class Filters:
    range_key: str = "24h"  # a key of core.measure.RANGES, or "custom" (then start and end)
    topic: str = ""  # "" = all posts; else a topic name (brand filter)
    channel: str = ""  # "" = every channel
    start: datetime | None = None  # custom range, naive UTC, inclusive
    end: datetime | None = None  # custom range, naive UTC, exclusive

    @property
    def channels(self) -> tuple[str, ...]:
        return (self.channel,) if self.channel else ()


@dataclass
class Snapshot:
    start: datetime
    end: datetime
    filters: Filters
    topics: list[Topic] = field(default_factory=list)
    volume: dict[str, dict[datetime, int]] = field(default_factory=dict)  # channel -> bucket -> posts
    sentiment: dict[str, dict[datetime, int]] = field(default_factory=dict)  # label -> bucket -> posts
    net: float | None = None
    sov_buckets: list[datetime] = field(default_factory=list)
    sov_series: dict[str, list[float]] = field(default_factory=dict)  # brand -> share per bucket
    sov_now: dict[str, float] = field(default_factory=dict)
    sov_positive: dict[str, float] = field(default_factory=dict)
    sov_mentions: dict[str, int] = field(default_factory=dict)
    spike_topic: str = ""
    spike_bands: list[Band] = field(default_factory=list)
    top_authors: list[AuthorRank] = field(default_factory=list)  # by reach
    top_engaged: list[AuthorRank] = field(default_factory=list)  # by likes + reposts + replies
    measures: list[ChannelMeasures] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    measured: bool = False  # the table and the top authors were computed (they aggregate posts: slower)

    def take_measures(self, other: Snapshot) -> None:
        """The table and the top authors of `other` (built for the same filters) in this snapshot."""
        self.measures, self.top_authors, self.top_engaged = other.measures, other.top_authors, other.top_engaged
        self.measured = other.measured


def window(now: datetime, filters: Filters) -> tuple[datetime, datetime]:
    """[start, end) of the chosen range: whole hours up to the current one, or the custom dates."""
    if filters.range_key == CUSTOM:
        if filters.start is None or filters.end is None or filters.end <= filters.start:
            raise ValueError("A custom range needs a start before its end")
        return hour_bucket(filters.start), hour_bucket(filters.end - timedelta(microseconds=1)) + timedelta(hours=1)
    end = hour_bucket(now) + timedelta(hours=1)
    return end - RANGES[filters.range_key], end


def build(
    repo: TopicRepo,
    now: datetime,
    filters: Filters,
    *,
    measures: bool = True,
    charts: bool = True,
    influence: Any = None,
) -> Snapshot:
    """Everything the charts show; `measures=False` skips the per-channel table and the authors (they aggregate
    posts in the window, the charts read rollups only), `charts=False` builds only those. `influence`
    (store.influence.InfluenceRepo) names each channel's advocates in the table."""
    start, end = window(now, filters)
    snap = Snapshot(start, end, filters, topics=repo.list())
    chosen = next((t for t in snap.topics if t.name == filters.topic), None)
    if charts:
        _volume_and_sentiment(repo, snap, chosen)
        _share_of_voice(repo, snap, snap.topics)
        snap.alerts = repo.alerts(limit=100)
        _spike(repo, snap, chosen or _spike_topic(snap))
    if measures:
        _measures(repo, snap, chosen, influence)
        snap.measured = True
    return snap


def _spike_topic(snap: Snapshot) -> Topic | None:
    """With no brand chosen: the topic of the newest unacknowledged volume spike alert in the range (the chart
    draws volume; a negative-posts or rule alert need not cross the volume threshold), else the brand."""
    alerted = [
        a.topic_id
        for a in snap.alerts
        if a.kind == "volume" and a.acknowledged_at is None and a.window_end > snap.start
    ]
    by_id = {t.id: t for t in snap.topics}
    if alerted and alerted[0] in by_id:
        return by_id[alerted[0]]
    return next((t for t in snap.topics if t.kind == "brand"), snap.topics[0] if snap.topics else None)


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
    snap.sov_mentions = totals
    snap.sov_now = share_of_voice(totals)
    snap.sov_positive = share_of_voice(positive)


def _spike(repo: TopicRepo, snap: Snapshot, topic: Topic | None) -> None:
    if topic is None:
        return
    history = snap.start - timedelta(days=repo.rule.days)
    series = repo.topic_series(topic.id, history, snap.end, channels=snap.filters.channels)
    snap.spike_topic = topic.name
    snap.spike_bands = bands(series, snap.start, snap.end, repo.rule, min(series) if series else None)


def _per_channel(ranked: Iterable[AuthorRank], value: str) -> dict[str, list[tuple[str, int]]]:
    out: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for a in ranked:
        if len(out[a.channel]) < INFLUENCE_PER_CHANNEL:
            out[a.channel].append((a.handle, getattr(a, value)))
    return out


def _advocates(influence: Any, snap: Snapshot) -> dict[str, list[str]]:
    """Each channel's strongest advocates in the window (repeated unprompted positive posts, any topic)."""
    if influence is None:
        return {}
    days = (snap.end - snap.start) / timedelta(days=1)
    acts = [a for a in influence.activity(days, until=snap.end) if a.channel in (snap.filters.channels or [a.channel])]
    out: dict[str, list[str]] = defaultdict(list)
    for ranked in rank_advocates(acts, limit=100):
        if len(out[ranked.activity.channel]) < INFLUENCE_PER_CHANNEL:
            out[ranked.activity.channel].append(ranked.activity.handle)
    return out


def _measures(repo: TopicRepo, snap: Snapshot, topic: Topic | None, influence: Any = None) -> None:
    """The measurement table and the top authors, for the same window, brand and channel as the charts."""
    topic_id, channels = (topic.id if topic else None), snap.filters.channels
    ranked = {
        by: repo.top_authors(snap.start, snap.end, topic_id=topic_id, channels=channels, by=by, limit=50)
        for by in ("reach", "engagement")
    }
    reach, engaged = _per_channel(ranked["reach"], "followers"), _per_channel(ranked["engagement"], "engagement")
    advocates = _advocates(influence, snap)
    snap.measures = [
        measure_channel(t, reach[t.channel], advocates.get(t.channel, ()), top_engaged=engaged[t.channel])
        for t in repo.channel_totals(snap.start, snap.end, topic_id=topic_id, channels=channels)
    ]
    snap.top_authors, snap.top_engaged = ranked["reach"][:10], ranked["engagement"][:10]

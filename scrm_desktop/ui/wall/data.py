"""What the wall display shows, read in one go on a worker thread (no Qt here): the brand's last hour against its
baseline, the day's spike bands and share of voice (the dashboard's `build`), cases, outbox, alerts, incidents, the
newest negative posts and whether listening is alive; and the words and levels the tiles show for them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from scrm_desktop.core.measure import SentimentCounts, format_time, net_sentiment
from scrm_desktop.core.post import Post
from scrm_desktop.core.query_ast import quote
from scrm_desktop.core.spikes import Band
from scrm_desktop.store.cases import Incident
from scrm_desktop.store.posts import hour_bucket
from scrm_desktop.store.topics import Alert
from scrm_desktop.streams import StreamService
from scrm_desktop.ui.dashboard.data import Filters, Snapshot, build

if TYPE_CHECKING:
    from scrm_desktop.workspace import Workspace

BANNER_LEVEL = 3  # incidents of this crisis level or more are on the wall (as on every other board's banner)
ALERT_ROWS = 4
TICKER_ROWS = 6
STALE_AFTER = timedelta(minutes=15)  # no new post for this long (or two source intervals, if longer): quiet
OUTBOX_WAITING = ("manual", "needs_check", "failed")  # replies that wait for a person

OK, WARN, ALERT, OFF = "ok", "warn", "alert", "off"


@dataclass
class WallData:
    now: datetime  # naive UTC
    workspace: str
    brand: str  # "" when the workspace tracks no brand topic: the tiles then count every post
    snapshot: Snapshot  # the brand's last 24 hours: spike bands, net sentiment, share of voice
    window_start: datetime  # the last hour: posts created at or after this minute
    mentions: int = 0
    negative: int = 0
    positive: int = 0
    expected: float | None = None  # the baseline for the last hour (None while the history is too short)
    threshold: float | None = None
    open_cases: int = 0
    unassigned: int = 0
    past_sla: int = 0
    outbox: dict[str, int] = field(default_factory=dict)  # state -> items
    alerts: list[Alert] = field(default_factory=list)  # unacknowledged, newest first, a rule's newest only
    # how many unacknowledged alerts each shown rule alert stands for (by alert id; absent: just itself)
    alert_repeats: dict[int, int] = field(default_factory=dict)
    incidents: list[Incident] = field(default_factory=list)  # open, crisis level >= BANNER_LEVEL, worst first
    negative_posts: list[Post] = field(default_factory=list)  # newest first
    newest_at: datetime | None = None  # the newest post's time
    sources_enabled: int = 0
    sources_failing: list[str] = field(default_factory=list)
    stale_after: timedelta = STALE_AFTER

    @property
    def spiking(self) -> bool:
        """The last hour is over its threshold, or the current or previous hour is a spike on the chart."""
        over = self.threshold is not None and self.mentions >= self.threshold
        recent = [b for b in self.snapshot.spike_bands if b.bucket >= hour_bucket(self.now) - timedelta(hours=1)]
        return over or any(b.is_spike for b in recent)

    @property
    def outbox_waiting(self) -> int:
        return sum(self.outbox.get(state, 0) for state in OUTBOX_WAITING)


@dataclass(frozen=True)
class Figure:
    """One tile: a caption, the big number, a line of words under it and its level (ok, warn, alert)."""

    key: str
    caption: str  # "Mentions · last hour": the tile shows the part after · on a second line
    value: str
    detail: str  # up to two short lines
    level: str = OK


def load_wall(ws: Workspace, now: datetime) -> WallData:
    """Everything on the wall at `now` (naive UTC); runs on the wall's worker thread."""
    topics = ws.topics.list()
    brand = next((t.name for t in topics if t.kind == "brand"), "")
    snap = build(ws.topics, now, Filters("24h", brand), measures=False)
    start = now.replace(second=0, microsecond=0) - timedelta(hours=1)
    data = WallData(now, ws.name, brand, snap, start)
    data.alerts, data.alert_repeats = _alerts(snap.alerts)
    _last_hour(ws, data)
    _cases(ws, data)
    data.incidents = [i for i in ws.cases.repo.incidents(open_only=True) if i.severity >= BANNER_LEVEL]
    service = StreamService(ws)
    data.negative_posts = service.page("sentiment:negative", limit=TICKER_ROWS)
    newest = ws.db.posts.page(limit=1)
    data.newest_at = newest[0].created_at if newest else None
    _sources(ws, data)
    return data


def scope_query(data: WallData) -> str:
    """The query behind the last-hour tiles (the brand's posts, or every post without a brand)."""
    topic = f"topic:{quote(data.brand)} " if data.brand else ""
    return f"{topic}since:{format_time(data.window_start)}"


def _last_hour(ws: Workspace, data: WallData) -> None:
    service = StreamService(ws)
    query = scope_query(data)

    def count(extra: str = "") -> int:
        return int(ws.db.posts.count(service.compile(f"{query} {extra}".strip())))

    data.mentions = count()
    data.negative, data.positive = count("sentiment:negative"), count("sentiment:positive")
    by_hour = {b.bucket: b for b in data.snapshot.spike_bands}
    this_hour = hour_bucket(data.now)
    data.expected, data.threshold = _blend(
        by_hour.get(this_hour - timedelta(hours=1)), by_hour.get(this_hour), data.now.minute / 60
    )


def _blend(before: Band | None, current: Band | None, share: float) -> tuple[float | None, float | None]:
    """The rolling hour spans the end of the previous clock hour and the start of this one: its expected count
    and threshold are theirs, weighted by how much of each it covers."""
    if before is None or current is None or None in (before.baseline, current.baseline):
        return None, None
    expected = (1 - share) * before.baseline + share * current.baseline  # type: ignore[operator]
    threshold = (1 - share) * before.threshold + share * current.threshold  # type: ignore[operator]
    return expected, threshold


def _alerts(alerts: list[Alert]) -> tuple[list[Alert], dict[int, int]]:
    """The unacknowledged alerts for the panel's rows: a rule that fired on many posts takes one row (its newest
    post, with how many more), so four press mentions do not push the spikes off the wall."""
    shown: list[Alert] = []
    first_of_rule: dict[str, Alert] = {}
    repeats: dict[int, int] = {}
    for a in alerts:
        if a.acknowledged_at is not None:
            continue
        if a.kind == "rule":
            first = first_of_rule.setdefault(a.topic, a)
            if first is not a:
                repeats[first.id] = repeats.get(first.id, 1) + 1
                continue
        shown.append(a)
    shown = shown[:ALERT_ROWS]
    return shown, {a.id: repeats[a.id] for a in shown if a.id in repeats}


def _cases(ws: Workspace, data: WallData) -> None:
    repo, now = ws.cases.repo, ws.cases.now()
    data.open_cases = repo.queue_count("all", "", now)
    data.unassigned = repo.queue_count("unassigned", "", now)
    data.past_sla = repo.queue_count("breached", "", now)
    data.outbox = repo.counts()


def _sources(ws: Workspace, data: WallData) -> None:
    enabled = [s for s in ws.db.sources.list() if s.enabled]
    data.sources_enabled = len(enabled)
    data.sources_failing = [s.name for s in enabled if not s.healthy]
    if enabled:
        data.stale_after = max(STALE_AFTER, timedelta(seconds=2 * min(s.interval_s for s in enabled)))


# ---- words ---------------------------------------------------------------------------------------------------
def format_age(age: timedelta) -> str:
    seconds = max(0, int(age.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        hours, minutes = divmod(seconds // 60, 60)
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{seconds // 86400} days"


def listening_status(data: WallData, now: datetime) -> tuple[str, str]:
    """(level, words) for the live indicator at `now`: live, quiet (amber), stalled (red) or off."""
    failing = len(data.sources_failing)
    failing_words = f" · {failing} source{'s' if failing != 1 else ''} failing" if failing else ""
    if not data.sources_enabled:
        return OFF, "○ NOT LISTENING · no source is enabled"
    if data.newest_at is None:
        return ALERT, f"■ NO POSTS YET · listening has brought nothing in{failing_words}"
    age = now - data.newest_at
    if age < data.stale_after:
        return (WARN if failing else OK), f"● LIVE · newest post {format_age(age)} ago{failing_words}"
    if age < 2 * data.stale_after:
        return WARN, f"▲ QUIET · no new post for {format_age(age)} · listening may have stalled{failing_words}"
    return ALERT, f"■ STALLED · no new post for {format_age(age)} · check the sources{failing_words}"


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _day_counts(snap: Snapshot) -> SentimentCounts:
    totals = {label: sum(by_hour.values()) for label, by_hour in snap.sentiment.items()}
    return SentimentCounts.from_labels(totals)


def figures(data: WallData) -> list[Figure]:
    """The six tiles, in order."""
    return [_mentions(data), _negative(data), _net(data), _open_cases(data), _past_sla(data), _outbox(data)]


def _mentions(data: WallData) -> Figure:
    caption = "Mentions · last hour" if data.brand else "Posts · last hour"
    if data.expected is None:
        return Figure("mentions", caption, f"{data.mentions:,}", "no baseline yet (needs a few hours of history)")
    expected = f"expected {data.expected:,.0f}"
    if data.spiking:
        ratio = data.mentions / data.expected if data.expected else 0
        times = f" {ratio:.1f}×" if data.expected >= 1 else ""
        return Figure("mentions", caption, f"{data.mentions:,}", f"▲ SPIKE{times}\n{expected}", ALERT)
    if data.mentions > data.expected * 1.25:
        return Figure("mentions", caption, f"{data.mentions:,}", f"▲ above normal · {expected}", WARN)
    if data.mentions < data.expected * 0.75:
        return Figure("mentions", caption, f"{data.mentions:,}", f"▼ below normal · {expected}")
    return Figure("mentions", caption, f"{data.mentions:,}", f"≈ normal · {expected}")


def _negative(data: WallData) -> Figure:
    now, day = _share(data.negative, data.mentions), _day_counts(data.snapshot)
    before = _share(day.negative, day.total)
    value = "—" if now is None else f"{now:.0%}"
    if now is None:
        return Figure("negative", "Negative · last hour", value, "no posts in the last hour")
    if before is None:
        return Figure("negative", "Negative · last hour", value, f"{data.negative:,} negative posts")
    if now >= before + 0.10:
        level = ALERT if now >= before + 0.20 else WARN
        return Figure("negative", "Negative · last hour", value, f"▲ up from {before:.0%} (24 h)", level)
    if now <= before - 0.05:
        return Figure("negative", "Negative · last hour", value, f"▼ down from {before:.0%} (24 h)")
    return Figure("negative", "Negative · last hour", value, f"≈ steady ({before:.0%} over 24 h)")


def _net(data: WallData) -> Figure:
    hour = net_sentiment(SentimentCounts(data.positive, data.negative, data.mentions - data.positive - data.negative))
    day = data.snapshot.net
    value = "—" if hour is None else f"{hour:+.2f}"
    words = "" if hour is None else "negative" if hour <= -0.1 else "positive" if hour >= 0.1 else "mixed"
    if hour is None or day is None:
        return Figure("net", "Net sentiment · last hour", value, words or "no posts in the last hour")
    arrow = "▼ falling" if hour < day - 0.1 else "▲ rising" if hour > day + 0.1 else "≈ steady"
    level = WARN if hour <= -0.1 else OK
    return Figure("net", "Net sentiment · last hour", value, f"{words} · {arrow}\n24 h: {day:+.2f}", level)


def _capped(n: int) -> str:
    return f"{n:,}"


def _open_cases(data: WallData) -> Figure:
    detail = f"{_capped(data.unassigned)} unassigned" if data.unassigned else "✓ every case has an owner"
    level = WARN if data.unassigned else OK
    return Figure("cases", "Open cases · now", _capped(data.open_cases), detail, level)


def _past_sla(data: WallData) -> Figure:
    if data.past_sla:
        return Figure("sla", "Past SLA · unanswered", _capped(data.past_sla), "▲ not answered in time", ALERT)
    return Figure("sla", "Past SLA · unanswered", "0", "✓ none late")


def _outbox(data: WallData) -> Figure:
    counts = data.outbox
    parts = [
        f"{counts[state]:,} {words}"
        for state, words in (("failed", "failed"), ("needs_check", "to check"), ("manual", "to send by hand"))
        if counts.get(state)
    ]
    level = ALERT if counts.get("failed") else WARN if data.outbox_waiting else OK
    detail = " · ".join(parts) or "✓ nothing waiting"
    return Figure("outbox", "Outbox · waiting for a person", f"{data.outbox_waiting:,}", detail, level)


def describe_alert(alert: Alert, repeats: int = 1) -> tuple[str, str]:
    """(when, what) for one alert: its window, then the topic and the value against its threshold; a rule's alert
    says what it heard (the post) rather than the instruction every one of its alerts repeats (plain text)."""
    if alert.kind == "rule":
        heard = alert.detail or (alert.top_terms[0] if alert.top_terms else "")
        more = f" (+{repeats - 1} more)" if repeats > 1 else ""
        return f"{alert.window_start:%H:%M}", f"⚑ {alert.topic}{more} · {heard}"
    what = "negative" if alert.kind == "negative" else "posts"
    return (
        f"{alert.window_start:%H:%M}–{alert.window_end:%H:%M}",
        f"▲ {alert.topic}: {alert.value:,} {what}/h · threshold {alert.threshold:,.0f}",
    )

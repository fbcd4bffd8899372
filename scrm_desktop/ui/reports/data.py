"""Everything a report shows, gathered in one go on a worker thread (no Qt here): the dashboard's snapshot for the
period (charts, share of voice, spikes, the measurement table), the posts behind the figures, influencers and
advocates, the care figures and the incidents; then the findings and recommendations read off them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from scrm_desktop.core.influence import Ranked, rank_advocates, rank_influencers
from scrm_desktop.core.measure import SentimentCounts, net_sentiment
from scrm_desktop.core.post import Post
from scrm_desktop.core.report import AuditFacts, Period, findings, recommendations
from scrm_desktop.engage.kpis import CareReport, care_report
from scrm_desktop.engage.outbox import naive
from scrm_desktop.store.case_reports import CaseReports, KpiRow
from scrm_desktop.store.report_data import IncidentTimeline, ReportReads
from scrm_desktop.store.topics import Alert, Topic
from scrm_desktop.ui.dashboard.data import CUSTOM, Filters, Snapshot, build

if TYPE_CHECKING:
    from scrm_desktop.workspace import Workspace

Progress = Callable[[int, int, str], None]  # (step, steps, what is being read)
TOP_POSTS = 5
PER_GROUP = 2  # posts quoted per brand, per channel, per spike
RANKED = 10


class ReportCancelled(Exception):
    """The user cancelled the report while it was being gathered."""


@dataclass(frozen=True)
class ReportRequest:
    kind: str  # a key of core.report.KINDS: audit | care
    period: Period
    brand: str = ""  # a topic's name; "" = the workspace's first brand topic


@dataclass
class ReportData:
    request: ReportRequest
    generated_at: datetime
    workspace: str
    brand: str = ""
    competitors: list[str] = field(default_factory=list)
    snapshot: Snapshot | None = None
    net_before: float | None = None  # net sentiment over the period of the same length just before
    by_channel: dict[str, SentimentCounts] = field(default_factory=dict)
    facts: AuditFacts | None = None
    findings: list[str] = field(default_factory=list)
    recommendations: list[str] = field(default_factory=list)
    top_posts: dict[str, list[Post]] = field(default_factory=dict)  # "most engaged", "most negative", ...
    brand_posts: dict[str, list[Post]] = field(default_factory=dict)
    channel_posts: dict[str, list[Post]] = field(default_factory=dict)
    spikes: list[tuple[Alert, list[Post]]] = field(default_factory=list)
    influencers: list[tuple[Ranked, Post | None]] = field(default_factory=list)
    advocates: list[tuple[Ranked, Post | None]] = field(default_factory=list)
    care: CareReport | None = None
    late_cases: list[KpiRow] = field(default_factory=list)  # past their SLA without an answer, oldest first
    incidents: list[IncidentTimeline] = field(default_factory=list)

    @property
    def title(self) -> str:
        from scrm_desktop.core.report import KINDS

        return KINDS[self.request.kind]


def pick_brand(topics: list[Topic], asked: str) -> Topic | None:
    """The topic named `asked` (ValueError naming the choices when there is none), else the first brand."""
    if asked:
        found = next((t for t in topics if t.name.lower() == asked.lower()), None)
        if found is None:
            names = ", ".join(t.name for t in topics) or "none yet: add them under Work > Topics…"
            raise ValueError(f"there is no topic {asked!r} (topics: {names})")
        return found
    return next((t for t in topics if t.kind == "brand"), None)


class _Gatherer:
    def __init__(self, ws: Workspace, request: ReportRequest, progress: Progress | None, cancelled: Callable[[], bool]):
        self.ws, self.request = ws, request
        self.reads = ReportReads(ws.db.engine)
        self._progress, self._cancelled = progress, cancelled
        self.step = 0
        self.steps = 7 if request.kind == "audit" else 2

    def say(self, what: str) -> None:
        if self._cancelled():
            raise ReportCancelled("the report was cancelled")
        self.step += 1
        if self._progress is not None:
            self._progress(self.step, self.steps, what)

    def posts(self, ids: list[int]) -> list[Post]:
        order = {post_id: i for i, post_id in enumerate(ids)}
        return sorted(self.ws.db.posts.by_ids(ids), key=lambda p: order[p.id])


def gather(
    ws: Workspace,
    request: ReportRequest,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] = lambda: False,
) -> ReportData:
    """Read everything the report shows (seconds over a long period on a big database: never on the GUI thread)."""
    g = _Gatherer(ws, request, progress, cancelled)
    if request.brand:  # a brand that is not there is said at once, whatever the report
        pick_brand(ws.topics.list(), request.brand)
    now = naive(ws.clock())
    data = ReportData(request, now, ws.name)
    if request.kind == "audit":
        _audit(g, data, now)
    g.say("cases and their answers")
    rows = CaseReports(ws.db.engine).kpi_rows(request.period.start, request.period.end)
    data.care = care_report(rows, now, request.period.start, request.period.end)
    data.late_cases = [r for r in rows if r.first_response_at is None and r.sla_due < now]
    g.say("incidents and their timelines")
    data.incidents = g.reads.incident_timelines(request.period.start, request.period.end)
    data.facts = _facts(data)
    data.findings, data.recommendations = findings(data.facts), recommendations(data.facts)
    return data


def _audit(g: _Gatherer, data: ReportData, now: datetime) -> None:
    period, repo = g.request.period, g.ws.topics
    topics = repo.list()
    brand = pick_brand(topics, g.request.brand)
    data.brand = brand.name if brand else ""
    data.competitors = [t.name for t in topics if t.kind == "competitor"]
    filters = Filters(CUSTOM, data.brand, "", period.start, period.end)
    g.say("volume, sentiment, share of voice and spikes")
    snap = build(repo, now, filters, measures=False)
    g.say("the measurement framework per channel")
    snap.take_measures(build(repo, now, filters, charts=False, influence=getattr(g.ws, "influence", None)))
    data.snapshot = snap
    _sentiment(g, data, brand)
    g.say("the posts behind the figures")
    _posts(g, data, brand, topics)
    g.say("spikes and the posts behind them")
    data.spikes = [
        (a, g.posts(list(a.example_post_ids[: PER_GROUP + 1])))
        for a in snap.alerts
        if a.kind in ("volume", "negative") and a.window_start < period.end and a.window_end > period.start
    ]
    g.say("influencers and advocates")
    _people(g, data)


def _sentiment(g: _Gatherer, data: ReportData, brand: Topic | None) -> None:
    period, topic_id = g.request.period, brand.id if brand else None
    labels: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for _, channel, label, n in g.ws.topics.counts(period.start, period.end, topic_id=topic_id):
        labels[channel][label] += n
    data.by_channel = {ch: SentimentCounts.from_labels(by) for ch, by in sorted(labels.items())}
    before: dict[str, int] = defaultdict(int)
    prev = period.previous()
    for _, _, label, n in g.ws.topics.counts(prev.start, prev.end, topic_id=topic_id):
        before[label] += n
    data.net_before = net_sentiment(SentimentCounts.from_labels(before))


def _posts(g: _Gatherer, data: ReportData, brand: Topic | None, topics: list[Topic]) -> None:
    period, topic_id = g.request.period, brand.id if brand else None

    def top(**kw: Any) -> list[Post]:
        return g.posts(g.reads.top_post_ids(period.start, period.end, **kw))

    data.top_posts = {
        "Most engaged": top(topic_id=topic_id, limit=TOP_POSTS),
        "Most engaged negative": top(topic_id=topic_id, sentiment="negative", limit=TOP_POSTS),
        "Most engaged positive": top(topic_id=topic_id, sentiment="positive", limit=TOP_POSTS),
    }
    data.brand_posts = {
        t.name: top(topic_id=t.id, limit=PER_GROUP) for t in topics if t.kind in ("brand", "competitor")
    }
    data.channel_posts = {ch: top(topic_id=topic_id, channels=(ch,), limit=PER_GROUP) for ch in data.by_channel}


def _people(g: _Gatherer, data: ReportData) -> None:
    influence = getattr(g.ws, "influence", None)
    if influence is None:
        return
    period = g.request.period
    acts = influence.activity(period.days, until=period.end)

    def with_post(ranked: list[Ranked], **kw: Any) -> list[tuple[Ranked, Post | None]]:
        out = []
        for r in ranked:
            ids = g.reads.top_post_ids(period.start, period.end, author_id=r.activity.author_id, limit=1, **kw)
            out.append((r, (g.posts(ids) or [None])[0]))
        return out

    data.influencers = with_post(rank_influencers(acts, RANKED))
    data.advocates = with_post(rank_advocates(acts, RANKED), sentiment="positive")


def _facts(data: ReportData) -> AuditFacts:
    snap, care = data.snapshot, data.care
    overall = care.kpis.overall if care else None
    mentions = sum(c.total for c in data.by_channel.values()) if data.request.kind == "audit" else None
    net = snap.net if snap else None
    return AuditFacts(
        brand=data.brand,
        mentions=mentions,
        net_sentiment=net,
        net_change=None if net is None or data.net_before is None else net - data.net_before,
        share_of_voice=dict(snap.sov_now) if snap and any(snap.sov_mentions.values()) else {},
        negative_by_channel={ch: c.negative for ch, c in data.by_channel.items()},
        mentions_by_channel={ch: c.total for ch, c in data.by_channel.items()},
        spikes=tuple(dict.fromkeys(a.topic for a, _ in data.spikes if a.kind == "volume")),
        cases=overall.cases if overall else 0,
        unanswered=len(data.late_cases),
        sla_share=overall.sla_share if overall else None,
        first_response_median_min=overall.first_response_median_min if overall else None,
        open_incidents=sum(1 for i in data.incidents if i.incident.status != "resolved"),
        advocates=len(data.advocates),
        influencers=tuple(r.activity.handle for r, _ in data.influencers),
    )

"""Topics repository: topic CRUD, tagging at ingest and re-tagging, per-topic rollups, spike alerts, dashboard reads."""

from __future__ import annotations

import logging
import string
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    and_,
    case,
    delete,
    func,
    or_,
    select,
    true,
    update,
)

from scrm_desktop.core.measure import (
    HIGH_REACH_FOLLOWERS,
    AuthorRank,
    ChannelTotals,
    SentimentCounts,
)
from scrm_desktop.core.post import Post
from scrm_desktop.core.query import Query, QueryError, parse
from scrm_desktop.core.query_compile import IndexedBatch, compile_batch
from scrm_desktop.core.spikes import HOUR, Spike, SpikeRule, detect, top_terms
from scrm_desktop.store import rule_actions
from scrm_desktop.store.batch import PostStage, StoredBatch
from scrm_desktop.store.bulk import bulk_insert
from scrm_desktop.store.engine import writer
from scrm_desktop.store.posts import hour_bucket
from scrm_desktop.store.query_sql import to_sql
from scrm_desktop.store.tables import authors, posts, rollup_hourly
from scrm_desktop.store.topics_tables import KINDS, alerts, post_topics, rollup_topic_hourly, topics

log = logging.getLogger(__name__)

MAX_COMPETITORS = 10
ALERT_KINDS = ("volume", "negative")  # every topic's total posts, and its negative ones
RETAG_CHUNK = 20_000  # posts per transaction: the ingest writer waits at most one chunk

# The demo scenario's brand, competitors and service (plugins/demo/phrases.py): prefixes catch
# @BrightwaveCare, #BrightwaveCareFail and the like, which are one token each.
DEMO_TOPICS: tuple[tuple[str, str, str, str], ...] = (
    ("Brightwave", "brand", "brightwave*", "#1f77b4"),
    ("Corvex", "competitor", "corvex*", "#d62728"),
    ("Nimbly", "competitor", "nimbly*", "#2ca02c"),
    (
        "Brightwave Care",
        "topic",
        '"brightwave care" OR brightwavecare* OR technician* OR "no show*" OR noshow*',
        "#9467bd",
    ),
)


class TopicError(ValueError):
    """A topic the user must fix (bad name, kind or query); the message says what and how."""


@dataclass(frozen=True)
class Topic:
    id: int
    name: str
    kind: str
    query: str
    color: str = ""


@dataclass(frozen=True)
class Alert:
    id: int
    topic_id: int
    topic: str
    kind: str
    window_start: datetime
    window_end: datetime
    value: int
    baseline: float
    threshold: float
    top_terms: tuple[str, ...]
    example_post_ids: tuple[int, ...]
    created_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    # Alerts raised by business rules (kind "rule") come in the same list with negative ids (so one acknowledge
    # serves both): topic is the rule's name, top_terms its message, detail the post, query opens the post.
    detail: str = ""
    query: str = ""


def _lower(expr: Any, dialect: str) -> Any:
    # A-Z only, like core.query_fields.ascii_lower (PostgreSQL's lower() is Unicode-wide)
    if dialect == "postgresql":
        return func.translate(expr, string.ascii_uppercase, string.ascii_lowercase)
    return func.lower(expr)


def check_query(text: str, dialect: str = "sqlite") -> Query:
    """A topic's query, parsed and checked for both ingest-time and database matching."""
    try:
        query = parse(text, allow_empty=False)
        if "topic" in query.fields():
            raise TopicError("A topic's query cannot use `topic:` (topics are defined by words and filters)")
        to_sql(query, dialect)
        query.matches(Post(0, "rss", "", "", datetime(2000, 1, 1)))
    except QueryError as exc:
        raise TopicError(f"The query is not valid: {exc.message}\n{exc.pretty(text)}") from exc
    return query


def _naive(when: datetime) -> datetime:
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


class TopicRepo:
    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        rule: SpikeRule | None = None,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self.rule = rule or SpikeRule()
        self._parsed: dict[str, Query | None] = {}

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    # ---- topics -------------------------------------------------------------------------------------------
    def list(self) -> list[Topic]:
        with self._engine.connect() as conn:
            return self._list(conn)

    @staticmethod
    def _list(conn: Connection) -> list[Topic]:
        order = case({"brand": 0, "competitor": 1}, value=topics.c.kind, else_=2)
        rows = conn.execute(
            select(topics.c.id, topics.c.name, topics.c.kind, topics.c.query, topics.c.color).order_by(
                order, topics.c.id
            )
        )
        return [Topic(*row) for row in rows]

    def get(self, topic_id: int) -> Topic:
        found = [t for t in self.list() if t.id == topic_id]
        if not found:
            raise TopicError(f"There is no topic with id {topic_id}")
        return found[0]

    def by_name(self, name: str) -> Topic:
        found = [t for t in self.list() if t.name.lower() == name.strip().lower()]
        if not found:
            raise TopicError(f"There is no topic named {name!r}")
        return found[0]

    def _validate(self, name: str, kind: str, query: str, topic_id: int | None) -> str:
        name = " ".join(name.split())
        if not name or len(name) > 100 or any(not ch.isprintable() for ch in name):
            raise TopicError("A topic needs a name of 1 to 100 printable characters")
        if kind not in KINDS:
            raise TopicError(f"A topic's kind is one of {', '.join(KINDS)}, not {kind!r}")
        check_query(query, self.dialect)
        others = [t for t in self.list() if t.id != topic_id]
        if any(t.name.lower() == name.lower() for t in others):
            raise TopicError(f"There is already a topic named {name!r}")
        if kind == "brand" and any(t.kind == "brand" for t in others):
            raise TopicError("There is already a brand topic (your own brand); add others as competitors")
        if kind == "competitor" and sum(t.kind == "competitor" for t in others) >= MAX_COMPETITORS:
            raise TopicError(f"Up to {MAX_COMPETITORS} competitors can be tracked; remove one first")
        return name

    def add(self, name: str, kind: str, query: str, color: str = "") -> Topic:
        """Add a topic. Posts already stored are not tagged until `retag(topic.id)` runs."""
        name = self._validate(name, kind, query, None)
        now = _naive(self._clock())
        with writer(self._engine).begin() as conn:
            values = {"name": name, "kind": kind, "query": query.strip(), "color": color, "created_at": now}
            new_id = conn.execute(topics.insert().values(updated_at=now, **values)).inserted_primary_key[0]
        return Topic(int(new_id), name, kind, query.strip(), color)

    def update(
        self,
        topic_id: int,
        *,
        name: str | None = None,
        kind: str | None = None,
        query: str | None = None,
        color: str | None = None,
    ) -> bool:
        """Change a topic; True when its query changed (the caller then runs `retag`)."""
        old = self.get(topic_id)
        new = Topic(
            topic_id,
            name if name is not None else old.name,
            kind or old.kind,
            (query if query is not None else old.query).strip(),
            color if color is not None else old.color,
        )
        clean = self._validate(new.name, new.kind, new.query, topic_id)
        with writer(self._engine).begin() as conn:
            conn.execute(
                update(topics)
                .where(topics.c.id == topic_id)
                .values(name=clean, kind=new.kind, query=new.query, color=new.color, updated_at=_naive(self._clock()))
            )
        return new.query != old.query

    def remove(self, topic_id: int) -> None:
        """Remove a topic with its tags, rollups and alerts (posts stay)."""
        with writer(self._engine).begin() as conn:
            conn.execute(delete(rollup_topic_hourly).where(rollup_topic_hourly.c.topic_id == topic_id))
            conn.execute(delete(post_topics).where(post_topics.c.topic_id == topic_id))
            conn.execute(delete(alerts).where(alerts.c.topic_id == topic_id))
            conn.execute(delete(topics).where(topics.c.id == topic_id))

    def ensure_defaults(self, defaults: Iterable[tuple[str, str, str, str]] = DEMO_TOPICS) -> list[Topic]:
        """Add default topics to a workspace that has none yet (the demo's brand and competitors)."""
        if self.list():
            return []
        added = [self.add(*spec) for spec in defaults]
        for topic in added:
            self.retag(topic.id)
        return added

    # ---- tagging ------------------------------------------------------------------------------------------
    def _query(self, text: str) -> Query | None:
        if text not in self._parsed:
            try:
                self._parsed[text] = check_query(text, self.dialect)
            except TopicError as exc:  # edited by hand in the database: skip it, never break ingest
                log.warning("topic query %r skipped: %s", text, exc)
                self._parsed[text] = None
        return self._parsed[text]

    def tag_batch(self, batch: StoredBatch) -> None:
        """Post stage: tag the posts just inserted, bump per-topic rollups, check for spikes (same transaction)."""
        conn = batch.conn
        active = [(t, q) for t in self._list(conn) if (q := self._query(t.query)) is not None]
        if not active or not batch:
            return
        rows = []
        stored = batch.posts()
        indexed = IndexedBatch({post.id: post for post in stored})
        found = [(topic, compile_batch(query)(indexed)) for topic, query in active]  # each query once, by sets
        for post in stored:
            for topic, ids in found:
                if post.id in ids:
                    rows.append(self._tag_row(post.id, topic.id, post.created_at, post.channel, post.sentiment_label))
        tagged = self._write_tags(conn, rows)
        touched: dict[int, set[datetime]] = {}
        for topic_id, bucket in tagged:
            touched.setdefault(topic_id, set()).add(bucket)
        for topic_id, buckets in touched.items():
            self._check(conn, topic_id, min(buckets), max(buckets) + HOUR)

    def retag_batch(self, batch: StoredBatch) -> None:
        """Post stage, for edits: posts whose text (and so maybe label) changed are tagged afresh. Their old tags
        go first (the delete trigger takes them out of the rollups under the old label), then they are tagged
        as new."""
        ids = list(batch.ids)
        for i in range(0, len(ids), 500):
            batch.conn.execute(delete(post_topics).where(post_topics.c.post_id.in_(ids[i : i + 500])))
        self.tag_batch(batch)

    def stage(self) -> PostStage:
        """Topic tags, per-topic rollups and spike alerts; an edited post is tagged afresh."""
        return PostStage("topics", self.tag_batch, on_edits=self.retag_batch)

    @staticmethod
    def _tag_row(post_id: int, topic_id: int, created: datetime, channel: str, label: str) -> dict[str, Any]:
        return {
            "post_id": post_id,
            "topic_id": topic_id,
            "bucket": hour_bucket(created),
            "channel": channel,
            "sentiment_label": label,
        }

    def _write_tags(self, conn: Connection, rows: list[dict[str, Any]]) -> list[tuple[int, datetime]]:
        """Insert tags (existing ones skipped) and add exactly the new ones to the rollups."""
        if not rows:
            return []
        stmt, params = bulk_insert(conn, post_topics, rows)
        stmt = stmt.on_conflict_do_nothing().returning(
            post_topics.c.topic_id, post_topics.c.bucket, post_topics.c.channel, post_topics.c.sentiment_label
        )
        new = [tuple(r) for r in conn.execute(stmt, params)]
        counts = Counter(new)
        if counts:
            bumps = [
                {"topic_id": t, "bucket": b, "channel": c, "sentiment_label": s, "count": n}
                for (t, b, c, s), n in counts.items()
            ]
            up, params = bulk_insert(conn, rollup_topic_hourly, bumps)
            up = up.on_conflict_do_update(
                index_elements=[
                    rollup_topic_hourly.c.topic_id,
                    rollup_topic_hourly.c.bucket,
                    rollup_topic_hourly.c.channel,
                    rollup_topic_hourly.c.sentiment_label,
                ],
                set_={"count": rollup_topic_hourly.c.count + up.excluded.count},
            )
            conn.execute(up, params)
        return [(t, b) for t, b, _, _ in new]

    def retag(
        self,
        topic_id: int,
        progress: Callable[[int, int], None] | None = None,
        chunk: int = RETAG_CHUNK,
        cancelled: Callable[[], bool] | None = None,
    ) -> int:
        """Tag the whole archive afresh with the topic's current query, newest posts first, in id-keyset chunks
        (one short transaction each, so ingest keeps going and recent charts are right first);
        `progress(posts_done_by_id, last_id)`. `cancelled()` is asked before each chunk: when it says True the
        re-tag stops, leaving older posts untagged (tags and rollups stay consistent). Returns posts tagged."""
        topic = self.get(topic_id)
        cond = to_sql(check_query(topic.query, self.dialect), self.dialect)
        with writer(self._engine).begin() as conn:
            # rollups first: the delete trigger then has nothing left to decrement
            conn.execute(delete(rollup_topic_hourly).where(rollup_topic_hourly.c.topic_id == topic_id))
            conn.execute(delete(post_topics).where(post_topics.c.topic_id == topic_id))
            last = int(conn.execute(select(func.coalesce(func.max(posts.c.id), 0))).scalar_one())
        upper, tagged = last, 0
        while upper > 0 and not (cancelled and cancelled()):
            lower = max(upper - chunk, 0)
            with writer(self._engine).begin() as conn:
                found = conn.execute(
                    select(posts.c.id, posts.c.created_at, posts.c.channel, posts.c.sentiment_label).where(
                        posts.c.id > lower, posts.c.id <= upper, cond
                    )
                ).all()
                rows = [self._tag_row(pid, topic_id, created, ch, label) for pid, created, ch, label in found]
                tagged += len(self._write_tags(conn, rows))
            upper = lower
            if progress:
                progress(last - upper, last)
        self.check_alerts(topic_id)
        return tagged

    # ---- alerts -------------------------------------------------------------------------------------------
    def check_alerts(self, topic_id: int | None = None, days: int = 30) -> None:
        """Look for spikes over the last `days` days (after a re-tag; ingest checks as it goes)."""
        end = hour_bucket(_naive(self._clock())) + HOUR
        with writer(self._engine).begin() as conn:
            for topic in self._list(conn):
                if topic_id is None or topic.id == topic_id:
                    self._check(conn, topic.id, end - timedelta(days=days), end)

    def _check(self, conn: Connection, topic_id: int, start: datetime, end: datetime) -> None:
        # a little earlier than the touched hours, so a spike already under way keeps its start
        frm = start - timedelta(hours=24)
        history = frm - timedelta(days=self.rule.days)
        volume = self._series(conn, topic_id, history, end)
        if not volume:
            return
        # hours without negative posts are zeros from the topic's first post on, not missing history
        first = min(volume)
        for kind, series in (("volume", volume), ("negative", self._series(conn, topic_id, history, end, True))):
            for spike in detect(series, frm, end, self.rule, first):
                if spike.end > start:
                    self._record(conn, topic_id, kind, spike)

    def _record(self, conn: Connection, topic_id: int, kind: str, spike: Spike) -> None:
        """Insert the alert, or update the one for the same topic, kind and (overlapping) window."""
        same = and_(
            alerts.c.topic_id == topic_id,
            alerts.c.kind == kind,
            alerts.c.window_start <= spike.start,
            alerts.c.window_end >= spike.start,
        )
        existing = conn.execute(select(alerts.c.id, alerts.c.window_start).where(same)).first()
        window_start = existing[1] if existing else spike.start
        terms, examples = self._about(conn, topic_id, kind, window_start, spike.end)
        now = _naive(self._clock())
        values = {
            "window_end": spike.end,
            "value": spike.value,
            "baseline": spike.baseline,
            "threshold": spike.threshold,
            "top_terms": terms,
            "example_post_ids": examples,
            "updated_at": now,
        }
        if existing:
            conn.execute(update(alerts).where(alerts.c.id == existing[0]).values(**values))
        else:
            conn.execute(
                alerts.insert().values(topic_id=topic_id, kind=kind, window_start=spike.start, created_at=now, **values)
            )

    def _about(
        self, conn: Connection, topic_id: int, kind: str, start: datetime, end: datetime
    ) -> tuple[list[str], list[int]]:
        """Top terms (window vs the day before) and the most engaged example posts of a spike."""

        def texts(frm: datetime, to: datetime, limit: int) -> list[str]:
            stmt = (
                select(posts.c.title, posts.c.text)
                .join(post_topics, post_topics.c.post_id == posts.c.id)
                .where(self._tagged(topic_id, kind, frm, to))
                .order_by(post_topics.c.bucket.desc())
                .limit(limit)
            )
            return [f"{title} {text}" for title, text in conn.execute(stmt)]

        topic_query = conn.execute(select(topics.c.query).where(topics.c.id == topic_id)).scalar_one()
        words = [w.rstrip("*") for w in parse(topic_query).words()]
        terms = top_terms(texts(start, end, 400), texts(start - timedelta(hours=24), start, 800), exclude=words)
        engagement = (
            func.coalesce(posts.c.likes, 0) + func.coalesce(posts.c.reposts, 0) + func.coalesce(posts.c.replies, 0)
        )
        examples = conn.execute(
            select(posts.c.id)
            .join(post_topics, post_topics.c.post_id == posts.c.id)
            .where(self._tagged(topic_id, kind, start, end))
            .order_by(engagement.desc(), posts.c.id)
            .limit(5)
        ).scalars()
        return terms, list(examples)

    @staticmethod
    def _tagged(topic_id: int, kind: str, start: datetime, end: datetime) -> ColumnElement[bool]:
        cond = and_(post_topics.c.topic_id == topic_id, post_topics.c.bucket >= start, post_topics.c.bucket < end)
        return and_(cond, post_topics.c.sentiment_label == "negative") if kind == "negative" else cond

    def alerts(self, *, unacknowledged_only: bool = False, limit: int = 200) -> list[Alert]:
        """Newest windows first."""
        stmt = select(alerts, topics.c.name).join(topics, topics.c.id == alerts.c.topic_id)
        if unacknowledged_only:
            stmt = stmt.where(alerts.c.acknowledged_at.is_(None))
        stmt = stmt.order_by(alerts.c.window_start.desc(), alerts.c.id.desc()).limit(limit)
        with self._engine.connect() as conn:
            found = [self._to_alert(r._mapping) for r in conn.execute(stmt)]
        # a rule can fire on many posts: its alerts fill what is left of the limit, never pushing spikes out
        left = limit - len(found)
        found += rule_actions.as_alerts(self._engine, Alert, unacknowledged_only=unacknowledged_only, limit=left)
        return sorted(found, key=lambda a: a.window_start, reverse=True)

    @staticmethod
    def _to_alert(m: Any) -> Alert:
        return Alert(
            m["id"],
            m["topic_id"],
            m["name"],
            m["kind"],
            m["window_start"],
            m["window_end"],
            m["value"],
            m["baseline"],
            m["threshold"],
            tuple(m["top_terms"] or ()),
            tuple(m["example_post_ids"] or ()),
            m["created_at"],
            m["acknowledged_by"],
            m["acknowledged_at"],
        )

    def acknowledge(self, alert_id: int, who: str) -> None:
        """Record who acknowledged an alert and when (the first acknowledgement stands)."""
        who = " ".join(who.split())[:200]
        if not who:
            raise TopicError("Say who acknowledges the alert")
        if alert_id < 0:  # raised by a business rule
            if not rule_actions.acknowledge_rule_alert(self._engine, -alert_id, who, _naive(self._clock())):
                raise TopicError(f"There is no alert with id {alert_id}")
            return
        with writer(self._engine).begin() as conn:
            done = conn.execute(
                update(alerts)
                .where(alerts.c.id == alert_id, alerts.c.acknowledged_at.is_(None))
                .values(acknowledged_by=who, acknowledged_at=_naive(self._clock()))
            )
            if done.rowcount == 0 and conn.execute(select(alerts.c.id).where(alerts.c.id == alert_id)).first() is None:
                raise TopicError(f"There is no alert with id {alert_id}")

    # ---- dashboard reads (rollups only) -------------------------------------------------------------------
    @staticmethod
    def _series(
        conn: Connection,
        topic_id: int,
        start: datetime,
        end: datetime,
        negative: bool = False,
        channels: Sequence[str] = (),
    ) -> dict[datetime, int]:
        r = rollup_topic_hourly.c
        cond = and_(r.topic_id == topic_id, r.bucket >= start, r.bucket < end)
        if negative:
            cond = and_(cond, r.sentiment_label == "negative")
        if channels:
            cond = and_(cond, r.channel.in_(channels))
        stmt = select(r.bucket, func.sum(r.count)).where(cond).group_by(r.bucket)
        return {bucket: int(n) for bucket, n in conn.execute(stmt)}

    def topic_series(
        self, topic_id: int, start: datetime, end: datetime, *, negative: bool = False, channels: Sequence[str] = ()
    ) -> dict[datetime, int]:
        """Hourly counts of a topic's posts (or its negative ones) in [start, end)."""
        with self._engine.connect() as conn:
            return self._series(conn, topic_id, start, end, negative, channels)

    def counts(
        self, start: datetime, end: datetime, *, topic_id: int | None = None, channels: Sequence[str] = ()
    ) -> list[tuple[datetime, str, str, int]]:
        """(bucket, channel, sentiment label, count) in [start, end): all posts, or one topic's."""
        table = rollup_hourly if topic_id is None else rollup_topic_hourly
        c = table.c
        cond = and_(c.bucket >= start, c.bucket < end, c.topic_id == topic_id if topic_id is not None else true())
        if channels:
            cond = and_(cond, c.channel.in_(channels))
        stmt = select(c.bucket, c.channel, c.sentiment_label, func.sum(c.count)).where(cond)
        stmt = stmt.group_by(c.bucket, c.channel, c.sentiment_label).having(func.sum(c.count) != 0)
        with self._engine.connect() as conn:
            return [(b, ch, s, int(n)) for b, ch, s, n in conn.execute(stmt)]

    def topic_counts(
        self, start: datetime, end: datetime, channels: Sequence[str] = ()
    ) -> list[tuple[datetime, int, str, int]]:
        """(bucket, topic id, sentiment label, count) for every topic in [start, end)."""
        c = rollup_topic_hourly.c
        cond = and_(c.bucket >= start, c.bucket < end, c.channel.in_(channels) if channels else true())
        stmt = select(c.bucket, c.topic_id, c.sentiment_label, func.sum(c.count)).where(cond)
        stmt = stmt.group_by(c.bucket, c.topic_id, c.sentiment_label).having(func.sum(c.count) != 0)
        with self._engine.connect() as conn:
            return [(b, t, s, int(n)) for b, t, s, n in conn.execute(stmt)]

    # ---- window reads over posts (aggregate SQL on the created_at index; topic filter through post_topics) ----
    @staticmethod
    def _in_window(
        start: datetime, end: datetime, topic_id: int | None = None, channels: Sequence[str] = ()
    ) -> ColumnElement[bool]:
        cond = and_(posts.c.created_at >= start, posts.c.created_at < end)
        if channels:
            cond = and_(cond, posts.c.channel.in_(channels))
        if topic_id is not None:
            pt = post_topics.c
            # a tag's bucket is its post's hour: the (topic_id, bucket) index narrows the tagged posts first
            tagged = select(pt.post_id).where(pt.topic_id == topic_id, pt.bucket >= hour_bucket(start), pt.bucket < end)
            cond = and_(cond, posts.c.id.in_(tagged))
        return cond

    def top_authors(
        self,
        start: datetime,
        end: datetime,
        *,
        topic_id: int | None = None,
        channels: Sequence[str] = (),
        by: str = "reach",
        limit: int = 10,
    ) -> list[AuthorRank]:
        """Authors of the posts in [start, end) (a topic's, a channel's), by followers or by engagement
        (likes + reposts + replies on those posts)."""
        p, a = posts.c, authors.c
        per_post = func.coalesce(p.likes, 0) + func.coalesce(p.reposts, 0) + func.coalesce(p.replies, 0)
        engagement = func.coalesce(func.sum(per_post), 0)
        followers = func.coalesce(a.followers, 0)
        order = (engagement.desc(), followers.desc()) if by == "engagement" else (followers.desc(), engagement.desc())
        stmt = (
            select(a.handle, a.channel, followers, func.count(), engagement)
            .select_from(posts.join(authors, authors.c.id == p.author_id))
            .where(self._in_window(start, end, topic_id, channels))
            .group_by(a.id, a.handle, a.channel, a.followers)
            .order_by(*order, a.id)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [AuthorRank(h, c, int(f), int(n), int(e)) for h, c, f, n, e in conn.execute(stmt)]

    # ---- measurement framework -------------------------------------------------------------------------------
    def channel_totals(
        self, start: datetime, end: datetime, *, topic_id: int | None = None, channels: Sequence[str] = ()
    ) -> list[ChannelTotals]:
        """Per channel: posts, unique authors, reach, engagement, inbound links, posts from high-reach authors,
        sentiment now and in the window of the same length just before."""
        before = start - (end - start)
        # the previous period only needs its sentiment counts: the hourly rollups have them (no posts scan)
        labels: dict[str, dict[str, int]] = {}
        for _, ch, label, n in self.counts(before, start, topic_id=topic_id, channels=channels):
            labels.setdefault(ch, {})[label] = labels.get(ch, {}).get(label, 0) + n
        previous = {ch: SentimentCounts.from_labels(by_label) for ch, by_label in labels.items()}
        with self._engine.connect() as conn:
            now = self._aggregate(conn, self._in_window(start, end, topic_id, channels))
            reach = self._reach(conn, self._in_window(start, end, topic_id, channels))
        return [
            ChannelTotals(ch, n, *reach.get(ch, (0, 0)), lk, rp, rl, ln, s, previous.get(ch, SentimentCounts()), high)
            for ch, (n, lk, rp, rl, ln, high, s) in sorted(now.items())
        ]

    @staticmethod
    def _aggregate(conn: Connection, where: ColumnElement[bool]) -> dict[str, tuple]:
        p = posts.c
        # inbound links: a link written in the post's text (p.url is the post's own permalink, not a link)
        has_link = or_(p.text.contains("http://", autoescape=True), p.text.contains("https://", autoescape=True))
        high_reach = authors.c.followers >= HIGH_REACH_FOLLOWERS

        def count_if(cond: ColumnElement[bool]) -> Any:
            return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

        stmt = (
            select(
                p.channel,
                func.count(),
                func.coalesce(func.sum(p.likes), 0),
                func.coalesce(func.sum(p.reposts), 0),
                func.coalesce(func.sum(p.replies), 0),
                count_if(has_link),
                count_if(high_reach),
                count_if(p.sentiment_label == "positive"),
                count_if(p.sentiment_label == "negative"),
                count_if(p.sentiment_label == "neutral"),
            )
            .select_from(posts.outerjoin(authors, authors.c.id == p.author_id))
            .where(where)
            .group_by(p.channel)
        )
        return {
            row[0]: (*(int(v) for v in row[1:7]), SentimentCounts(int(row[7]), int(row[8]), int(row[9])))
            for row in conn.execute(stmt)
        }

    @staticmethod
    def _reach(conn: Connection, where: ColumnElement[bool]) -> dict[str, tuple[int, int]]:
        """Per channel: (unique authors, their followers added up) of the posts matching `where` (an author
        belongs to one channel, so one distinct pass serves both)."""
        seen = select(posts.c.author_id).distinct().where(where)
        stmt = (
            select(authors.c.channel, func.count(), func.coalesce(func.sum(authors.c.followers), 0))
            .where(authors.c.id.in_(seen))
            .group_by(authors.c.channel)
        )
        return {ch: (int(u), int(n)) for ch, u, n in conn.execute(stmt)}

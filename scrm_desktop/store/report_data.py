"""Read-only queries behind reports: the posts behind a figure (most engaged first) and incidents with their
timelines. Every time is naive UTC; aggregate figures come from the dashboard's reads (topics.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, or_, select

from scrm_desktop.store.cases import Case, Incident, _row
from scrm_desktop.store.cases_tables import case_events, cases, incidents, outbox
from scrm_desktop.store.tables import posts
from scrm_desktop.store.topics import TopicRepo


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    actor: str
    text: str


@dataclass(frozen=True)
class IncidentTimeline:
    incident: Incident
    cases: int  # linked cases
    entries: tuple[TimelineEntry, ...]  # oldest first


def _engagement() -> Any:
    return func.coalesce(posts.c.likes, 0) + func.coalesce(posts.c.reposts, 0) + func.coalesce(posts.c.replies, 0)


class ReportReads:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def top_post_ids(
        self,
        start: datetime,
        end: datetime,
        *,
        topic_id: int | None = None,
        channels: Sequence[str] = (),
        sentiment: str = "",
        author_id: int | None = None,
        limit: int = 3,
    ) -> list[int]:
        """The most engaged posts in [start, end) (a topic's, a channel's, one sentiment's, one author's), newest
        first on a tie."""
        cond = TopicRepo._in_window(start, end, topic_id, channels)  # the same window the dashboard counts
        if sentiment:
            cond = and_(cond, posts.c.sentiment_label == sentiment)
        if author_id is not None:
            cond = and_(cond, posts.c.author_id == author_id)
        stmt = (
            select(posts.c.id)
            .where(cond)
            .order_by(_engagement().desc(), posts.c.created_at.desc(), posts.c.id.desc())
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return list(conn.execute(stmt).scalars())

    def cases(self, start: datetime, end: datetime) -> list[Case]:
        """Cases opened in [start, end), oldest first (the case list export)."""
        stmt = select(cases).where(cases.c.created_at >= start, cases.c.created_at < end)
        with self._engine.connect() as conn:
            return [_row(Case, r) for r in conn.execute(stmt.order_by(cases.c.created_at, cases.c.id))]

    def incident_timelines(self, start: datetime, end: datetime) -> list[IncidentTimeline]:
        """Incidents open at some time in [start, end): opened, cases linked, status updates sent, resolved."""
        live = and_(
            incidents.c.created_at < end, or_(incidents.c.resolved_at.is_(None), incidents.c.resolved_at >= start)
        )
        with self._engine.connect() as conn:
            found = [_row(Incident, r) for r in conn.execute(select(incidents).where(live).order_by(incidents.c.id))]
            return [self._timeline(conn, incident) for incident in found]

    @staticmethod
    def _timeline(conn: Connection, incident: Incident) -> IncidentTimeline:
        entries = [
            TimelineEntry(incident.created_at, incident.created_by, f"Opened at crisis level {incident.severity}")
        ]
        linked = conn.execute(
            select(case_events.c.at, case_events.c.actor, cases.c.id, cases.c.channel, cases.c.subject)
            .join(cases, cases.c.id == case_events.c.case_id)
            .where(cases.c.incident_id == incident.id, case_events.c.kind == "linked_incident")
            .order_by(case_events.c.at, case_events.c.id)
        ).all()
        entries += [TimelineEntry(r.at, r.actor, f"Case #{r.id} ({r.channel}) linked: {r.subject}") for r in linked]
        updates = conn.execute(
            select(func.min(outbox.c.created_at), outbox.c.created_by, outbox.c.text, func.count())
            .where(outbox.c.incident_id == incident.id)
            .group_by(outbox.c.created_by, outbox.c.text)
            .order_by(func.min(outbox.c.created_at))
        ).all()
        entries += [TimelineEntry(at, who, f"Status update to {n} case(s): {text}") for at, who, text, n in updates]
        if incident.resolved_at is not None:
            cause = f" Root cause: {incident.root_cause}" if incident.root_cause else ""
            entries.append(TimelineEntry(incident.resolved_at, "", f"Resolved.{cause}"))
        count = conn.execute(select(func.count()).where(cases.c.incident_id == incident.id)).scalar_one()
        return IncidentTimeline(incident, int(count), tuple(sorted(entries, key=lambda e: e.at)))

"""Read-only queries behind the agent's side panels: what we know about a post's author (earlier posts and cases),
the classifier's cues for a post, and the case rows the KPIs are computed from. Every time is naive UTC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, func, select

from scrm_desktop.store.cases_tables import case_events, cases
from scrm_desktop.store.tables import authors, posts


@dataclass(frozen=True)
class EarlierPost:
    id: int
    created_at: datetime
    text: str
    sentiment_label: str


@dataclass(frozen=True)
class EarlierCase:
    id: int
    created_at: datetime
    status: str
    subject: str


@dataclass(frozen=True)
class AuthorRecord:
    author_id: int
    handle: str
    name: str
    followers: int | None
    post_count: int
    sentiment: dict[str, int]  # label -> number of their posts
    earlier_posts: list[EarlierPost]
    earlier_cases: list[EarlierCase]


@dataclass(frozen=True)
class KpiRow:
    """One case as the KPIs see it; `agent` is who gave the first response (else who resolved or holds it)."""

    case_id: int
    agent: str
    created_at: datetime
    sla_due: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    channel: str = ""
    status: str = ""
    outcome: str = ""  # the decision tree's outcome title ("" until an agent walked the tree)
    subject: str = ""
    incident_id: int | None = None
    resolution: str = ""  # what it was resolved with (answered, fixed, refunded…), once resolved


def _outcome(decision: Any) -> str:
    outcome = (decision or {}).get("outcome") if isinstance(decision, dict) else None
    return str(outcome.get("title") or "") if isinstance(outcome, dict) else ""


class CaseReports:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def classification(self, post_id: int) -> dict[str, Any]:
        """The cues behind the post's trait, intent and lead (empty when the post was stored before 0002)."""
        with self._engine.connect() as conn:
            value = conn.execute(select(posts.c.classification).where(posts.c.id == post_id)).scalar()
        return dict(value or {})

    def author(self, author_id: int, before_post_id: int, limit: int = 5) -> AuthorRecord | None:
        """The author's earlier posts (newest first), their sentiment counts and the cases on their posts."""
        with self._engine.connect() as conn:
            row = conn.execute(select(authors).where(authors.c.id == author_id)).first()
            if row is None:
                return None
            mine = and_(posts.c.author_id == author_id, posts.c.id != before_post_id)
            earlier = conn.execute(
                select(posts.c.id, posts.c.created_at, posts.c.text, posts.c.sentiment_label)
                .where(mine)
                .order_by(posts.c.created_at.desc(), posts.c.id.desc())
                .limit(limit)
            )
            found = [EarlierPost(r.id, r.created_at, r.text, r.sentiment_label) for r in earlier]
            counts = conn.execute(
                select(posts.c.sentiment_label, func.count()).where(mine).group_by(posts.c.sentiment_label)
            )
            sentiment = {label: n for label, n in counts}
            their_cases = conn.execute(
                select(cases.c.id, cases.c.created_at, cases.c.status, cases.c.subject)
                .select_from(cases.join(posts, posts.c.id == cases.c.post_id))
                .where(mine)
                .order_by(cases.c.id.desc())
                .limit(limit)
            )
            case_list = [EarlierCase(r.id, r.created_at, r.status, r.subject) for r in their_cases]
        return AuthorRecord(
            author_id, row.handle, row.display_name, row.followers, row.post_count, sentiment, found, case_list
        )

    def kpi_rows(self, since: datetime, until: datetime) -> list[KpiRow]:
        """Cases opened in [since, until), each with the agent the KPIs count it for."""
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(cases)
                .where(cases.c.created_at >= since, cases.c.created_at < until)
                .order_by(cases.c.created_at, cases.c.id)
            ).all()
            ids = [r.id for r in rows]
            responders: dict[int, str] = {}
            resolvers: dict[int, str] = {}
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                events = conn.execute(
                    select(case_events.c.case_id, case_events.c.kind, case_events.c.actor, case_events.c.detail)
                    .where(
                        case_events.c.case_id.in_(chunk), case_events.c.kind.in_(("reply_queued", "status", "resolved"))
                    )
                    .order_by(case_events.c.id)
                )
                for e in events:
                    if e.kind == "reply_queued":
                        responders.setdefault(e.case_id, e.actor)
                    elif (e.detail or {}).get("status") == "resolved":
                        resolvers.setdefault(e.case_id, e.actor)
        return [
            KpiRow(
                r.id,
                responders.get(r.id) or resolvers.get(r.id) or _person(r.assignee) or r.claimed_by or "",
                r.created_at,
                r.sla_due,
                r.first_response_at,
                r.resolved_at,
                r.channel,
                r.status,
                _outcome(r.decision),
                r.subject,
                r.incident_id,
                r.resolution or "",
            )
            for r in rows
        ]


def _person(assignee: str | None) -> str:
    """An assignee who is a person; a team's queue ("queue:sales") is nobody's case yet."""
    return "" if not assignee or assignee.startswith("queue:") else assignee

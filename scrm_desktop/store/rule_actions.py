"""What business rules do at ingest, written in the ingest transaction itself: leads marked, alerts raised, and
the cases to open handed to engage (CaseService.open_for_rules opens them with the rules' priority and assignee,
"opened by rule X" in their history). Being part of the same
transaction as the posts makes every action happen exactly once: a crash rolls all of it back with the posts,
and a re-ingested batch inserts no post, so no rule fires again. Also: reading and acknowledging rule alerts."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, select, update

from scrm_desktop.core.measure import window_query
from scrm_desktop.core.post import Post
from scrm_desktop.store.bulk import dialect_insert
from scrm_desktop.store.engine import writer
from scrm_desktop.store.rule_actions_tables import rule_alerts
from scrm_desktop.store.tables import authors, posts

CASE_ACTIONS = ("case", "assign")  # assigning a post to a person or queue opens its case
T = TypeVar("T")


@dataclass(frozen=True)
class RuleOpening:
    """A post whose rules open its case: the post, its hits in firing order, and when they fired."""

    post: Post
    hits: tuple[Mapping[str, Any], ...]
    at: datetime


@dataclass(frozen=True)
class RuleAlert:
    id: int
    post_id: int
    rule_id: int | None
    rule_name: str
    message: str
    created_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    post_created_at: datetime | None = None
    author: str = ""  # display name, else handle
    handle: str = ""
    excerpt: str = ""


def write_effects(
    conn: Connection, stored: Mapping[int, Post], hits: Sequence[Mapping[str, Any]], now: datetime
) -> list[RuleOpening]:
    """Carry out the hits (in firing order) of the posts just stored: leads marked, alerts raised. The cases
    they open are returned, for engage's one case-opening path (CaseService.open_for_rules) in the same
    transaction."""
    by_post: dict[int, list[Mapping[str, Any]]] = {}
    for hit in hits:
        by_post.setdefault(hit["post_id"], []).append(hit)
    leads = sorted(pid for pid, found in by_post.items() if any(h["action"] == "lead" for h in found))
    for i in range(0, len(leads), 900):
        conn.execute(update(posts).where(posts.c.id.in_(leads[i : i + 900])).values(is_lead=True))
    alerts = [row for pid, found in by_post.items() for row in _alert_rows(pid, found, now)]
    if alerts:
        conn.execute(dialect_insert(conn, rule_alerts).on_conflict_do_nothing(), alerts)
    return [
        RuleOpening(stored[pid], tuple(found), now)
        for pid, found in by_post.items()
        if any(h["action"] in CASE_ACTIONS for h in found)
    ]


def _alert_rows(post_id: int, found: Iterable[Mapping[str, Any]], now: datetime) -> list[dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for hit in found:
        if hit["action"] != "alert":
            continue
        row = rows.setdefault(
            hit["rule_name"],
            {
                "post_id": post_id,
                "rule_id": hit["rule_id"],
                "rule_name": hit["rule_name"],
                "message": "",
                "created_at": now,
            },
        )
        if hit["value"]:
            row["message"] = "; ".join(filter(None, (row["message"], hit["value"])))[:1000]
    return list(rows.values())


# ---- reading and acknowledging rule alerts (the dashboard lists them beside spike alerts) ---------------------
def rule_alerts_list(engine: Engine, *, unacknowledged_only: bool = False, limit: int = 200) -> list[RuleAlert]:
    """Newest first, with the post's time, author and the start of its text."""
    stmt = (
        select(
            rule_alerts,
            posts.c.created_at.label("post_created_at"),
            posts.c.text,
            posts.c.title,
            authors.c.handle,
            authors.c.display_name,
        )
        .join(posts, posts.c.id == rule_alerts.c.post_id)
        .outerjoin(authors, authors.c.id == posts.c.author_id)
        .order_by(rule_alerts.c.created_at.desc(), rule_alerts.c.id.desc())
        .limit(limit)
    )
    if unacknowledged_only:
        stmt = stmt.where(rule_alerts.c.acknowledged_at.is_(None))
    with engine.connect() as conn:
        return [_to_rule_alert(r._mapping) for r in conn.execute(stmt)]


def _to_rule_alert(m: Mapping[str, Any]) -> RuleAlert:
    text = " ".join(((m["title"] + " " if m["title"] else "") + m["text"]).split())
    return RuleAlert(
        id=m["id"],
        post_id=m["post_id"],
        rule_id=m["rule_id"],
        rule_name=m["rule_name"],
        message=m["message"],
        created_at=m["created_at"],
        acknowledged_by=m["acknowledged_by"],
        acknowledged_at=m["acknowledged_at"],
        post_created_at=m["post_created_at"],
        author=m["display_name"] or m["handle"] or "",
        handle=(m["handle"] or "").lstrip("@").replace('"', ""),
        excerpt=text[:160],
    )


def acknowledge_rule_alert(engine: Engine, alert_id: int, who: str, now: datetime) -> bool:
    """Record who acknowledged and when (the first acknowledgement stands); False if there is no such alert."""
    with writer(engine).begin() as conn:
        conn.execute(
            update(rule_alerts)
            .where(rule_alerts.c.id == alert_id, rule_alerts.c.acknowledged_at.is_(None))
            .values(acknowledged_by=who, acknowledged_at=now)
        )
        return conn.execute(select(rule_alerts.c.id).where(rule_alerts.c.id == alert_id)).first() is not None


def as_alerts(
    engine: Engine, make: Callable[..., T], *, unacknowledged_only: bool = False, limit: int = 200
) -> list[T]:
    """Rule alerts in the shape of spike alerts (store.topics.Alert, passed as `make`) for the one Alerts list:
    negative ids, kind "rule", the post's minute as the window, and a query that opens the post."""
    out = []
    for a in rule_alerts_list(engine, unacknowledged_only=unacknowledged_only, limit=limit):
        start = (a.post_created_at or a.created_at).replace(second=0, microsecond=0)
        end = start + timedelta(minutes=1)
        out.append(
            make(
                -a.id,
                0,
                a.rule_name,
                "rule",
                start,
                end,
                1,
                0.0,
                0.0,
                (a.message,) if a.message else (),
                (a.post_id,),
                a.created_at,
                a.acknowledged_by,
                a.acknowledged_at,
                detail=f"{a.author}: {a.excerpt}" if a.author else a.excerpt,
                query=f'author:"{a.handle}" {window_query(start, end)}' if a.handle else window_query(start, end),
            )
        )
    return out

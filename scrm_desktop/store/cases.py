"""Cases repository: cases and their history, atomic claims (leases), presence, drafts, incidents, outbox items.

Every time is naive UTC, as elsewhere in the store. Claims and outbox state changes are conditional UPDATEs
checked by rowcount, so two agents on two desktops (or two processes on one SQLite file) never both win.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from scrm_desktop.store.batch import StoredBatch
from scrm_desktop.store.bulk import dialect_insert
from scrm_desktop.store.cases_tables import agents, case_events, case_posts, cases, drafts, incidents, outbox, presence
from scrm_desktop.store.engine import writer
from scrm_desktop.store.tables import posts

CASE_STATUSES = ("new", "open", "waiting", "resolved", "closed")  # waiting: on the customer
OPEN_STATUSES = ("new", "open", "waiting")
OUTBOX_STATES = ("queued", "sending", "sent", "failed", "manual", "needs_check")


class CaseError(LookupError):
    """A case, incident or outbox item that does not exist."""


class AgentNameTaken(ValueError):
    """Another desktop (another agent id) already uses this display name on the database."""


class StaleCase(RuntimeError):
    """The case changed since the agent started (someone else answered meanwhile); the message says what."""


@dataclass(frozen=True)
class Case:
    id: int
    post_id: int | None
    channel: str
    author_handle: str
    author_name: str
    subject: str
    status: str
    priority: int
    scope: str
    assignee: str
    claimed_by: str | None
    lease_expires: datetime | None
    version: int
    incident_id: int | None
    decision: Mapping[str, Any]
    created_at: datetime
    updated_at: datetime
    sla_due: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    snoozed_until: datetime | None = None
    resolution: str = ""

    def holder(self, now: datetime) -> str | None:
        """Who holds the claim now (None once the lease has lapsed)."""
        if self.claimed_by and self.lease_expires and self.lease_expires > now:
            return self.claimed_by
        return None

    def sla_breached(self, now: datetime) -> bool:
        answered = self.first_response_at or (self.resolved_at if self.status in ("resolved", "closed") else None)
        return answered is None and now > self.sla_due


@dataclass(frozen=True)
class QueueRow:
    """A case as a queue shows it: the case and its post's sentiment and time."""

    case: Case
    sentiment: float | None
    sentiment_label: str
    posted_at: datetime | None


@dataclass(frozen=True)
class QueueFilter:
    """What a queue shows: a view (mine, unassigned, all, breached, snoozed) narrowed by channel, priority,
    words in the subject or the author, and assignees left out (the support view leaves out the teams' queues)."""

    view: str = "all"
    channel: str = ""
    priority: int | None = None
    text: str = ""
    exclude_assignees: tuple[str, ...] = ()


@dataclass(frozen=True)
class Agent:
    id: str
    name: str
    last_seen: datetime


@dataclass(frozen=True)
class CaseEvent:
    id: int
    case_id: int
    at: datetime
    actor: str
    kind: str
    detail: Mapping[str, Any]


@dataclass(frozen=True)
class Incident:
    id: int
    title: str
    severity: int
    status: str
    root_cause: str
    status_url: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    keywords: str = ""  # phrases people use for it, one a line (engage/incident_match.py)


@dataclass(frozen=True)
class Draft:
    case_id: int
    agent: str
    text: str
    template_id: str
    base_version: int
    updated_at: datetime


@dataclass(frozen=True)
class OutboxItem:
    id: int
    case_id: int | None
    incident_id: int | None
    channel: str
    source_name: str
    in_reply_to: str
    reply_url: str
    text: str
    extra: Mapping[str, Any]
    idempotency_key: str
    state: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str
    created_by: str
    template_id: str
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None
    external_id: str
    external_url: str


def _row(cls: type, row: Any) -> Any:
    return cls(**{f.name: row._mapping[f.name] for f in fields(cls)})


@dataclass(frozen=True)
class NewReply:
    """What queueing a reply puts in the outbox."""

    channel: str
    text: str
    source_name: str = ""
    in_reply_to: str = ""
    reply_url: str = ""
    extra: Mapping[str, Any] | None = None
    manual: bool = False  # the channel cannot publish: a person sends it by hand
    template_id: str = ""


@dataclass(frozen=True)
class CaseOpening:
    """A case to open: its columns (engage.cases.case_values makes them), who opens it, and what the "opened"
    history entry adds to the post id (e.g. the rule that opened it). `linked`: the "linked_incident" entry of a
    case born linked to an incident (its values then carry the incident_id)."""

    post_id: int | None
    values: Mapping[str, Any]
    actor: str
    detail: Mapping[str, Any] = field(default_factory=dict)
    linked: Mapping[str, Any] | None = None


def open_cases_in(conn: Connection, openings: Sequence[CaseOpening], now: datetime) -> list[int]:
    """Open cases inside the caller's transaction (rules open theirs in the ingest transaction): one insert and
    one history insert for the batch. A post that has a case keeps it as it is (no second "opened" entry); its
    case id is returned like the others, in the order of `openings`."""
    if len({frozenset(o.values) for o in openings}) > 1:  # an executemany takes one set of columns
        return [case_id for o in openings for case_id in open_cases_in(conn, [o], now)]
    known = _cases_of(conn, [o.post_id for o in openings if o.post_id is not None])
    fresh: dict[int | None, CaseOpening] = {}
    loose: list[CaseOpening] = []  # cases of no post (never a conflict)
    for o in openings:
        if o.post_id is None:
            loose.append(o)
        elif o.post_id not in known:
            fresh.setdefault(o.post_id, o)
    opened = []
    # a post's case comes back with its post id, in any order: one statement for the batch (asking for the
    # rows' order makes SQLAlchemy send one INSERT per row on SQLite); loose cases are matched by their order
    for todo, in_order in ((list(fresh.values()), False), (loose, True)):
        if todo:
            rows = [
                {**o.values, "post_id": o.post_id, "created_at": now, "updated_at": now, "version": 1} for o in todo
            ]
            stmt = (
                dialect_insert(conn, cases)
                .on_conflict_do_nothing(index_elements=[cases.c.post_id])
                .returning(cases.c.id, cases.c.post_id, sort_by_parameter_order=in_order)
            )
            opened += conn.execute(stmt, rows).all()
    events, loose_ids = [], []
    for case_id, post_id in opened:
        opening = fresh[post_id] if post_id is not None else loose[len(loose_ids)]
        if post_id is None:
            loose_ids.append(case_id)
        detail = {"post_id": post_id, **opening.detail}
        events.append({"case_id": case_id, "at": now, "actor": opening.actor, "kind": "opened", "detail": detail})
        if opening.linked is not None:  # linked by the app, not by a person: no actor
            link = {
                "case_id": case_id,
                "at": now,
                "actor": "",
                "kind": "linked_incident",
                "detail": dict(opening.linked),
            }
            events.append(link)
        if post_id is not None:
            known.setdefault(post_id, case_id)
    if events:
        conn.execute(insert(case_events), events)
    known.update(_cases_of(conn, [p for p in fresh if p not in known]))  # another writer opened it meanwhile
    left = iter(loose_ids)
    return [int(known[o.post_id]) if o.post_id is not None else int(next(left)) for o in openings]


def _cases_of(conn: Connection, post_ids: Sequence[int]) -> dict[int | None, int]:
    found: dict[int | None, int] = {}
    ordered = sorted(set(post_ids))
    for i in range(0, len(ordered), 900):
        stmt = select(cases.c.post_id, cases.c.id).where(cases.c.post_id.in_(ordered[i : i + 900]))
        found.update({pid: cid for pid, cid in conn.execute(stmt)})
    return found


def open_case_in(
    conn: Connection,
    post_id: int | None,
    values: Mapping[str, Any],
    actor: str,
    now: datetime,
    detail: Mapping[str, Any] | None = None,
    linked: Mapping[str, Any] | None = None,
) -> int:
    """Open one case inside the caller's transaction (see open_cases_in); a post's existing case is returned."""
    return open_cases_in(conn, [CaseOpening(post_id, values, actor, detail or {}, linked)], now)[0]


def incidents_in(conn: Connection, open_only: bool = True) -> list[Incident]:
    """Incidents, most severe first (then oldest), read in the caller's transaction; `open_only`: not resolved."""
    query = select(incidents).order_by(incidents.c.severity.desc(), incidents.c.id)
    if open_only:
        query = query.where(incidents.c.status != "resolved")
    return [_row(Incident, r) for r in conn.execute(query)]


def reopen_on_reply(batch: StoredBatch) -> None:
    """Post stage: when a customer writes again in the thread of their case (a reply to the case's post, or in
    its thread, by the same author), the post joins the case and a case that waited on the customer (or was
    resolved) is open again, back in the queues, with the reason in its history. One query per batch."""
    conn = batch.conn
    replies = [(pid, p) for pid, p in batch if (p.reply_to or p.thread_id) and p.author_handle]
    if not replies:
        return
    keys = sorted({k for _pid, p in replies for k in (p.reply_to, p.thread_id) if k})
    found: dict[tuple[str, str, str], tuple[int, str]] = {}  # (channel, key, author) -> newest open case
    for i in range(0, len(keys), 400):
        chunk = keys[i : i + 400]
        rows = conn.execute(
            select(cases.c.id, cases.c.status, cases.c.author_handle, posts.c.channel, posts.c.external_id)
            .add_columns(posts.c.thread_id)
            .select_from(cases.join(posts, posts.c.id == cases.c.post_id))
            .where(
                or_(posts.c.external_id.in_(chunk), posts.c.thread_id.in_(chunk)),
                cases.c.status != "closed",
            )
            .order_by(cases.c.id)
        )
        for r in rows:
            for key in (r.external_id, r.thread_id):
                if key:
                    found[(r.channel, key, r.author_handle)] = (r.id, r.status)
    when = max(p.created_at for _pid, p in replies)
    for post_id, p in replies:
        hit = found.get((p.channel, p.reply_to, p.author_handle)) or found.get(
            (p.channel, p.thread_id, p.author_handle)
        )
        if hit is None:
            continue
        case_id, status = hit
        conn.execute(insert(case_posts).values(case_id=case_id, post_id=post_id, added_by="", added_at=when))
        values: dict[str, Any] = {"version": cases.c.version + 1, "updated_at": when}
        reopened = status in ("waiting", "resolved")
        if reopened:
            values |= {"status": "open", "snoozed_until": None, "resolved_at": None, "resolution": ""}
        conn.execute(update(cases).where(cases.c.id == case_id).values(**values))
        detail = {"post_id": post_id, "text": p.text[:280], "reopened": reopened}
        CaseRepo._event(conn, case_id, when, p.author_handle, "customer_replied", detail)
        for k in (p.reply_to, p.thread_id):  # a second reply in the same batch finds the case open already
            if (p.channel, k, p.author_handle) in found:
                found[(p.channel, k, p.author_handle)] = (case_id, "open")


class CaseRepo:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._writer = writer(engine)

    # ---- cases -------------------------------------------------------------------------------------------
    def open_case(
        self,
        post_id: int | None,
        values: Mapping[str, Any],
        actor: str,
        now: datetime,
        linked: Mapping[str, Any] | None = None,
    ) -> Case:
        """Open a case (for a post: the existing one when the post already has a case); `linked`: see
        CaseOpening (a case born linked to an incident)."""
        with self._writer.begin() as conn:
            case_id = open_case_in(conn, post_id, values, actor, now, linked=linked)
            return self._get(conn, case_id)

    def get(self, case_id: int) -> Case:
        with self._engine.connect() as conn:
            return self._get(conn, case_id)

    def _get(self, conn: Connection, case_id: int) -> Case:
        row = conn.execute(select(cases).where(cases.c.id == case_id)).first()
        if row is None:
            raise CaseError(f"there is no case #{case_id}")
        return _row(Case, row)

    def events(self, case_id: int) -> list[CaseEvent]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(case_events).where(case_events.c.case_id == case_id).order_by(case_events.c.id))
            return [_row(CaseEvent, r) for r in rows]

    def post_text(self, post_id: int | None) -> str:
        if post_id is None:
            return ""
        with self._engine.connect() as conn:
            return conn.execute(select(posts.c.text).where(posts.c.id == post_id)).scalar() or ""

    def queue(self, view: str, agent: str, now: datetime, sort: str = "priority", limit: int = 500) -> list[Case]:
        """Open cases for a queue view: mine, unassigned, all, breached, snoozed; by priority then due time."""
        return [row.case for row in self.queue_page(QueueFilter(view), agent, now, sort=sort, limit=limit)]

    def queue_page(
        self, flt: QueueFilter, agent: str, now: datetime, *, sort: str = "priority", offset: int = 0, limit: int = 200
    ) -> list[QueueRow]:
        """One page of a queue with each case's post sentiment: sorted by priority then due time (or due time
        then priority), `offset` rows in."""
        order = (cases.c.priority, cases.c.sla_due) if sort == "priority" else (cases.c.sla_due, cases.c.priority)
        query = (
            select(
                cases,
                posts.c.sentiment.label("post_sentiment"),
                posts.c.sentiment_label.label("post_label"),
                posts.c.created_at.label("posted_at"),
            )
            .select_from(cases.outerjoin(posts, posts.c.id == cases.c.post_id))
            .where(*self._queue_where(flt, agent, now))
            .order_by(*order, cases.c.id)
            .offset(offset)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [
                QueueRow(_row(Case, r), r.post_sentiment, r.post_label or "", r.posted_at) for r in conn.execute(query)
            ]

    def queue_count(self, view: str | QueueFilter, agent: str, now: datetime) -> int:
        """How many open cases a queue view holds (a count in the database, not rows in memory)."""
        flt = view if isinstance(view, QueueFilter) else QueueFilter(view)
        query = select(func.count()).select_from(cases).where(*self._queue_where(flt, agent, now))
        with self._engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    @staticmethod
    def _queue_where(flt: QueueFilter, agent: str, now: datetime) -> list[Any]:
        where = [cases.c.status.in_(OPEN_STATUSES)]
        held = and_(cases.c.claimed_by.is_not(None), cases.c.lease_expires > now)
        awake = or_(cases.c.snoozed_until.is_(None), cases.c.snoozed_until <= now)
        view = flt.view
        if view == "snoozed":
            where.append(cases.c.snoozed_until > now)
        else:
            where.append(awake)
        if view == "mine":
            where.append(or_(cases.c.assignee == agent, and_(held, cases.c.claimed_by == agent)))
        elif view == "unassigned":
            where += [cases.c.assignee == "", ~held]
        elif view == "breached":
            where += [cases.c.first_response_at.is_(None), cases.c.sla_due < now]
        elif view not in ("all", "snoozed"):
            raise ValueError(f"unknown queue {view!r} (mine, unassigned, all, breached, snoozed)")
        if flt.channel:
            where.append(cases.c.channel == flt.channel)
        if flt.priority is not None:
            where.append(cases.c.priority == flt.priority)
        if flt.exclude_assignees:
            where.append(cases.c.assignee.not_in(flt.exclude_assignees))
        words = flt.text.strip()
        if words:
            pattern = "%" + words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            columns = (cases.c.subject, cases.c.author_handle, cases.c.author_name)
            where.append(or_(*(col.ilike(pattern, escape="\\") for col in columns)))
        return where

    def channels(self) -> list[str]:
        """The channels open cases come from (the queue's channel filter)."""
        query = select(cases.c.channel).where(cases.c.status.in_(OPEN_STATUSES)).distinct().order_by(cases.c.channel)
        with self._engine.connect() as conn:
            return [r[0] for r in conn.execute(query)]

    def update(
        self,
        case_id: int,
        actor: str,
        now: datetime,
        kind: str,
        detail: Mapping[str, Any] | None = None,
        expected_version: int | None = None,
        **values: Any,
    ) -> Case:
        """Change a case, bump its version and record the event, all in one transaction. With
        `expected_version`, the change only happens when nobody changed the case since (else StaleCase)."""
        with self._writer.begin() as conn:
            self._bump(conn, case_id, actor, now, expected_version, values)
            self._event(conn, case_id, now, actor, kind, detail or {})
            return self._get(conn, case_id)

    def _bump(
        self, conn: Connection, case_id: int, actor: str, now: datetime, expected: int | None, values: Mapping
    ) -> None:
        cond = [cases.c.id == case_id] + ([cases.c.version == expected] if expected is not None else [])
        done = conn.execute(
            update(cases).where(*cond).values(version=cases.c.version + 1, updated_at=now, **values)
        ).rowcount
        if done == 1:
            return
        case = self._get(conn, case_id)  # raises CaseError when missing
        last = conn.execute(
            select(case_events).where(case_events.c.case_id == case_id).order_by(case_events.c.id.desc()).limit(1)
        ).first()
        who = f"{last.actor or 'someone'} ({last.kind.replace('_', ' ')} at {last.at:%H:%M})" if last else "someone"
        raise StaleCase(
            f"Case #{case_id} changed since you started (version {expected} -> {case.version}): last change by "
            f"{who}. Read the case again before sending; your draft is kept."
        )

    def add_event(self, case_id: int, actor: str, now: datetime, kind: str, detail: Mapping[str, Any]) -> None:
        with self._writer.begin() as conn:
            self._event(conn, case_id, now, actor, kind, detail)

    @staticmethod
    def _event(conn: Connection, case_id: int, now: datetime, actor: str, kind: str, detail: Mapping) -> None:
        conn.execute(insert(case_events).values(case_id=case_id, at=now, actor=actor, kind=kind, detail=dict(detail)))

    # ---- claims and presence -----------------------------------------------------------------------------
    def claim(self, case_id: int, agent: str, now: datetime, lease_s: float) -> bool:
        """Take (or renew) the claim when nobody else holds a live lease: one conditional UPDATE."""
        free = or_(cases.c.claimed_by.is_(None), cases.c.claimed_by == agent, cases.c.lease_expires < now)
        mine = and_(cases.c.id == case_id, cases.c.claimed_by == agent, cases.c.lease_expires >= now)
        with self._writer.begin() as conn:
            renewing = conn.execute(select(cases.c.id).where(mine)).first() is not None
            won = conn.execute(
                update(cases)
                .where(cases.c.id == case_id, free)
                .values(claimed_by=agent, lease_expires=now + timedelta(seconds=lease_s))
            ).rowcount
            if won == 1 and not renewing:  # the history says when a case changed hands, not every renewal
                self._event(conn, case_id, now, agent, "claimed", {"lease_s": lease_s})
            elif conn.execute(select(cases.c.id).where(cases.c.id == case_id)).first() is None:
                raise CaseError(f"there is no case #{case_id}")
        return won == 1

    def renew(self, case_id: int, agent: str, now: datetime, lease_s: float) -> bool:
        """Extend a live lease we hold (activity); False when it lapsed and someone else took it."""
        with self._writer.begin() as conn:
            return (
                conn.execute(
                    update(cases)
                    .where(cases.c.id == case_id, cases.c.claimed_by == agent)
                    .values(lease_expires=now + timedelta(seconds=lease_s))
                ).rowcount
                == 1
            )

    def release(self, case_id: int, agent: str, now: datetime) -> None:
        with self._writer.begin() as conn:
            gone = conn.execute(
                update(cases)
                .where(cases.c.id == case_id, cases.c.claimed_by == agent)
                .values(claimed_by=None, lease_expires=None)
            ).rowcount
            if gone:
                self._event(conn, case_id, now, agent, "released", {})

    def mark_presence(self, case_id: int, agent: str, activity: str, now: datetime, ttl_s: float) -> None:
        """Say `agent` is viewing/replying to the case until now + ttl (renewed while the agent is active)."""
        with self._writer.begin() as conn:
            conn.execute(
                delete(presence).where(
                    presence.c.case_id == case_id, presence.c.agent == agent, presence.c.activity == activity
                )
            )
            conn.execute(
                insert(presence).values(
                    case_id=case_id, agent=agent, activity=activity, expires_at=now + timedelta(seconds=ttl_s)
                )
            )

    def clear_presence(self, case_id: int, agent: str) -> None:
        with self._writer.begin() as conn:
            conn.execute(delete(presence).where(presence.c.case_id == case_id, presence.c.agent == agent))

    def presence(self, case_id: int, now: datetime) -> list[tuple[str, str]]:
        """(agent, activity) markers still alive on a case."""
        query = (
            select(presence.c.agent, presence.c.activity)
            .where(presence.c.case_id == case_id, presence.c.expires_at > now)
            .order_by(presence.c.agent, presence.c.activity)
        )
        with self._engine.connect() as conn:
            return [(r.agent, r.activity) for r in conn.execute(query)]

    # ---- drafts ------------------------------------------------------------------------------------------
    def save_draft(self, draft: Draft) -> None:
        with self._writer.begin() as conn:
            conn.execute(delete(drafts).where(drafts.c.case_id == draft.case_id, drafts.c.agent == draft.agent))
            conn.execute(insert(drafts).values(**{f.name: getattr(draft, f.name) for f in fields(Draft)}))

    def draft(self, case_id: int, agent: str) -> Draft | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(drafts).where(drafts.c.case_id == case_id, drafts.c.agent == agent)).first()
        return None if row is None else _row(Draft, row)

    # ---- incidents ---------------------------------------------------------------------------------------
    def create_incident(self, title: str, severity: int, actor: str, now: datetime, **values: Any) -> Incident:
        with self._writer.begin() as conn:
            new_id = conn.execute(
                insert(incidents).values(
                    title=title, severity=severity, created_by=actor, created_at=now, updated_at=now, **values
                )
            ).inserted_primary_key[0]
        return self.incident(new_id)

    def incident(self, incident_id: int) -> Incident:
        with self._engine.connect() as conn:
            row = conn.execute(select(incidents).where(incidents.c.id == incident_id)).first()
        if row is None:
            raise CaseError(f"there is no incident #{incident_id}")
        return _row(Incident, row)

    def incidents(self, open_only: bool = True) -> list[Incident]:
        with self._engine.connect() as conn:
            return incidents_in(conn, open_only)

    def update_incident(self, incident_id: int, now: datetime, **values: Any) -> Incident:
        with self._writer.begin() as conn:
            conn.execute(update(incidents).where(incidents.c.id == incident_id).values(updated_at=now, **values))
        return self.incident(incident_id)

    def linked_cases(self, incident_id: int) -> list[Case]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(cases).where(cases.c.incident_id == incident_id).order_by(cases.c.id))
            return [_row(Case, r) for r in rows]

    # ---- outbox ------------------------------------------------------------------------------------------
    def queue_reply(
        self,
        case_id: int | None,
        reply: NewReply,
        actor: str,
        now: datetime,
        base_version: int | None = None,
        incident_id: int | None = None,
    ) -> OutboxItem:
        """Put a reply in the outbox with its idempotency key. For a case, in the same transaction: check the
        case did not change since `base_version` (StaleCase), bump it, mark the first response, log it."""
        with self._writer.begin() as conn:
            item_id = self._insert_item(conn, case_id, incident_id, reply, actor, now)
            if case_id is not None:
                first = conn.execute(select(cases.c.first_response_at).where(cases.c.id == case_id)).scalar()
                values = {"status": "waiting"} | ({} if first else {"first_response_at": now})
                self._bump(conn, case_id, actor, now, base_version, values)
                detail = {"outbox_id": item_id, "text": reply.text, "template_id": reply.template_id}
                self._event(conn, case_id, now, actor, "reply_queued", detail)
                conn.execute(delete(drafts).where(drafts.c.case_id == case_id, drafts.c.agent == actor))
            return self._item(conn, item_id)

    @staticmethod
    def _insert_item(
        conn: Connection, case_id: int | None, incident_id: int | None, reply: NewReply, actor: str, now: datetime
    ) -> int:
        return conn.execute(
            insert(outbox).values(
                case_id=case_id,
                incident_id=incident_id,
                channel=reply.channel,
                source_name=reply.source_name,
                in_reply_to=reply.in_reply_to,
                reply_url=reply.reply_url,
                text=reply.text,
                extra=dict(reply.extra or {}),
                idempotency_key=uuid.uuid4().hex,
                state="manual" if reply.manual else "queued",
                next_attempt_at=None if reply.manual else now,
                created_by=actor,
                template_id=reply.template_id,
                created_at=now,
                updated_at=now,
            )
        ).inserted_primary_key[0]

    def item(self, item_id: int) -> OutboxItem:
        with self._engine.connect() as conn:
            return self._item(conn, item_id)

    @staticmethod
    def _item(conn: Connection, item_id: int) -> OutboxItem:
        row = conn.execute(select(outbox).where(outbox.c.id == item_id)).first()
        if row is None:
            raise CaseError(f"there is no outbox item #{item_id}")
        return _row(OutboxItem, row)

    def items(self, states: tuple[str, ...] = OUTBOX_STATES, case_id: int | None = None) -> list[OutboxItem]:
        query = select(outbox).where(outbox.c.state.in_(states)).order_by(outbox.c.id)
        if case_id is not None:
            query = query.where(outbox.c.case_id == case_id)
        with self._engine.connect() as conn:
            return [_row(OutboxItem, r) for r in conn.execute(query)]

    def due(self, now: datetime, limit: int = 50) -> list[OutboxItem]:
        query = (
            select(outbox)
            .where(outbox.c.state == "queued", outbox.c.next_attempt_at <= now)
            .order_by(outbox.c.next_attempt_at, outbox.c.id)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [_row(OutboxItem, r) for r in conn.execute(query)]

    def move(self, item_id: int, from_states: tuple[str, ...], now: datetime, **values: Any) -> bool:
        """Change an item's state only if it is still in one of `from_states` (True when it moved)."""
        with self._writer.begin() as conn:
            moved = conn.execute(
                update(outbox)
                .where(outbox.c.id == item_id, outbox.c.state.in_(from_states))
                .values(updated_at=now, **values)
            ).rowcount
            if moved and values.get("state") == "sent":
                self._record_sent(conn, item_id, now)
        return moved == 1

    def _record_sent(self, conn: Connection, item_id: int, now: datetime) -> None:
        item = self._item(conn, item_id)
        if item.case_id is not None:
            detail = {"outbox_id": item.id, "external_id": item.external_id, "url": item.external_url}
            self._event(conn, item.case_id, now, item.created_by, "reply_sent", detail)

    def start_sending(self, item_id: int, now: datetime, sender: str = "") -> bool:
        """queued -> sending, counting the attempt and naming the sender; False when another sender took it first."""
        with self._writer.begin() as conn:
            return (
                conn.execute(
                    update(outbox)
                    .where(outbox.c.id == item_id, outbox.c.state == "queued")
                    .values(state="sending", attempts=outbox.c.attempts + 1, updated_at=now, sender=sender)
                ).rowcount
                == 1
            )

    def sending(self) -> list[tuple[int, str, datetime]]:
        """(id, sender, since) of the replies being sent now, by any process."""
        query = select(outbox.c.id, outbox.c.sender, outbox.c.updated_at).where(outbox.c.state == "sending")
        with self._engine.connect() as conn:
            return [(r[0], r[1], r[2]) for r in conn.execute(query)]

    def stranded(self, now: datetime, item_ids: Sequence[int] | None = None) -> int:
        """Items left 'sending' by a crash (all of them, or those named): nobody knows whether they went out, so a
        person checks. Only rows still 'sending' move: one its sender finished meanwhile stays as it ended."""
        note = "the app stopped while sending; check on the channel whether it was posted, then confirm or retry"
        where = [outbox.c.state == "sending"]
        if item_ids is not None:
            if not item_ids:
                return 0
            where.append(outbox.c.id.in_(list(item_ids)))
        with self._writer.begin() as conn:
            return conn.execute(
                update(outbox).where(*where).values(state="needs_check", last_error=note, updated_at=now, sender="")
            ).rowcount

    def counts(self) -> dict[str, int]:
        query = select(outbox.c.state, func.count()).group_by(outbox.c.state)
        with self._engine.connect() as conn:
            return {state: n for state, n in conn.execute(query)}

    def past_replies(self, limit: int = 500) -> list[tuple[str, str]]:
        """(post text, template id) of recent templated replies, for suggestions."""
        query = (
            select(posts.c.text, outbox.c.template_id)
            .select_from(outbox.join(cases, cases.c.id == outbox.c.case_id).join(posts, posts.c.id == cases.c.post_id))
            .where(outbox.c.template_id != "")
            .order_by(outbox.c.id.desc())
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [(r[0], r[1]) for r in conn.execute(query)]

    # ---- agents ------------------------------------------------------------------------------------------
    def register_agent(self, agent_id: str, name: str, now: datetime) -> Agent:
        """Record (or rename) this desktop's agent; AgentNameTaken when another agent id uses the name."""
        name = " ".join(name.split())
        if not name:
            raise ValueError("an agent needs a display name")
        try:
            with self._writer.begin() as conn:
                other = conn.execute(
                    select(agents.c.id).where(func.lower(agents.c.name) == name.lower(), agents.c.id != agent_id)
                ).first()
                if other is not None:
                    raise AgentNameTaken(
                        f"{name!r} is already the name of another agent on this database; pick another (add an "
                        "initial or a surname)"
                    )
                renamed = conn.execute(
                    update(agents).where(agents.c.id == agent_id).values(name=name, last_seen=now)
                ).rowcount
                if not renamed:
                    conn.execute(insert(agents).values(id=agent_id, name=name, created_at=now, last_seen=now))
        except IntegrityError as exc:  # another desktop took the name between our check and our write
            raise AgentNameTaken(f"{name!r} was just taken by another agent on this database; pick another") from exc
        return Agent(agent_id, name, now)

    def agents(self) -> list[Agent]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(agents.c.id, agents.c.name, agents.c.last_seen).order_by(agents.c.name))
            return [Agent(r.id, r.name, r.last_seen) for r in rows]

    # ---- more posts on one case --------------------------------------------------------------------------
    def case_for_post(self, post_id: int) -> int | None:
        """The case a post opened or was added to (None when it has none)."""
        with self._engine.connect() as conn:
            found = conn.execute(select(cases.c.id).where(cases.c.post_id == post_id)).scalar()
            if found is None:
                found = conn.execute(select(case_posts.c.case_id).where(case_posts.c.post_id == post_id)).scalar()
        return None if found is None else int(found)

    def add_post(self, case_id: int, post_id: int, actor: str, now: datetime) -> Case:
        """Add a post to a case (a follow-up, the same matter from another channel); it is in the history and
        the case's version moves (a reply being written should take it into account)."""
        with self._writer.begin() as conn:
            text = conn.execute(select(posts.c.text).where(posts.c.id == post_id)).scalar()
            if text is None:
                raise CaseError(f"there is no post #{post_id}")
            owner = conn.execute(select(cases.c.id).where(cases.c.post_id == post_id)).scalar()
            linked = exists().where(case_posts.c.post_id == post_id, case_posts.c.case_id == case_id)
            if owner == case_id or conn.execute(select(linked)).scalar():
                return self._get(conn, case_id)
            conn.execute(insert(case_posts).values(case_id=case_id, post_id=post_id, added_by=actor, added_at=now))
            self._bump(conn, case_id, actor, now, None, {})
            self._event(conn, case_id, now, actor, "post_added", {"post_id": post_id, "text": text[:280]})
            return self._get(conn, case_id)

    def open_cases_like(self, author_handle: str, limit: int = 50) -> list[Case]:
        """Open cases for "add to case": the author's own first, then the most recently changed."""
        mine = cases.c.author_handle == author_handle
        query = (
            select(cases)
            .where(cases.c.status.in_(OPEN_STATUSES))
            .order_by(mine.desc(), cases.c.updated_at.desc(), cases.c.id.desc())
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [_row(Case, r) for r in conn.execute(query)]

    # ---- the author's history (the decision tree's "repeat" fact) -----------------------------------------
    def earlier_cases(
        self, channel: str, author_handle: str, before_case_id: int, limit: int = 20, *, later: bool = False
    ) -> list[Case]:
        """Cases opened before `before_case_id` for the same author on the same channel, newest first; with
        `later`, the author's other cases opened after it too."""
        if not author_handle:
            return []
        other = cases.c.id != before_case_id if later else cases.c.id < before_case_id
        query = (
            select(cases)
            .where(cases.c.channel == channel, cases.c.author_handle == author_handle, other)
            .order_by(cases.c.id.desc())
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [_row(Case, r) for r in conn.execute(query)]

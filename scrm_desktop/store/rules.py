"""Rules repository: saving and ordering rules, trying one on recent posts, running all of them at ingest (a
store hook), the hits they leave, agents' trait/intent corrections, and the VIP flag on authors."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Connection, Engine, and_, delete, func, insert, select, true, update
from sqlalchemy.exc import IntegrityError

from scrm_desktop.core.classify import INTENTS, TRAITS
from scrm_desktop.core.post import Post
from scrm_desktop.core.query import Query
from scrm_desktop.core.query_compile import IndexedBatch, compile_batch, compile_query
from scrm_desktop.core.rules import CASE_PRIORITY, Action, Rule, RuleError, effects, validate
from scrm_desktop.store.batch import StoredBatch
from scrm_desktop.store.bulk import bulk_insert, sqlite_datetime, sqlite_insert
from scrm_desktop.store.engine import writer
from scrm_desktop.store.query_sql import to_sql
from scrm_desktop.store.rule_actions import RuleOpening, write_effects
from scrm_desktop.store.rules_tables import author_flags, classification_corrections, rule_hits, rules
from scrm_desktop.store.tables import authors, posts
from scrm_desktop.store.topics_tables import post_topics, topics

if TYPE_CHECKING:
    from scrm_desktop.core.classify_model import Corrections

log = logging.getLogger(__name__)
DRY_RUN_POSTS = 500


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def naive(clock: Callable[[], datetime]) -> Callable[[], datetime]:
    """A workspace clock (aware) as the naive UTC times the database stores."""
    return lambda: clock().astimezone(UTC).replace(tzinfo=None)


def _row_to_rule(row: Any) -> Rule:
    return Rule(
        name=row.name,
        query=row.query,
        actions=tuple(Action(a["kind"], a.get("value", "")) for a in row.actions),
        min_followers=row.min_followers,
        vip_only=bool(row.vip_only),
        advocate_only=bool(row.advocate_only),
        min_prior_negative=row.min_prior_negative,
        enabled=bool(row.enabled),
        stop=bool(row.stop),
        id=row.id,
        position=row.position,
    )


def rule_condition(rule: Rule, dialect: str) -> ColumnElement[bool]:
    """The rule as a WHERE condition on posts: its query plus its author conditions."""
    clauses = [to_sql(validate(rule), dialect)]
    if rule.min_followers is not None:
        big = select(authors.c.id).where(authors.c.followers >= rule.min_followers)
        clauses.append(and_(posts.c.author_id.is_not(None), posts.c.author_id.in_(big)))
    if rule.vip_only:
        vips = select(author_flags.c.author_id).where(author_flags.c.vip == true())
        clauses.append(and_(posts.c.author_id.is_not(None), posts.c.author_id.in_(vips)))
    if rule.advocate_only:
        advocates = select(author_flags.c.author_id).where(author_flags.c.advocate == true())
        clauses.append(and_(posts.c.author_id.is_not(None), posts.c.author_id.in_(advocates)))
    if rule.min_prior_negative is not None:
        clauses.append(history_condition(rule.min_prior_negative))
    return and_(*clauses)


def history_condition(min_negative: int) -> ColumnElement[bool]:
    """The author wrote at least `min_negative` negative posts before this one."""
    earlier = posts.alias("earlier")
    count = (
        select(func.count())
        .where(earlier.c.author_id == posts.c.author_id)
        .where(earlier.c.id < posts.c.id)
        .where(earlier.c.sentiment_label == "negative")
        .scalar_subquery()
    )
    return and_(posts.c.author_id.is_not(None), count >= min_negative)


# Fields a batch post answers in memory: its own columns, its source and topics (fetched once per batch when a
# rule asks), and what earlier rules did to it (tags, case status, assignee). Rules using only these are tested
# in memory at ingest, post by post; a field added later without a memory test falls back to SQL.
MEMORY_FIELDS = frozenset(
    {
        "channel",
        "author",
        "sentiment",
        "lang",
        "source",
        "has",
        "is",
        "trait",
        "intent",
        "topic",
        "tag",
        "status",
        "assignee",
        "since",
        "until",
    }
)

STATE_FIELDS = frozenset({"tag", "status", "assignee"})  # what rules' actions change on a post


class _Batch:
    """The posts just inserted, as core Posts carrying what earlier rules did to them, and (fetched once, when
    a rule asks) their authors' standing, source names and topics."""

    def __init__(self, stored: StoredBatch) -> None:
        self.conn = stored.conn
        self.posts = {p.id: p for p in stored.posts()}
        self._authors: dict[int, tuple[int | None, bool, bool]] | None = None

    def author_ok(self, post_id: int, rule: Rule) -> bool:
        if rule.min_followers is None and not rule.vip_only and not rule.advocate_only:
            return True
        followers, vip, advocate = self.authors().get(post_id, (None, False, False))
        if rule.min_followers is not None and (followers is None or followers < rule.min_followers):
            return False
        return (vip or not rule.vip_only) and (advocate or not rule.advocate_only)

    def authors(self) -> dict[int, tuple[int | None, bool, bool]]:
        if self._authors is None:
            self._authors = {}
            for chunk in self.chunks():
                stmt = (
                    select(posts.c.id, authors.c.followers, author_flags.c.vip, author_flags.c.advocate)
                    .join(authors, authors.c.id == posts.c.author_id)
                    .outerjoin(author_flags, author_flags.c.author_id == authors.c.id)
                    .where(posts.c.id.in_(chunk))
                )
                self._authors.update({pid: (f, bool(v), bool(a)) for pid, f, v, a in self.conn.execute(stmt)})
        return self._authors

    def chunks(self, size: int = 900) -> list[list[int]]:
        ids = sorted(self.posts)
        return [ids[i : i + size] for i in range(0, len(ids), size)]

    def load(self, fields: frozenset[str]) -> None:
        """Topics, once, when some rule's query uses them (the topics stage, before the rules, tagged them; the
        batch's posts carry their source's name already)."""
        found: dict[int, dict[str, Any]] = {}
        for chunk in self.chunks():
            if "topic" in fields:
                stmt = select(post_topics.c.post_id, topics.c.name).join(topics, topics.c.id == post_topics.c.topic_id)
                for pid, name in self.conn.execute(stmt.where(post_topics.c.post_id.in_(chunk))):
                    extra = found.setdefault(pid, {})
                    extra["topics"] = (*extra.get("topics", ()), name)
        for pid, values in found.items():
            self.posts[pid] = replace(self.posts[pid], **values)

    def act(self, post_id: int, action: Action) -> bool:
        """What an action changes on the post, for the rules after it (tag:, status:, assignee:); True if any."""
        post = self.posts[post_id]
        changes: dict[str, Any] = {}
        if action.kind == "tag" and action.value not in post.tags:
            changes["tags"] = (*post.tags, action.value)
        elif action.kind == "lead" and not post.is_lead:
            changes["is_lead"] = True
        elif action.kind in ("case", "assign") and not post.status:
            changes["status"] = "new"
        if action.kind == "assign" and post.assignee != action.value:
            changes["assignee"] = action.value
        if changes:
            self.posts[post_id] = replace(post, **changes)
        return bool(changes)


_HIT_COLUMNS = ("post_id", "rule_id", "rule_name", "seq", "action", "value", "created_at")
_HIT_INSERT_SQLITE = sqlite_insert(rule_hits, _HIT_COLUMNS)


def _insert_hits(conn: Connection, hits: list[dict[str, Any]]) -> None:
    """The hits of one batch (one firing time), in one statement: on SQLite the driver's executemany of tuples,
    on PostgreSQL column arrays (store.bulk); a batch of 50 busy rules leaves 8 hits a post."""
    if conn.dialect.name != "sqlite":
        conn.execute(*bulk_insert(conn, rule_hits, hits))
        return
    at = sqlite_datetime(hits[0]["created_at"])
    conn.exec_driver_sql(
        _HIT_INSERT_SQLITE,
        [(h["post_id"], h["rule_id"], h["rule_name"], h["seq"], h["action"], h["value"], at) for h in hits],
    )


class RuleRepo:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = _utcnow) -> None:
        self._engine = engine
        self._clock = clock
        self._compiled: dict[tuple, ColumnElement[bool] | None] = {}

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    # ---- editing --------------------------------------------------------------------------------------------
    def list(self) -> list[Rule]:
        with self._engine.connect() as conn:
            return [_row_to_rule(r) for r in conn.execute(select(rules).order_by(rules.c.position, rules.c.id))]

    def activity(self, since: datetime) -> dict[int, tuple[int, datetime | None]]:
        """Per rule id: on how many posts it fired since `since`, and when it last fired (ever)."""
        recent = func.count(func.distinct(rule_hits.c.post_id)).filter(rule_hits.c.created_at >= since)
        stmt = (
            select(rule_hits.c.rule_id, recent, func.max(rule_hits.c.created_at))
            .where(rule_hits.c.rule_id.is_not(None))
            .group_by(rule_hits.c.rule_id)
        )
        with self._engine.connect() as conn:
            return {rule_id: (int(n or 0), last) for rule_id, n, last in conn.execute(stmt)}

    def get(self, rule_id: int) -> Rule:
        with self._engine.connect() as conn:
            row = conn.execute(select(rules).where(rules.c.id == rule_id)).first()
        if row is None:
            raise KeyError(f"no rule with id {rule_id}")
        return _row_to_rule(row)

    def save(self, rule: Rule) -> Rule:
        """Add (no id: at the end of the order) or change a rule; a broken rule raises RuleError."""
        validate(rule)
        now = self._clock()
        values = {
            "name": " ".join(rule.name.split()),
            "query": rule.query,
            "enabled": rule.enabled,
            "min_followers": rule.min_followers,
            "vip_only": rule.vip_only,
            "advocate_only": rule.advocate_only,
            "min_prior_negative": rule.min_prior_negative,
            "stop": rule.stop,
            "actions": [{"kind": a.kind, "value": a.value} for a in rule.actions],
            "updated_at": now,
        }
        try:
            with writer(self._engine).begin() as conn:
                if rule.id is None:
                    last = conn.execute(select(func.coalesce(func.max(rules.c.position), 0))).scalar_one()
                    new_id = conn.execute(
                        insert(rules).values(**values, position=last + 1, created_at=now).returning(rules.c.id)
                    ).scalar_one()
                else:
                    new_id = rule.id
                    if not conn.execute(update(rules).where(rules.c.id == rule.id).values(**values)).rowcount:
                        raise RuleError(f"The rule {rule.name!r} no longer exists", "name")
        except IntegrityError:
            raise RuleError(f"There is already a rule called {values['name']!r}", "name") from None
        return self.get(new_id)

    def delete(self, rule_id: int) -> None:
        with writer(self._engine).begin() as conn:
            conn.execute(delete(rules).where(rules.c.id == rule_id))

    def set_enabled(self, rule_id: int, enabled: bool) -> None:
        with writer(self._engine).begin() as conn:
            conn.execute(update(rules).where(rules.c.id == rule_id).values(enabled=enabled))

    def move(self, rule_id: int, steps: int) -> None:
        """Move a rule up (negative) or down the order; positions are renumbered 1..n."""
        with writer(self._engine).begin() as conn:
            ids = list(conn.execute(select(rules.c.id).order_by(rules.c.position, rules.c.id)).scalars())
            if rule_id not in ids:
                raise KeyError(f"no rule with id {rule_id}")
            i = ids.index(rule_id)
            ids.insert(max(0, min(len(ids) - 1, i + steps)), ids.pop(i))
            for pos, rid in enumerate(ids, start=1):
                conn.execute(update(rules).where(rules.c.id == rid).values(position=pos))

    # ---- trying and running ---------------------------------------------------------------------------------
    def dry_run(self, rule: Rule, last: int = DRY_RUN_POSTS) -> tuple[int, int]:
        """(posts the rule would match, posts tried) among the newest `last` stored posts. RuleError if broken."""
        cond = rule_condition(rule, self.dialect)
        recent = select(posts.c.id).order_by(posts.c.id.desc()).limit(last).scalar_subquery()
        with self._engine.connect() as conn:
            tried = conn.execute(
                select(func.count()).select_from(select(posts.c.id).where(posts.c.id.in_(recent)).subquery())
            ).scalar_one()
            matched = conn.execute(
                select(func.count()).select_from(posts).where(posts.c.id.in_(recent)).where(cond)
            ).scalar_one()
        return int(matched), int(tried)

    def _condition(self, rule: Rule) -> ColumnElement[bool] | None:
        key = (rule.id, rule.query, rule.min_followers, rule.vip_only, rule.advocate_only, rule.min_prior_negative)
        if key not in self._compiled:
            try:
                self._compiled[key] = rule_condition(rule, self.dialect)
            except RuleError as exc:  # e.g. a field this workspace lost: skip the rule, never fail ingest
                log.warning("rule %r is skipped: %s", rule.name, exc.message)
                self._compiled[key] = None
        return self._compiled[key]

    def apply(self, stored: StoredBatch) -> list[RuleOpening]:
        """Post stage: run the enabled rules in order on each post just inserted, record every action, and carry
        the actions out in the same transaction (store.rule_actions): exactly once, whatever happens. Returns
        the cases the rules open, for engage to open in the same transaction (CaseService.open_for_rules).

        A rule's query is answered for the whole batch at once (core.query_compile.compile_batch), except a
        query reading what earlier rules did (tag:, status:, assignee:): that one is tested post by post, on
        the post as the rules before it left it."""
        active = self._active(stored.conn)
        if not active or not stored:
            return []
        batch = _Batch(stored)
        batch.load(frozenset().union(*(query.fields() for _, query in active)))
        indexed = IndexedBatch(dict(batch.posts))  # as stored: batch.posts follows the rules' actions
        follows = {
            i: compile_query(query)
            for i, (_, query) in enumerate(active)
            if query.fields() & STATE_FIELDS and not self._needs_sql(query)
        }
        fires: dict[int, list[int]] = {}  # post id -> the rules whose query it matches, in order
        for i, (rule, query) in enumerate(active):
            if i in follows:
                continue
            matched = self._sql_matches(batch, rule) if self._needs_sql(query) else compile_batch(query)(indexed)
            for post_id in matched:
                fires.setdefault(post_id, []).append(i)
        history: dict[int, set[int]] = {}
        hits: list[dict[str, Any]] = []
        now = self._clock()
        for post_id in sorted(indexed.all if follows else fires):
            order = sorted((*fires.get(post_id, ()), *follows)) if follows else fires[post_id]
            for i in order:
                rule = active[i][0]
                if i in follows and not follows[i](indexed.indexed(post_id).with_post(batch.posts[post_id])):
                    continue
                if not batch.author_ok(post_id, rule) or not self._history_ok(batch, rule, post_id, history):
                    continue
                for action in rule.actions:
                    hits.append(self._hit(post_id, rule, len(hits), action, now))
                    if follows:  # the post as this rule leaves it, for the rules after it
                        batch.act(post_id, action)
                if rule.stop:
                    break
        if not hits:
            return []
        _insert_hits(batch.conn, hits)
        return write_effects(batch.conn, batch.posts, hits, now)

    def _active(self, conn: Connection) -> list[tuple[Rule, Query]]:
        """The enabled rules in order with their parsed queries; a rule that no longer parses is skipped."""
        stmt = select(rules).where(rules.c.enabled == true()).order_by(rules.c.position, rules.c.id)
        out = []
        for rule in map(_row_to_rule, conn.execute(stmt)):
            try:
                out.append((rule, validate(rule)))
            except RuleError as exc:  # e.g. a field this workspace lost: skip the rule, never fail ingest
                log.warning("rule %r is skipped: %s", rule.name, exc.message)
        return out

    @staticmethod
    def _needs_sql(query: Query) -> bool:
        return not query.fields() <= MEMORY_FIELDS

    def _sql_matches(self, batch: _Batch, rule: Rule) -> set[int]:
        """A rule using a field with no memory test: the database answers (without this batch's rule effects)."""
        cond = self._condition(rule)
        return set() if cond is None else self._matching(batch.conn, sorted(batch.posts), cond)

    def _history_ok(self, batch: _Batch, rule: Rule, post_id: int, cache: dict[int, set[int]]) -> bool:
        """The author's earlier negative posts, counted once per rule and batch (rules' actions never change it)."""
        if rule.min_prior_negative is None:
            return True
        if rule.min_prior_negative not in cache:
            cond = history_condition(rule.min_prior_negative)
            cache[rule.min_prior_negative] = self._matching(batch.conn, sorted(batch.posts), cond)
        return post_id in cache[rule.min_prior_negative]

    @staticmethod
    def _matching(conn: Connection, ids: list[int], cond: ColumnElement[bool]) -> set[int]:
        found: set[int] = set()
        for i in range(0, len(ids), 900):
            chunk = ids[i : i + 900]
            found.update(conn.execute(select(posts.c.id).where(posts.c.id.in_(chunk)).where(cond)).scalars())
        return found

    @staticmethod
    def _hit(post_id: int, rule: Rule, seq: int, action: Action, now: datetime) -> dict[str, Any]:
        return {
            "post_id": post_id,
            "rule_id": rule.id,
            "rule_name": rule.name,
            "seq": seq,
            "action": action.kind,
            "value": action.value,
            "created_at": now,
        }

    def hits(self, post_id: int) -> list[dict[str, Any]]:
        """The actions rules took on a post, in firing order."""
        stmt = select(rule_hits).where(rule_hits.c.post_id == post_id).order_by(rule_hits.c.id)
        with self._engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(stmt)]

    def pending(self, action: str, after_id: int = 0, limit: int = 500) -> list[dict[str, Any]]:
        """Hits of one action (case, alert, notify) after a hit id: how other features pick up their work."""
        stmt = (
            select(rule_hits)
            .where(rule_hits.c.action == action, rule_hits.c.id > after_id)
            .order_by(rule_hits.c.id)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(stmt)]

    def case_priority(self, post_id: int) -> int | None:
        """The case priority (1 urgent .. 4 low) the post's rules set with `priority:`, or None."""
        return CASE_PRIORITY.get(effects(self.hits(post_id)).priority)

    def latest_hit_id(self) -> int:
        with self._engine.connect() as conn:
            return int(conn.execute(select(func.coalesce(func.max(rule_hits.c.id), 0))).scalar_one())

    def notices(self, after_id: int, limit: int = 200) -> list[tuple[int, str, str, Post]]:
        """`notify` hits after a hit id, oldest first: (hit id, rule name, who to notify, the post)."""
        stmt = (
            select(
                rule_hits.c.id.label("hit_id"),
                rule_hits.c.rule_name,
                rule_hits.c.value,
                posts.c.id,
                posts.c.channel,
                posts.c.external_id,
                posts.c.text,
                posts.c.title,
                posts.c.created_at,
                authors.c.handle,
                authors.c.display_name,
            )
            .join(posts, posts.c.id == rule_hits.c.post_id)
            .outerjoin(authors, authors.c.id == posts.c.author_id)
            .where(rule_hits.c.action == "notify", rule_hits.c.id > after_id)
            .order_by(rule_hits.c.id)
            .limit(limit)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(stmt).all()
        return [
            (
                r.hit_id,
                r.rule_name,
                r.value,
                Post(
                    r.id,
                    r.channel,
                    r.external_id,
                    r.text,
                    r.created_at,
                    author_handle=r.handle or "",
                    author_name=r.display_name or "",
                    title=r.title,
                ),
            )
            for r in rows
        ]

    # ---- VIP authors ----------------------------------------------------------------------------------------
    def set_vip(self, author_id: int, vip: bool = True) -> None:
        with writer(self._engine).begin() as conn:
            if conn.execute(update(author_flags).where(author_flags.c.author_id == author_id).values(vip=vip)).rowcount:
                return
            conn.execute(insert(author_flags).values(author_id=author_id, vip=vip, note=""))


class CorrectionRepo:
    """Agents correct a post's trait, intent or lead; the post takes the new value (so streams and rules follow the
    agent) and the automatic value stays beside it in classification_corrections. A lead's value is "yes" or ""
    (not a lead), kept in the post's is_lead."""

    ALLOWED: Mapping[str, tuple[str, ...]] = {"trait": TRAITS, "intent": INTENTS, "lead": ("yes",)}
    COLUMNS: Mapping[str, str] = {"trait": "trait", "intent": "intent", "lead": "is_lead"}

    def __init__(
        self, engine: Engine, clock: Callable[[], datetime] = _utcnow, memory: Corrections | None = None
    ) -> None:
        self._engine = engine
        self._clock = clock
        self.memory = memory  # the classifier learns from the corrections (read from here on first use)
        if memory is not None:
            memory.loader = self.learned

    def learned(self) -> list[tuple[str, str, str, str]]:
        """(text, title, field, value) of every corrected post's latest correction per field, oldest first."""
        latest = (
            select(func.max(classification_corrections.c.id))
            .group_by(classification_corrections.c.post_id, classification_corrections.c.field)
            .scalar_subquery()
        )
        stmt = (
            select(posts.c.text, posts.c.title, classification_corrections.c.field, classification_corrections.c.value)
            .join(posts, posts.c.id == classification_corrections.c.post_id)
            .where(classification_corrections.c.id.in_(latest))
            .order_by(classification_corrections.c.id)
        )
        with self._engine.connect() as conn:
            return [(r.text or "", r.title or "", r.field, r.value) for r in conn.execute(stmt)]

    def correct(self, post_id: int, field: str, value: str, agent: str = "") -> None:
        if field not in self.ALLOWED:
            raise ValueError(f"Only trait, intent or lead can be corrected, not {field!r}")
        value = value.strip().lower()
        if field == "lead" and value in ("no", "none"):
            value = ""
        if value and value not in self.ALLOWED[field]:
            raise ValueError(f"{field} must be one of {', '.join(self.ALLOWED[field])} (or empty), not {value!r}")
        column = posts.c[self.COLUMNS[field]]
        with writer(self._engine).begin() as conn:
            current = conn.execute(select(column, posts.c.text, posts.c.title).where(posts.c.id == post_id)).first()
            if current is None:
                raise KeyError(f"no post with id {post_id}")
            stored = ("yes" if current[0] else "") if field == "lead" else current[0]
            auto = self._automatic(conn, post_id, field, stored)
            conn.execute(
                insert(classification_corrections).values(
                    post_id=post_id,
                    field=field,
                    auto_value=auto,
                    value=value,
                    agent=agent[:200],
                    created_at=self._clock(),
                )
            )
            new = (value == "yes") if field == "lead" else value
            conn.execute(update(posts).where(posts.c.id == post_id).values({column.name: new}))
        if self.memory is not None:
            self.memory.add(current.text or "", field, value, current.title or "")

    @staticmethod
    def _automatic(conn: Connection, post_id: int, field: str, current: str) -> str:
        first = conn.execute(
            select(classification_corrections.c.auto_value)
            .where(classification_corrections.c.post_id == post_id, classification_corrections.c.field == field)
            .order_by(classification_corrections.c.id)
            .limit(1)
        ).scalar()
        return current if first is None else first

    def view(self, post_id: int) -> dict[str, dict[str, str]]:
        """Per field: {"auto": ..., "value": ..., "agent": ..., "at": ...} for corrected fields only."""
        stmt = (
            select(classification_corrections)
            .where(classification_corrections.c.post_id == post_id)
            .order_by(classification_corrections.c.id)
        )
        out: dict[str, dict[str, str]] = {}
        with self._engine.connect() as conn:
            for r in conn.execute(stmt):
                out[r.field] = {
                    "auto": r.auto_value,
                    "value": r.value,
                    "agent": r.agent,
                    "at": r.created_at.isoformat(),
                }
        return out

    def history(self, post_id: int) -> list[dict[str, Any]]:
        stmt = select(classification_corrections).where(classification_corrections.c.post_id == post_id)
        with self._engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(stmt.order_by(classification_corrections.c.id))]

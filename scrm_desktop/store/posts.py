"""Posts repository: the batched ingest write (one transaction), keyset paging, reads for the detail pane."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    and_,
    bindparam,
    delete,
    false,
    func,
    literal,
    or_,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.sql import Select, operators
from sqlalchemy.sql.elements import BinaryExpression, BooleanClauseList
from sqlalchemy.sql.selectable import ScalarSelect
from sqlalchemy.sql.visitors import iterate, replacement_traverse

from scrm_desktop.core.edits import EDITED_AT, PREVIOUS_TEXT, is_newer_edit, previous_text
from scrm_desktop.core.post import Post
from scrm_desktop.store import text_pages
from scrm_desktop.store.batch import NewPost, PostStage, StoredBatch
from scrm_desktop.store.bulk import bulk_insert, dialect_insert, sqlite_in, sqlite_insert
from scrm_desktop.store.cases_tables import cases
from scrm_desktop.store.engine import writer
from scrm_desktop.store.post_keys import keys_by_channel, stored_keys
from scrm_desktop.store.rows import AUTHOR_COLUMNS, POST_COLUMNS, SqliteRows, author_spans, sqlite_datetime, sqlite_rows
from scrm_desktop.store.rules_tables import author_flags, rule_hits
from scrm_desktop.store.sqlite_file import marked
from scrm_desktop.store.tables import authors, posts, rollup_hourly, sentiment_corrections, sources
from scrm_desktop.store.topics_tables import post_topics, rollup_topic_hourly, topics

FTS_TABLE = "posts_fts"  # SQLite FTS5, external content: its rowid is posts.id
TAG_CHUNK = 500  # posts per topic/tag lookup when a page is read


RARE_MATCHES = 2000  # a full-text lookup with fewer matches than this is read match by match


# The authors upsert of _upsert_authors, in SQLite's own words (for the driver-level executemany)
_AUTHOR_UPSERT_SQLITE = (
    "ON CONFLICT (channel, handle) DO UPDATE SET "
    "display_name = coalesce(nullif(excluded.display_name, ''), authors.display_name), "
    "followers = coalesce(excluded.followers, authors.followers), "
    "last_seen = max(excluded.last_seen, authors.last_seen), "
    "first_seen = min(excluded.first_seen, authors.first_seen), "
    "post_count = authors.post_count + excluded.post_count"
)
_ROLLUP_UPSERT_SQLITE = (
    "INSERT INTO rollup_hourly (bucket, channel, sentiment_label, count) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (bucket, channel, sentiment_label) DO UPDATE SET count = rollup_hourly.count + excluded.count"
)
_POST_INSERT_SQLITE = (
    f"INSERT INTO posts ({', '.join(POST_COLUMNS)}) VALUES ({', '.join('?' * len(POST_COLUMNS))}) "
    "ON CONFLICT (channel, external_id) DO NOTHING"
)


def _is_fts(element: Any) -> bool:
    return isinstance(element, Select) and any(getattr(f, "name", "") == FTS_TABLE for f in element.get_final_froms())


def _required_lookups(where: ColumnElement[bool]) -> list[Select]:
    """The full-text lookups every matching post must be in (`posts.id IN (… MATCH …)` at the top level)."""
    terms = where.clauses if isinstance(where, BooleanClauseList) and where.operator is operators.and_ else [where]
    found = []
    for term in terms:
        if isinstance(term, BinaryExpression) and term.operator is operators.in_op and term.left is posts.c.id:
            found += [e for e in iterate(term.right) if _is_fts(e)]
    return found


def _no_rowid_lookup(where: ColumnElement[bool]) -> ColumnElement[bool]:
    """`where` with `posts.id + 0 IN (… MATCH …)` for `posts.id IN (…)`: the same rows, but SQLite can no longer
    fetch the matches by rowid and walks the index that serves ORDER BY instead (its usual "+column" trick)."""

    def unplug(element: Any) -> Any:
        if (
            isinstance(element, BinaryExpression)
            and element.left is posts.c.id
            and element.operator in (operators.in_op, operators.not_in_op)
            and any(_is_fts(e) for e in iterate(element.right))
        ):
            lookup = element.right.element if isinstance(element.right, ScalarSelect) else element.right
            plain = posts.c.id + 0
            return plain.in_(lookup) if element.operator is operators.in_op else plain.not_in(lookup)
        return None

    return replacement_traverse(where, {}, unplug)  # type: ignore[no-any-return]


def _fts_rowids_after(where: ColumnElement[bool], after_id: int) -> ColumnElement[bool]:
    """`where` with `rowid > after_id` inside every full-text lookup: FTS5 then reads only the new part of each
    doclist instead of every match in the archive. Correct only together with `posts.id > after_id` outside
    (a NOT IN over the new rowids still excludes every new post that matches)."""

    def bound(element: Any) -> Any:
        if _is_fts(element):
            rowid = next(c for c in element.selected_columns if c.name == "rowid")
            return element.where(rowid > after_id)
        return None

    return replacement_traverse(where, {}, bound)  # type: ignore[no-any-return]


def _and_newer(where: ColumnElement[bool] | None, newer_than: datetime | None) -> ColumnElement[bool]:
    """The condition, limited to posts created after `newer_than` (a cleared column) when given."""
    parts = [where if where is not None else true()]
    if newer_than is not None:
        parts.append(posts.c.created_at > newer_than)  # the (created_at, id) index serves the range
    return and_(*parts)


@dataclass(frozen=True)
class AuthorHistory:
    """What the detail pane's author card shows: how many posts we hold from the author, the latest ones."""

    post_count: int
    recent: list[Post]


@dataclass(frozen=True)
class WriteReport:
    inserted: int
    skipped: int
    first_id: int | None
    last_id: int | None
    updated: int = 0  # stored posts replaced by a later edit
    edited_ids: tuple[int, ...] = ()  # their ids


def _insert(conn: Connection, table: Any) -> Any:
    return dialect_insert(conn, table)


def hour_bucket(when: datetime) -> datetime:
    return when.replace(minute=0, second=0, microsecond=0)


class PostRepo:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @property
    def on_sqlite(self) -> bool:
        """Whether the posts are stored in SQLite (write_batch then takes rows made by store.rows)."""
        return self._engine.dialect.name == "sqlite"

    # ---- ingest -------------------------------------------------------------------------------------------
    def write_batch(
        self,
        batch: Sequence[NewPost],
        *,
        now: datetime,
        source_id: int | None = None,
        cursor: Mapping[str, Any] | None = None,
        stages: Sequence[PostStage] = (),
        edits: Sequence[NewPost] = (),
        rows: SqliteRows | None = None,
    ) -> WriteReport:
        """Store a batch in one transaction: authors, posts (duplicates skipped), rollups and the source's cursor,
        then each of `stages` in order on the posts inserted (one StoredBatch for all of them). The cursor moves
        only if the posts it stands for are committed with it. `edits` are later versions of stored posts: each
        replaces its stored copy if its `edited_at` is still newer (see `_apply_edits`), and the stages'
        `on_edits` (not `run`: rules do not fire twice) see the posts so replaced. `rows`: on SQLite,
        `store.rows.sqlite_rows(batch)` made beforehand (a worker process makes them for a big ingest); made
        here when not given. The writer fills in their author ids, source and ingest time."""
        with writer(self._engine).begin() as conn:
            if conn.dialect.name == "sqlite":
                inserted = self._write_posts_sqlite(conn, batch, now, source_id, rows)
            else:
                author_ids = self._upsert_authors(conn, batch)
                inserted = self._insert_posts(conn, batch, author_ids, now, source_id)
                self._bump_author_counts(conn, inserted)
                self._bump_rollups(conn, inserted)
            source_name = self._source_name(conn, source_id) if stages else ""
            if stages and inserted:
                ids = [row[0] for row in inserted]
                if len(inserted) == len(batch) and conn.dialect.name == "sqlite":  # in the batch's order
                    new = list(batch)
                else:
                    by_key = {(p.channel, p.external_id): p for p in batch}
                    new = [by_key[(row[3], row[5])] for row in inserted]
                stored = StoredBatch(conn, now, ids, new, source_name, author_ids=[row[1] for row in inserted])
                for stage in stages:
                    stage.run(stored)
            edited = self._apply_edits(conn, edits) if edits else []
            if edited and any(stage.on_edits for stage in stages):
                again = StoredBatch(conn, now, [i for i, _ in edited], [p for _, p in edited], source_name, True)
                for stage in stages:
                    if stage.on_edits is not None:
                        stage.on_edits(again)
            if source_id is not None:
                values: dict[str, Any] = {"items_total": sources.c.items_total + len(inserted)}
                if cursor is not None:
                    values["cursor"] = dict(cursor)
                conn.execute(update(sources).where(sources.c.id == source_id).values(**values))
        ids = [row[0] for row in inserted]
        return WriteReport(
            inserted=len(ids),
            skipped=len(batch) - len(ids) + len(edits) - len(edited),
            first_id=min(ids, default=None),
            last_id=max(ids, default=None),
            updated=len(edited),
            edited_ids=tuple(pid for pid, _ in edited),
        )

    @staticmethod
    def _source_name(conn: Connection, source_id: int | None) -> str:
        if source_id is None:
            return ""
        return conn.execute(select(sources.c.name).where(sources.c.id == source_id)).scalar() or ""

    def stored_keys(self, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        """The (channel, external_id) keys among `keys` that are stored already (see store.post_keys)."""
        return stored_keys(self._engine, keys)

    # ---- edits --------------------------------------------------------------------------------------------
    def edit_marks(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], str]:
        """The stored `extra["edited_at"]` of the posts among `keys` that are stored ("" for a post never
        edited); keys not stored are left out. One indexed query per channel and 400 keys."""
        by_channel = keys_by_channel(keys)
        found: dict[tuple[str, str], str] = {}
        mark = posts.c.extra[EDITED_AT].as_string()
        with self._engine.connect() as conn:
            for channel, ids in by_channel.items():
                for i in range(0, len(ids), 400):
                    stmt = select(posts.c.external_id, mark).where(
                        posts.c.channel == channel, posts.c.external_id.in_(ids[i : i + 400])
                    )
                    found.update({(channel, e): m or "" for e, m in conn.execute(stmt)})
        return found

    def _apply_edits(self, conn: Connection, edits: Sequence[NewPost]) -> list[tuple[int, NewPost]]:
        """Replace stored posts by their later versions: text, title, sentiment, classification, engagement
        (when given) and extra (merged, with the text before this edit as `previous_text`). The edit time is
        compared again here, inside the transaction, so a copy another writer stored meanwhile is not
        overwritten by an older one. Keeps id, author, created_at, ingested_at and is_read; the hourly rollup
        follows a changed label. Returns (id, post) of the posts replaced."""
        latest: dict[tuple[str, str], NewPost] = {}
        for p in edits:
            key = (p.channel, p.external_id)
            if key not in latest or is_newer_edit(p.extra, latest[key].extra):
                latest[key] = p
        cols = (posts.c.id, posts.c.author_id, posts.c.created_at, posts.c.channel, posts.c.sentiment_label)
        done: list[tuple[int, NewPost]] = []
        for channel in sorted({c for c, _ in latest}):
            ids = [e for c, e in latest if c == channel]
            for i in range(0, len(ids), 400):
                stmt = select(*cols, posts.c.external_id, posts.c.text, posts.c.extra).where(
                    posts.c.channel == channel, posts.c.external_id.in_(ids[i : i + 400])
                )
                for row in conn.execute(stmt).all():
                    new = latest[(channel, row.external_id)]
                    if is_newer_edit(new.extra, row.extra):
                        self._replace(conn, row, new)
                        done.append((row.id, replace(new, created_at=row.created_at)))  # hooks see it as stored
        return done

    def _replace(self, conn: Connection, row: Any, new: NewPost) -> None:
        extra = {**(row.extra or {}), **new.extra}
        if row.text != new.text:  # an edit of the title or of metadata only keeps the text kept before
            extra[PREVIOUS_TEXT] = previous_text(row.text)
        values: dict[str, Any] = {
            "text": new.text,
            "title": new.title,
            "sentiment": new.sentiment,
            "sentiment_label": new.sentiment_label,
            "sentiment_reasons": list(new.sentiment_reasons),
            "extra": extra,
            "trait": new.trait,
            "intent": new.intent,
            "is_lead": new.is_lead or self._rule_lead(conn, row.id),  # a rule's `lead` stays (rules never refire)
            "classification": dict(new.classification),
        }
        values.update({k: v for k in ("likes", "reposts", "replies") if (v := getattr(new, k)) is not None})
        conn.execute(update(posts).where(posts.c.id == row.id).values(**values))
        if row.sentiment_label != new.sentiment_label:
            key = (row.id, row.author_id, row.created_at, row.channel)
            self._bump_rollups(conn, [(*key, row.sentiment_label)], sign=-1)
            self._bump_rollups(conn, [(*key, new.sentiment_label)])

    @staticmethod
    def _rule_lead(conn: Connection, post_id: int) -> bool:
        found = select(rule_hits.c.id).where(rule_hits.c.post_id == post_id, rule_hits.c.action == "lead").limit(1)
        return conn.execute(found).first() is not None

    def edit_note(self, post_id: int) -> tuple[str, str]:
        """(edited_at, previous_text) of a post, "" where it has none (the detail pane shows them)."""
        with self._engine.connect() as conn:
            extra = conn.execute(select(posts.c.extra).where(posts.c.id == post_id)).scalar() or {}
        edited, before = extra.get(EDITED_AT), extra.get(PREVIOUS_TEXT)
        return (edited if isinstance(edited, str) else "", before if isinstance(before, str) else "")

    def _upsert_authors(self, conn: Connection, batch: Sequence[NewPost]) -> dict[tuple, int]:
        latest, earliest = author_spans(batch)
        if not latest:
            return {}
        rows = [
            {
                "channel": c,
                "handle": h,
                "display_name": batch[i].author_name or "",
                "followers": batch[i].author_followers,
                "first_seen": batch[earliest[(c, h)]].created_at,
                "last_seen": batch[i].created_at,
                "post_count": 0,
            }
            for (c, h), i in latest.items()
        ]
        stmt, params = bulk_insert(conn, authors, rows)
        stmt = stmt.on_conflict_do_update(
            index_elements=[authors.c.channel, authors.c.handle],
            set_={
                "display_name": func.coalesce(func.nullif(stmt.excluded.display_name, ""), authors.c.display_name),
                "followers": func.coalesce(stmt.excluded.followers, authors.c.followers),
                "last_seen": func.greatest(stmt.excluded.last_seen, authors.c.last_seen),
                "first_seen": func.least(stmt.excluded.first_seen, authors.c.first_seen),
            },
        )
        conn.execute(stmt, params)
        by_channel: dict[str, list[str]] = {}
        for c, h in latest:
            by_channel.setdefault(c, []).append(h)
        ids: dict[tuple, int] = {}
        # `channel = ? AND handle IN (...)` seeks the unique index; SQLite scans all of it for a row-value IN
        for channel, handles in by_channel.items():
            for i in range(0, len(handles), 400):
                found = conn.execute(
                    select(authors.c.handle, authors.c.id).where(
                        authors.c.channel == channel, authors.c.handle.in_(handles[i : i + 400])
                    )
                )
                ids.update({(channel, h): aid for h, aid in found})
        return ids

    def _write_posts_sqlite(
        self, conn: Connection, batch: Sequence[NewPost], now: datetime, source_id: int | None, rows: SqliteRows | None
    ) -> list[tuple]:
        """The store's writes on SQLite: authors, posts, author counts, rollups, full text, as the driver's own
        prepared statements (store.bulk) over the batch's rows (store.rows, made here unless given)."""
        if not batch:
            return []
        if rows is None:
            rows = sqlite_rows(batch)
        author_ids = self._upsert_authors_sqlite(conn, rows.authors) if rows.authors else {}
        inserted = self._insert_posts_sqlite(conn, batch, rows, author_ids, now, source_id)
        if len(inserted) < len(batch):  # the upsert counted every post: take back those not inserted
            counts = Counter(r[1] for r in inserted if r[1] is not None)
            counts.subtract(author_ids[k] for k in rows.author_keys if k is not None)
            fix = [(n, aid) for aid, n in counts.items() if n]
            if fix:
                conn.exec_driver_sql("UPDATE authors SET post_count = post_count + ? WHERE id = ?", fix)
        if len(inserted) == len(batch):  # every post went in, in order: the hours from their stored times
            conn.exec_driver_sql(_ROLLUP_UPSERT_SQLITE, rows.rollups)
        else:
            self._bump_rollups(conn, inserted)
        if inserted:
            self._index_text_sqlite(conn, min(row[0] for row in inserted))
        return inserted

    @staticmethod
    def _upsert_authors_sqlite(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> dict[tuple, int]:
        """The upsert of _upsert_authors as one prepared statement the driver runs for every author (its rows made
        by store.rows), and the ids read back by the (channel, handle) index. The upsert adds the author's posts
        of the batch to their post_count too (no second statement per author); _write_posts_sqlite takes back
        the ones not inserted."""
        conn.exec_driver_sql(sqlite_insert(authors, AUTHOR_COLUMNS, _AUTHOR_UPSERT_SQLITE), rows)
        by_channel: dict[str, list[str]] = {}
        for row in rows:
            by_channel.setdefault(row[0], []).append(row[1])
        ids: dict[tuple, int] = {}
        for channel, handles in by_channel.items():
            found = sqlite_in(conn, "SELECT handle, id FROM authors WHERE channel = ? AND handle", channel, handles)
            ids.update({(channel, h): aid for h, aid in found})
        return ids

    def _insert_posts(
        self,
        conn: Connection,
        batch: Sequence[NewPost],
        author_ids: Mapping[tuple, int],
        now: datetime,
        source_id: int | None,
    ) -> list[tuple]:
        if not batch:
            return []
        rows = [
            {
                "source_id": source_id,
                "channel": p.channel,
                "external_id": p.external_id,
                "url": p.url,
                "author_id": author_ids.get((p.channel, p.author_handle)),
                "title": p.title,
                "text": p.text,
                "lang": p.lang,
                "created_at": p.created_at,
                "ingested_at": now,
                "sentiment": p.sentiment,
                "sentiment_label": p.sentiment_label,
                "sentiment_reasons": list(p.sentiment_reasons),
                "reply_to": p.reply_to,
                "thread_id": p.thread_id,
                "likes": p.likes,
                "reposts": p.reposts,
                "replies": p.replies,
                "is_read": False,
                "extra": dict(p.extra),
                "trait": p.trait,
                "intent": p.intent,
                "is_lead": p.is_lead,
                "classification": dict(p.classification),
            }
            for p in batch
        ]
        stmt, params = bulk_insert(conn, posts, rows)
        stmt = stmt.on_conflict_do_nothing(index_elements=[posts.c.channel, posts.c.external_id]).returning(
            posts.c.id,
            posts.c.author_id,
            posts.c.created_at,
            posts.c.channel,
            posts.c.sentiment_label,
            posts.c.external_id,
        )
        return [tuple(r) for r in conn.execute(stmt, params)]

    @staticmethod
    def _insert_posts_sqlite(
        conn: Connection,
        batch: Sequence[NewPost],
        prepared: SqliteRows,
        author_ids: Mapping[tuple, int],
        now: datetime,
        source_id: int | None,
    ) -> list[tuple]:
        """The posts as one prepared statement the driver runs for every row (duplicates skipped by the unique
        index), their rows made by store.rows with the author ids, source and ingest time filled in here. The
        transaction holds the write lock from BEGIN (store.engine.writer), so the rows past the highest id before
        the insert are exactly the ones inserted (write_batch gives them to the full-text index): when every post
        went in, they are that id and the next ones in the batch's order (SQLite gives a new row the highest rowid
        plus one), else they are read back. They come back in the same shape as the RETURNING rows of the other
        path: (id, author_id, created_at, channel, sentiment_label, external_id)."""
        before = conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM posts").scalar_one()
        author = author_ids.get
        stored_now = sqlite_datetime(now)
        authored = [None if key is None else author(key) for key in prepared.author_keys]
        rows = [(*row, source_id, a, stored_now) for row, a in zip(prepared.posts, authored, strict=True)]
        done = conn.exec_driver_sql(_POST_INSERT_SQLITE, rows).rowcount
        if done == len(batch):
            return [
                (pid, a, p.created_at, p.channel, p.sentiment_label, p.external_id)
                for pid, a, p in zip(range(before + 1, before + 1 + done), authored, batch, strict=True)
            ]
        stored = conn.exec_driver_sql(
            "SELECT id, author_id, channel, external_id FROM posts WHERE id > ? ORDER BY id", (before,)
        ).all()
        by_key = {(p.channel, p.external_id): p for p in batch}
        out = []
        for pid, author_id, channel, external_id in stored:
            p = by_key[(channel, external_id)]
            out.append((pid, author_id, p.created_at, channel, p.sentiment_label, external_id))
        return out

    @staticmethod
    def _index_text_sqlite(conn: Connection, first_id: int) -> None:
        """The full-text index takes the posts from `first_id` on in one statement (migration 0016 dropped the
        per-row trigger). Run after the batch's other writes: once FTS5 is written in a transaction, each later
        statement's savepoint goes through it too (a fifth of the rollups' and author counts' cost)."""
        sql = f"INSERT INTO {FTS_TABLE}(rowid, title, text) SELECT id, title, text FROM posts WHERE id >= ?"
        conn.exec_driver_sql(sql, (first_id,))

    def _bump_author_counts(self, conn: Connection, inserted: Iterable[tuple], sign: int = 1) -> None:
        counts = Counter(r[1] for r in inserted if r[1] is not None)
        if counts and conn.dialect.name == "sqlite":  # one prepared statement, run by the driver for each author
            sql = "UPDATE authors SET post_count = post_count + ? WHERE id = ?"
            conn.exec_driver_sql(sql, [(sign * n, aid) for aid, n in counts.items()])
        elif counts:
            conn.execute(
                update(authors)
                .where(authors.c.id == bindparam("aid"))
                .values(post_count=authors.c.post_count + bindparam("n")),
                [{"aid": aid, "n": sign * n} for aid, n in counts.items()],
            )

    def _bump_rollups(self, conn: Connection, inserted: Iterable[tuple], sign: int = 1) -> None:
        counts = Counter((hour_bucket(r[2]), r[3], r[4]) for r in inserted)
        if not counts:
            return
        if conn.dialect.name == "sqlite":  # one prepared statement, run by the driver for each hour and label
            ts = sqlite_datetime
            conn.exec_driver_sql(_ROLLUP_UPSERT_SQLITE, [(ts(b), c, s, sign * n) for (b, c, s), n in counts.items()])
            return
        rows = [{"bucket": b, "channel": c, "sentiment_label": s, "count": sign * n} for (b, c, s), n in counts.items()]
        stmt, params = bulk_insert(conn, rollup_hourly, rows)
        stmt = stmt.on_conflict_do_update(
            index_elements=[rollup_hourly.c.bucket, rollup_hourly.c.channel, rollup_hourly.c.sentiment_label],
            set_={"count": rollup_hourly.c.count + stmt.excluded.count},
        )
        conn.execute(stmt, params)

    def delete_posts(self, post_ids: Iterable[int]) -> int:
        """Delete posts, keeping rollups and author counts equal to what remains."""
        ids = list(post_ids)
        removed = 0
        with writer(self._engine).begin() as conn:
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                gone = conn.execute(
                    select(
                        posts.c.id, posts.c.author_id, posts.c.created_at, posts.c.channel, posts.c.sentiment_label
                    ).where(posts.c.id.in_(chunk))
                ).all()
                conn.execute(delete(posts).where(posts.c.id.in_(chunk)))
                self._bump_author_counts(conn, gone, sign=-1)
                self._bump_rollups(conn, gone, sign=-1)
                removed += len(gone)
        return removed

    def correct_sentiment(self, post_id: int, label: str, *, agent: str, now: datetime, score: float) -> str:
        """An agent's label replaces the automatic one (rollups follow); the correction is kept with its author.
        Returns the text that was scored, for the analyzer to learn from."""
        with writer(self._engine).begin() as conn:
            row = conn.execute(
                select(
                    posts.c.text,
                    posts.c.title,
                    posts.c.sentiment_label,
                    posts.c.sentiment_reasons,
                    posts.c.created_at,
                    posts.c.channel,
                    posts.c.author_id,
                ).where(posts.c.id == post_id)
            ).first()
            if row is None:
                raise LookupError(f"no post with id {post_id}")
            text = f"{row.title}\n{row.text}" if row.title and row.title not in row.text else row.text
            conn.execute(
                sentiment_corrections.insert().values(
                    post_id=post_id,
                    text=text,
                    old_label=row.sentiment_label,
                    new_label=label,
                    agent=agent,
                    created_at=now,
                )
            )
            auto = [r for r in (row.sentiment_reasons or []) if r.get("kind") != "correction"]
            note = {
                "cue": f"corrected by {agent or 'an agent'} (was {row.sentiment_label})",
                "weight": score,
                "kind": "correction",
            }
            conn.execute(
                update(posts)
                .where(posts.c.id == post_id)
                .values(sentiment_label=label, sentiment=score, sentiment_reasons=[note, *auto])
            )
            key = (post_id, row.author_id, row.created_at, row.channel)
            self._bump_rollups(conn, [(*key, row.sentiment_label)], sign=-1)
            self._bump_rollups(conn, [(*key, label)])
            self._relabel_topic_tags(conn, post_id, label)
        return text

    @staticmethod
    def _relabel_topic_tags(conn: Connection, post_id: int, label: str) -> None:
        """The post's topic tags carry its label (for per-topic rollups): move each tag's count to the new one."""
        tags = conn.execute(
            select(
                post_topics.c.topic_id, post_topics.c.bucket, post_topics.c.channel, post_topics.c.sentiment_label
            ).where(post_topics.c.post_id == post_id, post_topics.c.sentiment_label != label)
        ).all()
        if not tags:
            return
        conn.execute(update(post_topics).where(post_topics.c.post_id == post_id).values(sentiment_label=label))
        r = rollup_topic_hourly.c
        for topic_id, bucket, channel, old in tags:
            same = and_(r.topic_id == topic_id, r.bucket == bucket, r.channel == channel)
            conn.execute(update(rollup_topic_hourly).where(same, r.sentiment_label == old).values(count=r.count - 1))
            up = _insert(conn, rollup_topic_hourly)
            up = up.on_conflict_do_update(
                index_elements=[r.topic_id, r.bucket, r.channel, r.sentiment_label],
                set_={"count": r.count + up.excluded.count},
            )
            conn.execute(
                up, {"topic_id": topic_id, "bucket": bucket, "channel": channel, "sentiment_label": label, "count": 1}
            )

    def corrections(self) -> list[tuple[str, str]]:
        """(text, label) of every correction, oldest first (the analyzer learns from them)."""
        stmt = select(sentiment_corrections.c.text, sentiment_corrections.c.new_label).order_by(
            sentiment_corrections.c.id
        )
        with self._engine.connect() as conn:
            return [(t, label) for t, label in conn.execute(stmt)]

    # ---- reads --------------------------------------------------------------------------------------------
    def _select(self) -> Any:
        return (
            select(
                posts.c.id,
                posts.c.channel,
                posts.c.external_id,
                posts.c.text,
                posts.c.created_at,
                posts.c.author_id,
                posts.c.source_id,
                posts.c.url,
                posts.c.title,
                posts.c.lang,
                posts.c.sentiment,
                posts.c.sentiment_label,
                posts.c.reply_to,
                posts.c.thread_id,
                posts.c.likes,
                posts.c.reposts,
                posts.c.replies,
                posts.c.is_read,
                posts.c.trait,
                posts.c.intent,
                posts.c.is_lead,
                authors.c.handle.label("author_handle"),
                authors.c.display_name.label("author_name"),
                authors.c.followers.label("author_followers"),
                sources.c.name.label("source_name"),
                author_flags.c.vip.label("author_vip"),
                author_flags.c.advocate.label("author_advocate"),
            )
            .select_from(posts)
            .outerjoin(authors, authors.c.id == posts.c.author_id)
            .outerjoin(sources, sources.c.id == posts.c.source_id)
            .outerjoin(author_flags, author_flags.c.author_id == posts.c.author_id)
        )

    def _posts(self, conn: Connection, stmt: Any) -> list[Post]:
        """The rows as Posts with their topics, tags and case (status, assignee): three indexed lookups per 500
        posts, not a join per row."""
        found = [self._to_post(r) for r in conn.execute(stmt)]
        if not found:
            return found
        topic_names: dict[int, list[str]] = {}
        tag_values: dict[int, list[str]] = {}
        case_of: dict[int, tuple[str, str]] = {}
        ids = [p.id for p in found]
        for i in range(0, len(ids), TAG_CHUNK):
            chunk = ids[i : i + TAG_CHUNK]
            tagged = (
                select(post_topics.c.post_id, topics.c.name)
                .join(topics, topics.c.id == post_topics.c.topic_id)
                .where(post_topics.c.post_id.in_(chunk))
                .order_by(post_topics.c.post_id, topics.c.id)
            )
            for post_id, name in conn.execute(tagged):
                topic_names.setdefault(post_id, []).append(name)
            hits = (
                select(rule_hits.c.post_id, rule_hits.c.value)
                .where(rule_hits.c.post_id.in_(chunk), rule_hits.c.action == "tag")
                .order_by(rule_hits.c.post_id, rule_hits.c.seq)
            )
            for post_id, value in conn.execute(hits):
                values = tag_values.setdefault(post_id, [])
                if value and value not in values:
                    values.append(value)
            handled = select(cases.c.post_id, cases.c.status, cases.c.assignee).where(cases.c.post_id.in_(chunk))
            case_of.update((post_id, (status, assignee)) for post_id, status, assignee in conn.execute(handled))
        return marked(found, topic_names, tag_values, case_of)

    @staticmethod
    def _to_post(row: Any) -> Post:
        m = dict(row._mapping)
        m["author_handle"] = m["author_handle"] or ""
        m["author_name"] = m["author_name"] or ""
        m["source_name"] = m["source_name"] or ""
        m["is_read"] = bool(m["is_read"])
        m["is_lead"] = bool(m["is_lead"])
        m["author_vip"] = bool(m["author_vip"])
        m["author_advocate"] = bool(m["author_advocate"])
        return Post(**m)

    def page(
        self,
        where: ColumnElement[bool] | None = None,
        *,
        before: tuple[datetime, int] | None = None,
        limit: int = 100,
        newer_than: datetime | None = None,
    ) -> list[Post]:
        """Newest first, keyset-paged on (created_at, id): pass the last post's key to get the next page.
        `newer_than` keeps only posts created after that time (a cleared column)."""
        bounds = [_and_newer(None, newer_than)]
        if before is not None:
            bounds.append(tuple_(posts.c.created_at, posts.c.id) < tuple_(*before))
        stmt = self._select().where(*bounds).order_by(posts.c.created_at.desc(), posts.c.id.desc()).limit(limit)
        with self._engine.connect() as conn:
            if where is not None and conn.dialect.name == "postgresql" and text_pages.has_tsquery(where):
                return text_pages.read_page(lambda s: self._posts(conn, s), self._select(), where, bounds, limit)
            if where is not None:  # the same condition either way; the second is planned from the time index
                stmt = stmt.where(_no_rowid_lookup(where) if self._walk_time_index(conn, where) else where)
            return self._posts(conn, stmt)

    @staticmethod
    def _walk_time_index(conn: Connection, where: ColumnElement[bool]) -> bool:
        """Whether a full-text page is cheaper read by walking the (created_at, id) index newest first, checking
        each post against the match, than by reading every match and sorting them. SQLite's planner always
        picks the second (it cannot see how many posts match): on a million posts, "refund" then costs ~0.8 s
        instead of ~30 ms. Only a lookup every post must be in, with few matches, keeps the planner's choice."""
        if conn.dialect.name != "sqlite" or not any(_is_fts(e) for e in iterate(where)):
            return False
        for lookup in _required_lookups(where):
            few = select(func.count()).select_from(lookup.limit(RARE_MATCHES).subquery())
            if conn.execute(few).scalar_one() < RARE_MATCHES:
                return False
        return True

    def since(
        self,
        after_id: int,
        where: ColumnElement[bool] | None = None,
        limit: int = 2000,
        newer_than: datetime | None = None,
    ) -> list[Post]:
        """Posts stored after `after_id` (live updates), newest first. A full-text condition looks only at
        rows after `after_id` too, so a keyword column's live check costs what the new posts cost."""
        if where is not None and self._engine.dialect.name == "sqlite":
            where = _fts_rowids_after(where, after_id)
        stmt = (
            self._select()
            .where(posts.c.id > after_id)
            .where(_and_newer(where, newer_than))
            .order_by(posts.c.id.desc())
            .limit(limit)
        )
        with self._engine.connect() as conn:
            return self._posts(conn, stmt)

    def get(self, post_id: int) -> Post | None:
        with self._engine.connect() as conn:
            found = self._posts(conn, self._select().where(posts.c.id == post_id))
        return found[0] if found else None

    def by_ids(
        self, post_ids: Iterable[int], where: ColumnElement[bool] | None = None, newer_than: datetime | None = None
    ) -> list[Post]:
        """Those of these posts that match `where` now (a column re-reads posts their authors edited), in no
        particular order."""
        ids = sorted(set(post_ids))
        with self._engine.connect() as conn:
            return [
                p
                for i in range(0, len(ids), 500)
                for p in self._posts(
                    conn, self._select().where(posts.c.id.in_(ids[i : i + 500]), _and_newer(where, newer_than))
                )
            ]

    def classification(self, post_id: int) -> dict[str, Any]:
        """The cues behind a post's trait, intent and lead ({} for none or an unknown post)."""
        with self._engine.connect() as conn:
            value = conn.execute(select(posts.c.classification).where(posts.c.id == post_id)).scalar()
        return dict(value or {})

    def reasons(self, post_id: int) -> list[dict[str, Any]]:
        with self._engine.connect() as conn:
            value = conn.execute(select(posts.c.sentiment_reasons).where(posts.c.id == post_id)).scalar()
        return list(value or [])

    def thread(self, post: Post, limit: int = 50) -> list[Post]:
        """Other posts of the same conversation, oldest first."""
        root = post.thread_id or post.external_id
        cond = and_(
            posts.c.channel == post.channel,
            or_(posts.c.thread_id == root, posts.c.external_id == root, posts.c.reply_to == post.external_id),
            posts.c.id != post.id,
        )
        stmt = self._select().where(cond).order_by(posts.c.created_at, posts.c.id).limit(limit)
        with self._engine.connect() as conn:
            return self._posts(conn, stmt)

    def latest_id(self) -> int:
        with self._engine.connect() as conn:
            return int(conn.execute(select(func.coalesce(func.max(posts.c.id), 0))).scalar_one())

    def count(self, where: ColumnElement[bool] | None = None, *, cap: int | None = None) -> int:
        """How many posts match; with `cap`, counting stops there (the result is then at most `cap`)."""
        stmt: Any = select(literal(1) if cap else func.count()).select_from(posts)
        stmt = stmt.where(where if where is not None else true())
        if cap:
            stmt = select(func.count()).select_from(stmt.limit(cap).subquery())
        with self._engine.connect() as conn:
            return int(conn.execute(stmt).scalar_one())

    def mark_read(self, post_ids: Iterable[int], read: bool = True) -> None:
        ids = list(post_ids)
        if not ids:
            return
        with writer(self._engine).begin() as conn:
            for i in range(0, len(ids), 500):
                conn.execute(update(posts).where(posts.c.id.in_(ids[i : i + 500])).values(is_read=read))

    def unread_count(
        self, where: ColumnElement[bool] | None = None, *, newer_than: datetime | None = None, cap: int | None = None
    ) -> int:
        """Unread posts matching `where`; the partial index ix_posts_unread holds only unread rows, and `cap`
        (say COUNT_CAP) bounds the work however large the archive."""
        return self.count(and_(posts.c.is_read == false(), _and_newer(where, newer_than)), cap=cap)

    def author_history(self, author_id: int | None, limit: int = 5) -> AuthorHistory:
        """The author's post count (kept at ingest) and their latest posts, newest first."""
        if author_id is None:
            return AuthorHistory(0, [])
        stmt = (
            self._select()
            .where(posts.c.author_id == author_id)
            .order_by(posts.c.created_at.desc(), posts.c.id.desc())
            .limit(limit)
        )
        with self._engine.connect() as conn:
            count = conn.execute(select(authors.c.post_count).where(authors.c.id == author_id)).scalar()
            recent = self._posts(conn, stmt)
        return AuthorHistory(int(count or 0), recent)

    def rollup_counts(self, since: datetime) -> dict[str, int]:
        """Counts per sentiment label since a time, from the hourly rollups (no scan of posts)."""
        stmt = (
            select(rollup_hourly.c.sentiment_label, func.sum(rollup_hourly.c.count))
            .where(rollup_hourly.c.bucket >= hour_bucket(since))
            .group_by(rollup_hourly.c.sentiment_label)
        )
        with self._engine.connect() as conn:
            return {label: int(n) for label, n in conn.execute(stmt) if n}

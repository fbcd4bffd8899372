"""The workspace's SQLite file read with the standard library's sqlite3 alone: its URL, whether its schema is this
version's, and the newest page of posts. The GUI's start shows that page before SQLAlchemy is imported (a third
of the start); the store's own reader (PostRepo.page) takes over once the database is open."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from scrm_desktop.core.post import Post

FIRST_PAGE_MAX = 200  # the most rows one read here returns (the stream's page is 100)
CHUNK = 500  # posts per topic/tag/case lookup, as PostRepo's TAG_CHUNK
STORED_TIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy's DateTime stores a naive time on SQLite

# PostRepo._select() on SQLite, without a condition (a column with no query), newest first, keyset order
PAGE_SQL = """
SELECT posts.id, posts.channel, posts.external_id, posts.text, posts.created_at, posts.author_id, posts.source_id,
  posts.url, posts.title, posts.lang, posts.sentiment, posts.sentiment_label, posts.reply_to, posts.thread_id,
  posts.likes, posts.reposts, posts.replies, posts.is_read, posts.trait, posts.intent, posts.is_lead,
  authors.handle AS author_handle, authors.display_name AS author_name, authors.followers AS author_followers,
  sources.name AS source_name, author_flags.vip AS author_vip, author_flags.advocate AS author_advocate
FROM posts
  LEFT OUTER JOIN authors ON authors.id = posts.author_id
  LEFT OUTER JOIN sources ON sources.id = posts.source_id
  LEFT OUTER JOIN author_flags ON author_flags.author_id = posts.author_id
WHERE posts.created_at > ?
ORDER BY posts.created_at DESC, posts.id DESC
LIMIT ?
"""
TOPICS_SQL = (
    "SELECT post_topics.post_id, topics.name FROM post_topics JOIN topics ON topics.id = post_topics.topic_id "
    "WHERE post_topics.post_id IN ({}) ORDER BY post_topics.post_id, topics.id"
)
TAGS_SQL = (
    "SELECT rule_hits.post_id, rule_hits.value FROM rule_hits WHERE rule_hits.post_id IN ({}) "
    "AND rule_hits.action = 'tag' ORDER BY rule_hits.post_id, rule_hits.seq"
)
CASES_SQL = "SELECT cases.post_id, cases.status, cases.assignee FROM cases WHERE cases.post_id IN ({})"
BOOLEANS = ("is_read", "is_lead", "author_vip", "author_advocate")
TEXTS = ("author_handle", "author_name", "source_name")


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


class FirstPage:
    """Reads of one SQLite file that is this version's (`open_if_current`): its newest post id and its newest
    posts, as PostRepo returns them for a column without a query. Each call opens its own connection, made
    read-only (`query_only`), so any thread may call; a page is at most FIRST_PAGE_MAX rows and three indexed
    lookups: small and bounded."""

    def __init__(self, database: Path) -> None:
        self.database = database

    @classmethod
    def open_if_current(cls, database: Path, heads: Iterable[str]) -> FirstPage | None:
        """The reader, or None when the file is missing, not writable (the normal open says why), not readable
        here, or not at these schema `heads` (an upgrade, or a newer version's file: the normal open decides)."""
        wanted = set(heads)
        folder = database.parent
        if not wanted or not database.is_file() or not os.access(database, os.R_OK | os.W_OK):
            return None
        if not os.access(folder, os.W_OK | os.X_OK):  # WAL needs its -wal and -shm files beside it
            return None
        reader = cls(database)
        try:
            with reader._connect() as conn:
                stored = {row[0] for row in conn.execute("SELECT version_num FROM alembic_version")}
        except sqlite3.Error:
            return None
        return reader if stored == wanted else None

    def _connect(self) -> _Connection:
        return _Connection(self.database)

    def latest_id(self) -> int:
        """The newest stored post's id (0 for none), as PostRepo.latest_id."""
        with self._connect() as conn:
            return int(conn.execute("SELECT coalesce(max(posts.id), 0) FROM posts").fetchone()[0])

    def page(self, limit: int = 100, newer_than: datetime | None = None) -> list[Post]:
        """The newest `limit` posts (at most FIRST_PAGE_MAX), created after `newer_than` when given (a cleared
        column), with their topics, tags and case, as PostRepo.page(None, limit=..., newer_than=...)."""
        after = newer_than.strftime(STORED_TIME) if newer_than is not None else ""
        with self._connect() as conn:
            rows = conn.execute(PAGE_SQL, (after, min(limit, FIRST_PAGE_MAX))).fetchall()
            found = [_post(row) for row in rows]
            return _with_marks(conn, found)


class _Connection:
    """A short-lived read-only connection (a context manager that closes it)."""

    def __init__(self, database: Path) -> None:
        # mode=rw: a file gone meanwhile is an error here, not a new empty database
        self.conn = sqlite3.connect(f"{database.resolve().as_uri()}?mode=rw", uri=True, timeout=15)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA query_only = ON")

    def __enter__(self) -> sqlite3.Connection:
        return self.conn

    def __exit__(self, *_exc: object) -> None:
        self.conn.close()


def _post(row: sqlite3.Row) -> Post:
    m = dict(row)
    m["created_at"] = datetime.fromisoformat(m["created_at"])
    for name in TEXTS:
        m[name] = m[name] or ""
    for name in BOOLEANS:
        m[name] = bool(m[name])
    return Post(**m)


def _with_marks(conn: sqlite3.Connection, found: list[Post]) -> list[Post]:
    """The posts with their topics, rule tags and case status, as PostRepo._posts adds them."""
    topic_names: dict[int, list[str]] = {}
    tag_values: dict[int, list[str]] = {}
    case_of: dict[int, tuple[str, str]] = {}
    ids = [p.id for p in found]
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        marks = ",".join("?" * len(chunk))
        for post_id, name in conn.execute(TOPICS_SQL.format(marks), chunk):
            topic_names.setdefault(post_id, []).append(name)
        for post_id, value in conn.execute(TAGS_SQL.format(marks), chunk):
            values = tag_values.setdefault(post_id, [])
            if value and value not in values:
                values.append(value)
        case_of.update(
            (post_id, (status, assignee)) for post_id, status, assignee in conn.execute(CASES_SQL.format(marks), chunk)
        )
    return marked(found, topic_names, tag_values, case_of)


def marked(
    found: list[Post],
    topic_names: dict[int, list[str]],
    tag_values: dict[int, list[str]],
    case_of: dict[int, tuple[str, str]],
) -> list[Post]:
    """The posts with the topics, tags and case (status, assignee) found for them (PostRepo's reads too)."""
    return [
        replace(
            p,
            topics=tuple(topic_names.get(p.id, ())),
            tags=tuple(tag_values.get(p.id, ())),
            status=case_of[p.id][0] if p.id in case_of else "",
            assignee=case_of[p.id][1] if p.id in case_of else "",
        )
        if p.id in topic_names or p.id in tag_values or p.id in case_of
        else p
        for p in found
    ]

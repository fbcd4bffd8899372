"""What a batch of posts is stored as on SQLite, made from the batch alone (no database, no SQLAlchemy): the posts'
insert rows (JSON already dumped, times in their stored text), the authors' upsert rows and the hourly rollups'.
`PostRepo.write_batch` makes them with `sqlite_rows`; a big ingest's worker processes make them with the same
function beside the prepare stages (listening/workers.py), so the writer only fills in what the database knows
(the author ids, the source, the ingest time) and runs the statements. One function either way: the same values.
This module imports no SQLAlchemy (a worker process never loads it)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scrm_desktop.store.batch import NewPost

# the columns of a post's insert row, in its order: the last three (WRITER_COLUMNS) are the writer's to add
POST_COLUMNS = (
    "channel",
    "external_id",
    "url",
    "title",
    "text",
    "lang",
    "created_at",
    "sentiment",
    "sentiment_label",
    "sentiment_reasons",
    "reply_to",
    "thread_id",
    "likes",
    "reposts",
    "replies",
    "is_read",
    "extra",
    "trait",
    "intent",
    "is_lead",
    "classification",
    "source_id",
    "author_id",
    "ingested_at",
)
WRITER_COLUMNS = 3
AUTHOR_COLUMNS = ("channel", "handle", "display_name", "followers", "first_seen", "last_seen", "post_count")


_datetime_text: Callable[[Any], Any] | None = None  # SQLAlchemy's own formatting, for the odd value (made on use)


def sqlite_datetime(value: Any) -> Any:
    """A DateTime column's value as SQLAlchemy's SQLite dialect stores it ("2025-03-01 12:00:00.000000", the time
    zone dropped), without its per-call formatting: a naive datetime's own isoformat gives the same text."""
    global _datetime_text
    if value.__class__ is datetime and value.tzinfo is None:
        return value.isoformat(" ", "microseconds")
    if _datetime_text is None:
        from sqlalchemy.dialects.sqlite import DATETIME, dialect

        _datetime_text = DATETIME().bind_processor(dialect())
        assert _datetime_text is not None
    return _datetime_text(value)


def _json_encoder() -> Callable[[Any], str]:
    """json.dumps with its default options (what SQLAlchemy's JSON type stores), with the C encoder made once
    instead of per call (a third of the cost of dumping a small dict). Checked against json.dumps here; falls
    back to it on a Python whose encoder differs."""
    try:
        from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]

        encode = c_make_encoder(
            None, json.JSONEncoder().default, encode_basestring_ascii, None, ": ", ", ", False, False, True
        )

        def dumps(value: Any, join: Callable[[Any], str] = "".join) -> str:
            return join(encode(value, 0))

        sample = [{"cue": "outage (\u00d7 2)", "w": -0.3804, "n": None, "t": True, "l": [1, 2.5e-7, "\u00df"]}, {}]
        if all(dumps(v) == json.dumps(v) for v in (sample, {}, [], 1.5, "x")):
            return dumps
    except Exception:  # any trouble: the standard function
        pass
    return json.dumps


json_text = _json_encoder()


def author_spans(batch: Sequence[NewPost]) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int]]:
    """Per (channel, handle) of the batch: the position of its latest post (display name, followers, last
    seen) and of its earliest (first seen), in the order the authors first appear."""
    latest: dict[tuple[str, str], int] = {}
    earliest: dict[tuple[str, str], int] = {}
    for i, p in enumerate(batch):
        if p.author_handle:
            key = (p.channel, p.author_handle)
            seen = latest.get(key)
            if seen is None:
                latest[key] = earliest[key] = i
                continue
            if p.created_at >= batch[seen].created_at:
                latest[key] = i
            if p.created_at < batch[earliest[key]].created_at:
                earliest[key] = i
    return latest, earliest


@dataclass
class SqliteRows:
    """A batch's rows for SQLite's driver, same order as the batch. `posts`: one insert row per post, in
    POST_COLUMNS' order less the last WRITER_COLUMNS (source, author id, ingest time: the writer adds them, as a
    tuple `row + (source_id, author_id, ingested_at)`); `author_keys`: each post's
    (channel, handle), None without an author; `authors`: the upsert rows (AUTHOR_COLUMNS; post_count is the
    author's posts in the batch), in the order the authors first appear; `rollups`: (hour, channel, label,
    posts) of the whole batch, for when every post goes in."""

    posts: list[tuple[Any, ...]]
    author_keys: list[tuple[str, str] | None]
    authors: list[tuple[Any, ...]]
    rollups: list[tuple[str, str, str, int]]


def sqlite_rows(batch: Sequence[NewPost]) -> SqliteRows:
    """The rows `batch` is stored as on SQLite (see SqliteRows), each value as SQLAlchemy's column type stores it."""
    created = [sqlite_datetime(p.created_at) for p in batch]
    js = json_text
    posts = [
        (
            p.channel,
            p.external_id,
            p.url,
            p.title,
            p.text,
            p.lang,
            t,
            float(p.sentiment),
            p.sentiment_label,
            js(list(p.sentiment_reasons)) if p.sentiment_reasons else "[]",  # json.dumps' text for an empty one
            p.reply_to,
            p.thread_id,
            p.likes,
            p.reposts,
            p.replies,
            0,
            js(dict(p.extra)) if p.extra else "{}",
            p.trait,
            p.intent,
            int(p.is_lead),
            js(dict(p.classification)) if p.classification else "{}",
        )
        for p, t in zip(batch, created, strict=True)
    ]
    author_keys = [(p.channel, p.author_handle) if p.author_handle else None for p in batch]
    latest, earliest = author_spans(batch)
    posts_of = Counter(k for k in author_keys if k is not None)
    authors = [
        (*k, batch[i].author_name or "", batch[i].author_followers, created[earliest[k]], created[i], posts_of[k])
        for k, i in latest.items()
    ]
    hours = Counter((t[:13], p.channel, p.sentiment_label) for t, p in zip(created, batch, strict=True))
    rollups = [(f"{b}:00:00.000000", c, label, n) for (b, c, label), n in hours.items()]
    return SqliteRows(posts, author_keys, authors, rollups)

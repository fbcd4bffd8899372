"""The stored batch: the one shape every post stage after the store reads (topics, advocates, rules, cases,
customers), and the stage type itself. Built once per ingest transaction by PostRepo.write_batch. Imports no
SQLAlchemy: the worker processes of a big ingest make the NewPosts (listening/workers.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from scrm_desktop.core.post import Post

if TYPE_CHECKING:  # a worker process makes NewPosts without loading SQLAlchemy (listening/workers.py)
    from sqlalchemy import Connection


@dataclass(frozen=True)
class NewPost:
    """A normalised, enriched post ready to store (the pipeline makes these)."""

    channel: str
    external_id: str
    text: str
    created_at: datetime  # naive UTC
    author_handle: str = ""
    author_name: str = ""
    author_followers: int | None = None
    url: str = ""
    title: str = ""
    lang: str = ""
    sentiment: float = 0.0
    sentiment_label: str = "neutral"
    sentiment_reasons: Sequence[Mapping[str, Any]] = ()
    reply_to: str = ""
    thread_id: str = ""
    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    trait: str = ""
    intent: str = ""
    is_lead: bool = False
    classification: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class StoredBatch:
    """Posts one transaction just wrote: their ids beside the values stored (same order), the transaction, the
    ingest time and the source's name. `posts()` gives them as core Posts, built once for all stages.
    `edited` is True for posts a later edit replaced (only stages with `on_edits` see those). `author_ids`: each
    post's stored author id (None without an author), same order, when the store knows them (empty otherwise).
    A NewPost's `sentiment_reasons` and `classification` are the store's alone: a big ingest's worker processes
    send the posts back without them (their rows hold them: listening/workers.py), so a stage that needs them
    reads them from the database."""

    conn: Connection
    now: datetime  # naive UTC
    ids: Sequence[int]
    new: Sequence[NewPost]
    source_name: str = ""
    edited: bool = False
    author_ids: Sequence[int | None] = ()
    _posts: list[Post] | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[tuple[int, NewPost]]:
        return zip(self.ids, self.new, strict=True)

    def posts(self) -> list[Post]:
        """The batch as core Posts (what queries match), made on first use and shared by every stage."""
        if self._posts is None:
            self._posts = [as_post(pid, p, self.source_name) for pid, p in self]
        return self._posts


# A core Post of a batch's post, its fields given in Post's order (by keyword it took half as long again, for every
# post of every batch): the NewPost's values, the id and source name, and Post's defaults for what a new post has
# not (no author id, unread, no tags). The check below fails at import if Post's fields move.
_HEAD = ("channel", "external_id", "text", "created_at", "author_handle", "author_name", "author_followers")
_MIDDLE = ("url", "title", "lang", "sentiment", "sentiment_label", "reply_to", "thread_id")
_COUNTS = ("likes", "reposts", "replies")
_TAIL = ("trait", "intent", "is_lead")
_POST_ORDER = ("id", *_HEAD, "author_id", "source_id", "source_name", *_MIDDLE, *_COUNTS, "is_read", "tags", *_TAIL)
if tuple(f.name for f in fields(Post))[: len(_POST_ORDER)] != _POST_ORDER:
    raise ImportError("core.Post's fields changed order: store.batch.as_post must follow them")
_head, _middle, _tail = attrgetter(*_HEAD), attrgetter(*_MIDDLE, *_COUNTS), attrgetter(*_TAIL)


def as_post(post_id: int, p: NewPost, source_name: str = "") -> Post:
    return Post(post_id, *_head(p), None, None, source_name, *_middle(p), False, (), *_tail(p))


@dataclass(frozen=True)
class PostStage:
    """A step after the store, inside the ingest transaction: `run` sees the posts just inserted, `on_edits`
    (when given) the stored posts a later edit replaced. Rules and profiles have no `on_edits`: a rule's case
    or alert is never raised twice for one post."""

    name: str
    run: Callable[[StoredBatch], None]
    on_edits: Callable[[StoredBatch], None] | None = None

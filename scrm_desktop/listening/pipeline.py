"""The ingest pipeline: normalise -> dedupe -> enrich (sentiment) -> one transaction per batch -> event.
A stored post that comes again with a later `extra["edited_at"]` is an edit: scored again and written as an
update (posts_edited), not skipped."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from scrm_desktop.core.edits import edited_time, is_newer_edit
from scrm_desktop.core.sentiment import Analyzer
from scrm_desktop.core.text import normalize_text
from scrm_desktop.listening.api import PostIn
from scrm_desktop.listening.events import POSTS_EDITED, POSTS_INGESTED, EventHub
from scrm_desktop.store.posts import NewPost, PostRepo, StoreHook

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
MAX_FUTURE = timedelta(minutes=5)


@dataclass(frozen=True)
class IngestReport:
    received: int
    inserted: int
    skipped: int
    first_id: int | None
    last_id: int | None
    updated: int = 0  # stored posts replaced by a later edit (neither inserted nor skipped)


@dataclass(frozen=True)
class Prepared:
    """A batch sorted out: posts to insert, and later versions (edits) of stored posts to update."""

    new: list[NewPost]
    edits: list[NewPost]


def to_naive_utc(when: datetime) -> datetime:
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    return when.replace(tzinfo=None)


def safe_url(url: str) -> str:
    """Only web links survive: a javascript: or data: URL from a hostile post is dropped."""
    url = url.strip()
    return url if url.lower().startswith(("http://", "https://")) and len(url) < 4000 else ""


def fallback_id(p: PostIn) -> str:
    digest = hashlib.sha256(f"{p.author_handle}\x1f{p.created_at.isoformat()}\x1f{p.text}".encode()).hexdigest()
    return f"sha256:{digest[:32]}"


def post_key(p: PostIn) -> tuple[str, str]:
    """(channel, external_id) as stored: the key duplicates are recognised by."""
    return (p.channel or "unknown").strip().lower()[:50], (p.external_id or "").strip()[:500] or fallback_id(p)


class Ingestor:
    """Turns plugin output into stored posts. Enrichment runs in the caller's thread; writes are serialised
    (one writer at a time, as SQLite requires)."""

    def __init__(
        self,
        posts: PostRepo,
        analyzer: Analyzer,
        events: EventHub,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        # Enrichers turn a normalised post into an enriched one (classifiers); pure, run outside the write lock.
        self.enrichers: list[Callable[[NewPost], NewPost]] = []
        # Store hooks write more in the same transaction as the posts (topic tags, rules, cases).
        self.store_hooks: list[StoreHook] = []
        # Edit hooks write more in the same transaction for posts replaced by a later edit (topic re-tagging);
        # store hooks (rules, profiles) do not see edits: a rule's case or alert is not raised twice.
        self.edit_hooks: list[StoreHook] = []
        # Which (channel, external_id) keys are stored already (features.py sets it): those posts are skipped
        # before they are scored. The insert still skips duplicates, so a race with another writer is harmless.
        self.stored_keys: Callable[[Sequence[tuple[str, str]]], set[tuple[str, str]]] | None = None
        self._posts = posts
        self._analyzer = analyzer
        self._events = events
        self._clock = clock
        self._write_lock = threading.Lock()

    def prepare(self, items: Iterable[PostIn]) -> Prepared:
        """Normalise and enrich; duplicates within the batch are dropped (the first wins, or the latest edit),
        and so are posts already stored (when `stored_keys` is set), before any scoring. A stored post whose
        incoming copy has a later `extra["edited_at"]` than the stored one is kept, as an edit."""
        now = to_naive_utc(self._clock())
        fresh: dict[tuple[str, str], PostIn] = {}
        for item in items:
            key = post_key(item)
            if key not in fresh or is_newer_edit(item.extra, fresh[key].extra):
                fresh[key] = item
        edit_keys = self._edits(fresh)
        if self.stored_keys is not None:
            plain = [key for key in fresh if key not in edit_keys]
            for key in self.stored_keys(plain) if plain else ():
                del fresh[key]
        out = Prepared([], [])
        for key, item in fresh.items():
            post = self._normalise(item, now, key)
            for enrich in self.enrichers:
                post = enrich(post)
            (out.edits if key in edit_keys else out.new).append(post)
        return out

    def _edits(self, fresh: dict[tuple[str, str], PostIn]) -> set[tuple[str, str]]:
        """Keys of stored posts that come with a later edit. Only posts carrying `edited_at` are looked up
        (one query per batch); stored ones with an equal or older edit are dropped from `fresh` here."""
        carrying = [key for key, item in fresh.items() if edited_time(item.extra) is not None]
        if not carrying:
            return set()
        edits: set[tuple[str, str]] = set()
        for key, stored_mark in self._posts.edit_marks(carrying).items():
            if is_newer_edit(fresh[key].extra, {"edited_at": stored_mark}):
                edits.add(key)
            else:
                del fresh[key]
        return edits

    def _normalise(self, p: PostIn, now: datetime, key: tuple[str, str]) -> NewPost:
        is_html = p.text_format == "html"
        text = normalize_text(p.text or "", is_html=is_html)
        title = normalize_text(p.title or "", is_html=is_html, max_len=1000)
        created = to_naive_utc(p.created_at)
        if created > now + MAX_FUTURE:  # a wrong clock upstream must not pin a post above everything
            created = now
        scored = self._analyzer.analyze(f"{title}\n{text}" if title and title not in text else text)
        return NewPost(
            channel=key[0],
            external_id=key[1],
            text=text,
            created_at=created,
            author_handle=normalize_text(p.author_handle or "", max_len=300),
            author_name=normalize_text(p.author_name or "", max_len=300),
            author_followers=p.author_followers,
            url=safe_url(p.url or ""),
            title=title,
            lang=(p.lang or "").strip().lower()[:20],
            sentiment=round(scored.score, 4),
            sentiment_label=scored.label,
            sentiment_reasons=[{"cue": r.cue, "weight": r.weight, "kind": r.kind} for r in scored.reasons[:12]],
            reply_to=(p.reply_to or "")[:500],
            thread_id=(p.thread_id or "")[:500],
            likes=p.likes,
            reposts=p.reposts,
            replies=p.replies,
            extra=dict(p.extra or {}),
        )

    def ingest(
        self,
        items: Sequence[PostIn],
        *,
        source_id: int | None = None,
        cursor: Mapping[str, Any] | None = None,
        batch_size: int = BATCH_SIZE,
        progress: Callable[[int, int], None] | None = None,
    ) -> IngestReport:
        """Store posts in batches; the cursor is committed with the last batch. Emits `posts_ingested`."""
        prepared = self.prepare(items)
        new, edits = prepared.new, prepared.edits
        total = len(new) + len(edits)
        inserted = skipped = updated = 0
        first: int | None = None
        last: int | None = None
        count = max(-(-len(new) // batch_size), -(-len(edits) // batch_size), 1)
        for n in range(1, count + 1):
            part = slice((n - 1) * batch_size, n * batch_size)
            with self._write_lock:
                report = self._posts.write_batch(
                    new[part],
                    now=to_naive_utc(self._clock()),
                    source_id=source_id,
                    cursor=cursor if n == count else None,
                    hooks=self.store_hooks,
                    edits=edits[part],
                    edit_hooks=self.edit_hooks,
                )
            inserted += report.inserted
            skipped += report.skipped
            updated += report.updated
            if report.first_id is not None:
                first = report.first_id if first is None else min(first, report.first_id)
                last = report.last_id if last is None else max(last, report.last_id or 0)
                self._events.emit(POSTS_INGESTED, report.first_id, report.last_id, report.inserted)
            if report.edited_ids:
                self._events.emit(POSTS_EDITED, list(report.edited_ids))
            if progress:
                progress(min(n * batch_size, len(new)) + min(n * batch_size, len(edits)), total)
        skipped += len(items) - total
        return IngestReport(len(items), inserted, skipped, first, last, updated)

"""The ingest pipeline: dedupe, then the workspace's post stages in their one order (see docs/architecture.md):
prepare stages (normalise, score, enrich) on the drafts outside the write lock, then the store and the post
stages (topics, advocates, rules, ...) in one transaction per batch, then the event. A stored post that comes
again with a later `extra["edited_at"]` is an edit: scored again and written as an update (posts_edited)."""

from __future__ import annotations

import gc
import hashlib
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from scrm_desktop.core.classify import Classification, classify
from scrm_desktop.core.edits import edited_time, is_newer_edit
from scrm_desktop.core.sentiment import Analyzer, score_many
from scrm_desktop.core.text import normalize_text
from scrm_desktop.listening.api import PostIn
from scrm_desktop.listening.events import POSTS_EDITED, POSTS_INGESTED, EventHub
from scrm_desktop.store.batch import NewPost, PostStage, StoredBatch
from scrm_desktop.store.posts import PostRepo, WriteReport

if TYPE_CHECKING:
    from scrm_desktop.core.classify_model import Corrections

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
MAX_FUTURE = timedelta(minutes=5)

_gc_lock = threading.Lock()
_gc_pauses = 0  # batches in progress (any thread) that asked for the collector to wait
_gc_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector waits while a batch is deduplicated, prepared and written: a batch makes
    tens of thousands of short-lived dicts and lists, no cycles, and the collections they set off walked every
    object of the process (a sixth of the ingest time at 100,000 posts). Reference counting still frees them;
    the collector runs again when the last batch in progress (in any thread) ends, if it ran before."""
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


@dataclass(frozen=True)
class IngestReport:
    received: int
    inserted: int
    skipped: int
    first_id: int | None
    last_id: int | None
    updated: int = 0  # stored posts replaced by a later edit (neither inserted nor skipped)


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


@dataclass
class Drafts:
    """The batch before it is stored, in the one shape every prepare stage reads: the incoming posts, their keys,
    and one dict of NewPost fields per post that the stages fill column by column (normalise makes them)."""

    items: list[PostIn]
    keys: list[tuple[str, str]]
    now: datetime  # naive UTC
    rows: list[dict[str, Any]] = field(default_factory=list)

    def scored_texts(self) -> list[str]:
        """What the analyzer reads per post: the title too, when the text does not contain it."""
        return [
            f"{title}\n{text}" if (title := r["title"]) and title not in (text := r["text"]) else r["text"]
            for r in self.rows
        ]

    def posts(self) -> list[NewPost]:
        return [NewPost(**row) for row in self.rows]


@dataclass(frozen=True)
class PrepareStage:
    """A step before the store, outside the write lock: pure work on the drafts (no database)."""

    name: str
    run: Callable[[Drafts], None]


class Store:
    """The marker of where, in the list of stages, the posts are written (PostRepo.write_batch)."""

    name = "store"


STORE = Store()
Stage = PrepareStage | Store | PostStage


def normalise(drafts: Drafts) -> None:
    """Prepare stage: plain, capped text and names, naive UTC times (a future time is the ingest time), web
    links only."""
    now = drafts.now
    rows = []
    for p, (channel, external_id) in zip(drafts.items, drafts.keys, strict=True):
        is_html = p.text_format == "html"
        created = to_naive_utc(p.created_at)
        if created > now + MAX_FUTURE:  # a wrong clock upstream must not pin a post above everything
            created = now
        rows.append(
            {
                "channel": channel,
                "external_id": external_id,
                "text": normalize_text(p.text or "", is_html=is_html),
                "created_at": created,
                "author_handle": normalize_text(p.author_handle or "", max_len=300),
                "author_name": normalize_text(p.author_name or "", max_len=300),
                "author_followers": p.author_followers,
                "url": safe_url(p.url or ""),
                "title": normalize_text(p.title or "", is_html=is_html, max_len=1000),
                "lang": (p.lang or "").strip().lower()[:20],
                "reply_to": (p.reply_to or "")[:500],
                "thread_id": (p.thread_id or "")[:500],
                "likes": p.likes,
                "reposts": p.reposts,
                "replies": p.replies,
                "extra": dict(p.extra or {}),
            }
        )
    drafts.rows = rows


def scorer(analyzer: Analyzer) -> Callable[[Drafts], None]:
    """Prepare stage: sentiment score, label and its reasons (the first twelve) for every draft."""

    def score(drafts: Drafts) -> None:
        texts = drafts.scored_texts()
        unique = list(dict.fromkeys(texts))  # a retweet or cross-post of the same text is scored once
        columns = {
            text: (round(found.score, 4), found.label, [(r.cue, r.weight, r.kind) for r in found.reasons[:12]])
            for text, found in zip(unique, score_many(analyzer, unique), strict=True)
        }
        for row, text in zip(drafts.rows, texts, strict=True):
            row["sentiment"], row["sentiment_label"], reasons = columns[text]
            row["sentiment_reasons"] = [{"cue": cue, "weight": weight, "kind": kind} for cue, weight, kind in reasons]

    return score


class Ingestor:
    """Turns plugin output into stored posts through `stages`, in their order: prepare stages run in the caller's
    thread, the store and post stages under the write lock (one writer at a time, as SQLite requires).
    `stage_seconds` adds up the time each stage took (the benchmark reports it)."""

    def __init__(
        self,
        posts: PostRepo,
        events: EventHub,
        stages: Sequence[Stage],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._posts = posts
        self._events = events
        self._clock = clock
        self._write_lock = threading.Lock()
        self.stage_seconds: Counter[str] = Counter()
        self.stages = tuple(stages)

    @property
    def stages(self) -> tuple[Stage, ...]:
        """The post stages in their one order: prepare stages, the store, post stages."""
        return self._stages

    @stages.setter
    def stages(self, stages: Sequence[Stage]) -> None:
        kinds = [0 if isinstance(s, PrepareStage) else 1 if isinstance(s, Store) else 2 for s in stages]
        if kinds.count(1) != 1 or kinds != sorted(kinds):
            raise ValueError("stages run prepare stages, then the store once, then post stages")
        self._stages = tuple(stages)
        self._prepare = [s for s in self._stages if isinstance(s, PrepareStage)]
        self._after = [self._timed(s) for s in self._stages if isinstance(s, PostStage)]

    def _timed(self, stage: PostStage) -> PostStage:
        def run(batch: StoredBatch, step: Callable[[StoredBatch], None] = stage.run) -> None:
            started = time.perf_counter()
            try:
                step(batch)
            finally:
                self.stage_seconds[stage.name] += time.perf_counter() - started

        edits = stage.on_edits
        return PostStage(stage.name, run, None if edits is None else lambda b: run(b, edits))

    def dedupe(self, items: Iterable[PostIn]) -> tuple[dict[tuple[str, str], PostIn], set[tuple[str, str]]]:
        """(the posts to prepare by key, the keys among them that are edits): the batch deduplicated (the first
        copy wins, or the latest edit), posts already stored dropped before any scoring. A stored post whose
        incoming copy has a later `extra["edited_at"]` than the stored one is kept, as an edit."""
        started = time.perf_counter()
        fresh: dict[tuple[str, str], PostIn] = {}
        for item in items:
            key = post_key(item)
            if key not in fresh or is_newer_edit(item.extra, fresh[key].extra):
                fresh[key] = item
        edit_keys = self._edits(fresh)
        plain = [key for key in fresh if key not in edit_keys]
        for key in self._posts.stored_keys(plain) if plain else ():
            del fresh[key]
        self.stage_seconds["dedupe"] += time.perf_counter() - started
        return fresh, edit_keys

    def _prepared(
        self, part: Sequence[tuple[tuple[str, str], PostIn]], edit_keys: set[tuple[str, str]]
    ) -> tuple[list[NewPost], list[NewPost]]:
        """The prepare stages over `part` (key, post pairs): (posts to insert, edits)."""
        drafts = Drafts([item for _, item in part], [key for key, _ in part], to_naive_utc(self._clock()))
        for stage in self._prepare:
            started = time.perf_counter()
            stage.run(drafts)
            self.stage_seconds[stage.name] += time.perf_counter() - started
        new: list[NewPost] = []
        edits: list[NewPost] = []
        for key, post in zip(drafts.keys, drafts.posts(), strict=True):
            (edits if key in edit_keys else new).append(post)
        return new, edits

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

    def ingest(
        self,
        items: Sequence[PostIn],
        *,
        source_id: int | None = None,
        cursor: Mapping[str, Any] | None = None,
        batch_size: int = BATCH_SIZE,
        progress: Callable[[int, int], None] | None = None,
    ) -> IngestReport:
        """Store posts in batches of `batch_size` (each prepared, then written in its own transaction); the cursor
        is committed with the last batch. Emits `posts_ingested` per batch."""
        with gc_paused():
            fresh, edit_keys = self.dedupe(items)
            pending = list(fresh.items())
        total = len(pending)
        inserted = skipped = updated = 0
        first: int | None = None
        last: int | None = None
        count = max(-(-total // batch_size), 1)
        for n in range(1, count + 1):
            with gc_paused():
                new, edits = self._prepared(pending[(n - 1) * batch_size : n * batch_size], edit_keys)
                with self._write_lock:
                    report = self._write(new, edits, source_id, cursor if n == count else None)
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
                progress(min(n * batch_size, total), total)
        skipped += len(items) - total
        return IngestReport(len(items), inserted, skipped, first, last, updated)

    def _write(
        self, new: list[NewPost], edits: list[NewPost], source_id: int | None, cursor: Mapping[str, Any] | None
    ) -> WriteReport:
        """The store stage (its own time is the transaction's less the post stages' inside it)."""
        inside = sum(self.stage_seconds[s.name] for s in self._after)
        started = time.perf_counter()
        report = self._posts.write_batch(
            new, now=to_naive_utc(self._clock()), source_id=source_id, cursor=cursor, stages=self._after, edits=edits
        )
        spent = time.perf_counter() - started - (sum(self.stage_seconds[s.name] for s in self._after) - inside)
        self.stage_seconds[STORE.name] += spent
        return report


def enricher(corrections: Corrections | None = None) -> Callable[[Drafts], None]:
    """Prepare stage: trait, intent and lead, with the confidence and reasons behind them, for every draft
    (core.classify), read with the workspace's agent corrections in mind and the sentiment the score stage gave.
    A rule or an agent may still change them later. A text that comes more than once in the batch (a repost, a
    cross-post) is classified once."""

    def enrich(drafts: Drafts) -> None:
        done: dict[tuple[str, str, str], Classification] = {}
        for row in drafts.rows:
            key = (row["text"], row["title"], row.get("sentiment_label") or "")
            if (found := done.get(key)) is None:
                found = done[key] = classify(key[0], key[1], corrections, key[2])
            row["trait"], row["intent"], row["is_lead"] = found.trait, found.intent, found.is_lead
            row["classification"] = found.as_json()

    return enrich

"""The ingest pipeline: dedupe, then the workspace's post stages in their one order (see docs/architecture.md):
prepare stages (normalise, score, enrich: listening/prepare.py) on the drafts outside the write lock, then the
store and the post stages (topics, advocates, rules, ...) in one transaction per batch, then the event. A stored
post that comes again with a later `extra["edited_at"]` is an edit: scored again and written as an update
(posts_edited). A big ingest prepares its later batches in worker processes while it writes the earlier ones
(listening/workers.py)."""

from __future__ import annotations

import gc
import hashlib
import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from scrm_desktop.core.edits import edited_time, is_newer_edit
from scrm_desktop.listening.api import PostIn
from scrm_desktop.listening.events import POSTS_EDITED, POSTS_INGESTED, EventHub
from scrm_desktop.listening.prepare import Drafts, PrepareStage, to_naive_utc
from scrm_desktop.listening.workers import Prepared, PreparePool, Stages, StagesUnavailable, default_pool
from scrm_desktop.store.batch import NewPost, PostStage, StoredBatch
from scrm_desktop.store.posts import PostRepo, WriteReport
from scrm_desktop.store.rows import SqliteRows

log = logging.getLogger(__name__)

BATCH_SIZE = 1000

_gc_lock = threading.Lock()
_gc_pauses = 0  # batches in progress (any thread) that asked for the collector to wait
_gc_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector waits while an ingest call deduplicates, prepares and writes its batches:
    a batch makes tens of thousands of short-lived dicts and lists, no cycles, and the collections they set off
    walked every object of the process (a sixth of the ingest time at 100,000 posts). Paused per batch, the
    collection that ran when it was on again walked the next batches' posts a worker had sent back meanwhile:
    ~10% of the writer's time with workers. Reference counting still frees them; a batch leaves ~35 objects in
    cycles (SQLAlchemy's), ~35,000 for a million posts, collected when the collector runs again: when the last
    ingest in progress (in any thread) ends, if it ran before."""
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


def fallback_id(p: PostIn) -> str:
    digest = hashlib.sha256(f"{p.author_handle}\x1f{p.created_at.isoformat()}\x1f{p.text}".encode()).hexdigest()
    return f"sha256:{digest[:32]}"


def post_key(p: PostIn) -> tuple[str, str]:
    """(channel, external_id) as stored: the key duplicates are recognised by."""
    return (p.channel or "unknown").strip().lower()[:50], (p.external_id or "").strip()[:500] or fallback_id(p)


class Store:
    """The marker of where, in the list of stages, the posts are written (PostRepo.write_batch)."""

    name = "store"


STORE = Store()
Stage = PrepareStage | Store | PostStage
# a prepared batch: the posts to insert, the edits, the inserts' SQLite rows when a worker made them (store.rows)
Part = tuple[list[NewPost], list[NewPost], SqliteRows | None]


class Ingestor:
    """Turns plugin output into stored posts through `stages`, in their order: prepare stages run in the caller's
    thread, the store and post stages under the write lock (one writer at a time, as SQLite requires).
    `stage_seconds` adds up the time each stage took (the benchmark reports it; a stage run in a worker process
    counts the worker's time). `workers`: processes for the prepare stages of ingests of two batches or more
    (listening/workers.py; default `default_pool()`, 0 for none). `close()` stops them."""

    def __init__(
        self,
        posts: PostRepo,
        events: EventHub,
        stages: Sequence[Stage],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        workers: int | None = None,
    ) -> None:
        self._posts = posts
        self._events = events
        self._clock = clock
        self._write_lock = threading.Lock()
        self.stage_seconds: Counter[str] = Counter()
        self.stages = tuple(stages)
        self.pool = default_pool() if workers is None else PreparePool(workers)

    def close(self) -> None:
        """Stop the worker processes, if any run."""
        self.pool.close()

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

    def _prepared(self, part: Sequence[tuple[tuple[str, str], PostIn]], edit_keys: set[tuple[str, str]]) -> Part:
        """The prepare stages over `part` (key, post pairs), in this thread (the store makes the rows)."""
        return self._prepared_here(self._drafts(part), edit_keys)

    def _prepared_here(self, drafts: Drafts, edit_keys: set[tuple[str, str]]) -> Part:
        for stage in self._prepare:
            started = time.perf_counter()
            stage.run(drafts)
            self.stage_seconds[stage.name] += time.perf_counter() - started
        return self._split(drafts.keys, drafts.posts(), None, edit_keys)

    def _drafts(self, part: Sequence[tuple[tuple[str, str], PostIn]]) -> Drafts:
        return Drafts([item for _, item in part], [key for key, _ in part], to_naive_utc(self._clock()))

    @staticmethod
    def _split(
        keys: list[tuple[str, str]], posts: list[NewPost], rows: SqliteRows | None, edit_keys: set[tuple[str, str]]
    ) -> Part:
        """(posts to insert, edits, the rows of the first when they are all of them)."""
        if edit_keys.isdisjoint(keys):
            return posts, [], rows
        new: list[NewPost] = []
        edits: list[NewPost] = []
        for key, post in zip(keys, posts, strict=True):
            (edits if key in edit_keys else new).append(post)
        return new, edits, None  # the store makes the rows of `new`

    def _prepared_parts(
        self,
        parts: list[list[tuple[tuple[str, str], PostIn]]],
        edit_keys: set[tuple[str, str]],
        pickled: Stages | None = None,
    ) -> Iterator[Part]:
        """Each part prepared, in order. With two parts or more and worker processes, the first is prepared here
        while the workers start and the later ones there, a few ahead of the writes (listening/workers.py). When
        the workers fail (one died, or they cannot read the stages), the rest is prepared here. `pickled`: the
        prepare stages as the workers get them, when the ingest pickled them already."""
        use = len(parts) > 1 and self.pool and self.pool.worth_starting()
        stages = (pickled or Stages.of(self._prepare)) if use else None
        if stages is None:
            for part in parts:
                yield self._prepared(part, edit_keys)
            return
        self.pool.acquire()
        ahead: deque[tuple[Drafts, Future[Prepared] | None]] = deque()
        sqlite = self._posts.on_sqlite
        later = iter(parts[1:])
        here = False  # the workers failed: prepare in this thread from now on

        def give_up(exc: BaseException) -> None:
            nonlocal here
            if not here:
                why = (
                    "died"
                    if isinstance(exc, BrokenProcessPool)
                    else f"could not read the stages ({exc})"
                    if isinstance(exc, StagesUnavailable)
                    else f"stopped ({exc})"
                )
                log.warning("an ingest worker process %s: the rest of this ingest is prepared in one process", why)
            here = True
            if isinstance(exc, BrokenProcessPool):
                self.pool.broken()  # the next ingest starts new ones

        def submit() -> None:
            part = next(later, None)
            if part is None:
                return
            drafts = self._drafts(part)
            future = None
            if not here:
                try:
                    with_rows = sqlite and edit_keys.isdisjoint(drafts.keys)  # a part with edits: rows made here
                    future = self.pool.submit(stages, drafts.items, drafts.keys, drafts.now, with_rows)
                except (BrokenProcessPool, RuntimeError) as exc:  # another ingest found them dead; the workspace closes
                    give_up(exc)
            ahead.append((drafts, future))

        try:
            for _ in range(self.pool.processes + 1):
                submit()
            yield self._prepared(parts[0], edit_keys)
            while ahead:
                drafts, future = ahead.popleft()
                done: Prepared | None = None
                if future is not None:
                    try:
                        done = future.result()
                    except (BrokenProcessPool, StagesUnavailable) as exc:
                        give_up(exc)
                submit()
                if done is None:
                    yield self._prepared_here(drafts, edit_keys)
                    continue
                posts, rows, spent = done
                for name, seconds in spent.items():
                    self.stage_seconds[name] += seconds
                yield self._split(drafts.keys, posts, rows, edit_keys)
        finally:
            for _, pending in ahead:
                if pending is not None:
                    pending.cancel()
            self.pool.release()

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
        with gc_paused():  # the whole call: see gc_paused
            return self._ingest(items, source_id, cursor, batch_size, progress)

    def _ingest(
        self,
        items: Sequence[PostIn],
        source_id: int | None,
        cursor: Mapping[str, Any] | None,
        batch_size: int,
        progress: Callable[[int, int], None] | None,
    ) -> IngestReport:
        stages = None
        if len(items) > batch_size and self.pool and self.pool.worth_starting():
            stages = Stages.of(self._prepare)  # None when they do not pickle: no workers for this ingest
            if stages is not None:
                self.pool.warm()  # the workers start beside the dedupe (a big ingest will want them)
        fresh, edit_keys = self.dedupe(items)
        pending = list(fresh.items())
        total = len(pending)
        inserted = skipped = updated = 0
        first: int | None = None
        last: int | None = None
        parts = [pending[i : i + batch_size] for i in range(0, total, batch_size)] or [[]]
        prepared = self._prepared_parts(parts, edit_keys, stages)
        for n in range(1, len(parts) + 1):
            new, edits, rows = next(prepared)
            with self._write_lock:
                report = self._write(new, edits, rows, source_id, cursor if n == len(parts) else None)
            del new, edits, rows
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
        prepared.close()
        skipped += len(items) - total
        return IngestReport(len(items), inserted, skipped, first, last, updated)

    def _write(
        self,
        new: list[NewPost],
        edits: list[NewPost],
        rows: SqliteRows | None,
        source_id: int | None,
        cursor: Mapping[str, Any] | None,
    ) -> WriteReport:
        """The store stage (its own time is the transaction's less the post stages' inside it)."""
        inside = sum(self.stage_seconds[s.name] for s in self._after)
        started = time.perf_counter()
        report = self._posts.write_batch(
            new,
            now=to_naive_utc(self._clock()),
            source_id=source_id,
            cursor=cursor,
            stages=self._after,
            edits=edits,
            rows=rows,
        )
        spent = time.perf_counter() - started - (sum(self.stage_seconds[s.name] for s in self._after) - inside)
        self.stage_seconds[STORE.name] += spent
        return report

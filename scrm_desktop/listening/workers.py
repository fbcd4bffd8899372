"""The prepare stages of a big ingest (a backfill, an import, a fetch of thousands of posts) in worker processes.

Normalising, scoring and classifying a post is pure Python work on one core; SQLite takes one writer. A big
ingest therefore runs its prepare stages (listening/prepare.py) for the next batches in `PreparePool`'s worker
processes while the ingesting thread writes the batch before them: on a machine with two cores or more the
posts are stored sooner, with the very values a serial ingest stores, in the same order and transactions.

- The workers start on the first ingest of two batches or more (spawned: a clean interpreter that imports only
  the core and the plugin API; safe beside Qt and the scheduler's threads) and stop after a minute unused or
  when the workspace closes. Ingests of one batch (a source's usual fetch) never wait for them.
- Each batch is sent with the stages as they are at the start of the ingest (the analyzer with the agents'
  sentiment corrections, the classifier's corrections), pickled; a worker unpickles them again only when
  they changed. A correction made during an ingest counts from the next one, as in a serial ingest.
- A worker that dies (killed, out of memory) loses nothing: the batches it held are prepared in the ingesting
  thread, and so is the rest of that ingest. A stage that raises raises in the ingest as it would serially.
- They are on by default in the app's own processes (the GUI, `listen`, `import`: `scrm_desktop.cli.main` says
  so with `allow_by_default()`), one per core up to four. A spawned worker imports the parent's main script
  again (as `__mp_main__`): the app's entry points are guarded for it, a user's own script may not be, so a
  program that uses the package as a library ingests in one process unless it asks (`SCRM_INGEST_WORKERS=N`,
  or `Ingestor(workers=N)`). `SCRM_INGEST_WORKERS=0` turns them off everywhere.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import math
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when used: the app's entry point imports this module before its window shows
    from concurrent.futures import Future, ProcessPoolExecutor
    from datetime import datetime

    from scrm_desktop.listening.api import PostIn
    from scrm_desktop.listening.prepare import PrepareStage
    from scrm_desktop.store.batch import NewPost
    from scrm_desktop.store.rows import SqliteRows

log = logging.getLogger(__name__)

IDLE_S = 60.0  # workers unused this long are stopped (they hold a copy of the analyzer each)
MAX_WORKERS = 4
WORKER_NICE = 10  # the workers' priority below the ingesting process (POSIX nice; none elsewhere)


_allowed = False  # the app's entry point says its main module is safe to import again in a worker


def allow_by_default() -> None:
    """Called by the app's entry point: big ingests use worker processes unless `SCRM_INGEST_WORKERS` says not."""
    global _allowed
    _allowed = True


def default_pool() -> PreparePool:
    """The pool an ingestor gets unless told otherwise: `default_workers()` processes; the app's own (not a number
    set in SCRM_INGEST_WORKERS) start only while a core is free."""
    explicit = bool(os.environ.get("SCRM_INGEST_WORKERS", "").strip())
    return PreparePool(default_workers(), when_idle=not explicit)


def default_workers() -> int:
    """Worker processes for big ingests: `SCRM_INGEST_WORKERS` if set; else, in the app's own processes
    (`allow_by_default`), one per core the process may use, up to four; else 0 (prepare in the ingesting
    thread)."""
    raw = os.environ.get("SCRM_INGEST_WORKERS", "").strip()
    if raw:
        try:
            return max(0, int(raw))
        except ValueError:
            log.warning("SCRM_INGEST_WORKERS=%r is not a number: big ingests prepare in one process", raw)
            return 0
    return machine_workers() if _allowed else 0


def machine_workers() -> int:
    """One worker per core the process may use, up to four; none on a single core."""
    cores = _cores()
    return min(cores, MAX_WORKERS) if cores >= 2 else 0


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def free_cores() -> float:
    """Cores the rest of the machine leaves idle: the cores less the last minute's load average, of which this
    process's own recent work is taken out (all of them where the platform has no load average)."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        return float(_cores())
    return _cores() - max(0.0, load - own_load())


def _cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


class OwnLoad:
    """This process's share of the load average, estimated as the kernel averages the load (exponentially, with
    a minute's time constant) from the process's CPU time between two looks. A big ingest right after another
    (a second import, the bench's runs) must not take the app's own work for the machine being busy; the
    workers' time is left out (they run only while the pool is up, when nothing is asked)."""

    def __init__(self, cpu: Callable[[], float] = _cpu_seconds, clock: Callable[[], float] = time.monotonic) -> None:
        self._cpu, self._clock = cpu, clock
        self._lock = threading.Lock()
        self._seen = (clock(), cpu())
        self._load = 0.0

    def __call__(self) -> float:
        now, cpu = self._clock(), self._cpu()
        with self._lock:
            then, before = self._seen
            if now > then:
                decay = math.exp(-(now - then) / 60.0)
                busy = max(0.0, (cpu - before) / (now - then))  # cores this process kept busy meanwhile
                self._load = self._load * decay + busy * (1.0 - decay)
                self._seen = (now, cpu)
            return self._load


own_load = OwnLoad()  # from the module's import: the process's start, near enough


class Stages:
    """The prepare stages of one ingest as the workers get them: pickled once, with the digest a worker knows them
    by. `None` from `of` when they do not pickle (a custom analyzer holding a lock, say): prepare in-process."""

    __slots__ = ("blob", "digest")

    def __init__(self, blob: bytes) -> None:
        import hashlib

        self.blob = blob
        self.digest = hashlib.blake2b(blob, digest_size=16).hexdigest()

    @classmethod
    def of(cls, stages: Sequence[PrepareStage]) -> Stages | None:
        import pickle

        try:
            return cls(pickle.dumps(tuple(stages), protocol=pickle.HIGHEST_PROTOCOL))
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            log.info("the prepare stages do not pickle (%s): this ingest prepares in one process", exc)
            return None


class PreparePool:
    """Up to `processes` worker processes that run prepare stages on batches of drafts (see the module's doc)."""

    def __init__(self, processes: int, idle_s: float = IDLE_S, *, when_idle: bool = False) -> None:
        self.processes = max(0, processes)
        self.when_idle = when_idle  # start only while a core is free (the app's default pool)
        self._idle_s = idle_s
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._idle: threading.Timer | None = None
        self._users = 0  # ingests using the workers right now (the idle timer waits for none)
        self._closed = False

    def __bool__(self) -> bool:
        return self.processes > 0 and not self._closed

    def worth_starting(self) -> bool:
        """Whether an ingest should use the workers: yes when they run; when they would have to start, not on a
        machine already busy (`when_idle`: the rest of the machine leaves less than a core free)."""
        with self._lock:
            running = self._executor is not None
        return running or not self.when_idle or free_cores() >= 1.0

    def acquire(self) -> None:
        """An ingest starts using the workers (they start now if they are not running)."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the ingest's worker processes are closed")
            if self._idle is not None:
                self._idle.cancel()
                self._idle = None
            if self._executor is None:
                import multiprocessing
                from concurrent.futures import ProcessPoolExecutor

                self._executor = ProcessPoolExecutor(
                    max_workers=self.processes, mp_context=multiprocessing.get_context("spawn"), initializer=_start
                )
            self._users += 1

    def warm(self) -> None:
        """Start the workers now, each importing and compiling what a batch needs (`_warm`), before the ingest
        that will use them has its batches ready (its dedupe, its stages pickled): they start beside that work
        instead of after it. They stop after `idle_s` if no ingest uses them."""
        from concurrent.futures.process import BrokenProcessPool

        with self._lock:
            if self._executor is not None or self._closed:
                return  # running already (or closing)
        self.acquire()
        try:
            with self._lock:
                executor = self._executor
            if executor is not None:
                for _ in range(self.processes):  # one per worker: each submit with none idle starts one
                    executor.submit(_warm)
        except (BrokenProcessPool, RuntimeError):  # the ingest finds them dead, or the workspace closing
            pass
        finally:
            self.release()

    def release(self) -> None:
        """The ingest is done with them: they stop if no ingest uses them for `idle_s`."""
        with self._lock:
            self._users -= 1
            if self._users == 0 and self._executor is not None and not self._closed:
                self._idle = threading.Timer(self._idle_s, self._stop_if_idle)
                self._idle.daemon = True
                self._idle.start()

    def submit(
        self, stages: Stages, items: list[PostIn], keys: list[tuple[str, str]], now: datetime, with_rows: bool
    ) -> Future[Prepared]:
        """Prepare one batch in a worker: the posts, their SQLite rows when `with_rows` (store.rows: then the
        posts come back without their reasons and classification, which the rows hold), each stage's seconds."""
        from concurrent.futures.process import BrokenProcessPool

        with self._lock:
            if self._executor is None:  # another ingest found a worker dead (or none was acquired)
                raise BrokenProcessPool("the ingest's worker processes stopped")
            return self._executor.submit(_prepare, stages.digest, stages.blob, items, keys, now, with_rows)

    def broken(self) -> None:
        """A worker died: the others are let go; the next ingest starts new ones."""
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    def _stop_if_idle(self) -> None:
        with self._lock:
            if self._users or self._executor is None:
                return
            executor, self._executor, self._idle = self._executor, None, None
        executor.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        """Stop the workers (the workspace closes)."""
        with self._lock:
            self._closed = True
            if self._idle is not None:
                self._idle.cancel()
            executor, self._executor, self._idle = self._executor, None, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


# ---- in the worker process --------------------------------------------------------------------------------------

_known: tuple[str, tuple[PrepareStage, ...]] = ("", ())


def one_blas_thread() -> None:
    """numpy's BLAS on one thread unless the user set otherwise, for numpy imported from now on: the app's numpy
    work (the charts, the classifier's batch decisions) is element-wise, which BLAS threads never run, and OpenBLAS
    starts one per core at numpy's import, which spun there (60-180 ms of CPU in each process). The app's entry
    point calls it, and each worker before its first batch imports numpy."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _start() -> None:
    one_blas_thread()
    # A worker only prepares batches: tens of thousands of short-lived dicts per batch and no cycles, which the
    # cyclic collector would walk again and again (the ingesting thread pauses it for the same reason).
    gc.disable()
    # The writer (and the window, in the GUI) comes first: with more busy processes than cores, a worker at the
    # same priority took the writer's core half the time, and the writes are what the workers wait on.
    if hasattr(os, "nice"):
        with contextlib.suppress(OSError):
            os.nice(WORKER_NICE)


def _warm() -> None:
    """A worker's first task: the modules a batch needs imported and the classifier's cue patterns compiled (a
    few tenths of a second), so the first batch it gets is prepared at full speed."""
    from scrm_desktop.core.classify import classify_many
    from scrm_desktop.listening import prepare  # noqa: F401
    from scrm_desktop.store import rows  # noqa: F401

    # with their sentiment labels given, as the score stage gives them: no second analyzer is made for these two
    classify_many(
        [("warming up: is my order late? refund please", "", "negative"), ("thanks, all sorted!", "", "positive")]
    )


class StagesUnavailable(Exception):
    """The worker could not unpickle the stages (a class only the parent's main script defines, say): the ingest
    prepares in its own process instead."""


Prepared = tuple["list[NewPost]", "SqliteRows | None", dict[str, float]]


def _prepare(
    digest: str, blob: bytes, items: list[PostIn], keys: list[tuple[str, str]], now: datetime, with_rows: bool
) -> Prepared:
    """The prepare stages on one batch, then what the writer needs of it: the posts (the post stages read them)
    and, when `with_rows` (the writer stores them as they are: SQLite, and no edit among them), the rows they are
    stored as (store.rows: JSON dumped, times as text, the authors' upsert rows, the rollups), made here by the
    functions a one-process ingest uses in the writer. Posts sent back with their rows leave their sentiment
    reasons and classification behind (empty): the rows carry them, the post stages do not read them (see
    StoredBatch), and unpickling those dicts was a tenth of the writer's time spent on a batch's return."""
    import pickle

    from scrm_desktop.listening.prepare import Drafts
    from scrm_desktop.store.rows import sqlite_rows

    global _known
    if _known[0] != digest:
        try:
            stages = pickle.loads(blob)
        except Exception as exc:
            raise StagesUnavailable(f"{type(exc).__name__}: {exc}") from None
        _known = (digest, stages)
        gc.collect()  # the stages before these, once
    drafts = Drafts(items, keys, now)
    spent: dict[str, float] = {}
    for stage in _known[1]:
        started = time.perf_counter()
        stage.run(drafts)
        spent[stage.name] = time.perf_counter() - started
    posts = drafts.posts()
    if not with_rows:
        return posts, None, spent
    rows = sqlite_rows(posts)
    for post in posts:  # in the rows already (JSON): the writer reads them from there, so they need not go back
        vars(post).update(sentiment_reasons=(), classification={})
    return posts, rows, spent

"""Turns events from worker threads into queued Qt signals, notices writes made by other processes, and runs
the GUI's database reads on a thread of their own (ReadWorker)."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, QTimer, Signal

from scrm_desktop.listening.events import ERROR_RAISED, POSTS_EDITED, POSTS_INGESTED, SOURCE_CHANGED, EventHub

log = logging.getLogger(__name__)


class Bridge(QObject):
    """Signals are emitted from whatever thread raised the event; Qt queues them to the GUI thread because
    this object lives there (AutoConnection across threads)."""

    posts_ingested = Signal(int, int, int)  # first_id, last_id, count (-1: unknown, written elsewhere)
    posts_edited = Signal(list)  # ids of stored posts replaced by a later edit (this process's ingest only)
    source_changed = Signal(str)
    error_raised = Signal(str, str)  # title, message

    def __init__(self, events: EventHub, latest_id=None, parent: QObject | None = None, poll_ms: int = 2000):  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self._unsubscribe = [
            events.subscribe(POSTS_INGESTED, self._on_ingested),
            events.subscribe(POSTS_EDITED, self.posts_edited.emit),
            events.subscribe(SOURCE_CHANGED, self.source_changed.emit),
            events.subscribe(ERROR_RAISED, self.error_raised.emit),
        ]
        self._latest_id = latest_id
        self._known_id = latest_id() if latest_id else 0
        self._timer = QTimer(self)
        self._timer.setInterval(poll_ms)
        self._timer.timeout.connect(self._poll)
        if latest_id:
            self._timer.start()

    def _on_ingested(self, first_id: int, last_id: int, count: int) -> None:
        self._known_id = max(self._known_id, last_id)
        self.posts_ingested.emit(first_id, last_id, count)

    def _poll(self) -> None:
        """Another process (a headless listener, a teammate) may have written: a cheap max(id) check."""
        try:
            newest = self._latest_id()
        except Exception:
            log.exception("could not check the database for new posts")
            return
        if newest > self._known_id:
            first, self._known_id = self._known_id + 1, newest
            self.posts_ingested.emit(first, newest, -1)

    def close(self) -> None:
        self._timer.stop()
        for unsub in self._unsubscribe:
            unsub()


class ErrorLogHandler(logging.Handler):
    """Forwards ERROR records to the GUI (once per distinct message) so nothing fails silently."""

    def __init__(self, events: EventHub) -> None:
        super().__init__(logging.ERROR)
        self._events = events
        self._seen: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message in self._seen or len(self._seen) > 500:
            return
        self._seen.add(message)
        self._events.emit(ERROR_RAISED, "Something went wrong", message)


Done = Callable[[Any, BaseException | None], None]  # (result, error): called on the GUI thread


class ReadWorker(QObject):
    """Runs reads (stream pages, live checks) one at a time on one thread and hands each result to its callback
    on the GUI thread, so the GUI thread never waits on SQL. A job submitted under a key whose previous job has
    not started yet replaces it: a burst of requests for one column costs one query."""

    _finished = Signal(object, object, object)  # callback, result, error: emitted on the worker thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._jobs: OrderedDict[Hashable, tuple[Callable[[], Any], Done]] = OrderedDict()
        self._lock = threading.Lock()
        self._closed = False
        self._undelivered = 0  # jobs submitted whose result has not reached its callback yet (GUI thread only)
        self._finished.connect(self._deliver)  # this object lives on the GUI thread: delivery is queued there

    def submit(self, key: Hashable, job: Callable[[], Any], done: Done) -> None:
        if self._closed:
            return
        with self._lock:
            replaced = key in self._jobs
            self._jobs[key] = (job, done)
        if not replaced:
            self._undelivered += 1
            self._pool.start(self._run_next)

    def _run_next(self) -> None:  # on the worker thread
        with self._lock:
            if not self._jobs:
                return
            _key, (job, done) = self._jobs.popitem(last=False)
        result: Any = None
        error: BaseException | None = None
        try:
            result = job()
        except Exception as exc:  # handed to the callback: a locked database or a bad query is shown, not fatal
            error = exc
        with contextlib.suppress(RuntimeError):  # the window went away meanwhile
            self._finished.emit(done, result, error)

    def _deliver(self, done: Done, result: Any, error: BaseException | None) -> None:
        self._undelivered -= 1
        if not self._closed:
            done(result, error)

    def idle(self) -> bool:
        """Nothing waiting, running, or finished but not yet handed to its callback (tests and benchmarks wait
        for this)."""
        return self._undelivered == 0

    def close(self) -> None:
        self._closed = True
        with self._lock:
            self._jobs.clear()
        self._pool.waitForDone(10_000)

"""Turns events from worker threads into queued Qt signals and notices writes made by other processes."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer, Signal

from scrm_desktop.listening.events import ERROR_RAISED, POSTS_EDITED, POSTS_INGESTED, SOURCE_CHANGED, EventHub
from scrm_desktop.ui.tasks import TaskRunner

log = logging.getLogger(__name__)


class Bridge(QObject):
    """Signals are emitted from whatever thread raised the event; Qt queues them to the GUI thread because
    this object lives there (AutoConnection across threads)."""

    posts_ingested = Signal(int, int, int)  # first_id, last_id, count (-1: unknown, written elsewhere)
    posts_edited = Signal(list)  # ids of stored posts replaced by a later edit (this process's ingest only)
    source_changed = Signal(str)
    error_raised = Signal(str, str)  # title, message

    def __init__(self, events: EventHub, latest_id=None, parent: QObject | None = None, poll_ms: int = 2000):  # type: ignore[no-untyped-def]
        """Its first look for other processes' writes, at once, is where they start (what is stored before it is
        not news): it must not wait for anything, or a write made meanwhile would never show."""
        super().__init__(parent)
        self._unsubscribe = [
            events.subscribe(POSTS_INGESTED, self._on_ingested),
            events.subscribe(POSTS_EDITED, self.posts_edited.emit),
            events.subscribe(SOURCE_CHANGED, self.source_changed.emit),
            events.subscribe(ERROR_RAISED, self.error_raised.emit),
        ]
        self._latest_id = latest_id
        self._known_id: int | None = None  # the newest id seen; read in the background, not while building
        self._tasks = TaskRunner(self)
        self._timer = QTimer(self)
        self._timer.setInterval(poll_ms)
        self._timer.timeout.connect(self._poll)
        if latest_id:
            self._poll()
            self._timer.start()

    def _on_ingested(self, first_id: int, last_id: int, count: int) -> None:
        self._known_id = max(self._known_id or 0, last_id)
        self.posts_ingested.emit(first_id, last_id, count)

    def _poll(self) -> None:
        """Another process (a headless listener, a teammate) may have written: a cheap max(id) check, off the GUI
        thread (a check still under way when the timer fires again is not asked twice)."""
        if self._latest_id is not None and self._tasks.idle():
            self._tasks.run(self._latest_id, self._checked, failure=self._check_failed)

    @staticmethod
    def _check_failed(exc: Exception) -> None:
        log.error("could not check the database for new posts: %s", exc)

    def _checked(self, newest: int) -> None:
        if self._known_id is None:  # the first look: what is stored already is not news
            self._known_id = newest
        elif newest > self._known_id:
            first, self._known_id = self._known_id + 1, newest
            self.posts_ingested.emit(first, newest, -1)

    def close(self) -> None:
        self._timer.stop()
        self._tasks.close()
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

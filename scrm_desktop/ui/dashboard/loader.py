"""Builds dashboard snapshots on one worker thread and hands them to the GUI thread whole (never a half state).
A request made while a build runs is merged into one more build afterwards, never a second build at once."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QThreadPool, Signal

from scrm_desktop.ui.dashboard.data import Snapshot

log = logging.getLogger(__name__)


class SnapshotLoader(QObject):
    """`request(job)` runs `job()` (it returns a Snapshot) on the worker; `loaded(snapshot, ms)` or
    `failed(message)` arrive on the GUI thread. Only the newest request's result is delivered."""

    loaded = Signal(object, float)
    failed = Signal(str)
    _done = Signal(object, float, str)  # emitted on the worker, delivered on the GUI thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._next: Callable[[], Snapshot] | None = None
        self.busy = False
        self._closed = False
        self.builds = 0  # builds started (tests check that a burst of requests does not start one each)
        self._done.connect(self._finished)

    def request(self, job: Callable[[], Snapshot]) -> None:
        self._next = job
        if not self.busy and not self._closed:
            self._start()

    def _start(self) -> None:
        job, self._next = self._next, None
        assert job is not None
        self.busy = True
        self.builds += 1
        self._pool.start(lambda: self._run(job))

    def _run(self, job: Callable[[], Snapshot]) -> None:  # on the worker thread
        started = time.perf_counter()
        try:
            snap, error = job(), ""
        except Exception as exc:  # shown in the dashboard's status line; the old charts stay
            log.exception("dashboard refresh failed")
            snap, error = None, str(exc) or type(exc).__name__
        with contextlib.suppress(RuntimeError):  # the dashboard went away meanwhile
            self._done.emit(snap, (time.perf_counter() - started) * 1000, error)

    def _finished(self, snap: Snapshot | None, ms: float, error: str) -> None:
        self.busy = False
        if self._closed:
            return
        if self._next is not None:  # newer filters or newer posts: this result is already stale
            self._start()
        elif snap is None:
            self.failed.emit(error)
        else:
            self.loaded.emit(snap, ms)

    def wait(self) -> None:
        """Let a build under way finish (its result still arrives); later requests run as usual."""
        self._pool.waitForDone(30_000)

    def close(self) -> None:
        self._closed = True
        self._next = None
        self._pool.waitForDone(30_000)

"""Runs a window's queries on one worker thread and hands the results back on the GUI thread (the agent window's
panels and the customers window each have one).

Only the newest request per key matters: a result that was overtaken by a later request for the same key is
dropped, so a slow query never paints stale data over fresh. `synchronous=True` runs inline (snapshots)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal

log = logging.getLogger(__name__)


class Loader(QObject):
    _landed = Signal(str, int, object, object)  # key, ticket, result, error (worker thread -> GUI thread)

    def __init__(self, parent: QObject | None = None, synchronous: bool = False) -> None:
        super().__init__(parent)
        self.synchronous = synchronous
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._tickets: dict[str, int] = {}
        self._done: dict[tuple[str, int], tuple[Callable[[Any], None], Callable[[Exception], None] | None]] = {}
        self._closed = False
        self._landed.connect(self._deliver)

    def load(
        self,
        key: str,
        work: Callable[[], Any],
        done: Callable[[Any], None],
        failed: Callable[[Exception], None] | None = None,
    ) -> None:
        """Run `work()` off the GUI thread, then `done(result)` (or `failed(exc)`) on it."""
        if self._closed:
            return
        ticket = self._tickets.get(key, 0) + 1
        self._tickets[key] = ticket
        self._done[(key, ticket)] = (done, failed)
        if self.synchronous:
            self._run(key, ticket, work)
        else:
            self._pool.start(lambda: self._run(key, ticket, work))

    def _run(self, key: str, ticket: int, work: Callable[[], Any]) -> None:
        try:
            result, error = work(), None
        except Exception as exc:  # shown by the panel that asked
            log.debug("background load %s failed: %s", key, exc)
            result, error = None, exc
        with contextlib.suppress(RuntimeError):  # the window went away meanwhile
            self._landed.emit(key, ticket, result, error)

    def _deliver(self, key: str, ticket: int, result: Any, error: Exception | None) -> None:
        done, failed = self._done.pop((key, ticket), (None, None))
        if done is None or self._closed or ticket != self._tickets.get(key):
            return
        if error is None:
            done(result)
        elif failed is not None:
            failed(error)
        else:
            log.warning("could not load %s: %s", key, error)

    def busy(self) -> bool:
        return self._pool.activeThreadCount() > 0

    def wait(self, ms: int = 10_000) -> None:
        """Let the query under way finish (a window closing; it may be shown again)."""
        self._pool.waitForDone(ms)

    def close(self) -> None:
        """Stop taking work and wait for the query under way (call before the workspace closes)."""
        self._closed = True
        self._pool.waitForDone(10_000)

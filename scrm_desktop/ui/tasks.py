"""The one way the GUI runs work off its thread (in the spirit of Anki's QueryOp): `TaskRunner.run(work, success)`
runs `work()` on the runner's worker thread and calls `success(result)` (or `failure(exc)`) on the GUI thread.

- One op at a time per runner, in the order asked; the next starts as soon as the previous one's result lands.
- `key`: an op asked for under a key whose previous op has not started yet replaces it (a burst of refreshes
  costs one run). One already running finishes; its result is dropped for the newer op, so a slow query never
  paints stale data over fresh, but never twice in a row: when refreshes keep coming faster than the read takes
  (the agent queue while the live demo ingests), every other result is shown instead of none (the queue stayed
  empty for half a minute). The newest op of a key is always delivered.
- `owner`: a widget whose ops are dropped (not run, not delivered) once it is destroyed; the runner's parent
  by default. Nothing is delivered after `close()`.
- `progress`: `work` is then called as `work(report)`; `report(done, total)` from the worker reaches
  `progress(done, total)` on the GUI thread.
- `busy`: widgets (a Save button, a form) disabled from the ask until the op has landed or was dropped, so a
  click cannot be given twice and the user sees the work is under way; each goes back to how it was.
- `synchronous=True` runs each op inline (snapshots, scripts): the same callbacks, no thread.
See docs/gui-tasks.md."""

from __future__ import annotations

import contextlib
import itertools
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QWidget

log = logging.getLogger(__name__)

Report = Callable[[int, int], None]  # (done, total), called from the worker
# told of every op's failure on the GUI thread, before its own failure callback: the main window's (app.py: a
# damaged database); one at a time, the newest window's
fault_listener: Callable[[Exception], None] | None = None
SLOW_S = 0.5  # an op longer than this is logged


@dataclass
class _Op:
    ticket: int
    key: Hashable
    work: Callable[..., Any]
    success: Callable[[Any], None] | None
    failure: Callable[[Exception], None] | None
    owner: QObject | None
    progress: Callable[[int, int], None] | None
    busy: Sequence[QWidget] = field(default=())

    def alive(self) -> bool:
        return self.owner is None or shiboken6.isValid(self.owner)


class TaskRunner(QObject):
    """Owned by a window (its parent); `close()` it before the workspace closes."""

    _landed = Signal(int, object, object)  # ticket, result, error: emitted on the worker, handled on the GUI thread
    _reported = Signal(int, int, int)  # ticket, done, total

    def __init__(self, parent: QObject | None = None, *, synchronous: bool = False) -> None:
        super().__init__(parent)
        self.synchronous = synchronous
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._tickets = itertools.count(1)
        self._newest: dict[Hashable, int] = {}  # key -> ticket of its newest op
        self._dropped: dict[Hashable, int] = {}  # key -> results dropped in a row for a newer op
        self._queue: OrderedDict[Hashable, _Op] = OrderedDict()
        self._running: _Op | None = None
        self._closed = False
        self.started = 0  # ops that began to run (tests check that a burst of requests runs once)
        self._held: dict[int, list[Any]] = {}  # id(widget) -> [widget, ops holding it, enabled before]
        self._landed.connect(self._land)
        self._reported.connect(self._report)

    def run(
        self,
        work: Callable[..., Any],
        success: Callable[[Any], None] | None = None,
        *,
        key: Hashable = None,
        failure: Callable[[Exception], None] | None = None,
        owner: QObject | None = None,
        progress: Callable[[int, int], None] | None = None,
        busy: Sequence[QWidget] = (),
    ) -> None:
        """Run `work()` off the GUI thread, then `success(result)` or `failure(exc)` on it (GUI thread only)."""
        if self._closed:
            return
        ticket = next(self._tickets)
        key = ("op", ticket) if key is None else key
        self._newest[key] = ticket
        owner = owner if owner is not None else self.parent()
        op = _Op(ticket, key, work, success, failure, owner, progress, tuple(busy))
        self._hold(op)
        replaced = self._queue.pop(key, None)  # not started yet: the newer op replaces it
        if replaced is not None:
            self._release(replaced)
        self._queue[key] = op
        if self._running is None:
            self._next()

    @property
    def busy(self) -> bool:
        """An op is running or waiting (its result not delivered yet)."""
        return self._running is not None or bool(self._queue)

    def idle(self) -> bool:
        return not self.busy

    def wait(self, ms: int = 30_000) -> None:
        """Let the op under way finish (a window closing; it may be shown again). Its result still lands."""
        self._pool.waitForDone(ms)

    def close(self) -> None:
        """Drop waiting ops, let the running one finish, deliver nothing more (call before the workspace closes)."""
        self._closed = True
        for op in self._queue.values():
            self._release(op)
        self._queue.clear()
        self._pool.waitForDone(30_000)
        if self._running is not None:
            self._release(self._running)
        self._running = None

    # ---- inside ----------------------------------------------------------------------------------------------
    def _next(self) -> None:
        while self._queue and not self._closed:
            _key, op = self._queue.popitem(last=False)
            if not op.alive():
                self._release(op)
                continue
            self._running = op
            self.started += 1
            if self.synchronous:
                self._land(op.ticket, *self._call(op))
            else:
                self._pool.start(lambda op=op: self._execute(op))
            return

    def _call(self, op: _Op) -> tuple[Any, Exception | None]:
        started = time.perf_counter()
        try:
            if op.progress is None:
                return op.work(), None
            return op.work(lambda done, total: self._emit(self._reported, op.ticket, done, total)), None
        except Exception as exc:  # handed to the op's failure callback: a locked database is shown, not fatal
            log.debug("background op %r failed: %s", op.key, exc)
            return None, exc
        finally:
            took = time.perf_counter() - started
            if took > SLOW_S:  # the ops queued behind it waited this long: worth a line in the log
                name = getattr(op.work, "__qualname__", repr(op.work))
                log.info("background op %s (key %r) took %.1f s", name, op.key, took)

    def _execute(self, op: _Op) -> None:  # on the worker thread
        self._emit(self._landed, op.ticket, *self._call(op))

    @staticmethod
    def _emit(signal: Any, *args: Any) -> None:
        with contextlib.suppress(RuntimeError):  # the runner went away meanwhile (its window was destroyed)
            signal.emit(*args)

    def _report(self, ticket: int, done: int, total: int) -> None:
        op = self._running
        if op is not None and op.ticket == ticket and op.progress is not None and op.alive() and not self._closed:
            op.progress(done, total)

    def _land(self, ticket: int, result: Any, error: Exception | None) -> None:
        op, self._running = self._running, None
        if op is None or op.ticket != ticket:
            return
        self._release(op)  # before the callbacks: they may set the widgets' state themselves
        self._next()  # the worker goes on while the GUI thread takes this result
        if self._closed or not op.alive():
            return
        if self._newest.get(op.key) == ticket:
            del self._newest[op.key]
            self._dropped.pop(op.key, None)
        elif self._dropped.get(op.key, 0) < 1:  # a newer op of the key waits: it paints over this one soon
            self._dropped[op.key] = self._dropped.get(op.key, 0) + 1
            return
        else:  # the previous result of the key was dropped already: show this one, or a steady stream starves
            self._dropped.pop(op.key, None)
        if error is not None and fault_listener is not None:
            fault_listener(error)
        if error is None:
            if op.success is not None:
                op.success(result)
        elif op.failure is not None:
            op.failure(error)
        else:
            log.warning("a background read failed: %s", error)

    def _hold(self, op: _Op) -> None:
        for widget in op.busy:
            held = self._held.get(id(widget))
            if held is None:
                own = not widget.testAttribute(Qt.WidgetAttribute.WA_ForceDisabled)  # its own state, not its parent's
                self._held[id(widget)] = [widget, 1, own]
                widget.setEnabled(False)
            else:
                held[1] += 1

    def _release(self, op: _Op) -> None:
        for widget in op.busy:
            held = self._held.get(id(widget))
            if held is None:
                continue
            held[1] -= 1
            if held[1] == 0:
                del self._held[id(widget)]
                if shiboken6.isValid(widget):
                    widget.setEnabled(held[2])


def timed(work: Callable[[], Any]) -> Callable[[], tuple[Any, float]]:
    """`work` wrapped to return `(result, milliseconds it took)` (the dashboard and the wall show their build time)."""

    def run() -> tuple[Any, float]:
        started = time.perf_counter()
        result = work()
        return result, (time.perf_counter() - started) * 1000

    return run

"""Re-tags the archive for one topic on a worker thread, with progress and Cancel (TopicRepo.retag in chunks)."""

from __future__ import annotations

import contextlib
import logging
import threading

from PySide6.QtCore import QObject, QThreadPool, Signal

from scrm_desktop.store.topics import RETAG_CHUNK, TopicRepo

log = logging.getLogger(__name__)


class Retagger(QObject):
    """`start(topic_id)`; `progress(done, total)`, then `finished(tagged, cancelled)` or `failed(message)`, all
    on the GUI thread. One re-tag at a time."""

    progress = Signal(int, int)
    finished = Signal(int, bool)
    failed = Signal(str)
    _progress = Signal(int, int)  # emitted on the worker: queued to the GUI thread
    _done = Signal(int, bool, str)

    def __init__(self, repo: TopicRepo, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._repo = repo
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._cancel = threading.Event()
        self.chunk = RETAG_CHUNK  # posts per transaction
        self.busy = False
        self._progress.connect(self.progress)
        self._done.connect(self._finished)

    def start(self, topic_id: int) -> None:
        if self.busy:
            raise RuntimeError("a re-tag is already running")
        self.busy = True
        self._cancel.clear()
        self._pool.start(lambda: self._run(topic_id))

    def cancel(self) -> None:
        """Stop after the chunk under way (its transaction completes: tags and rollups stay consistent)."""
        self._cancel.set()

    def _run(self, topic_id: int) -> None:  # on the worker thread
        tagged, error = 0, ""
        try:
            tagged = self._repo.retag(topic_id, progress=self._report, chunk=self.chunk, cancelled=self._cancel.is_set)
        except Exception as exc:
            log.exception("re-tagging topic %s failed", topic_id)
            error = str(exc) or type(exc).__name__
        with contextlib.suppress(RuntimeError):  # the dialog went away meanwhile
            self._done.emit(tagged, self._cancel.is_set(), error)

    def _report(self, done: int, total: int) -> None:
        with contextlib.suppress(RuntimeError):
            self._progress.emit(done, total)

    def _finished(self, tagged: int, cancelled: bool, error: str) -> None:
        self.busy = False
        if error:
            self.failed.emit(error)
        else:
            self.finished.emit(tagged, cancelled)

    def close(self) -> None:
        """Cancel a re-tag under way and wait for it to stop."""
        self._cancel.set()
        self._pool.waitForDone(60_000)

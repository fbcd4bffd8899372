"""Run something once the user sees what they came for: just after a widget has painted with its content ready
(the main window's first column with its first page), or after LATEST_MS when it never paints (a window started
minimised or on another desktop) so what must start starts all the same."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class FirstPaint(QObject):
    """Runs `then` once, just after `widget` has painted with `ready()` true for the first time, or after
    LATEST_MS when it has not."""

    LATEST_MS = 3000

    def __init__(self, widget: QWidget, then: Callable[[], None], ready: Callable[[], bool] = lambda: True) -> None:
        super().__init__(widget)
        self._then: Callable[[], None] | None = then
        self._ready = ready
        self._widget = widget
        widget.installEventFilter(self)
        QTimer.singleShot(self.LATEST_MS, self, self._run)

    @property
    def done(self) -> bool:
        return self._then is None

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and self._then is not None and self._ready():
            QTimer.singleShot(0, self, self._run)  # after this paint has reached the screen
        return False

    def _run(self) -> None:
        then, self._then = self._then, None
        if then is not None:
            self._widget.removeEventFilter(self)
            then()

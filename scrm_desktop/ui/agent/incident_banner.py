"""The incident banner shown on top of every board (main window, dashboard, agent window) while an incident of
crisis level 3 or more is open: its level and title; a click (or Enter on Open) asks to open the incident."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from scrm_desktop.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from scrm_desktop.store.cases import Incident
    from scrm_desktop.workspace import Workspace

BANNER_LEVEL = 3
POLL_MS = 15_000  # incidents opened on another desktop show up within this time


class IncidentBanner(QFrame):
    open_requested = Signal(int)  # incident id
    refreshed = Signal()  # the newest look at the incidents is shown

    def __init__(
        self, ws: Workspace, parent: QWidget | None = None, poll_ms: int = POLL_MS, *, start: bool = True
    ) -> None:
        """`start=False`: nothing is read until `start()` (the main window starts it once its posts show)."""
        super().__init__(parent)
        self.ws = ws
        self.incident: Incident | None = None
        self.setObjectName("IncidentBanner")
        self.setStyleSheet(
            "#IncidentBanner { background: #8e1b1b; border-radius: 4px; }"
            " #IncidentBanner QLabel { color: white; }"
            " #IncidentBanner QPushButton { color: white; background: #b03030; border: 1px solid #f0b0b0;"
            " padding: 2px 12px; border-radius: 3px; }"
        )
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.level = QLabel()
        self.level.setStyleSheet("font-weight: 700;")
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)  # titles are typed by people: never rich text
        self.more = QLabel()
        self.open_button = QPushButton("Open incident")
        self.open_button.clicked.connect(self._open)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 10, 6)
        row.addWidget(self.level)
        row.addWidget(self.title, 1)
        row.addWidget(self.more)
        row.addWidget(self.open_button)
        self.loader = TaskRunner(self)
        self.hide()
        self._timer = QTimer(self)
        self._timer.setInterval(poll_ms)
        self._timer.timeout.connect(self._poll)
        if start:
            self.start()

    def start(self) -> None:
        """Read the incidents now and every poll_ms."""
        self._timer.start()
        self.refresh()

    def _poll(self) -> None:
        if self.window().isVisible():  # a closed window's banner does not query
            self.refresh()

    def refresh(self) -> None:
        self.loader.run(self._serious, self._show, key="banner")

    def _serious(self) -> list[Incident]:
        return [i for i in self.ws.cases.repo.incidents(open_only=True) if i.severity >= BANNER_LEVEL]

    def _show(self, serious: list[Incident]) -> None:
        self.incident = serious[0] if serious else None  # the list comes most severe first
        if self.incident is None:
            self.hide()
            self.refreshed.emit()
            return
        self.level.setText(f"⚠ Incident · crisis level {self.incident.severity}")
        self.title.setText(self.incident.title)
        self.more.setText(f"+{len(serious) - 1} more" if len(serious) > 1 else "")
        self.show()
        self.refreshed.emit()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._open()
        super().mouseReleaseEvent(event)

    def _open(self) -> None:
        if self.incident is not None:
            self.open_requested.emit(self.incident.id)

    def close_loader(self) -> None:
        self._timer.stop()
        self.loader.close()


def with_banner(ws: Workspace, content: QWidget, *, start: bool = True) -> tuple[IncidentBanner | None, QWidget]:
    """`content` under an incident banner (for a window's central widget); `start=False`: the banner reads nothing
    until its `start()`."""
    holder = QWidget()
    col = QVBoxLayout(holder)
    col.setContentsMargins(0, 0, 0, 0)
    col.setSpacing(0)
    banner = IncidentBanner(ws, holder, start=start)
    col.addWidget(banner)
    col.addWidget(content, 1)
    return banner, holder

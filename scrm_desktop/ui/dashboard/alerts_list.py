"""The alerts list (spikes, and alerts raised by business rules): newest first, with top terms or the rule's post,
and an Acknowledge button that records who and when (on the list's task runner, never the GUI thread)."""

from __future__ import annotations

import getpass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from scrm_desktop.core.measure import window_query
from scrm_desktop.store.topics import Alert, TopicError, TopicRepo
from scrm_desktop.ui.tasks import TaskRunner


def describe(alert: Alert) -> str:
    what = "negative posts" if alert.kind == "negative" else "posts"
    ack = f"  ✓ {alert.acknowledged_by} {alert.acknowledged_at:%H:%M}" if alert.acknowledged_at else ""
    if alert.kind == "rule":  # raised by a business rule on one post (plain text: the item is not rich text)
        message = f"{alert.top_terms[0]} — " if alert.top_terms else ""
        return f"{alert.window_start:%m-%d %H:%M} UTC  Rule “{alert.topic}”: {message}{alert.detail}{ack}"
    terms = ", ".join(alert.top_terms[:5])
    return (
        f"{alert.window_start:%m-%d %H:%M}–{alert.window_end:%H:%M} UTC  {alert.topic}: {alert.value} {what}/h "
        f"(expected {alert.baseline:.0f}, threshold {alert.threshold:.0f})  {terms}{ack}"
    )


class AlertsList(QWidget):
    posts_requested = Signal(str, str)

    def __init__(self, repo: TopicRepo, user: str | None = None) -> None:
        super().__init__()
        self._repo = repo
        self._user = user or getpass.getuser()
        self.tasks = TaskRunner(self)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.itemActivated.connect(self._open)
        self.acknowledge_button = QPushButton("Acknowledge")
        self.acknowledge_button.clicked.connect(self.acknowledge_selected)
        self.status = QLabel()
        row = QHBoxLayout()
        row.addWidget(QLabel("<b>Alerts</b>"))  # spikes and business rules
        row.addStretch(1)
        row.addWidget(self.status)
        row.addWidget(self.acknowledge_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.list)

    def refresh(self, alerts: list[Alert] | None = None) -> None:
        """Show `alerts` (read on the dashboard's worker), or read them first (a small query, after a click)."""
        if alerts is None:
            repo = self._repo
            self.tasks.run(lambda: repo.alerts(limit=100), self._show, key="alerts", failure=self._failed)
        else:
            self._show(alerts)

    def _failed(self, exc: Exception) -> None:
        self.status.setText(str(exc) if isinstance(exc, TopicError) else f"Could not do it: {exc}")

    def _show(self, alerts: list[Alert]) -> None:
        current = self.list.currentItem()
        keep = current.data(Qt.ItemDataRole.UserRole).id if current else None
        self.list.clear()
        for alert in alerts:
            item = QListWidgetItem(describe(alert))
            item.setData(Qt.ItemDataRole.UserRole, alert)
            if alert.acknowledged_at is None:
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            self.list.addItem(item)
            if alert.id == keep:
                self.list.setCurrentItem(item)

    def acknowledge_selected(self) -> None:
        item = self.list.currentItem()
        if item is None:
            self.status.setText("Select an alert first")
            return
        repo, alert_id, user = self._repo, item.data(Qt.ItemDataRole.UserRole).id, self._user

        def done(_result: object) -> None:
            self.status.setText("")
            self.refresh()

        busy = [self.acknowledge_button]
        self.tasks.run(lambda: repo.acknowledge(alert_id, user), done, failure=self._failed, busy=busy)

    def _open(self, item: QListWidgetItem) -> None:
        alert: Alert = item.data(Qt.ItemDataRole.UserRole)
        if alert.kind == "rule":
            self.posts_requested.emit(alert.query, f"Alert: {alert.topic}")
            return
        sentiment = " sentiment:negative" if alert.kind == "negative" else ""
        name = alert.topic.replace('"', "")
        query = f'topic:"{name}"{sentiment} {window_query(alert.window_start, alert.window_end)}'
        self.posts_requested.emit(query, f"Alert: {alert.topic}")

"""AgentView: the queue (mine / unassigned / all / breached) beside the case panel with the decision wizard and
the reply editor. Enter on a queued case claims it; the wizard and editor are driven from the keyboard."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from scrm_desktop.engage.cases import ClaimRefused, ReplyRefused
from scrm_desktop.store.cases import Case, StaleCase
from scrm_desktop.ui.agent.reply_editor import ReplyEditor
from scrm_desktop.ui.agent.wizard import TreeWizard

QUEUES = (("mine", "Mine"), ("unassigned", "Unassigned"), ("all", "All open"), ("breached", "SLA breached"))


class QueueList(QListWidget):
    def __init__(self, on_open: Any) -> None:
        super().__init__()
        self._on_open = on_open
        self.itemActivated.connect(lambda item: on_open(item.data(Qt.ItemDataRole.UserRole)))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem() is not None:
            self._on_open(self.currentItem().data(Qt.ItemDataRole.UserRole))
            return
        super().keyPressEvent(event)


class AgentView(QWidget):
    def __init__(self, ws: Any, bridge: Any = None, agent: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.service = ws, ws.cases
        self.agent = agent or ws.settings.agent_name or "agent"
        self.case: Case | None = None
        self.queue_choice = QComboBox()
        for key, label in QUEUES:
            self.queue_choice.addItem(label, key)
        self.queue_choice.setCurrentIndex(2)
        self.queue = QueueList(self.open_case)
        self.header = QLabel(wordWrap=True)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = QLabel(wordWrap=True)
        self.wizard = TreeWizard()
        self.editor = ReplyEditor(ws.analyzer)
        self.editor.setEnabled(False)
        self._build()
        self.queue_choice.currentIndexChanged.connect(self.refresh)
        self.wizard.decision_finished.connect(self._decided)
        self.editor.queue_requested.connect(self._queue_reply)
        if bridge is not None:
            bridge.posts_ingested.connect(lambda *_a: self.refresh())

    def _build(self) -> None:
        left = QWidget()
        lay = QVBoxLayout(left)
        lay.addWidget(self.queue_choice)
        lay.addWidget(self.queue)
        right = QWidget()
        col = QVBoxLayout(right)
        col.addWidget(self.header)
        col.addWidget(self.status)
        panes = QHBoxLayout()
        panes.addWidget(self.wizard, 1)
        panes.addWidget(self.editor, 1)
        col.addLayout(panes, 1)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(1, 3)
        QVBoxLayout(self).addWidget(split)

    def refresh(self) -> None:
        now = self.service.now()
        cases = self.service.repo.queue(self.queue_choice.currentData(), self.agent, now)
        self.queue.clear()
        for case in cases:
            late = "  LATE" if case.sla_breached(now) else ""
            holder = case.holder(now)
            who = f"  [{holder}]" if holder else ""
            item = QListWidgetItem(f"P{case.priority}  #{case.id} {case.channel}  {case.subject[:60]}{who}{late}")
            item.setData(Qt.ItemDataRole.UserRole, case.id)
            self.queue.addItem(item)
        if cases and self.queue.currentRow() < 0:
            self.queue.setCurrentRow(0)

    def open_case(self, case_id: int) -> None:
        """Claim the case and start the wizard (or show who holds it)."""
        try:
            self.case = self.service.claim(case_id, self.agent)
        except ClaimRefused as exc:
            self.status.setText(str(exc))
            return
        others = ", ".join(f"{a} ({act})" for a, act in self.service.others_here(case_id, self.agent))
        self.status.setText(f"Also here: {others}" if others else "")
        post = self.service.repo.post_text(self.case.post_id) or self.case.subject
        self.header.setText(
            f"<b>Case #{self.case.id}</b> · {self.case.channel} · {self.case.author_name or self.case.author_handle}"
            f" · P{self.case.priority} · due {self.case.sla_due:%d %b %H:%M} UTC<br>{_escape(post[:600])}"
        )
        self.editor.setEnabled(False)
        self.wizard.start(self.service.start_decision(self.agent))
        self.refresh()

    def _decided(self, session: Any) -> None:
        assert self.case is not None
        self.case = self.service.record_decision(self.case.id, session)
        outcome = session.outcome
        if outcome.action in ("respond", "amplify", "route_sales", "open_incident") and outcome.category:
            case = self.case
            templates = [t for t in self.service.suggestions(case) if t.category == outcome.category]
            self.editor.load(case.channel, templates, lambda t: self.service.fill(case, t, self.agent))
            self.editor.setEnabled(True)
            self.editor.text.setFocus()
            self.editor.next_placeholder()
        else:
            self.status.setText(f"Recorded: {outcome.title}. No reply needed.")

    def _queue_reply(self, text: str, template_id: str) -> None:
        assert self.case is not None
        try:
            item = self.service.queue_reply(self.case.id, self.agent, text, self.case.version, template_id)
        except (ReplyRefused, StaleCase) as exc:
            self.status.setText(str(exc))
            return
        where = "in the outbox" if item.state == "queued" else "waiting for you to post it by hand (manual channel)"
        self.status.setText(f"Reply queued for case #{self.case.id}: {where}.")
        self.case = self.service.repo.get(self.case.id)
        self.editor.setEnabled(False)
        self.refresh()
        self.queue.setFocus()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_agent(ws: Any, size: QSize | tuple[int, int] = (1600, 1000)) -> QImage:
    """The agent view off screen with the first open case in the wizard (for `snapshot --view agent`)."""
    if not ws.cases.repo.queue("all", "", ws.cases.now(), limit=1):
        newest = ws.db.posts.page(limit=1)
        if newest:
            ws.cases.open_from_post(newest[0].id, "snapshot")
    view = AgentView(ws, agent=ws.settings.agent_name or "snapshot")
    view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
    view.resize(size if isinstance(size, QSize) else QSize(*size))
    view.show()
    view.refresh()
    first = view.queue.item(0)
    if first is not None:
        view.open_case(first.data(Qt.ItemDataRole.UserRole))
    QApplication.processEvents()  # widgets added to a shown layout appear on the next event loop turn
    image = view.grab().toImage()
    view.close()
    view.deleteLater()
    return image

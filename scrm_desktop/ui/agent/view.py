"""AgentView: the queue (mine / unassigned / all / breached) beside tabs: the case (decision wizard, reply editor
and the ARM panel), the outbox, incidents and templates; the incident banner on top. Enter on a queued case claims
it; the wizard and editor are driven from the keyboard; Ctrl+1..4 switch tabs, F6 goes back to the queue."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QCloseEvent, QColor, QFont, QImage, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from scrm_desktop.engage.cases import ClaimRefused, ReplyRefused
from scrm_desktop.store.cases import Case, StaleCase
from scrm_desktop.ui.agent.arm_panel import ArmPanel
from scrm_desktop.ui.agent.incident_banner import IncidentBanner
from scrm_desktop.ui.agent.incidents_panel import IncidentsPanel
from scrm_desktop.ui.agent.outbox_panel import OutboxPanel
from scrm_desktop.ui.agent.reply_editor import ReplyEditor
from scrm_desktop.ui.agent.template_editor import TemplateEditor
from scrm_desktop.ui.agent.wizard import TreeWizard
from scrm_desktop.ui.loader import Loader

QUEUES = (("mine", "Mine"), ("unassigned", "Unassigned"), ("all", "All open"), ("breached", "SLA breached"))


class QueueList(QListWidget):
    def __init__(self, on_open: Any) -> None:
        super().__init__()
        self._on_open = on_open
        self.setWordWrap(True)
        self.setSpacing(3)
        self.setAlternatingRowColors(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.itemActivated.connect(lambda item: on_open(item.data(Qt.ItemDataRole.UserRole)))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem() is not None:
            self._on_open(self.currentItem().data(Qt.ItemDataRole.UserRole))
            return
        super().keyPressEvent(event)


TABS = ("Case", "Outbox", "Incidents", "Templates")
INCIDENT_LEVEL = 2  # "many people, one cause" with no crisis signs: below the banner's level 3; the agent may raise it


class AgentView(QWidget):
    def __init__(
        self, ws: Any, bridge: Any = None, agent: str = "", parent: QWidget | None = None, synchronous: bool = False
    ) -> None:
        super().__init__(parent)
        self.ws, self.service = ws, ws.cases
        self.agent = agent or ws.settings.agent_name or "agent"
        self.case: Case | None = None
        self.loader = Loader(self, synchronous=synchronous)
        self.queue_choice = QComboBox()
        for key, label in QUEUES:
            self.queue_choice.addItem(label, key)
        self.queue_choice.setCurrentIndex(2)
        self.queue = QueueList(self.open_case)
        self.queue_summary = QLabel()
        self.queue_summary.setStyleSheet("color: palette(placeholder-text);")
        self.header = QLabel(wordWrap=True)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = QLabel(wordWrap=True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.wizard = TreeWizard()
        self.editor = ReplyEditor(ws.analyzer)
        self.editor.setEnabled(False)
        self.editor.text.setPlaceholderText(
            "Walk the decision tree first: the reply editor opens with the templates of the chosen category "
            "when the decision calls for a reply."
        )
        self.arm = ArmPanel(ws, self.loader)
        self.outbox = OutboxPanel(ws, self.loader)
        self.incidents = IncidentsPanel(ws, self.loader, self.agent)
        self.templates = TemplateEditor(ws, self.agent)
        self.banner = IncidentBanner(ws, self)
        self.banner.loader.synchronous = synchronous
        self.tabs = QTabWidget()
        self._build()
        self._wire(bridge)
        self.outbox.refresh()
        self.incidents.refresh()

    def _build(self) -> None:
        left = QWidget()
        lay = QVBoxLayout(left)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.queue_choice)
        lay.addWidget(self.queue_summary)
        lay.addWidget(self.queue)
        middle = QSplitter(Qt.Orientation.Vertical)
        middle.addWidget(self.wizard)
        middle.addWidget(self.editor)
        middle.setSizes([420, 480])
        panes = QSplitter()
        panes.addWidget(middle)
        panes.addWidget(self.arm)
        panes.setSizes([680, 500])
        case_tab = QWidget()
        col = QVBoxLayout(case_tab)
        col.addWidget(self.header)
        col.addWidget(self.status)
        col.addWidget(panes, 1)
        for widget, title in zip((case_tab, self.outbox, self.incidents, self.templates), TABS, strict=True):
            self.tabs.addTab(widget, title)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.tabs)
        split.setStretchFactor(1, 4)
        split.setSizes([340, 1200])
        outer = QVBoxLayout(self)
        outer.addWidget(self.banner)
        outer.addWidget(split, 1)

    def _wire(self, bridge: Any) -> None:
        self.queue_choice.currentIndexChanged.connect(self.refresh)
        self.wizard.decision_finished.connect(self._decided)
        self.editor.queue_requested.connect(self._queue_reply)
        self.editor.draft_changed.connect(self._save_draft)
        self.outbox.counts_changed.connect(self._outbox_counts)
        self.incidents.changed.connect(self._incidents_changed)
        self.banner.open_requested.connect(self.open_incident)
        if bridge is not None:
            bridge.posts_ingested.connect(lambda *_a: self.refresh())
            bridge.posts_edited.connect(lambda *_a: self.refresh())  # the case's post may read differently now
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for i in range(len(TABS)):
            QShortcut(QKeySequence(f"Ctrl+{i + 1}"), self, lambda n=i: self.show_tab(n), context=context)
        QShortcut(QKeySequence("F6"), self, self._to_queue, context=context)

    def show_tab(self, index: int) -> None:
        self.tabs.setCurrentIndex(index)
        page = self.tabs.currentWidget()
        target = {1: self.outbox.list, 2: self.incidents.list, 3: self.templates.list}.get(index)
        (target or (self.wizard if self.wizard.session else self.queue)).setFocus()
        if page is self.outbox:
            self.outbox.refresh()

    def _to_queue(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.queue.setFocus()

    def open_incident(self, incident_id: int) -> None:
        self.tabs.setCurrentWidget(self.incidents)
        self.incidents.open_incident(incident_id)
        self.incidents.list.setFocus()

    def _outbox_counts(self, counts: dict[str, int]) -> None:
        needs = sum(counts.get(s, 0) for s in ("manual", "needs_check", "failed"))
        self.tabs.setTabText(1, f"Outbox ({needs})" if needs else "Outbox")

    def _incidents_changed(self) -> None:
        self.banner.refresh()
        self.outbox.refresh()  # a status update queues replies
        if self.case is not None:
            self.case = self.service.repo.get(self.case.id)
            self.arm.show_case(self.case.id)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.loader.wait()
        self.banner.loader.wait()
        super().closeEvent(event)

    def refresh(self) -> None:
        now = self.service.now()
        cases = self.service.repo.queue(self.queue_choice.currentData(), self.agent, now)
        self.queue.clear()
        for case in cases:
            late = case.sla_breached(now)
            holder = case.holder(now)
            who = f" · {holder}" if holder else ""
            when = "SLA breached" if late else f"due {case.sla_due:%d %b %H:%M}"
            subject = " ".join(case.subject.split())
            subject = subject if len(subject) <= 70 else subject[:69] + "…"
            item = QListWidgetItem(f"P{case.priority} · #{case.id} · {case.channel} · {when}{who}\n{subject}")
            item.setData(Qt.ItemDataRole.UserRole, case.id)
            item.setToolTip(case.subject)
            if late:
                item.setForeground(QColor("#c0392b"))
            if case.priority == 1:
                font = QFont(item.font())
                font.setBold(True)
                item.setFont(font)
            self.queue.addItem(item)
        urgent = sum(1 for c in cases if c.priority == 1)
        breached = sum(1 for c in cases if c.sla_breached(now))
        self.queue_summary.setText(
            f"{len(cases)} case{'s' if len(cases) != 1 else ''} · {urgent} urgent · {breached} past their SLA"
            if cases
            else "Nothing waiting here."
        )
        if cases and self.queue.currentRow() < 0:
            self.queue.setCurrentRow(0)

    def open_case(self, case_id: int) -> None:
        """Claim the case and start the wizard (or show who holds it); a saved draft opens in the editor."""
        self.editor.flush_draft()  # the reply being typed on the previous case is kept
        try:
            self.case = self.service.claim(case_id, self.agent)
        except ClaimRefused as exc:
            self.status.setText(str(exc))
            return
        others = ", ".join(f"{a} ({act})" for a, act in self.service.others_here(case_id, self.agent))
        self.status.setText(f"Also here: {others}" if others else "")
        post = self.service.repo.post_text(self.case.post_id) or self.case.subject
        who = _escape(self.case.author_name or self.case.author_handle)
        self.header.setText(
            f"<b>Case #{self.case.id}</b> · {self.case.channel} · {who}"
            f" · P{self.case.priority} · due {self.case.sla_due:%d %b %H:%M} UTC<br>{_escape(post[:600])}"
        )
        self.editor.setEnabled(False)
        self.tabs.setCurrentIndex(0)
        self.wizard.start(self.service.start_decision(self.agent))
        self.arm.show_case(self.case.id)
        self.incidents.set_current_case(self.case.id)
        self.templates.set_case(self.case)
        self._restore_draft(self.case)
        self.refresh()

    def _restore_draft(self, case: Any) -> None:
        draft = self.service.repo.draft(case.id, self.agent)
        if draft is None or not draft.text.strip():
            return
        templates = self.service.suggestions(case)
        self.editor.load(case.channel, templates, lambda t: self.service.fill(case, t, self.agent), draft=draft.text)
        self.editor.setEnabled(True)
        note = f"Your draft from {draft.updated_at:%d %b %H:%M} UTC is back in the editor."
        if draft.base_version != case.version:
            note += " The case changed since you wrote it: read its history before sending."
        self.status.setText(note)

    def _save_draft(self, text: str, template_id: str) -> None:
        if self.case is None:
            return
        self.service.save_draft(self.case.id, self.agent, text, template_id, base_version=self.case.version)

    def _decided(self, session: Any) -> None:
        assert self.case is not None
        self.case = self.service.record_decision(self.case.id, session)
        self.arm.show_case(self.case.id)
        outcome = session.outcome
        if outcome.action in ("respond", "amplify", "route_sales", "open_incident") and outcome.category:
            case = self.case
            templates = [t for t in self.service.suggestions(case) if t.category == outcome.category]
            self.editor.load(case.channel, templates, lambda t: self.service.fill(case, t, self.agent))
            self.editor.setEnabled(True)
            self.editor.text.setFocus()
            self.editor.next_placeholder()
            if outcome.action == "open_incident":
                self.incidents.draft_for_case(case.id, case.subject, outcome.crisis_level or INCIDENT_LEVEL)
                self.status.setText(
                    "An incident is pre-filled from this case in the Incidents tab (Ctrl+3): open it there (this case"
                    " is linked) or link the case to an open one, then reply with its status."
                )
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
        self.arm.show_case(self.case.id)
        self.outbox.refresh()
        self.refresh()
        self.queue.setFocus()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_agent(ws: Any, size: QSize | tuple[int, int] = (1600, 1000)) -> QImage:
    """The agent view off screen with the first open case in the wizard and the ARM panel beside it (for
    `snapshot --view agent`). An empty queue gets cases for the newest negative posts first."""
    if not ws.cases.repo.queue("all", "", ws.cases.now(), limit=1):
        _open_sample_cases(ws)
    view = AgentView(ws, agent=ws.settings.agent_name or "snapshot", synchronous=True)
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


def _open_sample_cases(ws: Any, count: int = 8) -> None:
    newest = ws.db.posts.page(limit=200)
    picked = [p for p in newest if p.sentiment_label == "negative"][:count] or newest[:1]
    for i, post in enumerate(picked):
        ws.cases.open_from_post(post.id, "snapshot", priority=1 if i < 2 else 3)

"""AgentView: the queue (mine / unassigned / all / breached) beside tabs: the case (decision wizard, reply editor
and the ARM panel), the outbox, incidents and templates; the incident banner on top. Enter on a queued case claims
it; the wizard and editor are driven from the keyboard; Ctrl+1..4 switch tabs, F6 goes back to the queue."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QFont,
    QFontMetrics,
    QHideEvent,
    QImage,
    QKeyEvent,
    QKeySequence,
    QResizeEvent,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from scrm_desktop import exports
from scrm_desktop.engage.cases import RESOLUTIONS, ClaimRefused, ReplyRefused
from scrm_desktop.engage.history import joined_note
from scrm_desktop.store.cases import Case, CaseError, QueueFilter, QueueRow, StaleCase
from scrm_desktop.ui.agent.arm_panel import ArmPanel
from scrm_desktop.ui.agent.incident_banner import IncidentBanner
from scrm_desktop.ui.agent.incidents_panel import IncidentsPanel
from scrm_desktop.ui.agent.outbox_panel import OutboxPanel
from scrm_desktop.ui.agent.reply_editor import ReplyEditor
from scrm_desktop.ui.agent.template_editor import TemplateEditor
from scrm_desktop.ui.agent.wizard import TreeWizard
from scrm_desktop.ui.layouts import empty
from scrm_desktop.ui.tasks import TaskRunner

QUEUES = (
    ("mine", "Mine"),
    ("unassigned", "Unassigned"),
    ("support", "Support"),  # every open case but the sales leads: what an agent works from
    ("all", "All open"),
    ("breached", "SLA breached"),
    ("snoozed", "Snoozed"),
    ("sales", "Sales leads"),  # the cases routed to queue:sales: the sales team's, out of the support pool
)
DEFAULT_QUEUE = "support"  # support work first: complaints, outages, VIPs; the sales leads have their own view

if TYPE_CHECKING:
    from scrm_desktop.ui.bridge import Bridge
    from scrm_desktop.workspace import Workspace


@dataclass
class OpenedCase:
    """What opening a case reads, off the GUI thread, for the case tab to show without another query."""

    case: Case
    others: list[tuple[str, str]]  # other agents here now, and what they do
    post: str
    draft: Any
    session: Any  # the decision tree's walk
    category: str  # the reply category when the editor opens at once
    templates: list[Any]  # the templates that fit, when the editor opens (a reply, or a saved draft)
    incident: Any  # the case's incident (its status URL goes in replies)
    teammates: list[str]


QUEUE_REFRESH_MS = 30_000  # the queue is read again this often while the window is shown
PAGE = 200  # rows per queue page; the pager walks past them (nothing is cut silently)
COLUMNS = ("P", "Case", "Author", "Channel", "Mood", "Waiting", "SLA", "Subject")  # mood: the post's sentiment
# Columns sized by their longest usual text in bold (a P1 row is bold: its SLA clock, "in 53 min" or "59 min
# late", must be whole on the case that matters most) or by a fixed width; the subject takes the rest.
SAMPLES: tuple[str | int, ...] = (28, 86, 110, 66, 52, 58, "59 min late")
COLUMN_PADDING = 12  # the cell's margins either side
SUBJECT_MIN = 130  # the subject is what a row is about: on a narrow queue, columns give way to it in this order
GIVE_WAY = (3, 4, 5)  # channel, mood, waiting (the open case shows them); priority, number, author and SLA stay
SNOOZES = (("1 hour", timedelta(hours=1)), ("4 hours", timedelta(hours=4)), ("Tomorrow", timedelta(days=1)))
SENTIMENT_COLOURS = {"negative": "#c0392b", "positive": "#1e8449", "neutral": "#5f6b7a"}


def _age(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // 1440} d"


def sla_clock(case: Case, now: datetime) -> str:
    """ "in 2 h", "12 min late", "met" (answered within the SLA), "missed" (answered late)."""
    if case.first_response_at is not None:
        return "met" if case.first_response_at <= case.sla_due else "missed"
    left = case.sla_due - now
    return f"in {_age(left)}" if left.total_seconds() >= 0 else f"{_age(-left)} late"


class QueueList(QTreeWidget):
    """The queue: one row per case (priority, number, author, channel, sentiment, age, SLA clock, subject).
    Return opens the current case; several can be selected for the bulk actions."""

    def __init__(self, on_open: Any) -> None:
        super().__init__()
        self._on_open = on_open
        self.setColumnCount(len(COLUMNS))
        self.setHeaderLabels(list(COLUMNS))
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        header = self.header()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setMinimumSectionSize(24)  # the subject shrinks with the pane instead of pushing out a scroll bar
        bold = QFont(self.font())
        bold.setBold(True)
        metrics = QFontMetrics(bold)
        for col, sample in enumerate(SAMPLES):
            width = sample if isinstance(sample, int) else metrics.horizontalAdvance(sample) + COLUMN_PADDING
            self.setColumnWidth(col, width)
        self._widths = [self.columnWidth(col) for col in range(len(COLUMNS) - 1)]
        header.sectionResized.connect(self._resized)
        self.itemActivated.connect(lambda item, _col: on_open(item.data(0, Qt.ItemDataRole.UserRole)))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.fit_columns()

    def _resized(self, col: int, _old: int, new: int) -> None:
        if col < len(self._widths) and new > 0:  # the agent widened a column (hiding one reports 0)
            self._widths[col] = new

    def fit_columns(self) -> None:
        """Hide the columns that give way (GIVE_WAY, in order) while the subject would get less than SUBJECT_MIN,
        and show them again when the queue is wide enough."""
        room = self.viewport().width()
        hidden: set[int] = set()
        for col in (None, *GIVE_WAY):
            if col is not None:
                hidden.add(col)
            used = sum(w for c, w in enumerate(self._widths) if c not in hidden)
            if room - used >= SUBJECT_MIN:
                break
        for col in GIVE_WAY:
            if self.isColumnHidden(col) != (col in hidden):
                self.setColumnHidden(col, col in hidden)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentItem() is not None:
            self._on_open(self.currentItem().data(0, Qt.ItemDataRole.UserRole))
            return
        super().keyPressEvent(event)

    def count(self) -> int:
        return self.topLevelItemCount()

    def item(self, row: int) -> QTreeWidgetItem | None:
        return self.topLevelItem(row)

    def case_ids(self) -> list[int]:
        return [self.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole) for i in range(self.count())]

    def selected_ids(self) -> list[int]:
        return [item.data(0, Qt.ItemDataRole.UserRole) for item in self.selectedItems()]

    def show_case(self, case_id: int) -> None:
        """Make the case's row the current one (the case opened beside the queue), if it is on this page."""
        for row in range(self.count()):
            item = self.topLevelItem(row)
            if item.data(0, Qt.ItemDataRole.UserRole) == case_id:
                if item is not self.currentItem():
                    self.setCurrentItem(item)
                return

    def setCurrentRow(self, row: int) -> None:
        item = self.topLevelItem(row)
        if item is not None:
            self.setCurrentItem(item)

    def currentRow(self) -> int:
        item = self.currentItem()
        return -1 if item is None else self.indexOfTopLevelItem(item)


TABS = ("Case", "Outbox", "Incidents", "Templates")
INCIDENT_LEVEL = 2  # "many people, one cause" with no crisis signs: below the banner's level 3; the agent may raise it


class AgentView(QWidget):
    cases_exported = Signal(str, int)  # the case list was written: its path, the rows

    def __init__(
        self,
        ws: Workspace,
        bridge: Bridge | None = None,
        agent: str = "",
        parent: QWidget | None = None,
        synchronous: bool = False,
    ) -> None:
        super().__init__(parent)
        self.ws, self.service = ws, ws.cases
        self.agent = agent or ws.settings.agent_name or "agent"
        self.case: Case | None = None
        self._post_text = ""
        self._incident: Any = None  # the open case's incident (read with the case), for its status URL
        self._teammates: list[str] = []  # the other agents, read with the case, for Assign
        self.offset = 0  # the first row of the queue page shown
        self._follow: int | None = None  # a case just opened: the queue's next read makes its row current
        self.total = 0
        self.loader = TaskRunner(self, synchronous=synchronous)
        self.queue_choice = QComboBox()
        for key, label in QUEUES:
            self.queue_choice.addItem(label, key)
        self.queue_choice.setCurrentIndex(self.queue_choice.findData(DEFAULT_QUEUE))
        self.queue_choice.setToolTip(
            "Support: every open case but the sales leads, which have their own view (Sales leads). "
            "All open: every case, the leads too."
        )
        self.channel_choice = QComboBox()
        self.channel_choice.addItem("Every channel", "")
        self.channel_choice.setAccessibleName("Channel filter")
        self.priority_choice = QComboBox()
        self.priority_choice.addItem("Any priority", None)
        for p, words in ((1, "urgent"), (2, "high"), (3, "normal"), (4, "low")):
            self.priority_choice.addItem(f"P{p} {words}", p)
        self.priority_choice.setAccessibleName("Priority filter")
        self.search = QLineEdit(placeholderText="Filter by words in the subject or the author…")
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self, singleShot=True, interval=250)
        # While the window is shown the queue is read again now and then: the SLA clocks and waiting times move,
        # and a teammate's claims and cases reach it without a post coming in.
        self.queue_timer = QTimer(self, interval=QUEUE_REFRESH_MS)
        self.queue_timer.timeout.connect(self.refresh)
        self.queue = QueueList(self.open_case)
        self.queue_summary = QLabel()
        self.queue_summary.setStyleSheet("color: palette(placeholder-text);")
        self.page_label = QLabel()
        self.prev_page = QPushButton("◀ Previous")
        self.next_page = QPushButton("Next ▶")
        self.link_selected = QPushButton("Link to incident…")
        self.link_selected.setToolTip("Link the selected cases to an incident (one cause, many people)")
        self.resolve_selected = QPushButton("Resolve selected…")
        self.export_button = QPushButton("Export cases…")
        self.export_button.setToolTip("Every case of this queue view and its filters (all pages) to CSV or JSON")
        self.export_button.clicked.connect(self._export_dialog)
        self.resolve_selected.setToolTip("Resolve every selected case with one outcome (cases a teammate holds stay)")
        self.header = QLabel(wordWrap=True)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = QLabel(wordWrap=True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.actions = self._case_actions()
        for b in self.actions.values():  # nothing to act on until a case opens
            b.setEnabled(False)
        self.after_reply = self._after_reply_bar()
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
        self._show_no_case("Pick a case in the queue (Return opens it), or reply to a post from a stream.")
        self.outbox.refresh()
        self.incidents.refresh()

    # ---- building ----------------------------------------------------------------------------------------
    def _case_actions(self) -> dict[str, QPushButton]:
        """The case's own actions; each goes in the history and the KPIs."""
        buttons: dict[str, QPushButton] = {}

        def button(key: str, text: str, tip: str, slot: Any = None, menu: QMenu | None = None) -> None:
            b = QPushButton(text)
            b.setToolTip(tip)
            if menu is not None:
                b.setMenu(menu)
            if slot is not None:
                b.clicked.connect(slot)
            buttons[key] = b

        resolve = QMenu(self)
        for outcome in RESOLUTIONS:
            resolve.addAction(outcome.capitalize(), lambda o=outcome: self.resolve(o))
        button("resolve", "&Resolve", "Resolve the case with an outcome, then open the next one", menu=resolve)
        button("wait", "&Waiting on customer", "The customer has to answer: the case waits", self.wait_for_customer)
        snooze = QMenu(self)
        for label, delta in SNOOZES:
            snooze.addAction(label, lambda d=delta: self.snooze(self.service.now() + d))
        button("snooze", "&Snooze", "Out of the queues until a time; it comes back by itself", menu=snooze)
        self.assign_menu = QMenu(self)
        self.assign_menu.aboutToShow.connect(self._fill_assign_menu)
        button("assign", "Assi&gn", "Give the case to a teammate", menu=self.assign_menu)
        priority = QMenu(self)
        for p, words in ((1, "urgent, 1 h"), (2, "high, 4 h"), (3, "normal, 24 h"), (4, "low, 72 h")):
            priority.addAction(f"P{p} ({words})", lambda p=p: self.set_priority(p))
        button("priority", "&Priority", "Change the priority (the SLA due time follows)", menu=priority)
        button("note", "&Note…", "An internal note for teammates (never sent)", self.ask_note)
        button("release", "Re&lease", "Let the case go back to the queue for a teammate", self.release)
        button("close", "Cl&ose", "Close the case for good", self.close_case)
        return buttons

    def _after_reply_bar(self) -> QFrame:
        bar = QFrame()
        bar.setObjectName("afterReply")
        bar.setStyleSheet("#afterReply { border: 1px solid palette(mid); border-radius: 4px; }")
        row = QHBoxLayout(bar)
        self.after_reply_label = QLabel(wordWrap=True)
        row.addWidget(self.after_reply_label, 1)
        self.after_resolve = QPushButton("Resolve (answered) and next")
        self.after_wait = QPushButton("Wait for customer and next")
        self.after_keep = QPushButton("Keep it open")
        self._after_outcome = "answered"  # what "Resolve … and next" resolves with: a reply went, or none was needed
        self.after_resolve.clicked.connect(lambda: self.resolve(self._after_outcome))
        self.after_wait.clicked.connect(self.wait_for_customer)
        self.after_keep.clicked.connect(self.keep_open)
        for b in (self.after_resolve, self.after_wait, self.after_keep):
            b.setAutoDefault(True)  # Return presses the focused one (outside a dialog a QPushButton takes only Space)
            row.addWidget(b)
        bar.hide()
        return bar

    def _what_now(self, said: str, replied: bool) -> None:
        """The bar after a reply is queued (resolve as answered, wait for the customer, keep it) or after a
        decision that needs none (resolve as "no action needed", keep it)."""
        self._after_outcome = "answered" if replied else "no action needed"
        self.after_resolve.setText(f"Resolve ({self._after_outcome}) and next")
        self.after_wait.setVisible(replied)
        self.after_reply_label.setText(said)
        self.after_reply.show()
        self.after_resolve.setFocus()

    def _build(self) -> None:
        left = QWidget()
        lay = QVBoxLayout(left)
        lay.setContentsMargins(0, 0, 0, 0)
        filters = QHBoxLayout()
        for w in (self.queue_choice, self.channel_choice, self.priority_choice):
            filters.addWidget(w)
        lay.addLayout(filters)
        lay.addWidget(self.search)
        lay.addWidget(self.queue_summary)
        lay.addWidget(self.queue, 1)
        pager = QHBoxLayout()
        pager.addWidget(self.prev_page)
        pager.addWidget(self.page_label, 1, Qt.AlignmentFlag.AlignCenter)
        pager.addWidget(self.next_page)
        lay.addLayout(pager)
        bulk = QHBoxLayout()
        bulk.addWidget(self.link_selected)
        bulk.addWidget(self.resolve_selected)
        bulk.addWidget(self.export_button)
        lay.addLayout(bulk)
        middle = QSplitter(Qt.Orientation.Vertical)
        # The tree's path, its "answered for you" reasons and the decision's guidance can outgrow its pane: they
        # scroll instead of squeezing the word-wrapped labels into each other.
        tree_pane = QScrollArea()
        tree_pane.setWidget(self.wizard)
        tree_pane.setWidgetResizable(True)
        tree_pane.setFrameShape(QFrame.Shape.NoFrame)
        tree_pane.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        middle.addWidget(tree_pane)
        middle.addWidget(self.editor)
        middle.setStretchFactor(0, 3)
        middle.setStretchFactor(1, 2)
        middle.setSizes([540, 360])
        panes = QSplitter()
        panes.addWidget(middle)
        panes.addWidget(self.arm)
        panes.setSizes([680, 500])
        case_tab = QWidget()
        col = QVBoxLayout(case_tab)
        col.addWidget(self.header)
        actions = QHBoxLayout()
        for b in self.actions.values():
            actions.addWidget(b)
        actions.addStretch(1)
        col.addLayout(actions)
        col.addWidget(self.status)
        col.addWidget(self.after_reply)
        col.addWidget(panes, 1)
        for widget, title in zip((case_tab, self.outbox, self.incidents, self.templates), TABS, strict=True):
            self.tabs.addTab(widget, title)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.tabs)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([720, 760])
        outer = QVBoxLayout(self)
        outer.addWidget(self.banner)
        outer.addWidget(split, 1)

    def _wire(self, bridge: Bridge | None) -> None:
        for combo in (self.queue_choice, self.channel_choice, self.priority_choice):
            combo.currentIndexChanged.connect(self._filters_changed)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self._search_timer.timeout.connect(self._filters_changed)
        self.prev_page.clicked.connect(lambda: self._page(-1))
        self.next_page.clicked.connect(lambda: self._page(1))
        self.link_selected.clicked.connect(self.link_selected_to_incident)
        self.resolve_selected.clicked.connect(self.ask_bulk_resolve)
        self.queue.itemSelectionChanged.connect(self._selection_changed)
        self.wizard.decision_finished.connect(self._decided)
        self.editor.queue_requested.connect(self._queue_reply)
        self.editor.draft_changed.connect(self._save_draft)
        self.outbox.counts_changed.connect(self._outbox_counts)
        self.incidents.changed.connect(self._incidents_changed)
        self.arm.unlink_requested.connect(self.unlink_incident)
        self.banner.open_requested.connect(self.open_incident)
        if bridge is not None:
            bridge.posts_ingested.connect(lambda *_a: self.refresh())  # rules open cases at ingest
            bridge.posts_edited.connect(lambda *_a: self.refresh())  # the case's post may read differently now
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for i in range(len(TABS)):
            QShortcut(QKeySequence(f"Ctrl+{i + 1}"), self, lambda n=i: self.show_tab(n), context=context)
        QShortcut(QKeySequence("F6"), self, self._to_queue, context=context)
        QShortcut(QKeySequence("Ctrl+Shift+Return"), self, lambda: self.resolve("answered"), context=context)
        self._selection_changed()

    def set_agent(self, name: str) -> None:
        """The agent at this desktop changed name (Settings): claims and signatures use the new one."""
        if not name or name == self.agent:
            return
        if self.case is not None:
            case_id, was, service = self.case.id, self.agent, self.service
            said = f"Case #{case_id} could not be let go of: {{}}"
            self.loader.run(
                lambda: service.release(case_id, was), failure=lambda e: self.status.setText(said.format(e))
            )
            self._show_no_case(f"You work as {name} now: open the case again to claim it under that name.")
        self.agent = self.incidents.agent = self.templates.agent = name
        self.refresh()

    # ---- tabs, incidents, outbox ---------------------------------------------------------------------------
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
        self.refresh()
        if self.case is not None:
            self.arm.show_case(self.case.id)

    def showEvent(self, event: QShowEvent) -> None:
        """Shown (opened from the Work menu, or again): the queue is read now, not at the next post ingested."""
        super().showEvent(event)
        if not event.spontaneous():
            self.refresh()
            self.queue_timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        if not event.spontaneous():
            self.queue_timer.stop()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.editor.flush_draft()
        self.loader.wait()
        self.banner.loader.wait()
        super().closeEvent(event)

    # ---- the queue ---------------------------------------------------------------------------------------
    def queue_filter(self) -> QueueFilter:
        return QueueFilter(
            self.queue_choice.currentData(),
            self.channel_choice.currentData() or "",
            self.priority_choice.currentData(),
            self.search.text(),
        )

    def _filters_changed(self) -> None:
        self.offset = 0
        self.refresh()

    def _page(self, step: int) -> None:
        self.offset = max(0, min(self.offset + step * PAGE, max(self.total - 1, 0) // PAGE * PAGE))
        self.refresh()

    def refresh(self) -> None:
        """Read the queue page off the GUI thread, then show it."""
        flt, agent, offset, service = self.queue_filter(), self.agent, self.offset, self.service
        if not self.queue.count():
            self.queue_summary.setText("Reading the queue…")

        def work() -> tuple[list[QueueRow], int, list[str], datetime, dict[str, int]]:
            now = service.now()
            counts = {key: service.queue_count(QueueFilter(key), agent, now) for key, _label in QUEUES}
            return (
                service.queue_page(flt, agent, now, offset=offset, limit=PAGE),
                service.queue_count(flt, agent, now),
                service.repo.channels(),
                now,
                counts,
            )

        self.loader.run(
            work, self._show_queue, key="queue", failure=lambda exc: self.queue_summary.setText(f"Queue: {exc}")
        )

    def _show_queue(self, result: tuple[list[QueueRow], int, list[str], datetime, dict[str, int]]) -> None:
        rows, total, channels, now, counts = result
        self.total = total
        self._update_channels(channels)
        for index, (key, label) in enumerate(QUEUES):  # each view with how many cases it holds, unfiltered
            self.queue_choice.setItemText(index, f"{label} ({counts[key]})")
        # the row the agent is on stays current; if it left the queue (resolved), the case open beside it
        keep = self.queue.currentItem().data(0, Qt.ItemDataRole.UserRole) if self.queue.currentItem() else None
        opened = self.case.id if self.case is not None else None
        follow = self._follow
        self.queue.clear()
        current = fallback = followed = None
        for row in rows:
            item = self._queue_item(row, now)
            self.queue.addTopLevelItem(item)
            if row.case.id == follow:
                followed = item
            if row.case.id == keep:
                current = item
            elif row.case.id == opened:
                fallback = item
        if followed is not None:
            self._follow = None  # followed once: from now on the row the agent moves to stays current
        current = followed or current or fallback
        urgent = sum(1 for r in rows if r.case.priority == 1)
        breached = sum(1 for r in rows if r.case.sla_breached(now))
        shown = f"{self.offset + 1}–{self.offset + len(rows)} of {total}" if rows else f"0 of {total}"
        self.page_label.setText(shown)
        self.prev_page.setEnabled(self.offset > 0)
        self.next_page.setEnabled(self.offset + len(rows) < total)
        self.queue_summary.setText(
            f"{total} case{'s' if total != 1 else ''} · {urgent} urgent · {breached} past their SLA on this page"
            if total
            else "Nothing waiting here."
        )
        if current is not None:
            self.queue.setCurrentItem(current)
        elif rows and self.queue.currentRow() < 0:
            self.queue.setCurrentRow(0)

    def _export_dialog(self) -> None:
        name = f"cases-{self.queue_choice.currentData()}.csv"
        path, _ = QFileDialog.getSaveFileName(self, "Export cases", name, "CSV (*.csv);;JSON (*.json)")
        if path:
            self.export_cases(path)

    def export_cases(self, path: str) -> None:
        """Every case of the queue view and filters shown, all pages, to CSV or JSON (by the file's suffix), read
        and written off the GUI thread; `cases_exported(path, rows)` when the file is there."""
        flt, agent, service = self.queue_filter(), self.agent, self.service

        def work() -> int:
            now = service.now()
            total = max(service.queue_count(flt, agent, now), 1)
            found = [r.case for r in service.queue_page(flt, agent, now, limit=total)]
            return exports.write(exports.cases_table(found), path)

        def done(rows: int) -> None:
            self.status.setText(f"Exported {rows} case(s) to {path}")
            self.cases_exported.emit(path, rows)

        self.loader.run(work, done, failure=lambda exc: self.status.setText(f"Could not export the cases: {exc}"))

    def _update_channels(self, channels: list[str]) -> None:
        have = [self.channel_choice.itemData(i) for i in range(1, self.channel_choice.count())]
        if have == channels:
            return
        chosen = self.channel_choice.currentData()
        self.channel_choice.blockSignals(True)
        self.channel_choice.clear()
        self.channel_choice.addItem("Every channel", "")
        for channel in channels:
            self.channel_choice.addItem(channel, channel)
        index = self.channel_choice.findData(chosen)
        self.channel_choice.setCurrentIndex(max(index, 0))
        self.channel_choice.blockSignals(False)

    def _queue_item(self, row: QueueRow, now: datetime) -> QTreeWidgetItem:
        case = row.case
        holder = case.holder(now)
        late = case.sla_breached(now)
        subject = " ".join(case.subject.split())
        subject = subject if len(subject) <= 90 else subject[:89] + "…"
        number = f"#{case.id}"
        if holder and holder != self.agent:
            number += f" · {holder.split()[0]}"  # a teammate holds it
        elif case.assignee and case.assignee != self.agent:
            number += f" → {case.assignee.removeprefix('queue:')}"
        sentiment = f"{row.sentiment:+.2f}" if row.sentiment is not None else "—"
        status = "" if case.status in ("new", "open") else f" ({case.status})"
        cells = (
            f"P{case.priority}",
            number + status,
            case.author_name or case.author_handle or "—",
            case.channel,
            sentiment,
            _age(now - (row.posted_at or case.created_at)),  # how long the customer has waited
            sla_clock(case, now),
            subject,
        )
        item = QTreeWidgetItem(list(cells))
        item.setData(0, Qt.ItemDataRole.UserRole, case.id)
        item.setToolTip(7, case.subject)
        item.setToolTip(2, f"{case.author_name} @{case.author_handle}" if case.author_name else case.author_handle)
        if holder and holder != self.agent:
            item.setToolTip(1, f"{holder} holds this case now")
            item.setForeground(1, QColor("#7d3c98"))
        item.setToolTip(4, f"{row.sentiment_label or 'no'} sentiment")
        if row.sentiment_label in SENTIMENT_COLOURS:
            item.setForeground(4, QColor(SENTIMENT_COLOURS[row.sentiment_label]))
        if late:
            item.setForeground(6, QColor("#c0392b"))
        if case.priority == 1:
            font = QFont(item.font(0))
            font.setBold(True)
            for col in range(len(cells)):
                item.setFont(col, font)
        return item

    def _selection_changed(self) -> None:
        n = len(self.queue.selectedItems())
        self.link_selected.setEnabled(n >= 1)
        self.resolve_selected.setEnabled(n >= 1)
        self.resolve_selected.setText(f"Resolve {n} selected…" if n > 1 else "Resolve selected…")

    # ---- bulk ----------------------------------------------------------------------------------------------
    def ask_bulk_resolve(self) -> None:
        outcome, ok = QInputDialog.getItem(self, "Resolve cases", "Outcome:", list(RESOLUTIONS), 0, False)
        if ok:
            self.resolve_many(self.queue.selected_ids(), outcome)

    def resolve_many(self, case_ids: list[int], outcome: str) -> None:
        """Resolve the cases with one outcome; cases a teammate holds are left to them (said so)."""
        agent = self.agent

        def work() -> tuple[int, list[str]]:
            now, done, skipped = self.service.now(), 0, []
            for case_id in case_ids:
                holder = self.service.repo.get(case_id).holder(now)
                if holder not in (None, agent):
                    skipped.append(f"#{case_id} ({holder})")
                    continue
                self.service.resolve(case_id, agent, outcome)
                done += 1
            return done, skipped

        def landed(result: tuple[int, list[str]]) -> None:
            done, skipped = result
            left = f"; left to teammates who hold them: {', '.join(skipped)}" if skipped else ""
            self.status.setText(f"Resolved {done} case{'s' if done != 1 else ''} as {outcome}{left}.")
            if self.case is not None and self.case.id in case_ids and not skipped:
                self._show_no_case("")
            self.refresh()

        self.loader.run(work, landed, failure=lambda exc: self.status.setText(str(exc)))

    def link_selected_to_incident(self) -> None:
        """Ask which incident (read in the background first), then link the selected cases to it."""
        ids, repo = self.queue.selected_ids(), self.service.repo

        def failed(exc: Exception) -> None:
            self.status.setText(f"Could not read the incidents: {exc}")

        self.loader.run(
            repo.incidents, lambda found: self._choose_incident(ids, found), key="incidents", failure=failed
        )

    def _choose_incident(self, ids: list[int], incidents: list[Any]) -> None:
        labels = [f"#{i.id} L{i.severity} {i.title}" for i in incidents] + ["New incident…"]
        choice, ok = QInputDialog.getItem(self, "Link to incident", f"Link {len(ids)} case(s) to:", labels, 0, False)
        if not ok:
            return
        if choice == "New incident…":
            title, ok = QInputDialog.getText(self, "New incident", "What is going wrong (title):")
            if not ok or not title.strip():
                return
            self.link_many(ids, None, title)
        else:
            self.link_many(ids, incidents[labels.index(choice)].id)

    def link_many(self, case_ids: list[int], incident_id: int | None, new_title: str = "") -> None:
        """Link cases to an incident (a new one when `incident_id` is None): its status updates reach them all."""
        agent = self.agent

        def work() -> int:
            target = incident_id
            if target is None:
                target = self.service.open_incident(new_title, 2, agent).id
            for case_id in case_ids:
                self.service.link(case_id, target, agent)
            return target

        def landed(target: int) -> None:
            self.status.setText(f"{len(case_ids)} case(s) linked to incident #{target}.")
            self.incidents.refresh(select=target)
            self.banner.refresh()
            self.refresh()

        self.loader.run(work, landed, failure=lambda exc: self.status.setText(str(exc)))

    # ---- one case ----------------------------------------------------------------------------------------
    def _show_no_case(self, message: str) -> None:
        self.case = None
        self.header.setText("<b>No case open</b>")
        if message:
            self.status.setText(message)
        self.after_reply.hide()
        self.editor.clear()
        self.editor.setEnabled(False)
        self.wizard.session = None
        empty(self.wizard.answers)
        for label in (self.wizard.path_label, self.wizard.reasons, self.wizard.help, self.wizard.keys):
            label.setText("")
        self.wizard.confirm.hide()
        self.wizard.question.setText("The decision tree opens with a case.")
        for b in self.actions.values():
            b.setEnabled(False)

    def open_post(self, post_id: int, reply: bool = False) -> None:
        """From a post anywhere: its case (opened now when it has none), claimed; `reply` readies the editor."""
        agent = self.agent

        def work() -> tuple[int, str]:
            if (case := self.service.case_for_post(post_id)) is not None:
                return case.id, ""
            case = self.service.open_from_post(post_id, agent)
            return case.id, joined_note(self.service.repo.events(case.id))

        def landed(result: tuple[int, str]) -> None:
            self.open_case(result[0], reply=reply, note=result[1])

        self.loader.run(work, landed, key="open", failure=self._refused)

    def open_case(self, case_id: int, reply: bool = False, note: str = "") -> None:
        """Claim the case and start the wizard (or show who holds it); a saved draft opens in the editor.
        `reply` opens the editor at once with the best templates for the post."""
        self.editor.flush_draft()  # the reply being typed on the previous case is kept
        agent = self.agent

        service = self.service

        def work() -> OpenedCase:
            case = service.claim(case_id, agent)
            draft = service.repo.draft(case_id, agent)
            editing = reply or (draft is not None and bool(draft.text.strip()))
            return OpenedCase(
                case,
                others=service.others_here(case_id, agent),
                post=service.repo.post_text(case.post_id) or case.subject,
                draft=draft,
                session=service.start_decision(agent, case),
                category=service.reply_category(case) if reply else "",
                templates=service.suggestions(case) if editing else [],
                incident=service.repo.incident(case.incident_id) if case.incident_id else None,
                teammates=service.teammates(agent),
            )

        self.loader.run(work, lambda opened: self._show_case(opened, reply, note), key="open", failure=self._refused)

    def _refused(self, exc: Exception) -> None:
        if isinstance(exc, ClaimRefused | CaseError | LookupError):
            self.status.setText(str(exc))
        else:
            self.status.setText(f"Could not open the case: {exc}")

    def _show_case(self, opened: OpenedCase, reply: bool, note: str) -> None:
        case, others, draft = opened.case, opened.others, opened.draft
        self.case, self._post_text, self._incident = case, opened.post, opened.incident
        self.queue.show_case(case.id)
        self._follow = case.id  # the next queue read selects its row (a case opened from a post is not listed yet)
        self._teammates = opened.teammates
        self.after_reply.hide()
        also = ", ".join(f"{a} ({act})" for a, act in others)
        self.status.setText(" ".join(filter(None, (note, f"Also here: {also}." if also else ""))))
        self._show_header()
        self.editor.clear()
        self.editor.setEnabled(False)
        self.tabs.setCurrentIndex(0)
        self.wizard.start(opened.session)
        self.arm.show_case(case.id)
        self.incidents.set_current_case(case.id)
        self.templates.set_case(case, opened.incident)
        for b in self.actions.values():
            b.setEnabled(True)
        if draft is not None and draft.text.strip():
            self._restore_draft(case, draft, opened.templates)
        elif reply:
            self._ready_editor(case, opened.category, opened.templates)
            self.status.setText("Reply as you see fit; the decision tree is there when you want it.")
        self.refresh()

    def _show_header(self) -> None:
        case = self.case
        if case is None:
            return
        post = self._post_text or case.subject
        who = _escape(case.author_name or case.author_handle)
        state = case.status + (f" · {case.resolution}" if case.resolution else "")
        assignee = f" · assigned to {_escape(case.assignee)}" if case.assignee else ""
        assignee += f" · incident #{case.incident_id}" if case.incident_id else ""
        self.header.setText(
            f"<b>Case #{case.id}</b> · {_escape(case.channel)} · {who} · P{case.priority} · {state}{assignee}"
            f" · due {case.sla_due:%d %b %H:%M} UTC<br>{_escape(post[:600])}"
        )

    def _fill(self, case: Case) -> Any:
        """A template filled in for the case (with its incident, read with the case: no query here)."""
        incident = self._incident if self._incident is not None and self._incident.id == case.incident_id else None
        return lambda t: self.service.render_reply(case, t, self.agent, incident)

    def _ready_editor(self, case: Case, category: str, templates: list[Any]) -> None:
        """The reply editor with the templates that fit (best first); `templates` read off the GUI thread."""
        if category:
            templates = [t for t in templates if t.category == category] or templates
        self.editor.load(case.channel, templates, self._fill(case))
        self.editor.setEnabled(True)
        self.editor.text.setFocus()
        self.editor.next_placeholder()

    def _restore_draft(self, case: Case, draft: Any, templates: list[Any]) -> None:
        self.editor.load(case.channel, templates, self._fill(case), draft=draft.text)
        self.editor.setEnabled(True)
        note = f"Your draft from {draft.updated_at:%d %b %H:%M} UTC is back in the editor."
        if draft.base_version != case.version:
            note += " The case changed since you wrote it: read its history before sending."
        self.status.setText(note)

    def _save_draft(self, text: str, template_id: str) -> None:
        if self.case is None:
            return
        case_id, agent, version = self.case.id, self.agent, self.case.version
        self.loader.run(
            lambda: self.service.save_draft(case_id, agent, text, template_id, base_version=version),
            lambda _draft: None,
            key=f"draft-{case_id}",
            failure=lambda exc: self.status.setText(f"Your draft could not be saved: {exc}"),
        )

    def _decided(self, session: Any) -> None:
        """Store the walk (off the GUI thread), then open the editor when the decision calls for a reply."""
        if self.case is None:
            return
        case_id = self.case.id
        outcome = session.outcome
        replies = outcome.action in ("respond", "amplify", "route_sales", "open_incident") and bool(outcome.category)

        def work() -> tuple[Case, list[Any], Any]:
            case = self.service.record_decision(case_id, session)
            incident = self.service.repo.incident(case.incident_id) if case.incident_id and replies else None
            return case, self.service.suggestions(case) if replies else [], incident

        def landed(result: tuple[Case, list[Any], Any]) -> None:
            case, templates, incident = result
            if self.case is None or self.case.id != case_id:
                return  # the agent moved on meanwhile
            self.case, self._incident = case, incident or self._incident
            self.arm.show_case(case.id)
            if not replies:  # monitor, let it stand, escalate: one click resolves it and opens the next case
                self.status.setText(f"Recorded: {outcome.title}. No reply needed.")
                self._what_now(f"No reply needed for case #{case.id} ({outcome.title}). What now?", replied=False)
                return
            self._ready_editor(case, outcome.category, templates)
            if outcome.action == "open_incident" and case.incident_id:
                self.status.setText(
                    f"This case is part of incident #{case.incident_id}: reply with its status (Incidents tab, Ctrl+3,"
                    " to update it)."
                )
            elif outcome.action == "open_incident":
                self.incidents.draft_for_case(case.id, case.subject, outcome.crisis_level or INCIDENT_LEVEL)
                self.status.setText(
                    "An incident is pre-filled from this case in the Incidents tab (Ctrl+3): open it there (this case"
                    " is linked) or link the case to an open one, then reply with its status."
                )

        self.loader.run(work, landed, failure=lambda exc: self.status.setText(f"Not recorded: {exc}"))

    def _queue_reply(self, text: str, template_id: str) -> None:
        """Check and queue the reply (off the GUI thread); then ask what now: resolve, wait, or keep it."""
        if self.case is None:
            return
        case_id, version, agent = self.case.id, self.case.version, self.agent

        def work() -> tuple[Any, Case]:
            item = self.service.queue_reply(case_id, agent, text, version, template_id)
            return item, self.service.repo.get(case_id)

        def landed(result: tuple[Any, Case]) -> None:
            item, case = result
            where = "in the outbox" if item.state == "queued" else "waiting for you to post it by hand (manual channel)"
            self.status.setText(f"Reply queued for case #{case.id}: {where}.")
            self.case = case
            self.editor.clear()
            self.editor.setEnabled(False)
            self._what_now(f"Reply queued for case #{case.id}. What now?", replied=True)
            self._show_header()
            self.arm.show_case(case.id)
            self.outbox.refresh()
            self.refresh()

        def refused(exc: Exception) -> None:  # the draft stays in the editor
            if isinstance(exc, ReplyRefused | StaleCase | ClaimRefused):
                self.status.setText(str(exc))
            else:
                self.status.setText(f"The reply could not be queued (it is kept in the editor): {exc}")

        self.loader.run(work, landed, failure=refused)

    # ---- the case's actions: each is in the history; the ones that hand the case on open the next ---------
    def _act(self, work: Any, said: str, advance: bool, after: Any = None) -> None:
        if self.case is None:
            return
        case_id = self.case.id

        def landed(case: Any) -> None:
            if after is not None:
                after()
            self.status.setText(said.format(id=case_id))
            self.after_reply.hide()
            if advance:
                self.open_next(after=case_id)
            else:
                if isinstance(case, Case):
                    self.case = case
                self._show_header()
                self.arm.show_case(case_id)
                self.refresh()

        self.loader.run(work, landed, failure=lambda exc: self.status.setText(str(exc)))

    def resolve(self, outcome: str) -> None:
        if self.case is not None:
            case_id, agent = self.case.id, self.agent
            self._act(lambda: self.service.resolve(case_id, agent, outcome), f"Case #{{id}} resolved: {outcome}.", True)

    def wait_for_customer(self) -> None:
        if self.case is not None:
            case_id, agent = self.case.id, self.agent
            said = "Case #{id} waits for the customer."
            self._act(lambda: self.service.wait_for_customer(case_id, agent), said, True)

    def snooze(self, until: datetime) -> None:
        if self.case is not None:
            case_id, agent = self.case.id, self.agent
            said = f"Case #{{id}} snoozed until {until:%d %b %H:%M} UTC."
            self._act(lambda: self.service.snooze(case_id, agent, until), said, True)

    def keep_open(self) -> None:
        """After a reply: the case stays with the agent, open (queueing the reply set it waiting on the customer,
        which "Keep it open" left it as, out of step with its name)."""
        if self.case is None:
            return
        case_id, agent = self.case.id, self.agent
        offered: list[Any] = []

        def work() -> Case:
            case = self.service.set_status(case_id, agent, "open")
            offered[:] = self.service.suggestions(case)
            return case

        def follow_up() -> None:  # the editor is ready again, empty, for a follow-up (a template is one pick away)
            if self.case is not None and self.case.id == case_id:
                self.editor.load(self.case.channel, offered, self._fill(self.case), apply_first=False)
                self.editor.setEnabled(True)
                self.editor.text.setFocus()

        replied = self._after_outcome == "answered"
        said = "Case #{id} stays open with you" + (": the reply is on its way." if replied else ".")
        self._act(work, said, advance=False, after=follow_up)

    def release(self) -> None:
        if self.case is not None:
            case_id, agent = self.case.id, self.agent
            self._act(lambda: self.service.release(case_id, agent), "Case #{id} is back in the queue.", True)

    def close_case(self) -> None:
        if self.case is not None:
            case_id, agent = self.case.id, self.agent
            self._act(lambda: self.service.close(case_id, agent), "Case #{id} closed.", True)

    def assign(self, assignee: str) -> None:
        if self.case is not None:
            case_id, agent = self.case.id, self.agent
            said = f"Case #{{id}} assigned to {assignee}." if assignee else "Case #{id} is back in the pool."
            self._act(lambda: self.service.assign(case_id, agent, assignee), said, assignee != agent)

    def set_priority(self, priority: int) -> None:
        if self.case is not None:
            case_id, agent = self.case.id, self.agent
            said = f"Case #{{id}} is P{priority} now."
            self._act(lambda: self.service.set_priority(case_id, agent, priority), said, False)

    def unlink_incident(self, case_id: int) -> None:
        """The case shown is not part of its incident (the ARM panel's Unlink): out of it, in the history."""
        if self.case is not None and self.case.id == case_id:
            agent = self.agent
            incident = self.case.incident_id
            said = f"Case #{{id}} unlinked from incident #{incident}: its status updates no longer reach it."
            self._act(lambda: self.service.unlink(case_id, agent), said, False, after=self.incidents.refresh)

    def add_note(self, text: str) -> None:
        if self.case is not None:
            case_id, agent = self.case.id, self.agent
            self._act(lambda: self.service.add_note(case_id, agent, text), "Note added to case #{id}.", False)

    def ask_note(self) -> None:
        text, ok = QInputDialog.getMultiLineText(self, "Internal note", "For teammates only (never sent):")
        if ok and text.strip():
            self.add_note(text)

    def _fill_assign_menu(self) -> None:
        self.assign_menu.clear()
        for name in self._teammates:  # read with the case (no query while the menu opens)
            self.assign_menu.addAction(name, lambda n=name: self.assign(n))
        self.assign_menu.addAction("Me", lambda: self.assign(self.agent))
        self.assign_menu.addAction("Nobody (back to the pool)", lambda: self.assign(""))
        self.assign_menu.addAction("Someone else…", self._assign_other)

    def _assign_other(self) -> None:
        name, ok = QInputDialog.getText(self, "Assign", "Assign to (a teammate's name or a queue):")
        if ok and name.strip():
            self.assign(name.strip())

    def open_next(self, after: int | None = None) -> None:
        """Open the next case to work (mine first, then any open case nobody holds)."""
        agent, view = self.agent, self.queue_choice.currentData()

        def landed(case: Case | None) -> None:
            if case is None:
                self._show_no_case(self.status.text() + " The queue is clear.")
                self.refresh()
            else:
                self.open_case(case.id, note=f"{self.status.text()} Next: case #{case.id}.".strip())

        self.loader.run(lambda: self.service.next_case(agent, view, after=after), landed, key="next")


def _escape(text: str) -> str:
    return html.escape(text)  # untrusted text inside the header's rich text


def render_agent(ws: Workspace, size: QSize | tuple[int, int] = (1600, 1000)) -> QImage:
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
    case_id = None if first is None else first.data(0, Qt.ItemDataRole.UserRole)
    held = case_id is not None and ws.cases.repo.get(case_id).holder(ws.cases.now()) == view.agent
    if case_id is not None:
        view.open_case(case_id)
    for _ in range(4):  # widgets added to a shown layout appear, and word-wrapped labels take their height, in turns
        QApplication.sendPostedEvents()
        QApplication.processEvents()
    image = view.grab().toImage()
    if view.case is not None and view.case.claimed_by == view.agent and not held:
        ws.cases.release(view.case.id, view.agent)  # a picture of the queue leaves nobody holding a case
    view.close()
    view.deleteLater()
    return image


def _open_sample_cases(ws: Workspace, count: int = 8) -> None:
    newest = ws.db.posts.page(limit=200)
    picked = [p for p in newest if p.sentiment_label == "negative"][:count] or newest[:1]
    for i, post in enumerate(picked):
        ws.cases.open_from_post(post.id, "snapshot", priority=1 if i < 2 else 3)

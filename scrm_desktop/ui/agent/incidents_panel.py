"""The incidents panel: open incidents (crisis level, title, status, linked cases, root cause, keywords), create and
edit them, link the case being handled, send a status update to every linked case through the outbox, resolve."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from scrm_desktop.engage.cases import ReplyRefused
from scrm_desktop.store.cases import Incident
from scrm_desktop.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from scrm_desktop.workspace import Workspace

STATUSES = ("open", "monitoring", "resolved")
LEVEL_COLOURS = {5: "#8e1b1b", 4: "#c0392b", 3: "#d35400", 2: "#b9770e", 1: "#5f6b7a"}
REFRESH_MS = 10_000


@dataclass(frozen=True)
class IncidentRow:
    incident: Incident
    linked: int
    open_linked: int


def load_rows(ws: Workspace, open_only: bool) -> list[IncidentRow]:
    rows = []
    for incident in ws.cases.repo.incidents(open_only=open_only):
        cases = ws.cases.repo.linked_cases(incident.id)
        still_open = sum(1 for c in cases if c.status not in ("resolved", "closed"))
        rows.append(IncidentRow(incident, len(cases), still_open))
    return rows


class IncidentsPanel(QWidget):
    changed = Signal()  # an incident was created, edited, resolved, or a case linked

    def __init__(
        self, ws: Workspace, loader: TaskRunner | None = None, agent: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.ws, self.service = ws, ws.cases
        self.agent = agent or ws.settings.agent_name or "agent"
        self.loader = loader or TaskRunner(self)
        self.rows: list[IncidentRow] = []
        self.current_case_id: int | None = None
        self._editing: int | None = None  # the incident in the form (None: a new one)
        self._link_on_open: int | None = None  # a case the decision sent here: linked when its incident opens
        self.show_resolved = QCheckBox("Show &resolved")
        self.list = QTreeWidget()
        self.list.setHeaderLabels(["level", "title", "status", "cases"])
        self.list.setRootIsDecorated(False)
        header = self.list.header()
        header.setStretchLastSection(False)
        # Beside the form the list is about 330 px wide: the title takes what the other columns leave (their fixed
        # widths, with an "updated" column, left it 26 px: "Bri…"); when it was updated is in the row's tooltip.
        for column in (0, 2, 3):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.title = QLineEdit(placeholderText="What is wrong, in a few words")
        self.severity = QSpinBox(minimum=1, maximum=5, value=3)
        self.severity.setToolTip("Crisis level: 5 safety, 4 legal, 3 press or an executive, 2 growing volume, 1 minor")
        self.status = QComboBox()
        self.status.addItems(list(STATUSES))
        self.status_url = QLineEdit(placeholderText="https://status.example.com/incident (fills {incident_url})")
        self.root_cause = QPlainTextEdit(placeholderText="Root cause notes: what we know so far")
        self.root_cause.setTabChangesFocus(True)
        self.keywords = QPlainTextEdit()
        self.keywords.setPlaceholderText(
            "How people say it, one a line: no-show*\ndidn't show up\ntechnician never came"
        )
        self.keywords.setToolTip(
            "A new case whose post says one of these (or shares two of the title's words) joins this incident by "
            "itself, with the reason in its history. Whole words, as search reads them; end one with * for a prefix."
        )
        self.keywords.setAccessibleName("Keywords")
        self.keywords.setTabChangesFocus(True)
        self.new_button = QPushButton("&New incident")
        self.save_button = QPushButton("&Save")
        self.link_button = QPushButton("&Link current case")
        self.resolve_button = QPushButton("Resol&ve")
        self.update_text = QPlainTextEdit()
        self.update_text.setTabChangesFocus(True)
        self.update_text.setPlaceholderText("Status update sent to every open linked case ({author_name} etc. filled)")
        self.update_button = QPushButton("Send status &update to linked cases")
        self.message = QLabel(wordWrap=True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self._build()
        self._wire()
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self.new_incident()

    def _build(self) -> None:
        left = QWidget()
        lcol = QVBoxLayout(left)
        lcol.setContentsMargins(0, 0, 0, 0)
        lcol.addWidget(self.show_resolved)
        lcol.addWidget(self.list, 1)
        form = QFormLayout()
        form.addRow("&Title", self.title)
        form.addRow("Crisis le&vel", self.severity)
        form.addRow("Stat&us", self.status)
        form.addRow("Status lin&k", self.status_url)
        form.addRow("Root cause", self.root_cause)
        form.addRow("Key&words", self.keywords)
        buttons = QHBoxLayout()
        for button in (self.new_button, self.save_button, self.link_button, self.resolve_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        right = QWidget()
        rcol = QVBoxLayout(right)
        rcol.setContentsMargins(0, 0, 0, 0)
        rcol.addLayout(form)
        rcol.addLayout(buttons)
        rcol.addWidget(QLabel("<b>Status update</b>"))
        rcol.addWidget(self.update_text, 1)
        rcol.addWidget(self.update_button)
        rcol.addWidget(self.message)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([540, 560])
        QVBoxLayout(self).addWidget(split)

    def _wire(self) -> None:
        self.show_resolved.toggled.connect(self.refresh)
        self.list.currentItemChanged.connect(lambda cur, _prev: self._fill_form(self._row_of(cur)))
        self.new_button.clicked.connect(self.new_incident)
        self.save_button.clicked.connect(self.save)
        self.link_button.clicked.connect(self.link_current_case)
        self.resolve_button.clicked.connect(self.resolve)
        self.update_button.clicked.connect(self.send_update)
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for keys, slot in (("Ctrl+N", self.new_incident), ("Ctrl+S", self.save), ("Ctrl+L", self.link_current_case)):
            QShortcut(QKeySequence(keys), self, slot, context=context)

    # ---- loading -----------------------------------------------------------------------------------------
    def refresh(self, select: int | None = None) -> None:
        open_only = not self.show_resolved.isChecked()
        keep = select if isinstance(select, int) and not isinstance(select, bool) else self._editing
        self.loader.run(lambda: load_rows(self.ws, open_only), lambda rows: self._loaded(rows, keep), key="incidents")

    def _loaded(self, rows: list[IncidentRow], keep: int | None) -> None:
        self.rows = rows
        self.list.blockSignals(True)
        self.list.clear()
        for row in rows:
            i = row.incident
            cases = f"{row.open_linked} open / {row.linked}" if row.linked != row.open_linked else str(row.linked)
            item = QTreeWidgetItem([str(i.severity), i.title, i.status, cases])
            item.setForeground(0, QColor(LEVEL_COLOURS.get(i.severity, "#5f6b7a")))
            tip = "\n".join(filter(None, (i.title, i.root_cause, f"updated {i.updated_at:%d %b %H:%M} UTC")))
            for column in range(4):
                item.setToolTip(column, tip)
            item.setData(0, Qt.ItemDataRole.UserRole, i.id)
            self.list.addTopLevelItem(item)
            if i.id == keep:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        if keep is not None:
            self._fill_form(self.current_row())

    def _row_of(self, item: QTreeWidgetItem | None) -> IncidentRow | None:
        if item is None:
            return None
        incident_id = item.data(0, Qt.ItemDataRole.UserRole)
        return next((r for r in self.rows if r.incident.id == incident_id), None)

    def current_row(self) -> IncidentRow | None:
        return self._row_of(self.list.currentItem())

    def open_incident(self, incident_id: int) -> None:
        """Show one incident (the banner's click): it is selected once the list has loaded."""
        self._editing = incident_id
        self.refresh(select=incident_id)

    # ---- the form ----------------------------------------------------------------------------------------
    def new_incident(self, focus: bool = True) -> None:
        """An empty form for a new incident; `focus=False` leaves the keyboard where it is (a draft made from the
        case view while the agent types the reply)."""
        self.list.setCurrentItem(None)
        self._editing = None
        self._link_on_open = None
        self.title.clear()
        self.severity.setValue(3)
        self.status.setCurrentIndex(0)
        self.status_url.clear()
        self.root_cause.clear()
        self.keywords.clear()
        self._buttons()
        if focus:
            self.title.setFocus()

    def draft_for_case(self, case_id: int, title: str, severity: int) -> None:
        """The decision said "open or join an incident": a new incident pre-filled from the case (not saved), and
        the case linked to it when the agent opens it. Picking an open incident and Link joins that one instead."""
        self.new_incident(focus=False)
        self.title.setText(title[:120])
        self.severity.setValue(max(1, min(5, severity)))
        self._link_on_open = case_id
        self.message.setText(
            f"Pre-filled from case #{case_id}: check the title and level, then Open incident (the case is linked). "
            "Or pick an open incident and Link the case to it."
        )

    def _fill_form(self, row: IncidentRow | None) -> None:
        if row is None:
            return
        i = row.incident
        self._editing = i.id
        self.title.setText(i.title)
        self.severity.setValue(i.severity)
        self.status.setCurrentIndex(max(0, STATUSES.index(i.status) if i.status in STATUSES else 0))
        self.status_url.setText(i.status_url)
        for field in (self.title, self.status_url):  # a long title reads from its start, not from its end
            field.setCursorPosition(0)
        self.root_cause.setPlainText(i.root_cause)
        self.keywords.setPlainText(i.keywords)
        if not self.update_text.toPlainText().strip():
            self.update_text.setPlainText(self._update_template())
        self._buttons()

    def _update_template(self) -> str:
        found = next((t for t in self.service.templates if t.category == "status_update"), None)
        return found.text if found else ""

    def _buttons(self) -> None:
        editing = self._editing is not None
        self.save_button.setText("&Save" if editing else "&Open incident")
        self.link_button.setEnabled(editing and self.current_case_id is not None)
        self.resolve_button.setEnabled(editing and self.status.currentText() != "resolved")
        self.update_button.setEnabled(editing)

    def set_current_case(self, case_id: int | None) -> None:
        self.current_case_id = case_id
        self._buttons()

    def _values(self) -> dict[str, Any]:
        return {
            "title": self.title.text().strip(),
            "severity": self.severity.value(),
            "root_cause": self.root_cause.toPlainText().strip(),
            "status_url": self.status_url.text().strip(),
            "keywords": self.keywords.toPlainText(),
        }

    def save(self) -> None:
        values = self._values()
        if not values["title"]:
            self.message.setText("An incident needs a title.")
            self.title.setFocus()
            return
        url = values["status_url"]
        if url and not url.startswith(("https://", "http://")):
            self.message.setText("The status link should start with https://")
            return
        editing = self._editing
        if editing is None:
            link = self._link_on_open if self._link_on_open == self.current_case_id else None
            self._link_on_open = None

            def work() -> Incident:
                incident = self.service.open_incident(values.pop("title"), values.pop("severity"), self.agent, **values)
                if link is not None:
                    self.service.link(link, incident.id, self.agent)
                return incident

            if link is not None:
                self._act(work, lambda i: f"Incident #{i.id} opened at level {i.severity}; case #{link} linked to it.")
                return
        else:
            status = self.status.currentText()

            def work() -> Incident:
                return self.service.edit_incident(editing, status=status, **values)

        self._act(work, lambda i: f"Incident #{i.id} saved: level {i.severity}, {i.status}.")

    def link_current_case(self) -> None:
        incident_id, case_id = self._editing, self.current_case_id
        if incident_id is None or case_id is None:
            self.message.setText("Open a case and pick an incident first.")
            return
        self._act(
            lambda: (self.service.link(case_id, incident_id, self.agent), self.service.repo.incident(incident_id))[1],
            lambda i: f"Case #{case_id} linked to incident #{i.id} ({i.title}); it is now a macro case.",
        )

    def resolve(self) -> None:
        incident_id = self._editing
        if incident_id is not None:
            self.status.setCurrentIndex(STATUSES.index("resolved"))
            self._act(
                lambda: self.service.edit_incident(incident_id, status="resolved"),
                lambda i: f"Incident #{i.id} resolved.",
            )

    def send_update(self) -> None:
        incident_id, text = self._editing, self.update_text.toPlainText()
        if incident_id is None:
            return
        if not text.strip():
            self.message.setText("Write the status update first.")
            return
        self._act(
            lambda: self.service.status_update(incident_id, text, self.agent),
            lambda items: (
                f"Status update queued for {len(items)} linked case{'s' if len(items) != 1 else ''}."
                if items
                else "No open case is linked to this incident yet."
            ),
        )

    def _act(self, work: Any, say: Any) -> None:
        def done(result: Any) -> None:
            self.message.setText(say(result))
            if isinstance(result, Incident):
                self._editing = result.id
            self.changed.emit()
            self.refresh(select=self._editing)

        def failed(exc: Exception) -> None:
            expected = isinstance(exc, (ValueError, ReplyRefused, LookupError))
            self.message.setText(str(exc) if expected else f"Could not do it: {exc}")

        self.loader.run(work, done, failure=failed)

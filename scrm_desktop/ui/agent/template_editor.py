"""The template editor (Work > Templates…, and a tab of the agent window): templates listed by category; add,
edit and delete them (name, category, channels, body with {variables} and [[placeholders]]); a live preview on
the case being handled; problems shown as you type. Saved to the workspace's own templates.yaml."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from scrm_desktop.engage.decision_tree import CATEGORIES
from scrm_desktop.engage.template_library import TemplateLibrary, check, new_id
from scrm_desktop.engage.templates import (
    CHANNEL_LIMITS,
    SAMPLE_CONTEXT,
    VARIABLES,
    Template,
    TemplateError,
    check_reply,
    display_name,
    render,
    template_check,
)
from scrm_desktop.store.cases import Case, Incident
from scrm_desktop.ui.agent.reply_editor import PlaceholderHighlighter

if TYPE_CHECKING:
    from scrm_desktop.workspace import Workspace

SAMPLE = SAMPLE_CONTEXT


def library_of(ws: Workspace) -> TemplateLibrary:
    library = getattr(ws, "templates", None)
    return library if isinstance(library, TemplateLibrary) else TemplateLibrary(ws.paths.config)


class TemplateEditor(QWidget):
    templates_saved = Signal(list)  # the library as saved

    def __init__(self, ws: Workspace, agent: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws, self.service = ws, ws.cases
        self.agent = agent or ws.settings.agent_name or "agent"
        self.library = library_of(ws)
        self.templates: list[Template] = list(self.service.templates)
        self.case: Case | None = None
        self.incident: Incident | None = None
        self._editing: str | None = None  # id of the template in the form (None: a new one)
        self.list = QTreeWidget()
        self.list.setHeaderHidden(True)
        self.title = QLineEdit(placeholderText="Name shown in the reply editor")
        self.category = QComboBox()
        for category in CATEGORIES:
            self.category.addItem(category.replace("_", " "), category)
        self.channels = QLineEdit(placeholderText="empty: every channel; or e.g. mastodon, bluesky")
        self.body = QPlainTextEdit()
        self.body.setTabChangesFocus(True)
        self._highlighter = PlaceholderHighlighter(self.body.document())
        self.hint = QLabel(
            "Variables: " + " ".join(f"{{{v}}}" for v in VARIABLES) + "   ·   [[placeholder]]: the agent fills it in"
        )
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: palette(placeholder-text);")
        self.problems = QLabel(wordWrap=True)
        self.problems.setTextFormat(Qt.TextFormat.PlainText)
        self.problems.setStyleSheet("color: #c0392b;")
        self.tone = QLabel(wordWrap=True)  # "Tone check: reads negative (−0.40): …" for the edited template
        self.tone.setTextFormat(Qt.TextFormat.PlainText)
        self.tone.setStyleSheet("color: #b9770e;")
        self.preview_title = QLabel(wordWrap=True)  # a long line wraps: it widened the whole agent window
        self.preview = QLabel(wordWrap=True)
        self.preview.setTextFormat(Qt.TextFormat.PlainText)
        self.preview.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.preview.setStyleSheet("background: palette(base); border: 1px solid palette(mid); padding: 6px;")
        self.new_button = QPushButton("&New")
        self.save_button = QPushButton("&Save")
        self.delete_button = QPushButton("&Delete")
        self.reset_button = QPushButton("Back to the de&faults")
        self.message = QLabel(wordWrap=True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self._build()
        self._wire()
        self._fill_list()
        if self.library.problem:
            self.message.setText(
                f"The workspace templates could not be read, so the defaults are in use: {self.library.problem}"
            )
        self.new_template()

    def _build(self) -> None:
        form = QFormLayout()
        form.addRow("&Name", self.title)
        form.addRow("&Category", self.category)
        form.addRow("C&hannels", self.channels)
        form.addRow("&Body", self.body)
        form.addRow("", self.hint)
        buttons = QHBoxLayout()
        for button in (self.new_button, self.save_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.reset_button)
        right = QWidget()
        col = QVBoxLayout(right)
        col.addLayout(form, 2)
        col.addWidget(self.problems)
        col.addWidget(self.tone)
        col.addWidget(self.preview_title)
        col.addWidget(self.preview, 1)
        col.addLayout(buttons)
        col.addWidget(self.message)
        split = QSplitter()
        split.addWidget(self.list)
        split.addWidget(right)
        split.setStretchFactor(1, 2)
        split.setSizes([280, 620])
        QVBoxLayout(self).addWidget(split)

    def _wire(self) -> None:
        self.list.currentItemChanged.connect(lambda cur, _prev: self._pick(cur))
        for signal in (self.title.textChanged, self.channels.textChanged, self.body.textChanged):
            signal.connect(self._validate)
        self.category.currentIndexChanged.connect(self._validate)
        self.new_button.clicked.connect(self.new_template)
        self.save_button.clicked.connect(self.save)
        self.delete_button.clicked.connect(self.delete)
        self.reset_button.clicked.connect(self.reset)
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        for keys, slot in (("Ctrl+N", self.new_template), ("Ctrl+S", self.save)):
            QShortcut(QKeySequence(keys), self, slot, context=context)

    def _fill_list(self, select: str | None = None) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for category in CATEGORIES:
            group = QTreeWidgetItem([category.replace("_", " ")])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.list.addTopLevelItem(group)
            for t in (t for t in self.templates if t.category == category):
                where = f"  ({', '.join(t.channels)})" if t.channels else ""
                warnings = self.tone_warnings(t)
                item = QTreeWidgetItem([("⚠ " if warnings else "") + t.title + where])
                item.setData(0, Qt.ItemDataRole.UserRole, t.id)
                if warnings:
                    item.setToolTip(0, "; ".join(warnings))
                group.addChild(item)
                if t.id == select:
                    self.list.setCurrentItem(item)
        self.list.expandAll()
        self.list.blockSignals(False)

    def sample_context(self) -> dict[str, Any]:
        return dict(SAMPLE, brand=self.service.brand, agent_name=display_name(self.agent))

    def tone_warnings(self, template: Template) -> tuple[str, ...]:
        """The tone check of a template filled with sample values (the list marks a failing one ⚠)."""
        return template_check(template, self.sample_context(), analyzer=self.ws.analyzer).warnings

    def flagged(self) -> list[str]:
        """Ids of the templates the list marks as failing their tone check."""
        out = []
        for i in range(self.list.topLevelItemCount()):
            group = self.list.topLevelItem(i)
            for j in range(group.childCount()):
                if group.child(j).text(0).startswith("⚠ "):
                    out.append(group.child(j).data(0, Qt.ItemDataRole.UserRole))
        return out

    def _pick(self, item: QTreeWidgetItem | None) -> None:
        template_id = item.data(0, Qt.ItemDataRole.UserRole) if item else None
        found = next((t for t in self.templates if t.id == template_id), None)
        if found is None:
            return
        self._editing = found.id
        self.title.setText(found.title)
        self.category.setCurrentIndex(self.category.findData(found.category))
        self.channels.setText(", ".join(found.channels))
        self.body.setPlainText(found.text)
        self.delete_button.setEnabled(True)
        self._validate()

    def select(self, template_id: str) -> None:
        self._fill_list(select=template_id)
        self._pick(self.list.currentItem())

    def new_template(self) -> None:
        self.list.setCurrentItem(None)
        self._editing = None
        self.title.clear()
        self.channels.clear()
        self.body.setPlainText("Hi {first_name}, {agent_name} from {brand} here. [[your message]]")
        self.delete_button.setEnabled(False)
        self.title.setFocus()
        self._validate()

    def set_case(self, case: Case | None, incident: Incident | None = None) -> None:
        """Preview on this case (the one the agent has open) and its incident (read with it, off the GUI thread)."""
        self.case, self.incident = case, incident
        self._validate()

    # ---- the edited template -----------------------------------------------------------------------------
    def edited(self) -> Template:
        channels = tuple(c.strip().lower() for c in self.channels.text().replace(";", ",").split(",") if c.strip())
        others = {t.id for t in self.templates if t.id != self._editing}
        template_id = self._editing or new_id(self.title.text() or "template", others)
        before = next((t for t in self.templates if t.id == self._editing), None)
        incident = before.incident if before is not None else ""  # kept: the editor has no field for it
        title, body = self.title.text().strip(), self.body.toPlainText()
        return Template(template_id, self.category.currentData(), title, body, channels, incident)

    def problems_now(self) -> list[str]:
        template = self.edited()
        others = [t for t in self.templates if t.id != template.id]
        problems = check(template, others)
        unknown = [c for c in template.channels if c not in CHANNEL_LIMITS]
        if unknown:
            problems.append(f"unknown channel {unknown[0]!r} (known: {', '.join(CHANNEL_LIMITS)})")
        return problems

    def _validate(self) -> None:
        problems = self.problems_now()
        fresh = self._editing is None and not self.title.text()  # a new form is not an error yet
        self.problems.setText("; ".join(p for p in problems if not (fresh and p == "title is empty")))
        self.save_button.setEnabled(not problems)
        self._preview()

    def _preview(self) -> None:
        template = self.edited()
        if self.case is not None:
            incident = (
                self.incident if self.incident is not None and self.incident.id == self.case.incident_id else None
            )
            context = self.service.context(self.case, self.agent, incident)
            channel, where = self.case.channel, f"case #{self.case.id}"
        else:
            context = self.sample_context()
            channel = template.channels[0] if template.channels else "mastodon"
            where = "sample values (open a case to preview on it)"
        text = render(template.text, context)
        reply = check_reply(text, channel, self.ws.analyzer)
        limit = f"/{reply.limit}" if reply.limit else ""
        fill = f" · to fill: {', '.join(reply.placeholders)}" if reply.placeholders else ""
        self.preview_title.setText(f"<b>Preview</b> on {where} · {channel} · {reply.length}{limit} characters{fill}")
        self.preview.setText(text)
        self.tone.setText("; ".join(reply.warnings))
        self.tone.setVisible(bool(reply.warnings))

    # ---- saving ------------------------------------------------------------------------------------------
    def save(self) -> None:
        problems = self.problems_now()
        if problems:
            self.message.setText("Not saved: " + "; ".join(problems))
            return
        template = self.edited()
        updated = [template if t.id == template.id else t for t in self.templates]
        if template.id not in {t.id for t in self.templates}:
            updated.append(template)
        if self._store(updated, f"Saved “{template.title}” to {self.library.path.name}."):
            self.select(template.id)

    def delete(self) -> None:
        if self._editing is None:
            return
        gone = next(t for t in self.templates if t.id == self._editing)
        answer = QMessageBox.question(self, "Templates", f"Delete the template “{gone.title}”?")
        if answer != QMessageBox.StandardButton.Yes:
            return
        if self._store([t for t in self.templates if t.id != gone.id], f"Deleted “{gone.title}”."):
            self._fill_list()
            self.new_template()

    def reset(self) -> None:
        answer = QMessageBox.question(self, "Templates", "Drop this workspace's templates and use the defaults?")
        if answer == QMessageBox.StandardButton.Yes:
            self.templates = self.library.reset()
            self._published("Back to the default templates.")
            self._fill_list()
            self.new_template()

    def _store(self, templates: list[Template], said: str) -> bool:
        try:
            self.templates = self.library.save(templates)
        except (TemplateError, OSError) as exc:
            self.message.setText(f"Not saved: {exc}")
            return False
        self._published(said)
        return True

    def _published(self, said: str) -> None:
        self.service.templates = list(self.templates)  # the reply editor offers them from the next case on
        self.message.setText(said)
        self.templates_saved.emit(list(self.templates))


class TemplateDialog(QDialog):
    """The editor in a window of its own (Work > Templates…)."""

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Reply templates")
        self.editor = TemplateEditor(ws)
        QVBoxLayout(self).addWidget(self.editor)
        self.resize(1000, 640)

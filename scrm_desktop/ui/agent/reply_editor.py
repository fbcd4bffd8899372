"""The reply editor: template picker filtered by the decision's category, highlighted [[placeholders]]
(Ctrl+J selects the next one), channel counter, tone warning, and Queue reply (Ctrl+Return) only when valid."""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QSyntaxHighlighter, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from scrm_desktop.engage.templates import Template, check_reply

_PLACEHOLDER = re.compile(r"\[\[[^\[\]\n]{1,80}\]\]")


class PlaceholderHighlighter(QSyntaxHighlighter):
    def highlightBlock(self, text: str) -> None:
        fmt = QTextCharFormat()
        fmt.setBackground(QColor("#ffe08a"))
        fmt.setForeground(QColor("#5a3b00"))
        for match in _PLACEHOLDER.finditer(text):
            self.setFormat(match.start(), match.end() - match.start(), fmt)


DRAFT_DELAY_MS = 800  # a pause in typing this long saves the draft


class ReplyEditor(QWidget):
    queue_requested = Signal(str, str)  # text, template id
    draft_changed = Signal(str, str)  # text, template id: the agent paused typing (save it)

    def __init__(self, analyzer: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.analyzer = analyzer
        self.channel = ""
        self._fill: Any = None
        self.picker = QComboBox()
        self.text = QPlainTextEdit()
        self.text.setTabChangesFocus(True)
        self._highlighter = PlaceholderHighlighter(self.text.document())
        self.counter = QLabel()
        self.problems = QLabel(wordWrap=True)
        self.tone = QLabel(wordWrap=True)
        self.queue_button = QPushButton("Queue reply (Ctrl+Return)")
        self.queue_button.setEnabled(False)
        row = QHBoxLayout()
        row.addWidget(self.counter)
        row.addStretch(1)
        row.addWidget(self.queue_button)
        layout = QVBoxLayout(self)
        for widget in (self.picker, self.text, self.problems, self.tone):
            layout.addWidget(widget)
        layout.addLayout(row)
        self.picker.activated.connect(self._apply_template)
        self.text.textChanged.connect(self._check)
        self.queue_button.clicked.connect(self._queue)
        self.text.installEventFilter(self)  # Ctrl+J / Ctrl+Return work wherever the typing happens
        self._draft_timer = QTimer(self, singleShot=True, interval=DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.flush_draft)
        self._loading = False
        self.text.textChanged.connect(self._typed)

    def _typed(self) -> None:
        if not self._loading and self.isEnabled():
            self._draft_timer.start()

    def flush_draft(self) -> None:
        """Save now what waits for the typing pause (also called before the case changes)."""
        if self._draft_timer.isActive() or self.sender() is self._draft_timer:
            self._draft_timer.stop()
            self.draft_changed.emit(self.text.toPlainText(), self.template_id())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.text and event.type() == QEvent.Type.KeyPress:
            ctrl = event.modifiers() & Qt.KeyboardModifier.ControlModifier
            if ctrl and event.key() == Qt.Key.Key_J:
                self.next_placeholder()
                return True
            if ctrl and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._queue()
                return True
        return super().eventFilter(watched, event)

    def load(
        self, channel: str, templates: list[Template], fill: Any, draft: str = "", apply_first: bool = True
    ) -> None:
        """Offer `templates` (best first); `fill(template) -> str` renders one for this case. Without a draft the
        best one is filled in, unless `apply_first` is False (a follow-up starts empty)."""
        self.channel, self._fill = channel, fill
        self._draft_timer.stop()
        self._loading = True
        try:
            self.picker.clear()
            for template in templates:
                self._add_choice(template, fill)
            if draft:
                self.text.setPlainText(draft)
            elif not apply_first:
                self.text.clear()
            elif templates:
                self._apply_template(0)
        finally:
            self._loading = False
        self._check()

    def _add_choice(self, template: Template, fill: Any) -> None:
        """One template in the picker; one whose text for this case fails the tone check is marked ⚠ and says why."""
        label = f"{template.title}  [{template.category.replace('_', ' ')}]"
        warnings = check_reply(fill(template), self.channel or "email", self.analyzer).warnings if fill else ()
        self.picker.addItem(f"⚠ {label}" if warnings else label, template)
        if warnings:
            self.picker.setItemData(self.picker.count() - 1, "; ".join(warnings), Qt.ItemDataRole.ToolTipRole)

    def tone_flagged(self) -> list[str]:
        """Ids of the offered templates whose filled text fails the tone check (marked ⚠ in the picker)."""
        return [
            self.picker.itemData(i).id
            for i in range(self.picker.count())
            if self.picker.itemText(i).startswith("⚠ ") and isinstance(self.picker.itemData(i), Template)
        ]

    def template_id(self) -> str:
        template = self.picker.currentData()
        return template.id if isinstance(template, Template) else ""

    def _apply_template(self, index: int) -> None:
        template = self.picker.itemData(index)
        if isinstance(template, Template) and self._fill:
            self.text.setPlainText(self._fill(template))
            self.next_placeholder()

    def next_placeholder(self) -> None:
        """Select the next [[placeholder]] (from the cursor, wrapping) so typing replaces it."""
        body = self.text.toPlainText()
        start = self.text.textCursor().selectionEnd() if self.text.textCursor().hasSelection() else 0
        match = _PLACEHOLDER.search(body, start) or _PLACEHOLDER.search(body)
        if match is None:
            return
        cursor = self.text.textCursor()
        cursor.setPosition(match.start())
        cursor.setPosition(match.end(), QTextCursor.MoveMode.KeepAnchor)
        self.text.setTextCursor(cursor)
        self.text.setFocus()

    def _check(self) -> None:
        check = check_reply(self.text.toPlainText(), self.channel or "email", self.analyzer)
        limit = f" / {check.limit}" if check.limit else ""
        self.counter.setText(f"{check.length}{limit} characters")
        self.counter.setStyleSheet("color: #c0392b;" if check.limit and check.length > check.limit else "")
        self.problems.setText("; ".join(check.problems))
        self.tone.setText("; ".join(check.warnings))
        self.tone.setStyleSheet("color: #b9770e;")
        self.queue_button.setEnabled(check.ok)

    def _queue(self) -> None:
        if self.queue_button.isEnabled():
            self._draft_timer.stop()  # queueing replaces the draft
            self.queue_requested.emit(self.text.toPlainText(), self.template_id())

    def clear(self) -> None:
        """Empty the editor (the reply went to the outbox, or the case changed hands)."""
        self._draft_timer.stop()
        self._loading = True
        try:
            self.picker.clear()
            self.text.clear()
        finally:
            self._loading = False
        self.problems.clear()
        self.tone.clear()
        self.queue_button.setEnabled(False)

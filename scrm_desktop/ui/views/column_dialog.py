"""New/edit column dialog: name, query with live validation that points at the error, notify, and mutes."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from scrm_desktop.core.query import QueryError
from scrm_desktop.streams import MAX_NAME, check_mute, check_query
from scrm_desktop.ui.views.query_problem import INVALID_STYLE, problem_labels, show_problem

QUERY_HELP = (
    'Words and "exact phrases" (all must occur), OR, -word to exclude, brackets, refund* for a prefix, and '
    "filters: channel:reddit  sentiment:negative  author:@jane  lang:en  source:name  has:link  is:unread. "
    "Leave empty for every post."
)
MAX_MUTES = 200


@dataclass(frozen=True)
class ColumnValues:
    name: str
    query: str
    notify: bool
    mutes: list[str]


def _mutes_from(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class ColumnDialog(QDialog):
    def __init__(self, values: ColumnValues, title: str = "Edit column", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(560)
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.name = QLineEdit(values.name)
        self.name.setMaxLength(MAX_NAME)
        self.name.setPlaceholderText("What the column shows, e.g. Refund requests")
        self.query = QLineEdit(values.query)
        self.query.setFont(mono)
        self.query.setPlaceholderText('e.g. refund OR "money back" -author:@ourbrand')
        self.query.setAccessibleName("Query")
        help_label = QLabel(QUERY_HELP)
        help_label.setObjectName("Muted")
        help_label.setWordWrap(True)
        self.error, self.pointer = problem_labels(mono)  # what is wrong, in words; the query with carets under it
        self.notify = QCheckBox("Notify me about new posts (a desktop notice, at most one a minute)")
        self.notify.setChecked(values.notify)
        self.mutes = QPlainTextEdit("\n".join(values.mutes))
        self.mutes.setFont(mono)
        self.mutes.setPlaceholderText('One per line: a word, a "phrase" or author:@someone')
        self.mutes.setFixedHeight(96)
        self.mutes.setAccessibleName("Mutes")
        mutes_help = QLabel("Posts matching a mute are hidden from this column (added to the query as -mute).")
        mutes_help.setObjectName("Muted")
        mutes_help.setWordWrap(True)
        self.setStyleSheet(INVALID_STYLE)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Query", self.query)
        form.addRow("", help_label)
        form.addRow("", self.error)
        form.addRow("", self.pointer)
        form.addRow("", self.notify)
        form.addRow("Mutes", self.mutes)
        form.addRow("", mutes_help)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        for signal in (self.name.textChanged, self.query.textChanged, self.mutes.textChanged):
            signal.connect(self.validate)
        self.validate()

    def problem(self) -> tuple[str, str]:
        """What stops saving, in words, and the text with carets under the error ('' when nothing does)."""
        if not self.name.text().strip():
            return "Give the column a name.", ""
        text = self.query.text()
        err = check_query(text)
        if err is not None:
            return err.message, err.pretty(text)
        mutes = _mutes_from(self.mutes.toPlainText())
        if len(mutes) > MAX_MUTES:
            return f"At most {MAX_MUTES} mutes per column.", ""
        for number, mute in enumerate(mutes, 1):
            bad: QueryError | None = check_mute(mute)
            if bad is not None:
                return f"Mute on line {number}: {bad.message}", bad.pretty(mute)
        return "", ""

    def validate(self) -> bool:
        problem, pointer = self.problem()
        show_problem(self.error, self.pointer, problem, pointer)
        self.query.setProperty("invalid", bool(check_query(self.query.text())))
        self.query.style().unpolish(self.query)
        self.query.style().polish(self.query)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(not problem)
        return not problem

    def accept(self) -> None:
        if self.validate():  # Enter in a field must not save a bad query either
            super().accept()

    def values(self) -> ColumnValues:
        return ColumnValues(
            name=self.name.text().strip(),
            query=self.query.text().strip(),
            notify=self.notify.isChecked(),
            mutes=_mutes_from(self.mutes.toPlainText()),
        )

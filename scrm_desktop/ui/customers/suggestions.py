"""Suggested links: pairs of profiles that may be one person, with the reason. Nothing is linked until a person
confirms; a confirmation can be undone (both sides restored), a dismissal hides the pair for good."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from scrm_desktop.store.customers import CustomerError, CustomerRepo, LinkResult, Profile, Suggestion
from scrm_desktop.ui.tasks import TaskRunner

COLUMNS = ("Why", "Profile", "Same person?", "Evidence")


def describe(p: Profile) -> str:
    name = f"{p.display_name} — " if p.display_name else ""
    return f"{name}{p.channel}:{p.handle} ({p.post_count} posts)"


class SuggestionsTab(QWidget):
    links_changed = Signal()

    def __init__(self, repo: CustomerRepo, loader: TaskRunner, actor: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._repo = repo
        self._loader = loader
        self._actor = actor
        self.suggestions: list[Suggestion] = []
        self.undo_stack: list[LinkResult] = []
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        for col in (1, 2):
            self.table.horizontalHeader().setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
        self.confirm = QPushButton("Confirm: same person")
        self.dismiss = QPushButton("Dismiss")
        self.undo = QPushButton("Undo last confirm")
        self.confirm.clicked.connect(self._confirm)
        self.dismiss.clicked.connect(self._dismiss)
        self.undo.clicked.connect(self._undo)
        self.status = QLabel(objectName="Muted")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        buttons = QHBoxLayout()
        for b in (self.confirm, self.dismiss, self.undo):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                "Profiles that may be the same person. Nothing is linked until you confirm.",
                objectName="Muted",
                wordWrap=True,
            )
        )
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self.table.itemSelectionChanged.connect(self._enable)
        self._enable()

    def refresh(self) -> None:
        self.status.setText("Looking for likely links…")
        self._loader.run(self._repo.suggestions, self._show, key="suggestions", failure=self._failed)

    def _failed(self, exc: Exception) -> None:
        self.status.setText(f"Could not load suggestions: {exc}")

    def _show(self, suggestions: list[Suggestion]) -> None:
        self.suggestions = suggestions
        self.table.setRowCount(len(suggestions))
        for row, s in enumerate(suggestions):
            for col, text in enumerate((s.reason, describe(s.a), describe(s.b), s.detail)):
                self.table.setItem(row, col, QTableWidgetItem(text))  # plain text
        self.status.setText(f"{len(suggestions)} suggested links" if suggestions else "No suggested links right now.")
        self._enable()

    def _enable(self) -> None:
        chosen = self.current() is not None
        self.confirm.setEnabled(chosen)
        self.dismiss.setEnabled(chosen)
        self.undo.setEnabled(bool(self.undo_stack))

    def current(self) -> Suggestion | None:
        rows = self.table.selectionModel().selectedRows()
        return self.suggestions[rows[0].row()] if rows and rows[0].row() < len(self.suggestions) else None

    def _write(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        """Confirm, dismiss or undo in the background; the buttons are off until it is stored."""

        def refused(exc: Exception) -> None:
            self.status.setText(str(exc) if isinstance(exc, CustomerError) else f"Not saved: {exc}")

        self._loader.run(work, done, failure=refused, busy=[self.confirm, self.dismiss, self.undo, self.table])

    def _confirm(self) -> None:
        s = self.current()
        if s is None:
            return
        repo, actor = self._repo, self._actor

        def confirmed(result: LinkResult) -> None:
            self.undo_stack.append(result)
            self.status.setText(f"Linked {s.a.label} and {s.b.label}")
            self._changed()

        self._write(lambda: repo.confirm(s, actor), confirmed)

    def _dismiss(self) -> None:
        s = self.current()
        if s is not None:
            repo, actor = self._repo, self._actor

            def dismissed(_result: object) -> None:
                self.status.setText(f"Dismissed {s.a.label} / {s.b.label}")
                self.refresh()

            self._write(lambda: repo.dismiss(s, actor), dismissed)

    def _undo(self) -> None:
        if self.undo_stack:
            repo, actor, last = self._repo, self._actor, self.undo_stack[-1]

            def undone(_result: object) -> None:
                if self.undo_stack and self.undo_stack[-1] is last:
                    self.undo_stack.pop()
                self.status.setText("Undone: both profiles are unlinked again")
                self._changed()

            self._write(lambda: repo.undo(last, actor), undone)

    def _changed(self) -> None:
        self._enable()
        self.links_changed.emit()
        self.refresh()

"""The decision-tree wizard: one question at a time, answers on buttons and keys 1-9, Backspace goes back."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from scrm_desktop.engage.decision_tree import DecisionSession, Outcome


class TreeWizard(QWidget):
    decision_finished = Signal(object)  # the finished DecisionSession

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.session: DecisionSession | None = None
        self.path_label = QLabel(wordWrap=True)
        self.path_label.setObjectName("wizardPath")
        self.question = QLabel(wordWrap=True)
        self.question.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.help = QLabel(wordWrap=True)
        self.answers = QVBoxLayout()
        self.keys = QLabel(wordWrap=True)
        self.keys.setStyleSheet("color: palette(placeholder-text);")
        layout = QVBoxLayout(self)
        for widget in (self.path_label, self.question, self.help):
            layout.addWidget(widget)
        layout.addLayout(self.answers)
        layout.addWidget(self.keys)
        layout.addStretch(1)

    def start(self, session: DecisionSession) -> None:
        self.session = session
        self._show()
        self.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.session is None:
            return super().keyPressEvent(event)
        text = event.text()
        if text.isdigit() and text != "0":
            self.choose(int(text))
        elif event.key() == Qt.Key.Key_Backspace:
            self.session.back()
            self._show()
        else:
            super().keyPressEvent(event)

    def choose(self, number: int) -> None:
        assert self.session is not None
        try:
            self.session.answer(number)
        except ValueError:
            return  # a key with no answer behind it does nothing
        self._show()
        if self.session.outcome is not None:
            self.decision_finished.emit(self.session)

    def _show(self) -> None:
        assert self.session is not None
        while self.answers.count():
            self.answers.takeAt(0).widget().deleteLater()
        steps = self.session.steps
        self.path_label.setText(" > ".join(s.answer for s in steps) or "Start")
        node = self.session.current
        if isinstance(node, Outcome):
            self.question.setText(f"Decision: {node.title}")
            notes = [node.advice] + ([f"Notify: {node.notify}"] if node.notify else [])
            if node.considerations:
                notes += [f"- {c.title}: {c.text}" for c in self.session.tree.considerations]
            self.help.setText("\n".join(n for n in notes if n) + "\n\nBackspace: change the last answer")
            self.keys.setText("")
            return
        self.question.setText(node.question)
        self.help.setText(node.help)
        back = " · Backspace: back" if steps else ""
        self.keys.setText(f"Keys 1–{len(node.answers)}: answer{back} · F6: the queue · Ctrl+2: the outbox")
        for i, answer in enumerate(node.answers, start=1):
            button = QPushButton(f"{i}  {answer.label}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys stay with the wizard
            button.clicked.connect(lambda _c=False, n=i: self.choose(n))
            self.answers.addWidget(button)

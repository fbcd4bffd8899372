"""The decision-tree wizard: one question at a time, answers on buttons and keys 1-9, Backspace goes back.
Questions the app answered from what it knows about the case are shown in the path with their reasons; a walk
the app finished by itself waits for Enter (or the button) before it counts as the agent's decision."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from scrm_desktop.engage.decision_tree import DecisionSession, Outcome, Question
from scrm_desktop.ui.layouts import empty


class TreeWizard(QWidget):
    decision_finished = Signal(object)  # the finished DecisionSession

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.session: DecisionSession | None = None
        self.path_label = QLabel(wordWrap=True)
        self.path_label.setObjectName("wizardPath")
        self.path_label.setTextFormat(Qt.TextFormat.PlainText)
        self.reasons = QLabel(wordWrap=True)  # "Answered for you: … because …", one line per automatic step
        self.reasons.setObjectName("wizardReasons")
        self.reasons.setTextFormat(Qt.TextFormat.PlainText)
        self.reasons.setStyleSheet("color: #1f618d;")
        self.confirm = QPushButton("Use this decision (Enter)")
        self.confirm.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.confirm.clicked.connect(self.accept)
        self._pending = False  # the app reached the outcome by itself: the agent has not taken it yet
        self.question = QLabel(wordWrap=True)
        self.question.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.help = QLabel(wordWrap=True)
        self.answers = QVBoxLayout()
        self.keys = QLabel(wordWrap=True)
        self.keys.setStyleSheet("color: palette(placeholder-text);")
        layout = QVBoxLayout(self)
        for widget in (self.path_label, self.reasons, self.question, self.help):
            layout.addWidget(widget)
        layout.addLayout(self.answers)
        layout.addWidget(self.confirm)
        layout.addWidget(self.keys)
        layout.addStretch(1)

    def start(self, session: DecisionSession) -> None:
        self.session = session
        self._pending = session.outcome is not None  # every question was answered from the facts
        self._show()
        self.setFocus()

    def accept(self) -> None:
        """Take the decision the app reached by itself (Enter)."""
        if self.session is not None and self._pending and self.session.outcome is not None:
            self._pending = False
            self._show()
            self.decision_finished.emit(self.session)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.session is None:
            return super().keyPressEvent(event)
        text = event.text()
        if text.isdigit() and text != "0":
            self.choose(int(text))
        elif event.key() == Qt.Key.Key_Backspace:
            self.session.back()
            self._pending = False
            self._show()
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._pending:
            self.accept()
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
        empty(self.answers)
        steps = self.session.steps
        self.path_label.setText(" > ".join(s.answer + (" (auto)" if s.auto else "") for s in steps) or "Start")
        lines = [f"Answered for you: “{s.answer}” because {s.reason}" for s in steps if s.auto]
        node = self.session.current
        if isinstance(node, Question) and (why := self.session.why_not(node)):
            lines.append(f"Left to you: {why}")
        self.reasons.setText("\n".join(lines))
        self.reasons.setVisible(bool(lines))
        self.confirm.setVisible(self._pending)
        if isinstance(node, Outcome):
            self.question.setText(f"Decision: {node.title}")
            notes = [node.advice] + ([f"Notify: {node.notify}"] if node.notify else [])
            if node.considerations:
                notes += [f"- {c.title}: {c.text}" for c in self.session.tree.considerations]
            take = "Enter: use this decision · " if self._pending else ""
            self.help.setText("\n".join(n for n in notes if n) + f"\n\n{take}Backspace: change the last answer")
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

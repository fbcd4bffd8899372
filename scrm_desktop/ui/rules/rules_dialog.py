"""Rules dialog: the ordered list of business rules (enable, up/down, delete) and the editor for one rule
with live query validation and a "would match N of the last 500 posts" count."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from scrm_desktop.core.rules import ACTIONS, Rule, RuleError, format_actions, parse_actions, validate
from scrm_desktop.engage.outbox import naive
from scrm_desktop.store.rules import DRY_RUN_POSTS, RuleRepo
from scrm_desktop.ui.dialogs.sources_dialog import relative
from scrm_desktop.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from scrm_desktop.workspace import Workspace

ACTION_HELP = "One action per line: " + "; ".join(f"{k}: {v[0]}" for k, v in ACTIONS.items())


ACTIVITY_WINDOW = timedelta(hours=24)


def describe_activity(fired: int, last: datetime | None, now: datetime, enabled: bool = True) -> str:
    """The second line of a rule in the list: how busy it has been ("fired on 12 posts in the last 24 h, last
    3 min ago"), so a rule that never fires, or fires on everything, shows."""
    if last is None:
        told = "has not fired yet"
    else:
        when = relative(last, now)
        when = "just now" if when == "now" else when
        told = f"fired on {fired} post{'s' if fired != 1 else ''} in the last 24 h, last {when}"
    return f"    {told}" + ("" if enabled else " · paused")


def _none_if_zero(value: int) -> int | None:
    return value or None


class RuleEditor(QDialog):
    """Edit one rule; OK is enabled only while the rule is valid. `rule()` gives the result."""

    def __init__(
        self, repo: RuleRepo, rule: Rule | None = None, parent: QWidget | None = None, tasks: TaskRunner | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit rule" if rule else "New rule")
        self.setMinimumWidth(600)
        self._repo = repo
        self.tasks = tasks or TaskRunner(self)  # the dry run and the save, off the GUI thread
        self._id = rule.id if rule else None
        self._enabled = rule.enabled if rule else True
        self.name = QLineEdit(rule.name if rule else "")
        self.query = QLineEdit(rule.query if rule else "")
        self.query.setPlaceholderText("e.g. intent:purchase OR refund -channel:rss")
        self.followers = QSpinBox(maximum=2_000_000_000, value=(rule.min_followers or 0) if rule else 0)
        self.followers.setSpecialValueText("any")
        self.vip = QCheckBox("Only VIP authors", checked=bool(rule and rule.vip_only))
        self.advocate = QCheckBox("Only advocates", checked=bool(rule and rule.advocate_only))
        self.history = QSpinBox(maximum=1000, value=(rule.min_prior_negative or 0) if rule else 0)
        self.history.setSpecialValueText("any")
        self.stop = QCheckBox("Stop: later rules leave matched posts alone", checked=bool(rule and rule.stop))
        self.actions = QPlainTextEdit(format_actions(rule.actions) if rule else "tag: ")
        self.actions.setToolTip(ACTION_HELP)
        self.error = QLabel(objectName="Error", wordWrap=True)
        self.count = QLabel(objectName="Muted")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Posts matching", self.query)
        form.addRow("Author followers at least", self.followers)
        form.addRow("", self.vip)
        form.addRow("", self.advocate)
        form.addRow("Earlier negative posts at least", self.history)
        form.addRow("Actions", self.actions)
        form.addRow("", self.stop)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel(ACTION_HELP, wordWrap=True, objectName="Muted"))
        layout.addWidget(self.error)
        layout.addWidget(self.count)
        layout.addWidget(self.buttons)
        self._timer = QTimer(self, singleShot=True, interval=250)  # dry-run once typing pauses
        self._timer.timeout.connect(self._dry_run)
        for signal in (self.name.textChanged, self.query.textChanged, self.actions.textChanged):
            signal.connect(self._changed)
        for box in (self.followers, self.history):
            box.valueChanged.connect(self._changed)
        self.vip.toggled.connect(self._changed)
        self.advocate.toggled.connect(self._changed)
        self._result: Rule | None = None
        self._changed()

    def _build(self) -> Rule:
        return Rule(
            name=self.name.text(),
            query=self.query.text(),
            actions=parse_actions(self.actions.toPlainText()),
            min_followers=_none_if_zero(self.followers.value()),
            vip_only=self.vip.isChecked(),
            advocate_only=self.advocate.isChecked(),
            min_prior_negative=_none_if_zero(self.history.value()),
            enabled=self._enabled,
            stop=self.stop.isChecked(),
            id=self._id,
        )

    def _changed(self) -> None:
        try:
            validate(self._build())
        except RuleError as exc:
            where = f" (at character {exc.position + 1})" if exc.part == "query" else ""
            self.error.setText(f"{exc.part.capitalize()}: {exc.message}{where}")
            self.count.setText("")
            self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
            return
        self.error.setText("")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(True)
        self._timer.start()

    def _dry_run(self) -> None:
        try:
            rule = self._build()
        except RuleError as exc:
            self._refused(exc)
            return
        self.tasks.run(
            lambda: self._repo.dry_run(rule, DRY_RUN_POSTS),
            lambda found: self.count.setText(f"Would match {found[0]} of the last {found[1]} posts"),
            key="dry-run",
            failure=self._refused,
        )

    def _refused(self, exc: Exception) -> None:
        if isinstance(exc, RuleError):
            self.error.setText(f"{exc.part.capitalize()}: {exc.message}")
        else:
            self.error.setText(f"Could not check the rule: {exc}")

    def _save(self) -> None:
        try:
            rule = self._build()
        except RuleError as exc:
            self._refused(exc)
            return
        self.tasks.run(lambda: self._repo.save(rule), self._saved, key="save", failure=self._refused)

    def _saved(self, rule: Rule) -> None:
        self._result = rule
        self.accept()

    def rule(self) -> Rule | None:
        return self._result


class RulesDialog(QDialog):
    """The team's rules in the order they run. Takes a workspace (ws.rules is the RuleRepo)."""

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Business rules")
        self.setMinimumSize(980, 460)
        self._repo = ws.rules
        self._now = ws.clock
        self.tasks = TaskRunner(self)  # every read and write of the rules, off the GUI thread
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setSpacing(2)
        self.list.itemChanged.connect(self._toggled)
        self.list.itemDoubleClicked.connect(lambda _item: self.edit())
        buttons = QVBoxLayout()
        for label, slot in (
            ("Add…", self.add),
            ("Edit…", self.edit),
            ("Move up", lambda: self.move(-1)),
            ("Move down", lambda: self.move(1)),
            ("Delete", self.delete),
        ):
            button = QPushButton(label)
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.list, 1)
        row.addLayout(buttons)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Rules run on every new post, top to bottom. Untick to pause a rule."))
        layout.addLayout(row)
        layout.addWidget(close)
        self.refresh()

    def refresh(self, select_id: int | None = None) -> None:
        repo, now = self._repo, self._now

        def read() -> tuple[list[Rule], dict[int, tuple[int, datetime | None]], datetime]:
            at = naive(now())
            return repo.list(), repo.activity(at - ACTIVITY_WINDOW), at

        self.tasks.run(read, lambda found: self._show(*found, select_id), key="list", failure=self._failed)

    def _failed(self, exc: Exception) -> None:
        QMessageBox.warning(self, "Business rules", f"The rules could not be read or changed: {exc}")

    def _change(self, write: Callable[[], object], select_id: int | None = None) -> None:
        """A write, then the list read again (both in the background)."""
        self.tasks.run(write, lambda _r: self.refresh(select_id), failure=self._failed)

    def _show(
        self,
        rules: list[Rule],
        activity: dict[int, tuple[int, datetime | None]],
        now: datetime,
        select_id: int | None,
    ) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        for rule in rules:
            conditions = " · ".join([rule.query or "every post", *rule.conditions()])
            actions = ", ".join(map(str, rule.actions))
            fired, last = activity.get(rule.id or 0, (0, None))
            item = QListWidgetItem(
                f"{rule.name}   —   {conditions}   →   {actions}\n{describe_activity(fired, last, now, rule.enabled)}"
            )
            item.setData(Qt.ItemDataRole.UserRole, rule.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if rule.enabled else Qt.CheckState.Unchecked)
            self.list.addItem(item)
            if rule.id == select_id:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)

    def _current_id(self) -> int | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _toggled(self, item: QListWidgetItem) -> None:
        rule_id, on = item.data(Qt.ItemDataRole.UserRole), item.checkState() == Qt.CheckState.Checked
        self.tasks.run(lambda: self._repo.set_enabled(rule_id, on), failure=self._failed)

    def add(self) -> None:
        self._open(RuleEditor(self._repo, None, self))

    def edit(self) -> None:
        if (rule_id := self._current_id()) is not None:
            self.tasks.run(
                lambda: self._repo.get(rule_id),
                lambda rule: self._open(RuleEditor(self._repo, rule, self)),
                key="edit",
                failure=self._failed,
            )

    def _open(self, editor: RuleEditor) -> None:
        if editor.exec() == QDialog.DialogCode.Accepted and (saved := editor.rule()) is not None:
            self.refresh(saved.id)

    def move(self, steps: int) -> None:
        if (rule_id := self._current_id()) is not None:
            self._change(lambda: self._repo.move(rule_id, steps), rule_id)

    def delete(self) -> None:
        rule_id = self._current_id()
        if rule_id is None:
            return
        answer = QMessageBox.question(self, "Delete rule", "Delete this rule? Its past hits stay on the posts.")
        if answer == QMessageBox.StandardButton.Yes:
            self._change(lambda: self._repo.delete(rule_id))

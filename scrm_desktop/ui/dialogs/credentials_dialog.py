"""The Credentials form of one source: a password field per secret, saved to the OS keyring only. The keyring and
the database are asked on the dialog's task runner, never on the GUI thread."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from scrm_desktop import secrets
from scrm_desktop.ui.dialogs.source_form import error_label, plain_label, show_error
from scrm_desktop.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from scrm_desktop.store.sources import Source
    from scrm_desktop.workspace import Workspace

STORED = "stored in the keyring"
NOT_SET = "not set"
UNKNOWN = "unknown (keyring unavailable)"
CHECKING = "checking…"


def field_label(field: str) -> str:
    """'access_token' -> 'Access token'."""
    return field.replace("_", " ").strip().capitalize() or field


class CredentialsDialog(QDialog):
    """Shows whether each secret is stored, never its value. A blank field leaves its secret unchanged.
    `source` is the row the Sources table shows (LookupError when its plugin is not loaded)."""

    def __init__(self, ws: Workspace, source: Source, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.source_name = source.name
        self.setWindowTitle(f"Credentials of “{source.name}”")
        self.setMinimumWidth(440)
        self.fields = ws.plugin(source.plugin).secret_fields
        self.edits: dict[str, QLineEdit] = {}
        self.states: dict[str, QLabel] = {}
        self.error = error_label()
        self.message = plain_label(muted=True)
        self.tasks = TaskRunner(self)
        self._build(source.plugin)
        self.refresh_states()

    def _build(self, plugin: str) -> None:
        layout = QVBoxLayout(self)
        intro = f"Credentials of {self.source_name} ({plugin}) are kept in the system keyring, never in files."
        layout.addWidget(plain_label(intro))
        form = QFormLayout()
        for field in self.fields:
            edit = QLineEdit()
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setObjectName(f"secret_{field}")
            state = plain_label(muted=True)
            row = QHBoxLayout()
            row.addWidget(edit, 1)
            row.addWidget(state)
            form.addRow(field_label(field), row)
            self.edits[field], self.states[field] = edit, state
        layout.addLayout(form)
        if not self.fields:
            layout.addWidget(plain_label("This source's plugin uses no credentials."))
        layout.addWidget(self.error)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setEnabled(bool(self.fields))
        self.save_button.clicked.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def refresh_states(self) -> None:
        """Ask the keyring which secrets are stored; say so when it cannot be reached."""
        name, fields = self.source_name, list(self.states)
        for label in self.states.values():
            label.setText(CHECKING)

        def look() -> tuple[dict[str, bool], str]:
            try:
                return {f: secrets.has_secret(name, f) for f in fields}, ""
            except secrets.SecretStoreUnavailable as exc:
                return {}, str(exc)

        self.tasks.run(look, self._show_states, key="states", failure=lambda exc: show_error(self.error, str(exc)))

    def _show_states(self, found: tuple[dict[str, bool], str]) -> None:
        stored, problem = found
        show_error(self.error, problem)
        for field, label in self.states.items():
            if field not in stored:
                label.setText(UNKNOWN)
                continue
            label.setText(STORED if stored[field] else NOT_SET)
            hint = "type a new value to replace it" if stored[field] else "type it to store it"
            self.edits[field].setPlaceholderText(hint)

    def save(self) -> None:
        typed = {f: e.text() for f, e in self.edits.items() if e.text()}
        if not typed:
            show_error(self.error, "Type a value in at least one field to save it.")
            return
        ws, name = self.ws, self.source_name

        def store() -> tuple[list[str], str, bool]:  # saved fields, the error that stopped it, source turned off
            saved: list[str] = []
            try:
                for field, value in typed.items():
                    ws.set_secret(name, field, value)
                    saved.append(field)
                return saved, "", bool(ws.db.sources.get(name).disabled_reason)
            except (secrets.SecretStoreUnavailable, ValueError) as exc:
                return saved, str(exc), False

        show_error(self.error, "")
        self.message.setText("Saving…")
        busy = [self.save_button, *self.edits.values()]
        self.tasks.run(store, self._stored, failure=self._not_stored, busy=busy)

    def _stored(self, result: tuple[list[str], str, bool]) -> None:
        saved, problem, turned_off = result
        for field in saved:
            self.edits[field].clear()  # the value leaves the widget as soon as it is stored
        self.message.setText(self._saved_message(saved, turned_off) if saved else "")
        show_error(self.error, problem)
        self.refresh_states()

    def _not_stored(self, exc: Exception) -> None:
        self.message.setText("")
        show_error(self.error, f"Not saved: {exc}")

    @staticmethod
    def _saved_message(saved: list[str], turned_off: bool) -> str:
        text = "Saved: " + ", ".join(field_label(f) for f in saved) + "."
        if turned_off:
            text += " The source was turned off after a login error: tick Enabled to try again."
        return text

    def done(self, result: int) -> None:
        self.tasks.close()
        super().done(result)

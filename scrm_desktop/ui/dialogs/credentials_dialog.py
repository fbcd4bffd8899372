"""The Credentials form of one source: a password field per secret, saved to the OS keyring only."""

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

if TYPE_CHECKING:
    from scrm_desktop.workspace import Workspace

STORED = "stored in the keyring"
NOT_SET = "not set"
UNKNOWN = "unknown (keyring unavailable)"


def field_label(field: str) -> str:
    """'access_token' -> 'Access token'."""
    return field.replace("_", " ").strip().capitalize() or field


class CredentialsDialog(QDialog):
    """Shows whether each secret is stored, never its value. A blank field leaves its secret unchanged."""

    def __init__(self, ws: Workspace, source_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.source_name = source_name
        self.setWindowTitle(f"Credentials of “{source_name}”")
        self.setMinimumWidth(440)
        source = ws.db.sources.get(source_name)
        self.fields = ws.plugin(source.plugin).secret_fields
        self.edits: dict[str, QLineEdit] = {}
        self.states: dict[str, QLabel] = {}
        self.error = error_label()
        self.message = plain_label(muted=True)
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
        show_error(self.error, "")
        for field, label in self.states.items():
            try:
                stored = secrets.has_secret(self.source_name, field)
            except secrets.SecretStoreUnavailable as exc:
                label.setText(UNKNOWN)
                show_error(self.error, str(exc))
                continue
            label.setText(STORED if stored else NOT_SET)
            self.edits[field].setPlaceholderText("type a new value to replace it" if stored else "type it to store it")

    def save(self) -> None:
        typed = {f: e.text() for f, e in self.edits.items() if e.text()}
        if not typed:
            show_error(self.error, "Type a value in at least one field to save it.")
            return
        try:
            for field, value in typed.items():
                self.ws.set_secret(self.source_name, field, value)
                self.edits[field].clear()  # the value leaves the widget as soon as it is stored
        except (secrets.SecretStoreUnavailable, ValueError) as exc:
            show_error(self.error, str(exc))
            return
        self.refresh_states()
        self.message.setText(self._saved_message(list(typed)))

    def _saved_message(self, saved: list[str]) -> str:
        text = "Saved: " + ", ".join(field_label(f) for f in saved) + "."
        source = self.ws.db.sources.get(self.source_name)
        if source.disabled_reason:
            text += " The source was turned off after a login error: tick Enabled to try again."
        return text

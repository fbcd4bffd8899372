"""Who works at this desktop, and the user's settings: the first-start name and File > Settings.

The agent's display name is what teammates see on claims and in the history, and what customers read in reply
signatures; it is unique on the (team) database, so a claim by name is always one desktop's."""

from __future__ import annotations

import getpass
import os
import pwd
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from scrm_desktop.store.cases import AgentNameTaken

if TYPE_CHECKING:
    from scrm_desktop.workspace import Workspace

THEMES = (("auto", "Follow the system"), ("light", "Light"), ("dark", "Dark"))


def suggested_name() -> str:
    """The OS account's full name (GECOS) when it has one, else the login name, capitalised."""
    try:
        gecos = pwd.getpwuid(os.getuid()).pw_gecos.split(",")[0].strip()
    except (KeyError, AttributeError, OSError):
        gecos = ""
    if gecos:
        return gecos
    try:
        return getpass.getuser().capitalize()
    except OSError:
        return ""


def _error_label() -> QLabel:
    label = QLabel(wordWrap=True)
    label.setStyleSheet("color: #c0392b;")
    label.hide()
    return label


def _take_name(ws: Workspace, name: str, error: QLabel) -> bool:
    """Register the name for this desktop; a taken or empty name is said under the field."""
    try:
        ws.set_agent_name(name)
    except (AgentNameTaken, ValueError) as exc:
        error.setText(str(exc))
        error.show()
        return False
    except OSError as exc:
        error.setText(f"The name could not be saved: {exc}")
        error.show()
        return False
    return True


class AgentNameDialog(QDialog):
    """First start: "What is your name?" (teammates see it on the cases you hold; replies are signed with it)."""

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.setWindowTitle("Welcome to scrm-desktop")
        intro = QLabel(
            "Your name as your teammates see it on the cases you hold and in each case's history, and as customers"
            " read it at the end of your replies. You can change it later in File › Settings.",
            wordWrap=True,
        )
        self.name = QLineEdit(ws.settings.agent_name or suggested_name())
        self.name.setAccessibleName("Your name")
        self.name.selectAll()
        self.error = _error_label()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.name.textChanged.connect(lambda t: self.ok.setEnabled(bool(t.strip())))
        self.ok.setEnabled(bool(self.name.text().strip()))
        form = QFormLayout()
        form.addRow("Your name:", self.name)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(460, 180)

    def accept(self) -> None:
        if _take_name(self.ws, self.name.text(), self.error):
            super().accept()


class SettingsDialog(QDialog):
    """File > Settings: your name, the brand replies are signed for, the theme; where the data lives."""

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.setWindowTitle("Settings")
        self.name = QLineEdit(ws.settings.agent_name)
        self.name.setAccessibleName("Your name")
        self.brand = QLineEdit(str(ws.settings.extra.get("brand") or ws.cases.brand or ""))
        self.brand.setAccessibleName("Brand")
        self.brand.setPlaceholderText("the brand your replies speak for ({brand} in templates)")
        self.theme = QComboBox()
        for key, label in THEMES:
            self.theme.addItem(label, key)
        self.theme.setCurrentIndex(max(self.theme.findData(ws.settings.theme), 0))
        database = QLabel(ws.db.engine.url.render_as_string(hide_password=True), wordWrap=True)
        database.setToolTip("Start with --db URL, or set a team database with `scrm-desktop db set-url`")
        agent_id = QLabel(ws.agent_id)
        agent_id.setToolTip("This desktop profile's agent id: it stays the same when you change your name")
        self.error = _error_label()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Your name:", self.name)
        form.addRow("Brand:", self.brand)
        form.addRow("Theme:", self.theme)
        form.addRow("Database:", database)
        form.addRow("Agent id:", agent_id)
        form.addRow("Data folder:", QLabel(str(ws.paths.data)))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(560, 260)
        self.theme_chosen = ws.settings.theme

    def accept(self) -> None:
        if self.name.text().strip() != self.ws.settings.agent_name and not _take_name(
            self.ws, self.name.text(), self.error
        ):
            return
        if self.brand.text().strip() != str(self.ws.settings.extra.get("brand") or ""):
            self.ws.set_brand(self.brand.text())
        self.theme_chosen = self.theme.currentData()
        super().accept()

"""Who works at this desktop, and the user's settings: the first-start name and File > Settings.

The agent's display name is what teammates see on claims and in the history, and what customers read in reply
signatures; it is unique on the (team) database, so a claim by name is always one desktop's. The name is taken
on the database by the dialog's task runner: the dialog stays open (its buttons off) until the database answers."""

from __future__ import annotations

import getpass
import os
import pwd
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from scrm_desktop.core.sentiment import MODELS
from scrm_desktop.store.cases import AgentNameTaken
from scrm_desktop.ui.tasks import TaskRunner

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


def refusal(exc: Exception) -> str:
    """What to tell the user when the name (or the settings) could not be taken."""
    if isinstance(exc, AgentNameTaken | ValueError):  # taken, or empty
        return str(exc)
    if isinstance(exc, OSError):
        return f"The name could not be saved: {exc}"
    return f"The name could not be checked on the database: {exc}"


def show_refusal(error: QLabel, exc: Exception) -> None:
    error.setText(refusal(exc))
    error.show()


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
        self.tasks = TaskRunner(self)
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
        intro.setMinimumWidth(440)
        layout.setSizeConstraint(QVBoxLayout.SizeConstraint.SetFixedSize)  # as tall as its words, no gap

    def accept(self) -> None:
        """Take the name on the database (in the background); the dialog closes once it is this desktop's."""
        name, ws = self.name.text(), self.ws
        self.error.hide()
        busy = [self.ok, self.name]
        self.tasks.run(lambda: ws.set_agent_name(name), self._taken, failure=self._refused, busy=busy)

    def _taken(self, _name: str) -> None:
        super().accept()

    def _refused(self, exc: Exception) -> None:
        show_refusal(self.error, exc)
        if not self.isVisible():  # the check at start-up found the name taken: ask now
            self.open()


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
        self.sentiment = QComboBox()
        self.sentiment.setAccessibleName("Sentiment model")
        for key, label in MODELS.items():
            self.sentiment.addItem(label, key)
        self.sentiment.setCurrentIndex(max(self.sentiment.findData(ws.settings.sentiment_model), 0))
        self.sentiment.setToolTip(
            "What scores new posts. The rules read VADER's lexicon and our customer-service cues; the learned model"
            " is tuned on recent tweets (better on today's tweets, weaker on reviews and news: docs/sentiment.md)."
            " Both explain every score. It takes effect when scrm-desktop starts again; posts already scored keep"
            " their scores."
        )
        from scrm_desktop.store.engine import parse_url

        # the URL as configured (not the engine's: reading `ws.db` would open a database a quick start has not
        # opened yet, here on the GUI thread)
        self.database = QLabel(parse_url(ws.db_url).render_as_string(hide_password=True), wordWrap=True)
        self.database.setTextFormat(Qt.TextFormat.PlainText)
        self.database.setToolTip("The database this desktop works on now (--db URL on the command line wins)")
        self.change_database = QPushButton("Team database…")
        self.change_database.clicked.connect(self._team_database)
        if ws.name == "demo":
            self.change_database.setEnabled(False)
            self.change_database.setToolTip(
                "The demo workspace keeps its own database: start scrm-desktop without --demo to join a team's"
            )
        database = QHBoxLayout()
        database.addWidget(self.database, 1)
        database.addWidget(self.change_database)
        agent_id = QLabel(ws.agent_id)
        agent_id.setToolTip("This desktop profile's agent id: it stays the same when you change your name")
        self.error = _error_label()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.tasks = TaskRunner(self)
        form = QFormLayout()
        form.addRow("Your name:", self.name)
        form.addRow("Brand:", self.brand)
        form.addRow("Theme:", self.theme)
        form.addRow("Sentiment:", self.sentiment)
        form.addRow("Database:", database)
        form.addRow("Agent id:", agent_id)
        form.addRow("Data folder:", QLabel(str(ws.paths.data)))
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(560, 260)
        self.theme_chosen = ws.settings.theme

    def _team_database(self) -> None:
        dialog = TeamDatabaseDialog(self.ws, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.database.setText(dialog.outcome)

    def accept(self) -> None:
        """Store what changed (the name on the database, in the background); the dialog closes once it is."""
        ws, name, brand = self.ws, self.name.text(), self.brand.text()
        new_name = name.strip() != ws.settings.agent_name
        new_brand = brand.strip() != str(ws.settings.extra.get("brand") or "")
        theme = self.theme.currentData()
        model = self.sentiment.currentData()

        def store() -> None:
            if new_name:
                ws.set_agent_name(name)
            if new_brand:
                ws.set_brand(brand)
            if model != ws.settings.sentiment_model:  # new posts are scored by it from the next start
                ws.settings.sentiment_model = model
                ws.settings.save(ws.paths.settings_file)

        self.error.hide()
        busy = [self.save_button, self.name, self.brand]
        self.tasks.run(
            store, lambda _r: self._stored(theme), failure=lambda exc: show_refusal(self.error, exc), busy=busy
        )

    def _stored(self, theme: str) -> None:
        self.theme_chosen = theme
        super().accept()


class TeamDatabaseDialog(QDialog):
    """Settings > Team database…: the database this desktop opens from its next start. Test connection looks
    at it in the background (reachable, the password right, not written by a newer version) without changing it;
    Use this database keeps the URL in the settings file and the password in the OS keyring. An empty URL is
    this computer's own SQLite file."""

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.setWindowTitle("Team database")
        self.outcome = ""  # what the settings dialog shows once the choice is stored
        self.url = QLineEdit(ws.settings.db_url)
        self.url.setAccessibleName("Database URL")
        self.url.setPlaceholderText("postgresql+psycopg://user@dbhost/scrm (empty: this computer's own database)")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        self.password.setPlaceholderText("kept in the OS keyring (empty: keep the stored one)")
        self.result_label = QLabel(wordWrap=True)
        self.result_label.setTextFormat(Qt.TextFormat.PlainText)
        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self.test)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.use_button = buttons.addButton("Use this database", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.test_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.tasks = TaskRunner(self)
        form = QFormLayout()
        form.addRow("URL:", self.url)
        form.addRow("Password:", self.password)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                "Every desktop of a team opens the same PostgreSQL database: cases, claims, replies and rules "
                "are shared. The change takes effect when scrm-desktop starts again.",
                wordWrap=True,
            )
        )
        layout.addLayout(form)
        layout.addWidget(self.result_label)
        layout.addWidget(buttons)
        self.resize(620, 220)

    def _url_with_password(self) -> str:
        from scrm_desktop.store.engine import sqlite_url
        from scrm_desktop.workspace import connect_url

        url = self.url.text().strip()
        return connect_url(url, self.password.text()) if url else sqlite_url(self.ws.paths.database_file)

    def test(self) -> None:
        """Look at the database in the background and say what is there (or why it cannot be used)."""
        from scrm_desktop.store.engine import probe

        self.result_label.setText("Connecting…")
        busy = [self.test_button, self.use_button]
        self.tasks.run(
            lambda: probe(self._url_with_password()),
            lambda said: self.result_label.setText(said[:1].upper() + said[1:] + "."),
            key="probe",
            failure=lambda exc: self.result_label.setText(str(exc)),
            busy=busy,
        )

    def accept(self) -> None:
        """Keep the URL (without its password) and the password (in the keyring), in the background."""
        ws, url, password = self.ws, self.url.text(), self.password.text()

        def stored(kept: str) -> None:
            from scrm_desktop.store.engine import parse_url

            where = parse_url(kept).render_as_string(hide_password=True) if kept else "this computer's database"
            self.outcome = f"{where} (from the next start)"
            super(TeamDatabaseDialog, self).accept()

        busy = [self.test_button, self.use_button]
        self.tasks.run(
            lambda: ws.set_database_url(url, password),
            stored,
            key="store",
            failure=lambda exc: self.result_label.setText(str(exc)),
            busy=busy,
        )

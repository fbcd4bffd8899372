"""Settings > Team database…: a desktop joins the team's database from the GUI. Test connection looks at it in
the background and says what is there (or why it cannot be used); Use this database keeps the URL for the next
start, its password in the OS keyring only; the demo workspace keeps its own database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from scrm_desktop.settings import Settings
from scrm_desktop.ui.dialogs.settings_dialog import SettingsDialog, TeamDatabaseDialog
from scrm_desktop.workspace import Workspace
from tests.ui.helpers import settled


def test_a_desktop_tests_and_joins_the_team_database(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    team = tmp_path / "team.db"
    first = Workspace.open(str(tmp_path / "desk-a"), db_url=f"sqlite:///{team}")  # a teammate's desktop set it up
    first.close()
    ws = Workspace.open(str(tmp_path / "desk-b"))
    try:
        settings = SettingsDialog(ws)
        qtbot.addWidget(settings)
        assert settings.change_database.isEnabled()
        dialog = TeamDatabaseDialog(ws, settings)  # closed with the settings dialog, its parent
        dialog.show()
        dialog.url.setText("sqlite:///" + str(tmp_path / "nothing-here" / "x.db"))
        dialog.test()
        qtbot.waitUntil(lambda: settled(dialog))
        assert "does not exist yet" in dialog.result_label.text()
        assert not (tmp_path / "nothing-here").exists()  # looked at, not made

        dialog.url.setText("postgresql+psycopg://team@127.0.0.1:9/scrm")
        dialog.test()
        qtbot.waitUntil(lambda: settled(dialog))
        assert "cannot reach the database server at 127.0.0.1:9" in dialog.result_label.text()

        dialog.url.setText(f"sqlite:///{team}")
        dialog.test()
        qtbot.waitUntil(lambda: settled(dialog))
        assert dialog.result_label.text() == f"Connected to sqlite:///{team}: 0 posts, at this version."
        dialog.accept()
        qtbot.waitUntil(lambda: not dialog.isVisible())
        assert dialog.outcome == f"sqlite:///{team} (from the next start)"
        assert Settings.load(ws.paths.settings_file).db_url == f"sqlite:///{team}"
        assert ws.db.file != team  # this start keeps working where it was
    finally:
        ws.close()
    again = Workspace.open(str(tmp_path / "desk-b"))
    try:
        assert again.db.file == team
    finally:
        again.close()


def test_a_password_goes_to_the_keyring_not_the_settings_file(qtbot, tmp_path: Path, memory_keyring) -> None:  # type: ignore[no-untyped-def]
    ws = Workspace.open(str(tmp_path / "desk"))
    try:
        dialog = TeamDatabaseDialog(ws)
        qtbot.addWidget(dialog)
        dialog.show()
        dialog.url.setText("postgresql+psycopg://team:s3cret-pw@dbhost.example/scrm")
        dialog.accept()  # kept without a test: the server may be down today
        qtbot.waitUntil(lambda: not dialog.isVisible())
        assert Settings.load(ws.paths.settings_file).db_url == "postgresql+psycopg://team@dbhost.example/scrm"
        assert list(memory_keyring.store.values()) == ["s3cret-pw"]
        assert b"s3cret-pw" not in ws.paths.settings_file.read_bytes()
    finally:
        ws.close()


def test_the_demo_workspace_keeps_its_own_database(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ws = Workspace.open(str(tmp_path), demo=True)
    try:
        settings = SettingsDialog(ws)
        qtbot.addWidget(settings)
        assert not settings.change_database.isEnabled()
        assert "without --demo" in settings.change_database.toolTip()
        assert sqlite3.connect(ws.db.file).execute("SELECT 1").fetchone() == (1,)
    finally:
        ws.close()

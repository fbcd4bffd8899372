"""Started from a launcher there is no terminal: what stops the app, or what it had to reset, is told in a dialog."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox, QWidget

from scrm_desktop.app import build_window, show_notices
from scrm_desktop.cli import main
from scrm_desktop.workspace import Workspace


def close_next_dialog(seen: list[str]) -> None:
    """As the user would: read the dialog that opens, then press Close."""

    def close() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, close)
            return
        seen.append(f"{box.windowTitle()}|{box.text()}|{box.informativeText()}")
        box.button(QMessageBox.StandardButton.Close).click()

    QTimer.singleShot(0, close)


_late = QTimer()  # after the window is closed: dismisses what the start still opens (until the test ends)


def _finish() -> None:
    """Every dialog still up (modal or not: the first-start name opens window-modal) is rejected, and once no
    window is left the event loop is told to end: main() returns as it does when the user closes the window
    (a window or dialog left showing kept a loaded machine's run waiting here until a SIGTERM)."""
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, QDialog) and widget.isVisible():
            widget.reject()
    if not any(w.isVisible() for w in QApplication.topLevelWidgets()):
        QApplication.quit()


_late.setInterval(20)
_late.timeout.connect(_finish)


@pytest.fixture(autouse=True)
def _stop_dismissing() -> Iterator[None]:
    yield
    _late.stop()


def close_main_window() -> None:
    """As the user would, once the main window is up: close it (main() then returns). A dialog the start opens
    over it (the first-start name), before or after the close, is dismissed: its exec() would otherwise keep
    main() from returning (a race on a loaded machine: the close could come before the dialog opened)."""
    shown = [w for w in QApplication.topLevelWidgets() if w.isVisible() and type(w).__name__ == "MainWindow"]
    if not shown:
        QTimer.singleShot(20, close_main_window)
        return
    modal = QApplication.activeModalWidget()
    if isinstance(modal, QDialog):
        modal.reject()
        QTimer.singleShot(20, close_main_window)
        return
    _late.start()
    shown[0].close()


def test_a_gui_that_cannot_open_its_database_says_so_in_a_dialog(qtbot, tmp_path, capsys):
    seen: list[str] = []
    close_next_dialog(seen)
    assert main(["--basedir", str(tmp_path / "home"), "--db", "notaurl"]) == 1
    assert len(seen) == 1
    title, text, details = seen[0].split("|")
    assert title == "scrm-desktop cannot start"
    assert text == "not a database URL"
    assert details.startswith("'notaurl' (expected e.g. sqlite:////path/to/scrm.db")
    assert "not a database URL: 'notaurl'" in capsys.readouterr().err


def test_the_wall_display_says_so_too(qtbot, tmp_path, capsys):
    seen: list[str] = []
    close_next_dialog(seen)
    assert main(["--basedir", str(tmp_path / "home"), "--db", "oracle9://x/y", "wall"]) == 1
    assert "unknown kind of database 'oracle9'" in seen[0]


def test_a_settings_file_that_does_not_parse_is_kept_aside_and_the_user_told(qtbot, tmp_path):
    home = tmp_path / "home"
    settings = home / "config" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text('{"theme": "dark", "agent_name": "ana"', encoding="utf-8")  # cut short
    ws = Workspace.open(str(home))
    try:
        window, bridge = build_window(ws)
        qtbot.addWidget(window)
        window.show()
        boxes = show_notices(ws, window)
        assert len(boxes) == 1 and boxes[0].isVisible()
        assert boxes[0].windowTitle() == "Settings were reset"
        assert f"kept it as {settings.with_suffix('.broken.json')}" in boxes[0].text()
        assert settings.with_suffix(".broken.json").read_text(encoding="utf-8").startswith('{"theme": "dark"')
        boxes[0].accept()
        assert show_notices(ws, window) == []  # told once
        bridge.close()
    finally:
        ws.close()
    assert json.loads(settings.read_text(encoding="utf-8"))["theme"] == "auto"


def test_a_damaged_database_is_offered_its_last_backup_and_the_app_opens_on_it(qtbot, tmp_path, capsys):
    from scrm_desktop.store.backup import backup, list_backups

    home = tmp_path / "home"
    ws = Workspace.open(str(home))
    ws.add_source("rss", "Blog", {"url": "https://blog.example/feed"}, enabled=False)
    ws.close()
    db = home / "data" / "scrm.db"
    backup(db)
    db.write_bytes(b"\0garbage" * 4096)
    seen: list[str] = []

    def restore_then_close_the_window() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, restore_then_close_the_window)
            return
        seen.append(box.informativeText())
        next(b for b in box.buttons() if b.text() == "Restore the last backup").click()
        QTimer.singleShot(0, close_main_window)

    QTimer.singleShot(0, restore_then_close_the_window)
    assert main(["--basedir", str(home)]) == 0
    assert "file is not a database (the file is damaged)" in seen[0]
    assert "restored" in capsys.readouterr().out
    (kept,) = [p for p in db.parent.glob("scrm.db.before-restore-*") if not p.name.endswith(("-wal", "-shm"))]
    assert kept.read_bytes().startswith(b"\0garbage")
    ws = Workspace.open(str(home))
    try:
        assert [s.name for s in ws.db.sources.list()] == ["Blog"]
    finally:
        ws.close()
    assert len(list_backups(db)) == 1


def test_a_read_only_database_is_told_in_a_dialog_without_offering_a_restore(qtbot, tmp_path, capsys):
    home = tmp_path / "home"
    Workspace.open(str(home)).close()
    db = home / "data" / "scrm.db"
    assert main(["--basedir", str(home), "db", "backup"]) == 0  # a backup exists, and still none is offered
    seen: list[str] = []
    buttons: list[list[str]] = []

    def read_then_close() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, read_then_close)
            return
        buttons.append([b.text() for b in box.buttons()])
        seen.append(box.informativeText())
        box.button(QMessageBox.StandardButton.Close).click()

    QTimer.singleShot(0, read_then_close)
    assert main(["--basedir", str(home), "--db", f"sqlite:///file:{db}?mode=ro&uri=true"]) == 1
    assert "read-only" in seen[0] and "check its permissions" in seen[0] and "db backup --out" in seen[0]
    assert not any("Restore" in text for text in buttons[0])
    assert "read-only" in capsys.readouterr().err


def test_a_damaged_database_can_be_salvaged_from_the_dialog_and_the_app_opens_on_what_was_readable(
    qtbot, tmp_path, capsys
):
    from tests.store.test_salvage import damage_pages

    home = tmp_path / "home"
    ws = Workspace.open(str(home))
    ws.add_source("rss", "Blog", {"url": "https://blog.example/feed"}, enabled=False)
    ws.close()
    db = home / "data" / "scrm.db"
    damage_pages(db, "alembic_version")  # the app cannot even read which schema it has: it cannot start
    seen: list[str] = []

    def salvage_then_close_the_window() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, salvage_then_close_the_window)
            return
        seen.append(box.informativeText())
        assert "Restore the last backup" not in [b.text() for b in box.buttons()]  # there is no backup
        next(b for b in box.buttons() if b.text() == "Salvage the readable rows").click()
        QTimer.singleShot(0, read_the_outcome)

    def read_the_outcome() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox) or box.windowTitle() != "Database salvaged":
            QTimer.singleShot(20, read_the_outcome)
            return
        seen.append(box.text())
        box.accept()
        QTimer.singleShot(0, close_main_window)

    QTimer.singleShot(0, salvage_then_close_the_window)
    assert main(["--basedir", str(home)]) == 0
    assert "(the file is damaged)" in seen[0] and "scrm-desktop db salvage" in seen[0]
    assert seen[1].startswith("salvaged ") and "sources 1" in seen[1] and "The damaged file is kept" in seen[1]
    assert next(db.parent.glob("scrm.db.before-restore-*")).is_file()
    ws = Workspace.open(str(home))
    try:
        assert [s.name for s in ws.db.sources.list()] == ["Blog"]
    finally:
        ws.close()


def test_a_quick_start_whose_database_then_fails_to_open_starts_again_the_usual_way(qtbot, tmp_path, capsys):
    """The quick start paints the newest posts before the store opens the file; when the store then refuses it
    (here a table in the way of its write check), the window goes and the usual start says why in its dialog."""
    import sqlite3

    from scrm_desktop.listening.api import PostIn

    home = tmp_path / "home"
    ws = Workspace.open(str(home))
    ws.ingestor.ingest([PostIn("rss", "p1", "hello there", datetime.now(UTC))])
    ws.close()
    with sqlite3.connect(home / "data" / "scrm.db") as conn:
        conn.execute("CREATE TABLE scrm_write_check (x INTEGER)")
    painted: list[int] = []

    class FirstRowsPainted(QObject):
        """Notes the main window's first paint with rows in its first column (a paint seen as it happens: a timer
        polling for the window can miss one that the failed open closes within a few milliseconds)."""

        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if not painted and event.type() == QEvent.Type.Paint and isinstance(obj, QWidget):
                window = obj.window()
                if type(window).__name__ == "MainWindow" and (rows := window.columns[0].model.rowCount()):
                    painted.append(rows)
            return False

    seen: list[str] = []
    watcher = FirstRowsPainted()
    QApplication.instance().installEventFilter(watcher)
    close_next_dialog(seen)
    try:
        assert main(["--basedir", str(home)]) == 1
    finally:
        QApplication.instance().removeEventFilter(watcher)
    assert painted == [1]  # the newest posts were on screen first
    assert len(seen) == 1 and seen[0].startswith("scrm-desktop cannot start|Could not open or upgrade the database")
    assert "scrm_write_check already exists" in seen[0]


def test_a_damaged_page_met_while_the_app_runs_is_told_once_in_a_dialog_with_the_backup(qtbot, tmp_path):
    """The open reads the schema only: a bad page deep in a table is met by the first read of it (here the
    sources, read when listening starts after the first paint), which was only a warning in the log."""
    from scrm_desktop.app import start_gui
    from scrm_desktop.store.backup import backup
    from tests.store.test_salvage import damage_pages

    home = tmp_path / "home"
    ws = Workspace.open(str(home))
    ws.add_source("rss", "Blog", {"url": "https://blog.example/feed"}, enabled=False)
    ws.close()
    db = home / "data" / "scrm.db"
    saved = backup(db)
    damage_pages(db, "sources", how_many=1)
    ws = Workspace.open(str(home))
    try:
        window, bridge = start_gui(ws)
        qtbot.addWidget(window)

        def told() -> list[QMessageBox]:
            return [b for b in window.findChildren(QMessageBox) if b.windowTitle() == "The database is damaged"]

        qtbot.waitUntil(lambda: bool(told()), timeout=60_000)
        [box] = told()
        assert box.isVisible() and box.windowTitle() == "The database is damaged"
        assert box.text().startswith(f"The database {db} is damaged (database disk image is malformed)")
        assert f"put its last backup ({saved}) back, or keep the rows that can still be read" in box.informativeText()
        assert [b.text() for b in box.buttons()] == [
            "Restore the last backup",
            "Salvage the readable rows",
            "Keep working",
            "Quit",
        ]
        assert box.textFormat() == Qt.TextFormat.PlainText
        window.starting.run(ws.db.sources.list)  # read again: told once, the same dialog
        qtbot.waitUntil(lambda: window.starting.started >= 2, timeout=60_000)
        qtbot.wait(50)
        shown = [w for w in QApplication.topLevelWidgets() if w.windowTitle() == "The database is damaged"]
        assert [w for w in shown if w.isVisible()] == [box]
        for boxes in (getattr(window, "notice_boxes", []), [box]):
            for b in boxes:
                b.close()
        bridge.close()
    finally:
        ws.close()

"""A damaged page met while the app runs (the open reads only the schema): the dialog's Restore or Salvage closes
the workspace, repairs the file with the code `db restore` / `db salvage` use, and opens it again in a new window,
so the user works on the repaired database without typing anything (issue #17)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from scrm_desktop.app import start_gui
from scrm_desktop.listening.api import PostIn
from scrm_desktop.store.backup import backup
from scrm_desktop.workspace import Workspace
from tests.store.test_salvage import damage_pages

NOW = datetime.now(UTC)
TITLE = "The database is damaged"


def post(i: int, text: str) -> PostIn:
    return PostIn(
        channel="mastodon",
        external_id=f"p{i}",
        text=text,
        created_at=NOW - timedelta(minutes=60 - i),
        author_handle=f"person{i}",
        author_name=f"Person {i}",
    )


def damaged_home(tmp_path: Path) -> tuple[Path, Path]:
    """Three posts and a source in the last backup, a fourth post after it, then a bad page in the sources (read
    when listening starts, after the first paint)."""
    home = tmp_path / "home"
    ws = Workspace.open(str(home))
    ws.add_source("rss", "Blog", {"url": "https://blog.example/feed"}, enabled=False)
    ws.ingestor.ingest([post(1, "The Aero 14 screen cracked"), post(2, "Refund please"), post(3, "Love the Flux")])
    ws.close()
    db = home / "data" / "scrm.db"
    saved = backup(db)
    ws = Workspace.open(str(home))
    ws.ingestor.ingest([post(4, "Written after the backup")])
    ws.close()
    damage_pages(db, "sources", how_many=1)
    return home, saved


def damage_dialogs() -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.windowTitle() == TITLE]


def choose(qtbot, home: Path, button: str):  # type: ignore[no-untyped-def]
    """Start the app on the damaged file, wait for the dialog, press `button`: the new window and workspace."""
    ws = Workspace.open(str(home))
    window, _bridge = start_gui(ws)  # the repair closes this bridge
    qtbot.addWidget(window)
    told = lambda: [b for b in window.findChildren(QMessageBox) if b.windowTitle() == TITLE]  # noqa: E731
    qtbot.waitUntil(lambda: bool(told()), timeout=60_000)
    [box] = told()
    [pressed] = [b for b in box.buttons() if b.text() == button]
    pressed.click()
    qtbot.waitUntil(lambda: getattr(window, "replaced_by", None) is not None, timeout=60_000)
    new_window, new_bridge, again = window.replaced_by
    qtbot.addWidget(new_window)
    assert not window.isVisible() and new_window.isVisible()
    return new_window, new_bridge, again


def shown_texts(qtbot, window, count: int) -> list[str]:  # type: ignore[no-untyped-def]
    column = window.columns[0]
    qtbot.waitUntil(lambda: column.model.rowCount() == count, timeout=60_000)
    return sorted(column.model.post_at(r).text for r in range(count))


def read_sources(qtbot, window, ws) -> list[str]:  # type: ignore[no-untyped-def]
    """A new read on the window's task runner, as the app's own reads run."""
    qtbot.waitUntil(lambda: getattr(window, "starting", None) is not None, timeout=60_000)
    got: list[list[str]] = []
    window.starting.run(lambda: [s.name for s in ws.db.sources.list()], success=got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=60_000)
    return got[0]


def finish(window, bridge, ws) -> None:  # type: ignore[no-untyped-def]
    for b in [*getattr(window, "notice_boxes", []), *window.findChildren(QMessageBox)]:
        b.close()
    window.close()
    bridge.close()
    ws.close()


def test_restore_from_the_dialog_reopens_the_app_on_the_backups_rows(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    home, _saved = damaged_home(tmp_path)
    window, bridge, ws = choose(qtbot, home, "Restore the last backup")
    try:
        assert ws.database_file == home / "data" / "scrm.db"
        assert shown_texts(qtbot, window, 3) == ["Love the Flux", "Refund please", "The Aero 14 screen cracked"]
        assert read_sources(qtbot, window, ws) == ["Blog"]  # the damaged page is gone: the read works
        assert not [b for b in damage_dialogs() if b.isVisible()]  # no second dialog
        assert list((home / "data").glob("scrm.db.before-restore-*"))  # the damaged file kept aside
    finally:
        finish(window, bridge, ws)


def test_salvage_from_the_dialog_reopens_the_app_on_the_readable_rows(qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    home, _saved = damaged_home(tmp_path)
    window, bridge, ws = choose(qtbot, home, "Salvage the readable rows")
    try:
        # the post written after the last backup is still there: salvage kept what could be read
        assert "Written after the backup" in shown_texts(qtbot, window, 4)
        assert read_sources(qtbot, window, ws) == []  # the source was on the bad page; the read itself works
        assert window.salvaged_box.windowTitle() == "Database salvaged"
        assert "kept beside it" in window.salvaged_box.text()
        assert not [b for b in damage_dialogs() if b.isVisible()]
    finally:
        finish(window, bridge, ws)

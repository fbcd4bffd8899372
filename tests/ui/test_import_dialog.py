"""Sources > Import posts from a file…: a CSV backfilled with its problems listed by line, a malformed file that
imports nothing until the user asks for the readable rows, and a Stop that keeps what is stored."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QPushButton

from scrm_desktop.listening.importer import Stopped, import_file
from scrm_desktop.ui.dialogs.import_dialog import ImportPostsDialog
from scrm_desktop.workspace import Workspace

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
def ws(tmp_path: Path):  # type: ignore[no-untyped-def]
    workspace = Workspace.open(str(tmp_path / "base"), clock=lambda: NOW)
    yield workspace
    workspace.close()


def write_csv(path: Path, n: int, empty: tuple[int, ...] = ()) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["id", "text", "author", "created_at"])
        for i in range(n):
            text = "" if i in empty else f"the router drops the line again, day {i} <b>help</b>"
            out.writerow([f"r{i}", text, f"user{i % 40}", (NOW - timedelta(minutes=i)).isoformat()])
    return path


def finished(dialog: ImportPostsDialog) -> bool:
    return not dialog.stop.isVisible() and dialog.start.isEnabled()


def test_a_csv_is_imported_with_its_unusable_rows_listed_by_line(qtbot, ws, tmp_path):
    path = write_csv(tmp_path / "export.csv", 1200, empty=(4, 700))
    dialog = ImportPostsDialog(ws, path)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.file_label.text() == str(path)
    shown: list[int] = []
    dialog.progress.valueChanged.connect(shown.append)
    dialog.start.click()
    qtbot.waitUntil(lambda: dialog.report is not None and finished(dialog), timeout=60_000)
    assert dialog.summary.text() == "1200 row(s): 1198 new post(s), 0 already stored, 2 rejected."
    assert any(0 < v < 1200 for v in shown), shown  # the bar moves per batch of 1,000, not only at the end
    assert dialog.details.toPlainText().splitlines() == [
        "line 6: empty or missing `text`",
        "line 702: empty or missing `text`",
    ]
    assert ws.db.posts.count() == 1198
    assert dialog.progress.value() == dialog.progress.maximum()
    dialog.start.click()  # the same file again adds nothing
    qtbot.waitUntil(lambda: finished(dialog) and "1198 already stored" in dialog.summary.text(), timeout=60_000)
    assert ws.db.posts.count() == 1198


def test_a_malformed_file_imports_nothing_until_the_readable_rows_are_asked_for(qtbot, ws, tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text(
        'id,text\nb1,first post\nb2,"an open quote that never closes\nb3,third post\nb4,fourth post\n',
        encoding="utf-8",
    )
    dialog = ImportPostsDialog(ws, path)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.readable.isVisible()
    dialog.start.click()
    qtbot.waitUntil(lambda: dialog.readable.isVisible(), timeout=60_000)
    assert "broken.csv is malformed at line 3" in dialog.summary.text()
    assert "Nothing was imported" in dialog.summary.text()
    assert ws.db.posts.count() == 0
    dialog.readable.click()
    qtbot.waitUntil(lambda: dialog.report is not None and finished(dialog), timeout=60_000)
    assert ws.db.posts.count() == 1
    assert "line 3" in dialog.details.toPlainText()
    assert not dialog.readable.isVisible()


def test_stop_keeps_what_is_stored_and_the_same_import_adds_the_rest(qtbot, ws, tmp_path):
    path = write_csv(tmp_path / "big.csv", 11_000)
    dialog = ImportPostsDialog(ws, path)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.start.click()
    dialog.stop.click()  # the file is read through once before its first chunk: the stop comes before it
    qtbot.waitUntil(lambda: finished(dialog), timeout=60_000)
    assert dialog.summary.text().startswith("Stopped: 0 new post(s) stored")
    assert ws.db.posts.count() == 0
    dialog.start.click()
    qtbot.waitUntil(lambda: dialog.report is not None and finished(dialog) and "row(s)" in dialog.summary.text(),
                    timeout=120_000)  # fmt: skip
    assert ws.db.posts.count() == 11_000


def test_the_importer_stops_between_chunks_with_every_chunk_before_stored(ws, tmp_path):
    path = write_csv(tmp_path / "big.csv", 11_000)
    asked: list[int] = []

    def stop() -> bool:
        asked.append(1)
        return len(asked) == 2  # after the first chunk

    def ingest(chunk):  # type: ignore[no-untyped-def]
        done = ws.ingestor.ingest(chunk)
        return done.inserted, done.skipped

    with pytest.raises(Stopped) as stopped:
        import_file(path, ingest, stop=stop)
    assert stopped.value.report.inserted == ws.db.posts.count() == 5000


def test_the_sources_menu_opens_the_import_dialog_on_a_file(qtbot, ws, tmp_path, window):
    path = write_csv(tmp_path / "menu.csv", 3)
    action = next(a for a in window.findChildren(QAction) if "Import posts" in a.text())
    assert action.shortcut().toString() == "Ctrl+I"
    window.import_posts(str(path))
    dialog = window.import_dialog
    assert dialog.isVisible() and dialog.file_label.text() == str(path)
    next(b for b in dialog.findChildren(QPushButton) if b.text() == "Import").click()
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=60_000)
    assert dialog.summary.text().startswith("3 row(s): 3 new post(s)")

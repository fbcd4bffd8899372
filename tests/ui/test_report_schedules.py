"""The Reports window adds, lists and removes the scheduled reports the headless `listen` writes, as a person does
it: the same schedules `scrm-desktop report schedule` shows and `listen` runs."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from scrm_desktop.cli import main
from scrm_desktop.cli_reports import ScheduledReports
from scrm_desktop.ui.reports.window import ReportsWindow
from scrm_desktop.workspace import Workspace


def items(window: ReportsWindow) -> list[str]:
    return [window.schedules.list.item(i).text() for i in range(window.schedules.list.count())]


def line(every: str, folder: object) -> str:
    return f"{every} audit into {folder} (written by `scrm-desktop listen`)"


def test_schedules_are_added_listed_and_removed_from_the_reports_window(qtbot, tmp_path, capsys):
    home = tmp_path / "home"
    ws = Workspace.open(str(home))
    try:
        window = ReportsWindow(ws)
        qtbot.addWidget(window)
        box = window.schedules
        assert items(window) == ["No scheduled reports: add a daily or weekly audit below."]
        qtbot.mouseClick(box.add_button, Qt.MouseButton.LeftButton)  # no folder yet
        assert window.status.text() == "Choose the folder the scheduled reports go to."
        assert "reports" not in ws.settings.extra

        box.every.setCurrentText("daily")
        qtbot.keyClicks(box.folder, str(tmp_path / "daily"))
        qtbot.mouseClick(box.add_button, Qt.MouseButton.LeftButton)
        box.every.setCurrentText("weekly")
        box.folder.clear()
        qtbot.keyClicks(box.folder, str(tmp_path / "weekly"))
        qtbot.mouseClick(box.add_button, Qt.MouseButton.LeftButton)
        assert items(window) == [line("daily", tmp_path / "daily"), line("weekly", tmp_path / "weekly")]
        assert window.status.text().startswith("Scheduled reports: weekly audit into")
        box.folder.clear()
        qtbot.keyClicks(box.folder, str(tmp_path / "weekly2"))
        qtbot.mouseClick(box.add_button, Qt.MouseButton.LeftButton)  # the weekly one again: replaced, not doubled
        assert len(items(window)) == 2 and "weekly2" in items(window)[1]

        assert not box.remove_button.isEnabled()
        box.list.setCurrentRow(0)
        qtbot.mouseClick(box.remove_button, Qt.MouseButton.LeftButton)
        assert items(window) == [line("weekly", tmp_path / "weekly2")]
        assert window.status.text().startswith("Removed: daily audit")
        assert ScheduledReports.install(ws) is not None  # what `listen` runs on
        window.close()
    finally:
        ws.close()
    saved = json.loads((home / "config" / "settings.json").read_text(encoding="utf-8"))
    assert saved["extra"]["reports"] == [{"every": "weekly", "folder": str(tmp_path / "weekly2"), "brand": ""}]
    assert main(["--basedir", str(home), "report", "schedule"]) == 0
    assert capsys.readouterr().out.strip() == f"scheduled reports: {line('weekly', tmp_path / 'weekly2')}"

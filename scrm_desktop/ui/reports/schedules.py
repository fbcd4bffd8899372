"""The scheduled reports the headless `listen` service writes (settings extra["reports"]), in the Reports window:
the list of schedules, and a row to add one (daily or weekly audit, brand, folder) or remove the one selected.
The same schedules as `scrm-desktop report schedule`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from scrm_desktop.core.report import (
    SCHEDULES,
    Schedule,
    schedules_from_settings,
    schedules_to_settings,
    with_schedule,
)

if TYPE_CHECKING:
    from scrm_desktop.workspace import Workspace

ROLE = Qt.ItemDataRole.UserRole


class SchedulesBox(QGroupBox):
    """`brand` is the Reports window's brand chooser (its data: a topic name, "" = the first brand)."""

    changed = Signal(str)  # what happened, in a sentence for the window's status line

    def __init__(self, ws: Workspace, brand: QComboBox, parent: QWidget | None = None) -> None:
        super().__init__("Scheduled reports (written by the headless `scrm-desktop listen` service)", parent)
        self.ws, self.brand = ws, brand
        self.list = QListWidget()
        self.list.setMaximumHeight(90)
        self.every = QComboBox()
        self.every.addItems([s for s in SCHEDULES if s != "off"])
        self.every.setCurrentText("weekly")
        self.folder = QLineEdit()
        self.folder.setPlaceholderText("the folder the PDFs and CSVs go to")
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._choose_folder)
        self.add_button = QPushButton("Add schedule")
        self.add_button.setToolTip("The audit of each finished day or week, about the brand chosen above")
        self.add_button.clicked.connect(self.add)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_selected)
        self.list.currentRowChanged.connect(lambda row: self.remove_button.setEnabled(row >= 0))
        row = QHBoxLayout()
        for widget in (self.every, self.folder, browse, self.add_button, self.remove_button):
            row.addWidget(widget, 1 if widget is self.folder else 0)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        layout.addLayout(row)
        self._show(self.schedules())

    def schedules(self) -> list[Schedule]:
        return schedules_from_settings(self.ws.settings.extra.get("reports"))

    def _show(self, schedules: list[Schedule]) -> None:
        self.list.clear()
        for schedule in schedules:
            item = QListWidgetItem(schedule.describe().removeprefix("scheduled reports: "))
            item.setData(ROLE, schedule.to_settings())
            self.list.addItem(item)
        if not schedules:
            self.list.addItem(QListWidgetItem("No scheduled reports: add a daily or weekly audit below."))
            self.list.item(0).setFlags(Qt.ItemFlag.NoItemFlags)
        if not self.folder.text() and schedules:
            self.folder.setText(schedules[-1].folder)
        self.remove_button.setEnabled(False)

    def _save(self, schedules: list[Schedule], done: str) -> None:
        self.ws.settings.extra["reports"] = schedules_to_settings(schedules)
        try:
            self.ws.settings.save(self.ws.paths.settings_file)
        except OSError as exc:
            self.changed.emit(f"The schedules could not be saved: {exc}")
            return
        self._show(schedules)
        self.changed.emit(done)

    def add(self) -> None:
        folder = self.folder.text().strip()
        if not folder:
            self.changed.emit("Choose the folder the scheduled reports go to.")
            return
        schedule = Schedule(self.every.currentText(), folder, self.brand.currentData() or "")
        self._save(with_schedule(self.schedules(), schedule), schedule.describe().capitalize() + ".")

    def remove_selected(self) -> None:
        item = self.list.currentItem()
        raw = item.data(ROLE) if item is not None else None
        if not raw:
            return
        gone = Schedule.from_settings(raw)
        kept = [s for s in self.schedules() if s != gone]
        self._save(kept, f"Removed: {gone.describe().removeprefix('scheduled reports: ')}.")

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder for scheduled reports", self.folder.text())
        if folder:
            self.folder.setText(folder)

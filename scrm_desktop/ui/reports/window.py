"""The Reports window (File > Reports…): the same choices as `scrm-desktop report` (audit or care report, period,
brand), a preview of the pages, Save PDF…, the measurement table as CSV/JSON, and the schedule the `listen`
service writes reports on. The figures are read on a worker thread with a progress dialog (cancellable); the
pages are laid out on the GUI thread, which draws the dashboard's charts."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QObject, Qt, QThreadPool, Signal
from PySide6.QtGui import QCloseEvent, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressDialog,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from scrm_desktop import exports
from scrm_desktop.core.report import KINDS, Period, check_period, file_stem
from scrm_desktop.ui.layouts import empty
from scrm_desktop.ui.reports.data import ReportCancelled, ReportData, ReportRequest, gather
from scrm_desktop.ui.reports.pdf import ReportDocument
from scrm_desktop.ui.reports.schedules import SchedulesBox
from scrm_desktop.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from scrm_desktop.workspace import Workspace

PREVIEW_WIDTH = 620
MAIL_PROGRAM = "xdg-email"  # opens the desktop's own e-mail program (xdg-utils)
DEFAULT_DAYS = 7


class ReportWorker(QObject):
    """Gathers one report at a time off the GUI thread; `progress`, then `gathered` or `failed`, arrive on it."""

    progress = Signal(int, int, str)
    gathered = Signal(object)
    failed = Signal(str)
    _progress = Signal(int, int, str)  # emitted on the worker thread
    _done = Signal(object, str)

    def __init__(self, ws: Workspace, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self.cancel_event = threading.Event()
        self.busy = False
        self._progress.connect(self.progress)
        self._done.connect(self._finished)

    def start(self, request: ReportRequest) -> None:
        self.cancel_event.clear()
        self.busy = True
        self._pool.start(lambda: self._run(request))

    def _run(self, request: ReportRequest) -> None:  # on the worker thread
        try:
            if self.ws.name == "demo":  # its report has cases and an incident to show
                from scrm_desktop.demo_workspace import seed_care_history

                seed_care_history(self.ws)
            data, error = gather(self.ws, request, self._progress.emit, self.cancel_event.is_set), ""
        except ReportCancelled:
            data, error = None, ""
        except Exception as exc:  # shown in the window; the log has the traceback
            data, error = None, str(exc) or type(exc).__name__
        self._done.emit(data, error)

    def _finished(self, data: ReportData | None, error: str) -> None:
        self.busy = False
        if data is not None:
            self.gathered.emit(data)
        else:
            self.failed.emit(error or "Cancelled.")

    def cancel(self) -> None:
        self.cancel_event.set()

    def wait(self) -> None:
        self._pool.waitForDone(60_000)


class ReportsWindow(QWidget):
    previewed = Signal(int)  # pages shown
    mailed = Signal(str, str)  # a PDF was handed to the mail client (its path) or not ("": the folder was shown)
    written = Signal(str, int)  # a PDF was saved: its path, its pages
    failed = Signal(str)

    def __init__(self, ws: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.setWindowTitle("Reports")
        self.resize(1000, 860)
        self.document: ReportDocument | None = None
        self.worker = ReportWorker(ws, self)
        self.worker.progress.connect(self._progressed)
        self.worker.gathered.connect(self._gathered)
        self.worker.failed.connect(self._failed)
        self._then: Callable[[ReportData], None] | None = None
        self._quiet = False  # the running read is the preview made on opening (no dialog; it gives way)
        self._pending: tuple[Callable[[ReportData], None], str] | None = None
        self.progress_dialog: QProgressDialog | None = None
        self.tasks = TaskRunner(self)
        self._build()

    # ---- building ----------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.kind = QComboBox()
        for key, title in KINDS.items():
            self.kind.addItem(title, key)
        today = QDate.currentDate()
        self.from_date, self.to_date = QDateEdit(today.addDays(1 - DEFAULT_DAYS)), QDateEdit(today)
        for picker in (self.from_date, self.to_date):
            picker.setCalendarPopup(True)
            picker.setDisplayFormat("yyyy-MM-dd")
        self.brand = QComboBox()
        self._fill_brands()
        self.preview_button = QPushButton("Preview")
        self.preview_button.clicked.connect(self.preview)
        self.save_button = QPushButton("Save PDF…")
        self.save_button.clicked.connect(self._save_dialog)
        self.mail_button = QPushButton("E-mail…")
        self.mail_button.setToolTip(
            "Write the PDF to the Reports folder and open a new message in your e-mail program with it attached"
        )
        self.mail_button.clicked.connect(self.email)
        self.measures_button = QPushButton("Export measurement table…")
        self.measures_button.setToolTip("The measurement framework per channel for the period, as CSV or JSON")
        self.measures_button.clicked.connect(self._measures_dialog)
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Report", self.kind)
        dates = QHBoxLayout()
        dates.addWidget(self.from_date)
        dates.addWidget(QLabel("to"))
        dates.addWidget(self.to_date)
        dates.addStretch(1)
        form.addRow("Period (UTC, both days included)", dates)
        form.addRow("Brand", self.brand)
        buttons = QHBoxLayout()
        for b in (self.preview_button, self.save_button, self.mail_button, self.measures_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.pages = QVBoxLayout()
        holder = QWidget()
        holder.setLayout(self.pages)
        self.pages.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(holder)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.scroll, 1)
        self.schedules = SchedulesBox(self.ws, self.brand)
        self.schedules.changed.connect(self.status.setText)
        layout.addWidget(self.schedules)

    def _fill_brands(self) -> None:
        """The brand and competitor topics, read in the background."""
        self.brand.clear()
        self.brand.addItem("Our brand (the first brand topic)", "")
        self.tasks.run(self.ws.topics.list, self._show_brands, key="brands")

    def _show_brands(self, topics: list[Any]) -> None:
        ours = next((t for t in topics if t.kind == "brand"), None)
        if ours is not None:  # the default is named: "Brightwave (our brand)"
            self.brand.setItemText(0, f"{ours.name} (our brand)")
        for topic in topics:
            if topic.kind in ("brand", "competitor") and topic is not ours:
                self.brand.addItem(f"{topic.name} ({topic.kind})", topic.name)

    # ---- choices -----------------------------------------------------------------------------------------
    def request(self) -> ReportRequest:
        """The report the form describes (ValueError for a period that cannot be)."""
        period = Period(date(*self.from_date.date().getDate()), date(*self.to_date.date().getDate()))
        check_period(period)
        return ReportRequest(self.kind.currentData(), period, self.brand.currentData() or "")

    def set_period(self, first: date, last: date) -> None:
        self.from_date.setDate(QDate(first.year, first.month, first.day))
        self.to_date.setDate(QDate(last.year, last.month, last.day))

    # ---- running -----------------------------------------------------------------------------------------
    def _run(self, then: Callable[[ReportData], None], kind: str = "", quiet: bool = False) -> None:
        if self.worker.busy:
            if self._quiet:  # the preview made on opening gives way to what the user asked for
                self._pending, self._then = (then, kind), None
                self.worker.cancel()
            return
        try:
            request = self.request()
        except ValueError as exc:
            self._failed(str(exc))
            return
        if kind:
            request = ReportRequest(kind, request.period, request.brand)
        self._then, self._quiet = then, quiet
        self.status.setText("Reading the figures…")
        if quiet:
            self.worker.start(request)
            return
        for b in (self.preview_button, self.save_button):
            b.setEnabled(False)
        dialog = QProgressDialog("Reading the figures…", "Cancel", 0, 0, self)
        dialog.setWindowTitle("Report")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(400)  # a short period never flashes a dialog
        dialog.canceled.connect(self.worker.cancel)
        self.progress_dialog = dialog
        self.worker.start(request)

    def _progressed(self, step: int, steps: int, what: str) -> None:
        self.status.setText(f"Reading {what}… ({step}/{steps})")
        dialog = self.progress_dialog  # a modal dialog's setValue runs the event loop: the report may finish there
        if dialog is not None:
            dialog.setMaximum(steps + 1)  # the last step is laying out the pages
            dialog.setLabelText(f"Reading {what}…")
            dialog.setValue(step)

    def _close_progress(self) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.canceled.disconnect(self.worker.cancel)
            self.progress_dialog.close()
            self.progress_dialog.deleteLater()
            self.progress_dialog = None
        for b in (self.preview_button, self.save_button):
            b.setEnabled(True)
        self._quiet = False

    def _start_pending(self) -> bool:
        """Run what the user asked for while the opening preview was read (True if there was something)."""
        pending, self._pending = self._pending, None
        if pending is None:
            return False
        self._run(*pending)
        return True

    def _gathered(self, data: ReportData) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.setLabelText("Laying out the pages…")
        try:
            then, self._then = self._then, None
            if then is not None:
                then(data)
        except OSError as exc:
            self._failed(f"Could not write the report: {exc}")
        finally:
            self._close_progress()
            self._start_pending()

    def _failed(self, message: str) -> None:
        self._close_progress()
        if self._start_pending():  # the opening preview was cancelled for the user's request: not a failure
            return
        self.status.setText(message)
        self.failed.emit(message)

    # ---- actions -----------------------------------------------------------------------------------------
    def preview(self) -> None:
        self._run(lambda data: self._show_pages(self._layout(data)))

    def preview_on_opening(self) -> None:
        """The default report's preview, made as the window opens (File > Reports…): no progress dialog, the
        status line says how far it is, and Preview or Save PDF… with other choices replaces it at once."""
        if self.document is None and not self.worker.busy:
            self._run(lambda data: self._show_pages(self._layout(data)), quiet=True)

    def _layout(self, data: ReportData) -> ReportDocument:
        self.document = ReportDocument(data)
        return self.document

    def _show_pages(self, document: ReportDocument) -> None:
        empty(self.pages)
        for page in range(document.page_count):
            label = QLabel()
            label.setPixmap(QPixmap.fromImage(document.page_image(page, PREVIEW_WIDTH)))
            label.setStyleSheet("border: 1px solid #999; background: white;")
            label.setAccessibleName(f"Page {page + 1}")
            self.pages.addWidget(label)
        self.status.setText(f"{document.data.title}: {document.page_count} pages. Save PDF… writes them.")
        self.previewed.emit(document.page_count)

    def save_pdf(self, path: str | Path) -> None:
        """Gather and write the report to `path` (the file dialog's choice); `written` when it is there."""

        def write(data: ReportData) -> None:
            pages = self._layout(data).write_pdf(path)
            self.status.setText(f"Saved {path} ({pages} pages)")
            self.written.emit(str(path), pages)

        self._run(write)

    def email(self) -> None:
        """Write the report into the workspace's Reports folder, then open a new message in the user's e-mail
        program with it attached (`xdg-email`, the freedesktop way); where there is none, show the folder so the
        file can be attached by hand. `mailed` says which."""
        try:
            request = self.request()
        except ValueError as exc:
            self._failed(str(exc))
            return
        path = self.ws.paths.data / "reports" / (file_stem(request.kind, request.period, request.brand) + ".pdf")

        def write(data: ReportData) -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            pages = self._layout(data).write_pdf(path)
            self.status.setText(hand_to_mail(path, f"{data.title}: {pages} pages", self.mailed))

        self._run(write)

    def _save_dialog(self) -> None:
        try:
            request = self.request()
        except ValueError as exc:
            self._failed(str(exc))
            return
        name = file_stem(request.kind, request.period, request.brand) + ".pdf"
        path, _ = QFileDialog.getSaveFileName(self, "Save the report", name, "PDF (*.pdf)")
        if path:
            self.save_pdf(path)

    def _measures_dialog(self) -> None:
        name, kinds = "measures.csv", "CSV (*.csv);;JSON (*.json)"
        path, _ = QFileDialog.getSaveFileName(self, "Export the measurement table", name, kinds)
        if path:
            self.export_measures(path)

    def export_measures(self, path: str | Path) -> None:
        """The period's measurement table to CSV or JSON (from the report's figures: gathered first if needed)."""

        def write(data: ReportData) -> None:
            snap = data.snapshot
            rows = exports.write(exports.measures_table(snap.measures if snap else []), path)
            self.status.setText(f"Exported {rows} channel(s) to {path}")
            self.written.emit(str(path), rows)

        self._run(write, kind="audit")

    def closeEvent(self, event: QCloseEvent) -> None:
        self.worker.cancel()
        self.worker.wait()
        super().closeEvent(event)


def hand_to_mail(path: Path, subject: str, mailed: Any) -> str:
    """Open a new message with `path` attached in the desktop's e-mail program, else show its folder; what to
    tell the user. `mailed` (a signal) gets (path, the program used or "")."""
    import shutil
    import subprocess

    program, why = shutil.which(MAIL_PROGRAM), "no e-mail program found to open"
    if program is not None:
        try:
            subprocess.Popen(  # our own arguments, no shell
                [program, "--subject", subject, "--attach", str(path)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as exc:
            why = f"{MAIL_PROGRAM} could not start: {exc}"
        else:
            mailed.emit(str(path), program)
            return f"A new message with {path.name} attached is opening in your e-mail program."
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices

    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent)))
    mailed.emit(str(path), "")
    return f"Saved {path}: attach it to your message ({why})."

"""Sources > Import posts from a file…: a CSV or JSONL export (another tool's, a spreadsheet's) backfilled into the
workspace, as `scrm-desktop import FILE` does, with a progress bar, a Stop button and the problems by line.

A malformed file (a quote left open, a line that is not JSON) imports nothing and says where; the readable rows
can then be imported on purpose. The work runs off the GUI thread (a big file prepares its batches in worker
processes, listening/workers.py); the streams show the new posts as each chunk is stored."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from scrm_desktop.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from scrm_desktop.listening.importer import ImportReport
    from scrm_desktop.workspace import Workspace

HELP = (
    "A CSV file (comma, semicolon or tab separated, first line the column names) or JSONL (one JSON object per "
    "line). Columns: text (required); id or external_id, author, created_at, channel, url, lang (optional). Posts "
    "already stored are skipped, so the same file can be imported again safely."
)
FILTER = "Posts (*.csv *.jsonl *.json *.txt *.tsv);;All files (*)"


class ImportPostsDialog(QDialog):
    """Choose a file, import it, watch it go, read what was not used and why."""

    def __init__(self, ws: Workspace, path: str | Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.setWindowTitle("Import posts")
        self.setMinimumWidth(620)
        self.path: Path | None = Path(path) if path else None
        self.report: ImportReport | None = None
        self._stop = threading.Event()
        self._runner = TaskRunner(self)

        self.file_label = QLabel(wordWrap=True)
        self.file_label.setTextFormat(Qt.TextFormat.PlainText)
        self.choose = QPushButton("Choose file…")
        self.choose.clicked.connect(self.ask)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.progress.setFormat("%p% of the file")
        self.summary = QLabel(wordWrap=True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)  # file names and rows are the user's text
        self.details = QPlainTextEdit(readOnly=True)
        self.details.setPlaceholderText("Rows that could not be used are listed here, by line.")

        self.start = QPushButton("Import")
        self.start.setDefault(True)
        self.start.clicked.connect(lambda: self.run())
        self.readable = QPushButton("Import the readable rows")
        self.readable.setToolTip("Import every row that can be read; the malformed ones are listed, not imported")
        self.readable.clicked.connect(lambda: self.run(skip_bad=True))
        self.stop = QPushButton("Stop")
        self.stop.setToolTip("Stop after the chunk being stored (what is stored stays; importing again adds the rest)")
        self.stop.clicked.connect(self._ask_stop)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        for button in (self.start, self.readable, self.stop):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        self.readable.hide()  # after a malformed file only (the box shows the buttons it is given)
        self.stop.hide()  # while importing only

        chooser = QHBoxLayout()
        chooser.addWidget(self.file_label, 1)
        chooser.addWidget(self.choose)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(HELP, wordWrap=True, objectName="Muted"))
        layout.addLayout(chooser)
        layout.addWidget(self.progress)
        layout.addWidget(self.summary)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)
        self._show_path()

    # ---- choosing ----------------------------------------------------------------------------------------------
    def ask(self) -> None:
        """The file chooser; importing starts with the Import button."""
        start = str(self.path.parent) if self.path else str(Path.home())
        chosen, _ = QFileDialog.getOpenFileName(self, "Import posts from a file", start, FILTER)
        if chosen:
            self.set_path(chosen)

    def set_path(self, path: str | Path) -> None:
        self.path = Path(path)
        self.report = None
        self.summary.clear()
        self.details.clear()
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.readable.hide()
        self._show_path()

    def _show_path(self) -> None:
        self.file_label.setText(str(self.path) if self.path else "No file chosen yet.")
        self.start.setEnabled(self.path is not None)

    # ---- importing ---------------------------------------------------------------------------------------------
    def run(self, *, skip_bad: bool = False) -> None:
        """Import the chosen file (off the GUI thread); `skip_bad` imports the readable rows of a malformed one."""
        if self.path is None:
            return
        from scrm_desktop.listening.importer import import_file

        path, ingestor, stop = self.path, self.ws.ingestor, self._stop
        stop.clear()
        self.readable.hide()
        self.stop.show()
        self.stop.setEnabled(True)
        self.summary.setText(f"Importing {path.name}…")
        self.details.clear()

        def work(report):  # type: ignore[no-untyped-def]
            line = [0, 0]  # the file's line reached before this chunk, its lines

            def reached(done: int, total: int) -> None:
                line[:] = [done, total]
                report(done, total)

            def ingest(chunk: list) -> tuple[int, int]:  # progress per batch of 1,000 within the chunk
                base, total = line
                done = ingestor.ingest(chunk, progress=lambda n, _of: report(min(base + n, total), total))
                return done.inserted, done.skipped

            return import_file(path, ingest, progress=reached, skip_bad=skip_bad, stop=stop.is_set)

        self._runner.run(
            work,
            self._done,
            failure=self._failed,
            progress=self._progressed,
            busy=(self.start, self.choose),
        )

    def _ask_stop(self) -> None:
        self._stop.set()
        self.stop.setEnabled(False)
        self.summary.setText("Stopping after the chunk being stored…")

    def _progressed(self, done: int, total: int) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(done, total))

    def _done(self, report: ImportReport) -> None:
        self.report = report
        self.stop.hide()
        self.progress.setValue(self.progress.maximum())
        self.summary.setText(
            f"{report.rows} row(s): {report.inserted} new post(s), {report.duplicates} already stored, "
            f"{report.rejected} rejected."
        )
        self.details.setPlainText("\n".join(report.problems) or "Every row was imported.")

    def _failed(self, exc: Exception) -> None:
        from scrm_desktop.listening.importer import ImportFileError, MalformedFile, Stopped
        from scrm_desktop.store.engine import storage_problem

        self.stop.hide()
        if isinstance(exc, Stopped):
            self.report = exc.report
            self.summary.setText(
                f"Stopped: {exc.report.inserted} new post(s) stored, {exc.report.duplicates} already stored. "
                "Import the same file again to add the rest (what is stored is skipped)."
            )
            self.details.setPlainText("\n".join(exc.report.problems))
        elif isinstance(exc, MalformedFile):
            self.summary.setText(
                f"{self.path.name if self.path else 'The file'} is malformed at {exc.where}. Nothing was imported: "
                "fix the file, or import the readable rows (the malformed ones are then listed, not imported)."
            )
            self.readable.show()
        elif isinstance(exc, ImportFileError):
            self.summary.setText(str(exc))
        elif (problem := storage_problem(exc)) is not None:
            self.summary.setText(
                f"{problem}: the import stopped. The database is intact with every chunk stored before; make room "
                "and import the same file again (it adds only what is missing)."
            )
        else:
            self.summary.setText(f"The import failed: {exc}")

    def done(self, result: int) -> None:  # QDialog.done: the stop is asked for, the runner closed
        self._stop.set()
        self._runner.close()
        super().done(result)

"""Import CSV…: an existing customer list becomes records linked to the profiles it names; the result summary
lists every row that was not used and why, by line number."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from scrm_desktop.core.customer_csv import CsvError
from scrm_desktop.store.customer_import import ImportReport, import_file
from scrm_desktop.store.customers import CustomerRepo
from scrm_desktop.ui.tasks import TaskRunner

HELP = (
    "Columns (first line, any order, comma, semicolon or tab separated): name, email, phone, tier or vip, tags, "
    "notes, one column per channel (mastodon, reddit, twitter, bluesky, youtube) or handles such as "
    '"mastodon:@ana@social.example; reddit:u/ana". Records are matched by e-mail; handles are linked when '
    "that profile has been seen."
)


class ImportTab(QWidget):
    imported = Signal()

    def __init__(self, repo: CustomerRepo, loader: TaskRunner, actor: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._repo = repo
        self._loader = loader
        self._actor = actor
        self.report: ImportReport | None = None
        self.choose = QPushButton("Import CSV…")
        self.choose.clicked.connect(self._ask)
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setWordWrap(True)
        self.details = QPlainTextEdit(readOnly=True)
        self.details.setPlaceholderText("Problems found in the file are listed here, by line.")
        row = QHBoxLayout()
        row.addWidget(self.choose)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(HELP, wordWrap=True, objectName="Muted"))
        layout.addLayout(row)
        layout.addWidget(self.summary)
        layout.addWidget(self.details, 1)

    def _ask(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import customers", "", "CSV files (*.csv *.txt);;All files (*)")
        if path:
            self.import_path(path)

    def import_path(self, path: str) -> None:
        self.choose.setEnabled(False)
        self.summary.setText(f"Importing {path}…")
        repo, actor = self._repo, self._actor
        self._loader.run(lambda: import_file(repo, path, actor), self._done, failure=self._failed)

    def _done(self, report: ImportReport) -> None:
        self.report = report
        self.choose.setEnabled(True)
        self.summary.setText(report.summary())
        self.details.setPlainText("\n".join(report.lines()[1:]) or "Every row was imported.")
        self.imported.emit()

    def _failed(self, exc: Exception) -> None:
        self.choose.setEnabled(True)
        self.summary.setText(str(exc) if isinstance(exc, CsvError) else f"Import failed: {exc}")
        self.details.clear()

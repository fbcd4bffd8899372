"""Influencers and advocates over a chosen period, with the evidence behind each rank, and CSV export."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from scrm_desktop.core.influence import Ranked
from scrm_desktop.store.influence import InfluenceRepo, write_csv
from scrm_desktop.ui.tasks import TaskRunner

PERIODS = (("Last 7 days", 7), ("Last 30 days", 30), ("Last 90 days", 90), ("Last year", 365))
COLUMNS = (
    "#",
    "Author",
    "Channel",
    "Score",
    "Posts",
    "Positive",
    "Unprompted +",
    "Followers",
    "Engagement",
    "Examples",
)


class RankingTab(QWidget):
    """kind: "influencers" (by reach) or "advocates" (by unprompted praise)."""

    def __init__(self, kind: str, influence: InfluenceRepo, loader: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self._influence = influence
        self._loader = loader
        self.ranked: list[Ranked] = []
        self.period = QComboBox()
        for text, days in PERIODS:
            self.period.addItem(text, days)
        self.period.setCurrentIndex(1)
        self.period.currentIndexChanged.connect(self.refresh)
        self.export = QPushButton("Export CSV…")
        self.export.clicked.connect(self._ask_export)
        self.status = QLabel(objectName="Muted")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        top = QHBoxLayout()
        top.addWidget(QLabel("Period"))
        top.addWidget(self.period)
        if kind == "advocates":
            self.flags = QPushButton("Update advocate flags")
            self.flags.setToolTip("Flag the authors who are advocates over the last 90 days (shown on their posts)")
            self.flags.clicked.connect(self._update_flags)
            top.addWidget(self.flags)
        top.addStretch(1)
        top.addWidget(self.export)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        hint = (
            "Ranked by reach: followers and the engagement their posts get."
            if kind == "influencers"
            else "Repeated positive mentions that were not replies, whatever the author's reach."
        )
        layout.addWidget(QLabel(hint, objectName="Muted", wordWrap=True))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)

    @property
    def days(self) -> int:
        return int(self.period.currentData())

    def refresh(self) -> None:
        self.status.setText("Loading…")
        days, influence = self.days, self._influence
        work = (
            (lambda: influence.influencers(days)) if self.kind == "influencers" else lambda: influence.advocates(days)
        )
        self._loader.run(
            work, self._show, key=self.kind, failure=lambda exc: self.status.setText(f"Could not load: {exc}")
        )

    def _show(self, ranked: list[Ranked]) -> None:
        self.ranked = ranked
        self.table.setRowCount(len(ranked))
        for row, r in enumerate(ranked):
            a = r.activity
            who = f"{a.display_name} ({a.handle})" if a.display_name and a.display_name != a.handle else a.handle
            cells = (
                str(row + 1),
                who,
                a.channel,
                f"{r.score:.2f}",
                str(a.posts),
                f"{a.positive_share:.0%}",
                str(a.unprompted_positive),
                f"{a.followers:,}",
                f"{a.engagement:,}",
                " ".join(f"#{i}" for i in r.examples),
            )
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)  # plain text: names are untrusted
                if col in (0, 3, 4, 5, 6, 7, 8):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, col, item)
        empty = "No authors qualify in this period." if not ranked else f"{len(ranked)} authors"
        self.status.setText(empty)

    def _ask_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, f"Export {self.kind}", f"{self.kind}.csv", "CSV files (*.csv)")
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> None:
        """Write what the table shows to a CSV file."""
        try:
            write_csv(self.ranked, path)
        except OSError as exc:
            self.status.setText(f"Could not write {path}: {exc.strerror or exc}")
            return
        self.status.setText(f"Exported {len(self.ranked)} rows to {path}")

    def _update_flags(self) -> None:
        self.status.setText("Updating advocate flags…")
        influence = self._influence
        self._loader.run(
            influence.refresh_advocates,
            lambda n: self.status.setText(f"{n} authors are flagged as advocates (last 90 days)"),
            failure=lambda exc: self.status.setText(f"Could not update flags: {exc}"),
        )

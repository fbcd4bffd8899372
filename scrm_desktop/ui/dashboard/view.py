"""DashboardView: range/brand/channel filters, the charts, top authors, the per-channel measurement table,
spike alerts, export; refreshed on a timer while posts arrive. `render_dashboard` for snapshots."""

from __future__ import annotations

import logging
import time
from datetime import UTC
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from scrm_desktop.core.measure import RANGES
from scrm_desktop.core.query_fields import CHANNELS
from scrm_desktop.ui.dashboard.alerts_list import AlertsList
from scrm_desktop.ui.dashboard.charts import (
    Chart,
    SentimentChart,
    ShareNowChart,
    ShareTrendChart,
    SpikeChart,
    VolumeChart,
    quoted,
)
from scrm_desktop.ui.dashboard.data import Filters, Snapshot, build

log = logging.getLogger(__name__)

REFRESH_MS = 5000  # redraw at most this often while posts arrive
MEASURE_COLUMNS = (
    "channel",
    "mentions",
    "authors",
    "reach",
    "likes/post",
    "reposts/post",
    "replies/post",
    "links",
    "net sentiment",
    "change",
    "top authors",
)


def _fmt(value: float | None, signed: bool = False) -> str:
    return "n/a" if value is None else (f"{value:+.2f}" if signed else f"{value:.2f}")


class DashboardView(QWidget):
    posts_requested = Signal(str, str)  # a query selecting exactly the posts behind a clicked point, a title

    def __init__(self, ws: Any, bridge: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ws = ws
        self.snapshot: Snapshot | None = None
        self.last_refresh_ms = 0.0
        self.range_box = QComboBox()
        self.range_box.addItems(list(RANGES))
        self.topic_box = QComboBox()
        self.channel_box = QComboBox()
        self.channel_box.addItem("All channels", "")
        for channel in CHANNELS:
            self.channel_box.addItem(channel, channel)
        self._fill_topics()
        for box in (self.range_box, self.topic_box, self.channel_box):
            box.currentIndexChanged.connect(self.refresh)
        self.charts: dict[str, Chart] = {
            "volume": VolumeChart(),
            "sentiment": SentimentChart(),
            "share_trend": ShareTrendChart(),
            "share_now": ShareNowChart(),
            "spikes": SpikeChart(),
        }
        for chart in self.charts.values():
            chart.posts_requested.connect(self.posts_requested)
        self.authors = QTableWidget(0, 4)
        self.authors.setHorizontalHeaderLabels(["author", "channel", "followers", "posts"])
        self.authors.cellDoubleClicked.connect(self._author_clicked)
        self.measures = QTableWidget(0, len(MEASURE_COLUMNS))
        self.measures.setHorizontalHeaderLabels(list(MEASURE_COLUMNS))
        self.alerts = AlertsList(ws.topics)
        self.alerts.posts_requested.connect(self.posts_requested)
        self._layout()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        if bridge is not None:
            bridge.posts_ingested.connect(self._posts_arrived)

    def _layout(self) -> None:
        export = QPushButton("Export…")
        export.clicked.connect(self._export_dialog)
        bar = QHBoxLayout()
        for label, box in (("Range", self.range_box), ("Brand", self.topic_box), ("Channel", self.channel_box)):
            bar.addWidget(QLabel(label))
            bar.addWidget(box)
        bar.addStretch(1)
        bar.addWidget(export)
        grid = QGridLayout()
        for i, key in enumerate(("volume", "sentiment", "share_trend", "share_now", "spikes")):
            grid.addWidget(self.charts[key], i // 2, i % 2)
        grid.addWidget(self.authors, 2, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(grid, 3)
        layout.addWidget(self.measures, 1)
        layout.addWidget(self.alerts, 1)

    def _fill_topics(self) -> None:
        current = self.topic_box.currentData()
        self.topic_box.blockSignals(True)
        self.topic_box.clear()
        self.topic_box.addItem("All posts", "")
        for topic in self._ws.topics.list():
            self.topic_box.addItem(f"{topic.name} ({topic.kind})", topic.name)
        self.topic_box.setCurrentIndex(max(0, self.topic_box.findData(current or "")))
        self.topic_box.blockSignals(False)

    def filters(self) -> Filters:
        return Filters(
            self.range_box.currentText(), self.topic_box.currentData() or "", self.channel_box.currentData() or ""
        )

    def _posts_arrived(self, *_args: Any) -> None:
        if not self._timer.isActive():  # one redraw per interval however many batches arrive
            self._timer.start()

    def refresh(self) -> None:
        """Read the rollups and redraw everything (also the alerts)."""
        started = time.perf_counter()
        now = self._ws.clock().astimezone(UTC).replace(tzinfo=None)
        self.snapshot = build(self._ws.topics, now, self.filters())
        for chart in self.charts.values():
            chart.show_snapshot(self.snapshot)
        self._show_authors(self.snapshot)
        self._show_measures(self.snapshot)
        self.alerts.refresh()
        self.last_refresh_ms = (time.perf_counter() - started) * 1000
        log.debug("dashboard refreshed in %.0f ms", self.last_refresh_ms)

    def _show_authors(self, snap: Snapshot) -> None:
        self.authors.setRowCount(len(snap.top_authors))
        for r, row in enumerate(snap.top_authors):
            for c, value in enumerate(row):
                self.authors.setItem(r, c, QTableWidgetItem(f"{value:,}" if isinstance(value, int) else value))

    def _show_measures(self, snap: Snapshot) -> None:
        self.measures.setRowCount(len(snap.measures))
        for r, m in enumerate(snap.measures):
            values = (
                m.channel,
                f"{m.mentions:,}",
                f"{m.unique_authors:,}",
                f"{m.potential_reach:,}",
                _fmt(m.likes_per_post),
                _fmt(m.reposts_per_post),
                _fmt(m.replies_per_post),
                f"{m.link_share:.0%}",
                _fmt(m.net_sentiment, True),
                _fmt(m.net_sentiment_change, True),
                ", ".join(h for h, _ in m.top_authors),
            )
            for c, value in enumerate(values):
                self.measures.setItem(r, c, QTableWidgetItem(value))

    def _author_clicked(self, row: int, _column: int) -> None:
        handle = self.authors.item(row, 0).text()
        channel = self.authors.item(row, 1).text()
        self.posts_requested.emit(f"author:{quoted(handle.lstrip('@'))} channel:{channel}", f"Posts by {handle}")

    # ---- export -------------------------------------------------------------------------------------------
    def export(self, folder: str | Path) -> list[Path]:
        """Every chart as PNG and its numbers as CSV into `folder`; returns the files written."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for key, chart in self.charts.items():
            chart.export_png(out / f"{key}.png")
            chart.export_csv(out / f"{key}.csv")
            written += [out / f"{key}.png", out / f"{key}.csv"]
        return written

    def _export_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export the dashboard to a folder")
        if folder:
            try:
                self.export(folder)
            except OSError as exc:
                self.alerts.status.setText(f"Could not export: {exc}")


def render_dashboard(ws: Any, size: QSize | tuple[int, int] = (1600, 1000)) -> QImage:
    """The dashboard drawn off screen (for `snapshot --view dashboard`); needs a QApplication."""
    view = DashboardView(ws)
    view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
    view.resize(size if isinstance(size, QSize) else QSize(*size))
    view.show()
    view.refresh()
    image = view.grab().toImage()
    view.close()
    view.deleteLater()
    return image

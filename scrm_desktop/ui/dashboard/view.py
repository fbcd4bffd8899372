"""DashboardView: range/brand/channel filters, the charts, top authors, the per-channel measurement table,
spike alerts, export; loaded on a worker thread and refreshed on a timer while posts arrive. `render_dashboard`
for snapshots."""

from __future__ import annotations

import csv
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QImage, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from scrm_desktop import exports
from scrm_desktop.core.measure import HIGH_REACH_FOLLOWERS, RANGES, AuthorRank
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
from scrm_desktop.ui.dashboard.data import CUSTOM, Filters, Snapshot, build
from scrm_desktop.ui.tasks import TaskRunner, timed

log = logging.getLogger(__name__)

REFRESH_MS = 5000  # redraw at most this often while posts arrive
# The measures table and top authors aggregate the posts in the window (seconds at a million posts): while posts
# arrive they are recomputed at most this often; a change of range or filter recomputes them at once.
MEASURES_EVERY_S = 60.0
MEASURE_COLUMNS = (  # two-line headers keep the 14 columns narrow; the CSV joins the lines
    "channel",
    "mentions",
    "authors",
    "reach",
    "likes\n/post",
    "reposts\n/post",
    "replies\n/post",
    "inbound\nlinks",
    "high-reach\nshare",
    "net\nsentiment",
    "change",
    "top by\nreach",
    "top by\nengagement",
    "advocates",
)

if TYPE_CHECKING:
    from scrm_desktop.ui.bridge import Bridge
    from scrm_desktop.workspace import Workspace
AUTHOR_COLUMNS = ("author", "channel", "followers", "posts", "engagement")
EXPORT_FILTER = "CSV (*.csv);;JSON (*.json)"


def _fmt(value: float | None, signed: bool = False) -> str:
    return "n/a" if value is None else (f"{value:+.2f}" if signed else f"{value:.2f}")


def _table(columns: tuple[str, ...]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[tuple[str, ...]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.setItem(r, c, QTableWidgetItem(value))  # items show plain text: author names stay inert
    table.resizeColumnsToContents()


def _write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)


class DashboardView(QWidget):
    posts_requested = Signal(str, str)  # a query selecting exactly the posts behind a clicked point, a title
    refreshed = Signal()  # a new snapshot is on screen
    snapshot_shown = Signal(object)  # the charts' snapshot just applied (tests count them)

    def __init__(self, ws: Workspace, bridge: Bridge | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ws = ws
        self.snapshot: Snapshot | None = None
        self.last_refresh_ms = 0.0
        self._build_filters()
        self.charts: dict[str, Chart] = {
            "volume": VolumeChart(),
            "sentiment": SentimentChart(),
            "share_trend": ShareTrendChart(),
            "share_now": ShareNowChart(),
            "spikes": SpikeChart(),
        }
        for chart in self.charts.values():
            chart.posts_requested.connect(self.posts_requested)
        self.authors = _table(AUTHOR_COLUMNS)
        self.engaged = _table(AUTHOR_COLUMNS)
        for table in (self.authors, self.engaged):
            table.cellDoubleClicked.connect(lambda row, _col, t=table: self._author_clicked(t, row))
        self.measures = _table(MEASURE_COLUMNS)
        self.measures.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.measures.customContextMenuRequested.connect(self._measures_menu)
        self.alerts = AlertsList(ws.topics)
        self.alerts.posts_requested.connect(self.posts_requested)
        self._layout()
        # Two workers: the charts (rollups, fast) arrive first; the table and top authors follow on their own.
        self.loader = TaskRunner(self)
        self.measures_loader = TaskRunner(self)
        self._measured: Snapshot | None = None  # the newest table and top authors, for `_measured_for` filters
        self._measured_for: tuple[Filters, float] | None = None  # what was last asked for, and when (monotonic)
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setSingleShot(True)
        self.refresh_timer.setInterval(REFRESH_MS)
        self.refresh_timer.timeout.connect(self.refresh)
        self.refresh_on_show = True
        if bridge is not None:
            bridge.posts_ingested.connect(self._posts_arrived)
            bridge.posts_edited.connect(self._posts_arrived)  # an edit can move a post's sentiment and topics

    # ---- building ----------------------------------------------------------------------------------------
    def _build_filters(self) -> None:
        self.range_box = QComboBox()
        self.range_box.addItems([*RANGES, CUSTOM])
        today = QDate.currentDate()
        self.from_date = QDateEdit(today.addDays(-7))
        self.to_date = QDateEdit(today)
        for picker in (self.from_date, self.to_date):
            picker.setCalendarPopup(True)
            picker.setDisplayFormat("yyyy-MM-dd")
            picker.setVisible(False)
            picker.dateChanged.connect(self._dates_changed)
        self.topic_box = QComboBox()
        self.topic_box.addItem("All posts", "")
        self.channel_box = QComboBox()
        self.channel_box.addItem("All channels", "")
        for channel in CHANNELS:
            self.channel_box.addItem(channel, channel)
        self.range_box.currentIndexChanged.connect(self._range_changed)
        for box in (self.topic_box, self.channel_box):
            box.currentIndexChanged.connect(self.refresh)
        self.status = QLabel()
        self.status.setObjectName("Muted")
        self.status.setTextFormat(Qt.TextFormat.PlainText)

    def _layout(self) -> None:
        topics = QPushButton("Topics…")
        topics.setToolTip("Your brand, competitors and topics, and the queries that define them")
        topics.clicked.connect(self.open_topics)
        export = QPushButton("Export…")
        export.setToolTip("Every chart as PNG and its numbers as CSV, into a folder")
        export.clicked.connect(self._export_dialog)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Range"))
        bar.addWidget(self.range_box)
        bar.addWidget(self.from_date)
        bar.addWidget(self.to_date)
        for label, box in (("Brand", self.topic_box), ("Channel", self.channel_box)):
            bar.addWidget(QLabel(label))
            bar.addWidget(box)
        bar.addStretch(1)
        bar.addWidget(self.status)
        bar.addWidget(topics)
        bar.addWidget(export)
        grid = QGridLayout()
        grid.addWidget(self.charts["spikes"], 0, 0, 1, 2)  # the first thing to see: is something blowing up?
        grid.addWidget(self.charts["share_now"], 0, 2)
        grid.addWidget(self.charts["volume"], 1, 0)
        grid.addWidget(self.charts["sentiment"], 1, 1)
        grid.addWidget(self.charts["share_trend"], 1, 2)
        for column in range(3):
            grid.setColumnStretch(column, 1)
        grid.setRowStretch(0, 5)
        grid.setRowStretch(1, 4)
        self.author_tabs = QTabWidget()
        self.author_tabs.addTab(self.authors, "Top authors by reach")
        self.author_tabs.addTab(self.engaged, "by engagement")
        self.measure_tabs = QTabWidget()
        self.measure_tabs.addTab(self.measures, "Measures per channel")
        self.measure_tabs.setToolTip(
            f"Inbound links: posts linking somewhere in their text. High-reach share: posts by authors with "
            f"{HIGH_REACH_FOLLOWERS:,}+ followers. Change: net sentiment against the period of the same length before."
        )
        bottom = QHBoxLayout()
        bottom.addWidget(self.measure_tabs, 6)
        bottom.addWidget(self.author_tabs, 3)
        bottom.addWidget(self.alerts, 3)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addLayout(grid, 3)
        layout.addLayout(bottom, 1)
        from scrm_desktop.ui.dashboard.kpi_panel import add_care_panels

        add_care_panels(self, layout, self._ws)  # incident banner on top; care KPIs in a tab beside the measures

    def _dates_changed(self) -> None:
        if self.range_box.currentText() == CUSTOM:
            self.refresh()

    def _range_changed(self) -> None:
        custom = self.range_box.currentText() == CUSTOM
        self.from_date.setVisible(custom)
        self.to_date.setVisible(custom)
        self.refresh()

    def filters(self) -> Filters:
        topic, channel = self.topic_box.currentData() or "", self.channel_box.currentData() or ""
        key = self.range_box.currentText()
        if key != CUSTOM:
            return Filters(key, topic, channel)
        start = datetime(*self.from_date.date().getDate())
        end = datetime(*self.to_date.date().getDate()) + timedelta(days=1)  # the end date is included
        return Filters(key, topic, channel, start, end)

    # ---- loading -----------------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        """Fresh numbers each time the window is shown (a closed dashboard does not refresh)."""
        super().showEvent(event)
        if self.refresh_on_show and not event.spontaneous():  # show() was called, not a window un-minimised
            self.refresh()

    def _posts_arrived(self, *_args: Any) -> None:
        # one refresh per interval however many batches arrive; a closed dashboard catches up when shown
        if self.isVisible() and not self.refresh_timer.isActive():
            self.refresh_timer.start()

    def refresh(self) -> None:
        """Load a new snapshot on the worker thread; the charts keep the old one until it is ready."""
        filters = self.filters()
        if filters.range_key == CUSTOM and filters.end <= filters.start:  # type: ignore[operator]
            self.status.setText("The custom range ends before it starts")
            return
        now = self._ws.clock().astimezone(UTC).replace(tzinfo=None)
        self.status.setText("Updating…")
        repo, influence = self._ws.topics, getattr(self._ws, "influence", None)
        charts = timed(lambda: build(repo, now, filters, measures=False))
        self.loader.run(charts, lambda result: self._show(*result), key="snapshot", failure=self._failed)
        asked = self._measured_for
        if asked is None or asked[0] != filters or time.monotonic() - asked[1] >= MEASURES_EVERY_S:
            self._measured_for = (filters, time.monotonic())
            measures = timed(lambda: build(repo, now, filters, charts=False, influence=influence))
            self.measures_loader.run(
                measures, lambda result: self._show_measured(*result), key="snapshot", failure=self._failed
            )

    def _failed(self, exc: Exception) -> None:  # shown in the status line; the old charts stay
        log.error("dashboard refresh failed: %s", exc, exc_info=exc)
        self._measured_for = None  # ask again next time
        self.status.setText(f"Could not refresh: {str(exc) or type(exc).__name__}")

    def _show(self, snap: Snapshot, ms: float) -> None:
        """Everything from one snapshot, in one go on the GUI thread. A snapshot without the table and authors
        (the charts' worker) keeps the ones on screen while theirs are computed."""
        self.snapshot = snap
        self.snapshot_shown.emit(snap)
        self.last_refresh_ms = ms
        if not snap.measured and self._measured is not None and self._measured.filters == snap.filters:
            snap.take_measures(self._measured)
        if not self._fill_topics(snap):
            return  # the chosen topic was removed: a refresh for "All posts" is on its way
        for chart in self.charts.values():
            chart.show_snapshot(snap)
        if snap.measured:
            self._show_tables(snap)
        self.alerts.refresh(snap.alerts)
        self._say_range(snap)
        log.debug("dashboard charts built in %.0f ms", ms)
        if not self.measures_loader.busy:  # a loader is busy until its newest result is delivered
            self.refreshed.emit()

    def _show_measured(self, snap: Snapshot, ms: float) -> None:
        """The table and the top authors (the measures' worker), for the newest filters asked for."""
        self._measured = snap
        current = self.snapshot
        if current is not None and current.filters == snap.filters:
            current.take_measures(snap)
        self._show_tables(snap)
        log.debug("dashboard measures built in %.0f ms", ms)
        if current is not None and not self.loader.busy:
            self._say_range(current)
            self.refreshed.emit()

    def _say_range(self, snap: Snapshot) -> None:
        pending = " · updating the table…" if self.measures_loader.busy else ""
        self.status.setText(f"{snap.start:%Y-%m-%d %H:00} – {snap.end:%Y-%m-%d %H:00} UTC{pending}")

    def _show_tables(self, snap: Snapshot) -> None:
        _fill(self.authors, [self._author_row(a) for a in snap.top_authors])
        _fill(self.engaged, [self._author_row(a) for a in snap.top_engaged])
        self._show_measures(snap)

    def _fill_topics(self, snap: Snapshot) -> bool:
        """The brand list as the snapshot saw it; False when the chosen topic is gone (then refresh again)."""
        current = self.topic_box.currentData() or ""
        self.topic_box.blockSignals(True)
        self.topic_box.clear()
        self.topic_box.addItem("All posts", "")
        for topic in snap.topics:
            self.topic_box.addItem(f"{topic.name} ({topic.kind})", topic.name)
        found = self.topic_box.findData(current)
        self.topic_box.setCurrentIndex(max(0, found))
        self.topic_box.blockSignals(False)
        if found < 0:
            self.refresh()
        return found >= 0

    @staticmethod
    def _author_row(a: AuthorRank) -> tuple[str, ...]:
        return (a.handle, a.channel, f"{a.followers:,}", f"{a.posts:,}", f"{a.engagement:,}")

    def _show_measures(self, snap: Snapshot) -> None:
        _fill(self.measures, [self._measure_row(m) for m in snap.measures])

    @staticmethod
    def _measure_row(m: Any) -> tuple[str, ...]:
        return (
            m.channel,
            f"{m.mentions:,}",
            f"{m.unique_authors:,}",
            f"{m.potential_reach:,}",
            _fmt(m.likes_per_post),
            _fmt(m.reposts_per_post),
            _fmt(m.replies_per_post),
            f"{m.link_share:.0%}",
            f"{m.high_reach_share:.0%}",
            _fmt(m.net_sentiment, True),
            _fmt(m.net_sentiment_change, True),
            ", ".join(h for h, _ in m.top_authors),
            ", ".join(h for h, _ in m.top_engaged),
            ", ".join(m.advocates),
        )

    def _author_clicked(self, table: QTableWidget, row: int) -> None:
        handle = table.item(row, 0).text()
        channel = table.item(row, 1).text()
        self.posts_requested.emit(f"author:{quoted(handle.lstrip('@'))} channel:{channel}", f"Posts by {handle}")

    def open_topics(self) -> None:
        from scrm_desktop.ui.dashboard.topics_dialog import TopicsDialog

        dialog = TopicsDialog(self._ws, self)
        dialog.topics_changed.connect(self.refresh)
        dialog.open()

    def closeEvent(self, event: QCloseEvent) -> None:
        """The Work menu keeps a closed dashboard to show it again: stop refreshing, let a build under way end."""
        self.refresh_timer.stop()
        self.loader.wait()
        self.measures_loader.wait()
        super().closeEvent(event)

    # ---- export -------------------------------------------------------------------------------------------
    def export(self, folder: str | Path) -> list[Path]:
        """Every chart as PNG and its numbers as CSV, and the tables as CSV, into `folder`; the files written."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for key, chart in self.charts.items():
            chart.export_png(out / f"{key}.png")
            chart.export_csv(out / f"{key}.csv")
            written += [out / f"{key}.png", out / f"{key}.csv"]
        for name, table in (("top_authors", self.authors), ("top_engaged", self.engaged), ("measures", self.measures)):
            header = [table.horizontalHeaderItem(c).text().replace("\n", " ") for c in range(table.columnCount())]
            rows = [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]
            _write_csv(out / f"{name}.csv", header, rows)  # type: ignore[arg-type]
            written.append(out / f"{name}.csv")
        return written

    def _measures_menu(self, pos: Any) -> None:
        menu = QMenu(self)
        menu.addAction("Export the measurement table…", self._export_measures_dialog)
        menu.exec(self.measures.viewport().mapToGlobal(pos))

    def _export_measures_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the measurement table", "measures.csv", EXPORT_FILTER)
        if path:
            try:
                rows = self.export_measures(path)
            except (OSError, ValueError) as exc:
                self.status.setText(f"Could not export: {exc}")
            else:
                self.status.setText(f"Exported {rows} channel(s) to {path}")

    def export_measures(self, path: str | Path) -> int:
        """The measurement table shown (its full-precision numbers) to CSV or JSON by the file's suffix; rows."""
        shown = self.snapshot.measures if self.snapshot is not None and self.snapshot.measured else []
        return exports.write(exports.measures_table(shown), path)

    def _export_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export the dashboard to a folder")
        if folder:
            try:
                self.export(folder)
            except OSError as exc:
                self.status.setText(f"Could not export: {exc}")
            else:
                self.status.setText(f"Exported to {folder}")


def render_dashboard(ws: Workspace, size: QSize | tuple[int, int] = (1600, 1000)) -> QImage:
    """The dashboard drawn off screen (for `snapshot --view dashboard`); needs a QApplication. Builds the
    snapshot in this thread: nothing else is waiting."""
    view = DashboardView(ws)
    view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
    view.refresh_on_show = False  # no worker refresh: the snapshot below is drawn directly
    view.resize(size if isinstance(size, QSize) else QSize(*size))
    view.show()
    now = ws.clock().astimezone(UTC).replace(tzinfo=None)
    view._show(build(ws.topics, now, view.filters(), influence=getattr(ws, "influence", None)), 0.0)
    view.layout().activate()  # new label texts and table sizes take their place before the grab
    image = view.grab().toImage()
    view.close()
    view.deleteLater()
    return image

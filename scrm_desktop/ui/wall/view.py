"""WallView: the command-center display for a TV across the room. Dark, large type, full screen, unattended: it
reloads everything on a timer on one worker thread (a TaskRunner: never two loads at once) and
needs no keyboard or mouse (Esc or F11 leave full screen). `render_wall` for snapshots."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QFont, QHideEvent, QImage, QKeyEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QApplication, QFrame, QGridLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from scrm_desktop.core.spikes import spikes
from scrm_desktop.ui.dashboard.charts import Chart, ShareNowChart, SpikeChart, x_of
from scrm_desktop.ui.tasks import TaskRunner
from scrm_desktop.ui.wall.data import (
    ALERT_ROWS,
    TICKER_ROWS,
    WallData,
    describe_alert,
    figures,
    listening_status,
    load_wall,
)
from scrm_desktop.ui.wall.widgets import (
    ALERT_C,
    BORDER,
    MUTED,
    PANEL,
    TEXT,
    ElidedLabel,
    Tile,
    WallBanner,
    repolish,
    stylesheet,
)

if TYPE_CHECKING:
    from scrm_desktop.workspace import Workspace

REFRESH_MS = 15_000
REFERENCE = QSize(1920, 1080)

log = logging.getLogger(__name__)


def _now(ws: Workspace) -> datetime:
    return ws.clock().astimezone(UTC).replace(tzinfo=None)


def _label(text: str, name: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


class _Panel(QFrame):
    """A titled list of one-line rows, each a short muted label (a time) and elided plain text, with words
    when it is empty (alerts, the negative posts)."""

    def __init__(self, title: str, rows: int, empty: str) -> None:
        super().__init__()
        self.setObjectName("Panel")
        self.title = _label(title, "PanelTitle")
        self.empty = _label(empty, "Empty")
        self.meta = [_label("", "RowMeta") for _ in range(rows)]
        self.rows = [ElidedLabel() for _ in range(rows)]
        grid = QGridLayout(self)
        grid.addWidget(self.title, 0, 0, 1, 2)
        grid.addWidget(self.empty, 1, 0, 1, 2)
        for i, (meta, row) in enumerate(zip(self.meta, self.rows, strict=True)):
            grid.addWidget(meta, i + 2, 0)
            grid.addWidget(row, i + 2, 1)
        grid.setColumnStretch(1, 1)
        grid.setRowStretch(rows + 2, 1)

    def show_rows(self, lines: list[tuple[str, str]]) -> None:
        """(meta, text) per row."""
        self.empty.setVisible(not lines)
        for i, (meta, row) in enumerate(zip(self.meta, self.rows, strict=True)):
            shown = lines[i] if i < len(lines) else ("", "")
            meta.setText(shown[0])
            row.setText(shown[1])
            meta.setVisible(i < len(lines))
            row.setVisible(i < len(lines))

    def texts(self) -> list[str]:
        return [row.text() for row in self.rows if not row.isHidden()]


class WallView(QWidget):
    refreshed = Signal()  # new figures are on the wall

    def __init__(self, ws: Workspace, parent: QWidget | None = None, refresh_ms: int = REFRESH_MS) -> None:
        super().__init__(parent)
        self.ws = ws
        self.data: WallData | None = None
        self.last_error = ""
        self.setObjectName("Wall")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setWindowTitle(f"Wall display — {ws.name}")
        self._build()
        self._scale = 0.0
        self._apply_scale()
        self.loader = TaskRunner(self)  # one load at a time, off the GUI thread
        self._guard = threading.Lock()
        self._running = 0
        self.peak_running = 0  # the most loads ever under way at once (tests: never more than one)
        self.refresh_timer = QTimer(self)
        self.refresh_timer.setInterval(refresh_ms)
        self.refresh_timer.timeout.connect(self._timed_refresh)
        self.clock_timer = QTimer(self)
        self.clock_timer.setInterval(1000)
        self.clock_timer.timeout.connect(self._tick)
        self.refresh_on_show = True

    # ---- building ----------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.brand = _label("", "Brand")
        self.workspace = _label("", "Workspace")
        self.live = _label("", "Live")
        self.clock = _label("", "Clock")
        self.date = _label("", "Date")
        self.status = _label("Loading…", "Status")
        self.banner = WallBanner()
        self.tiles = {key: Tile(key) for key in ("mentions", "negative", "net", "cases", "sla", "outbox")}
        self.spike_chart, self.share_chart = SpikeChart(), ShareNowChart()
        for chart in (self.spike_chart, self.share_chart):
            chart.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)  # a wall is not clicked
            chart.setBackground(PANEL)
        self.share_chart.hideAxis("left")  # each bar says its share in words
        self.alerts = _Panel("UNACKNOWLEDGED ALERTS", ALERT_ROWS, "✓ No unacknowledged alerts")
        self.ticker = _Panel("LATEST NEGATIVE POSTS (UTC)", TICKER_ROWS, "No negative posts yet")
        layout = QVBoxLayout(self)
        layout.addLayout(self._top_strip())
        layout.addWidget(self.banner)
        tiles = QHBoxLayout()
        for tile in self.tiles.values():
            tiles.addWidget(tile, 1)
        layout.addLayout(tiles, 3)
        middle = QHBoxLayout()
        middle.addWidget(self.spike_chart, 5)
        middle.addWidget(self.share_chart, 2)
        layout.addLayout(middle, 5)
        bottom = QHBoxLayout()
        bottom.addWidget(self.alerts, 4)
        bottom.addWidget(self.ticker, 5)
        layout.addLayout(bottom, 4)
        self._layouts = [layout, tiles, middle, bottom]

    def _top_strip(self) -> QGridLayout:
        names = QVBoxLayout()
        names.addWidget(self.brand)
        names.addWidget(self.workspace)
        times = QVBoxLayout()
        times.addWidget(self.clock, alignment=Qt.AlignmentFlag.AlignRight)
        times.addWidget(self.date, alignment=Qt.AlignmentFlag.AlignRight)
        strip = QGridLayout()
        middle = QVBoxLayout()
        middle.addWidget(self.live, alignment=Qt.AlignmentFlag.AlignCenter)
        middle.addWidget(self.status, alignment=Qt.AlignmentFlag.AlignCenter)
        strip.addLayout(names, 0, 0)
        strip.addLayout(middle, 0, 1)
        strip.addLayout(times, 0, 2)
        for column, stretch in ((0, 2), (1, 3), (2, 2)):
            strip.setColumnStretch(column, stretch)
        return strip

    # ---- size --------------------------------------------------------------------------------------------
    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._apply_scale()

    def _apply_scale(self) -> None:
        """Type, margins and chart fonts follow the window: 1080p is the reference, 720p to 4K work."""
        size = self.size()
        scale = max(0.5, min(size.width() / REFERENCE.width(), size.height() / REFERENCE.height()))
        if abs(scale - self._scale) < 0.02:
            return
        self._scale = scale
        self.setStyleSheet(stylesheet(scale))
        gap = round(16 * scale)
        for layout in self._layouts:
            layout.setSpacing(gap)
        self._layouts[0].setContentsMargins(gap * 2, gap, gap * 2, gap * 2)
        for chart in (self.spike_chart, self.share_chart):
            _style_chart(chart, scale)
            chart.setMinimumHeight(round(220 * scale))
        inner = round(12 * scale)
        for frame in (*self.tiles.values(), self.alerts, self.ticker, self.banner):
            frame.layout().setContentsMargins(inner + 4, inner, inner + 4, inner)
            frame.layout().setSpacing(round(4 * scale))
        self.banner.layout().setSpacing(round(28 * scale))
        self.share_chart.plotItem.legend.setOffset((-10, 5))  # top right, over the smallest bars
        if self.data is not None:  # the marks on the charts are sized too
            self._paint(self.data)

    # ---- loading -----------------------------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._tick()
        if self.refresh_on_show and not self.refresh_timer.isActive():
            self.refresh_timer.start()
            self.clock_timer.start()
            self.refresh()

    def hideEvent(self, event: QHideEvent) -> None:
        if not self.isMinimized():
            self.refresh_timer.stop()
            self.clock_timer.stop()
        super().hideEvent(event)

    def refresh(self) -> None:
        """Load new figures on the worker; the wall keeps the old ones until they are ready. A refresh asked
        for while one runs becomes one more load after it (the runner's key), never a second load at once."""
        self.loader.run(self._load, self.show_data, key="wall", failure=self._failed)

    def _timed_refresh(self) -> None:
        """A timer tick while a load runs is skipped, not queued: the runner drops a result that a newer
        request overtook, so on a database slower than the timer a queued tick would keep the wall from ever
        showing anything."""
        if not self.loader.busy:
            self.refresh()

    def _load(self) -> WallData:  # on the worker thread
        with self._guard:
            self._running += 1
            self.peak_running = max(self.peak_running, self._running)
        try:
            return load_wall(self.ws, _now(self.ws))
        finally:
            with self._guard:
                self._running -= 1

    def _failed(self, exc: Exception) -> None:
        log.error("wall refresh failed: %s", exc, exc_info=exc)
        message = str(exc) or type(exc).__name__
        self.last_error = message
        when = f" · showing figures from {self.data.now:%H:%M} UTC" if self.data else ""
        self.status.setText(f"Could not refresh: {message}{when}")

    def show_data(self, data: WallData) -> None:
        """Everything from one load, in one go on the GUI thread."""
        self.data, self.last_error = data, ""
        self._paint(data)
        self.refreshed.emit()

    def _paint(self, data: WallData) -> None:
        self.brand.setText(data.brand or "All posts")
        self.workspace.setText(f"{data.workspace} workspace · last 24 hours")
        self.banner.show_incidents(data.incidents)
        for figure in figures(data):
            self.tiles[figure.key].show_figure(figure)
        self.spike_chart.show_snapshot(data.snapshot)
        self.share_chart.show_snapshot(data.snapshot)
        self._mark_spikes(data)
        self._mark_shares(data)
        self._fit_ranges(data)
        for chart in (self.spike_chart, self.share_chart):
            _fit_title(chart, self._scale)  # drawing a chart sets its title back to pyqtgraph's 30 px row
            _thicken(chart, self._scale)
        self.alerts.show_rows([describe_alert(a, data.alert_repeats.get(a.id, 1)) for a in data.alerts])
        self.ticker.show_rows([_ticker_line(p) for p in data.negative_posts])
        every = self.refresh_timer.interval() / 1000
        self.status.setText(f"Updated {data.now:%H:%M:%S} UTC · refreshes every {every:g} s")
        self._tick()

    def _mark_spikes(self, data: WallData) -> None:
        """Words on the chart too: each spike's peak bar says so."""
        bands = data.snapshot.spike_bands
        size = f"{round(24 * self._scale)}px"
        for spike in spikes(bands):
            peak = max((b for b in bands if spike.start <= b.bucket < spike.end), key=lambda b: b.value)
            label = pg.TextItem("▲ SPIKE", color=ALERT_C, anchor=(0.5, 1.0))
            label.setHtml(f'<span style="font-size:{size}; font-weight:700; color:{ALERT_C}">▲ SPIKE</span>')
            label.setPos(x_of(peak.bucket) + 1800, peak.value)
            self.spike_chart.addItem(label)

    def _mark_shares(self, data: WallData) -> None:
        size = f"{round(24 * self._scale)}px"
        for i, share in enumerate(data.snapshot.sov_now.values()):
            label = pg.TextItem(anchor=(0.5, 1.0))
            label.setHtml(f'<span style="font-size:{size}; font-weight:700; color:{TEXT}">{share:.0%}</span>')
            label.setPos(i, share)
            self.share_chart.addItem(label)

    def _fit_ranges(self, data: WallData) -> None:
        """Room above the tallest bar for its mark and the legend."""
        bands = data.snapshot.spike_bands
        top = max([b.value for b in bands] + [b.threshold or 0 for b in bands] + [1])
        self.spike_chart.setYRange(0, top * 1.3, padding=0)
        self.share_chart.setYRange(0, 1.25, padding=0)

    def _tick(self) -> None:
        """Every second: the clock and the age of the newest post."""
        now = self.ws.clock()
        local = now.astimezone()
        self.clock.setText(f"{local:%H:%M:%S}")
        self.date.setText(f"{local:%a %d %b} · UTC {now.astimezone(UTC):%H:%M}")
        if self.data is None:
            self.live.setText("… connecting")
            return
        level, words = listening_status(self.data, _now(self.ws))
        self.live.setText(words)
        if self.live.property("level") != level:
            repolish(self.live, level=level)

    # ---- keys and closing --------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_F11:
            self.showNormal() if self.isFullScreen() else self.showFullScreen()
        elif event.key() == Qt.Key.Key_Escape and self.isFullScreen():
            self.showNormal()
        else:
            super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.refresh_timer.stop()
        self.clock_timer.stop()
        self.loader.wait()
        super().closeEvent(event)

    def close_loader(self) -> None:
        """Stop for good (before the workspace closes)."""
        self.refresh_timer.stop()
        self.clock_timer.stop()
        self.loader.close()

    # ---- what is shown (tests, copy) ---------------------------------------------------------------------
    def tile_text(self, key: str) -> tuple[str, str, str]:
        tile = self.tiles[key]
        return tile.caption.text(), tile.value.text(), tile.detail.text()


def _ticker_line(post: Any) -> tuple[str, str]:
    who = post.author_handle or post.author_name or "someone"
    return f"{post.created_at:%H:%M}", f"{who} ({post.channel}): {post.title or post.text}"


def _style_chart(chart: Chart, scale: float) -> None:
    """Big axis text and titles on the wall's panel colour."""
    font = QFont()
    font.setPixelSize(max(9, round(20 * scale)))
    chart.getAxis("bottom").setHeight(round(34 * scale))
    chart.getAxis("left").setWidth(round(64 * scale))
    for name in ("left", "bottom"):
        axis = chart.getAxis(name)
        axis.setTickFont(font)
        axis.setTextPen(pg.mkPen(MUTED))
        axis.setPen(pg.mkPen(BORDER))
    chart.plotItem.titleLabel.opts.update(size=f"{round(26 * scale)}px", color=TEXT, bold=True)
    chart.setTitle(chart.plotItem.titleLabel.text)
    _fit_title(chart, scale)
    legend = chart.plotItem.legend
    if legend is not None:
        legend.setLabelTextSize(f"{round(20 * scale)}px")
        legend.setLabelTextColor(TEXT)


def _thicken(chart: Chart, scale: float) -> None:
    """Lines and markers drawn for a desk are hairlines across a room."""
    for item in chart.plotItem.listDataItems():
        if not isinstance(item, pg.PlotDataItem):  # bars keep their outline
            continue
        pen = item.opts.get("pen")
        if pen is not None:
            wide = pg.mkPen(pen)
            wide.setWidthF(max(2.0, 3.5 * scale))
            item.setPen(wide)
        if item.opts.get("symbol"):
            item.setSymbolSize(max(8, round(18 * scale)))


def _fit_title(chart: Chart, scale: float) -> None:
    height = max(30, round(40 * scale))
    chart.plotItem.titleLabel.setMaximumHeight(height)
    chart.plotItem.layout.setRowFixedHeight(0, height)


def render_wall(ws: Workspace, size: QSize | tuple[int, int] = (1920, 1080)) -> QImage:
    """The wall drawn off screen (for `snapshot --view wall`); needs a QApplication. Loads in this thread:
    nothing else is waiting."""
    view = WallView(ws)
    view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
    view.resize(size if isinstance(size, QSize) else QSize(*size))
    view.refresh_on_show = False  # no worker load: the figures below are drawn directly
    view.show()
    view.show_data(load_wall(ws, _now(ws)))
    view.layout().activate()
    QApplication.processEvents()
    image = view.grab().toImage()
    view.close_loader()
    view.close()
    view.deleteLater()
    return image

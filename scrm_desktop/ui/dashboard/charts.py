"""Dashboard charts (pyqtgraph): each draws from a Snapshot, maps a click to the query behind it, and exports
itself to PNG and its numbers to CSV."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtCore import QPoint, QPointF, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QMenu, QSizePolicy

from scrm_desktop.core.measure import window_query
from scrm_desktop.ui.dashboard.data import Snapshot

HOUR_S = 3600.0
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22")
BELOW_COLUMNS = 4  # entries a row in a legend under the plot
SENTIMENT_COLORS = {"positive": "#2ca02c", "negative": "#d62728", "neutral": "#7f7f7f"}


def x_of(bucket: datetime) -> float:
    return bucket.replace(tzinfo=UTC).timestamp()


def bucket_of(x: float) -> datetime:
    return datetime.fromtimestamp(x, UTC).replace(tzinfo=None, minute=0, second=0, microsecond=0)


def quoted(value: str) -> str:
    return '"' + value.replace('"', "") + '"' if any(not ch.isalnum() for ch in value) else value


class Chart(pg.PlotWidget):
    """A titled time chart; `posts_requested(query, title)` when a point or bar is clicked."""

    posts_requested = Signal(str, str)

    def __init__(self, title: str, time_axis: bool = True, legend_columns: int = 1, legend_below: bool = False) -> None:
        axis = {"bottom": pg.DateAxisItem(utcOffset=0)} if time_axis else {}
        super().__init__(axisItems=axis)
        self.title = title
        self.setTitle(title)
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.legend_columns = legend_columns
        if legend_below:
            self.put_legend_below()
        else:  # in the plot's top-left corner, on a translucent plate that stays readable over a line
            self.plotItem.addLegend(offset=(5, 5), brush=pg.mkBrush(0, 0, 0, 170))
        self.snapshot: Snapshot | None = None
        self.scene().sigMouseClicked.connect(self._clicked)

    def put_legend_below(self) -> None:
        """The legend in a row of its own under the time axis, where it hides no line or area (a chart that fills
        its plot, as the share of voice over time, has no free corner). Before the chart draws: the entries are
        added as its curves are."""
        plot = self.plotItem
        if plot.legend is not None:
            self.scene().removeItem(plot.legend)
        self.legend_columns = max(self.legend_columns, BELOW_COLUMNS)  # the plot's width is free for them
        # no offset: the plot's layout places it, in the row after the bottom axis's (rows 0-3 are pyqtgraph's)
        plot.legend = pg.LegendItem(colCount=self.legend_columns)
        fixed = QSizePolicy.Policy.Fixed  # its own size, centred: not stretched over the row
        plot.legend.setSizePolicy(fixed, fixed)
        plot.layout.addItem(plot.legend, 4, 1, Qt.AlignmentFlag.AlignHCenter)

    def _clicked(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.button() == Qt.MouseButton.RightButton:
            self.export_menu().popup(event.screenPos().toPoint())
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if self.snapshot is None or not self.plotItem.vb.sceneBoundingRect().contains(event.scenePos()):
            return
        point = self.plotItem.vb.mapSceneToView(event.scenePos())
        picked = self.query_at(point)
        if picked is not None:
            self.posts_requested.emit(*picked)

    def view_to_widget(self, x: float, y: float) -> QPoint:
        """Where a data point is on screen (tests click there)."""
        return self.mapFromScene(self.plotItem.vb.mapViewToScene(QPointF(x, y)))

    def base_query(self) -> str:
        assert self.snapshot is not None
        f = self.snapshot.filters
        parts = ([f"topic:{quoted(f.topic)}"] if f.topic else []) + ([f"channel:{f.channel}"] if f.channel else [])
        return " ".join(parts)

    def hour_query(self, x: float, *extra: str) -> tuple[str, str]:
        start = bucket_of(x)
        query = " ".join(p for p in (self.base_query(), *extra, window_query(start, start + timedelta(hours=1))) if p)
        return query, f"{self.title}: {start:%Y-%m-%d %H:00} UTC"

    def query_at(self, point: QPointF) -> tuple[str, str] | None:
        raise NotImplementedError

    def show_snapshot(self, snap: Snapshot) -> None:
        self.snapshot = snap
        self.plotItem.clear()
        self.draw(snap)
        legend = self.plotItem.legend
        if legend is not None:  # laid out once all its entries are in (rows x columns)
            legend.setColumnCount(self.legend_columns)
            # pyqtgraph resizes it at its origin as entries come in: a legend in the layout is put back in its row
            # now, before the chart is painted or exported
            legend.layout.activate()
            legend.updateGeometry()
            self.plotItem.layout.activate()

    def draw(self, snap: Snapshot) -> None:
        raise NotImplementedError

    def rows(self) -> tuple[list[str], list[list[object]]]:
        raise NotImplementedError

    def export_menu(self) -> QMenu:
        """Right-click: this chart alone as PNG or CSV."""
        menu = QMenu(self)
        menu.addAction("Save chart as PNG…", lambda: self._export_to("png"))
        menu.addAction("Save numbers as CSV…", lambda: self._export_to("csv"))
        return menu

    def _export_to(self, kind: str) -> None:
        name = "".join(ch if ch.isalnum() else "_" for ch in self.title.lower()).strip("_")
        path, _ = QFileDialog.getSaveFileName(self, f"Export {self.title}", f"{name}.{kind}", f"*.{kind}")
        if path:
            (self.export_png if kind == "png" else self.export_csv)(path)

    def export_png(self, path: str | Path) -> None:
        pyqtgraph.exporters.ImageExporter(self.plotItem).export(str(path))

    def export_csv(self, path: str | Path) -> None:
        header, rows = self.rows()
        with open(path, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(header)
            writer.writerows(rows)


def _hours(snap: Snapshot) -> list[datetime]:
    out, t = [], snap.start
    while t < snap.end:
        out.append(t)
        t += timedelta(hours=1)
    return out


def _series_rows(snap: Snapshot, series: dict[str, dict[datetime, int]]) -> tuple[list[str], list[list[object]]]:
    names = list(series)
    rows = [[f"{t:%Y-%m-%d %H:00}", *(series[n].get(t, 0) for n in names)] for t in _hours(snap)]
    return ["hour (UTC)", *names], rows


class VolumeChart(Chart):
    def __init__(self) -> None:
        super().__init__("Volume by channel", legend_columns=4)

    def draw(self, snap: Snapshot) -> None:
        hours = _hours(snap)
        xs = [x_of(t) + HOUR_S / 2 for t in hours]
        for i, (channel, counts) in enumerate(snap.volume.items()):
            ys = [counts.get(t, 0) for t in hours]
            self.plot(xs, ys, pen=pg.mkPen(COLORS[i % len(COLORS)], width=2), name=channel)

    def query_at(self, point: QPointF) -> tuple[str, str] | None:
        assert self.snapshot is not None
        bucket = bucket_of(point.x())
        # the channel whose line is closest to the click at that hour
        near = min(self.snapshot.volume.items(), key=lambda kv: abs(kv[1].get(bucket, 0) - point.y()), default=None)
        if near is None or self.snapshot.filters.channel:
            return self.hour_query(point.x())
        return self.hour_query(point.x(), f"channel:{near[0]}")

    def rows(self) -> tuple[list[str], list[list[object]]]:
        assert self.snapshot is not None
        return _series_rows(self.snapshot, self.snapshot.volume)


class SentimentChart(Chart):
    def __init__(self) -> None:
        super().__init__("Sentiment", legend_columns=2)

    def draw(self, snap: Snapshot) -> None:
        net = "n/a" if snap.net is None else f"{snap.net:+.2f}"
        self.setTitle(f"Sentiment (net {net})")
        hours = _hours(snap)
        xs = [x_of(t) + HOUR_S / 2 for t in hours]
        for label in ("positive", "negative"):
            ys = [snap.sentiment.get(label, {}).get(t, 0) for t in hours]
            self.plot(xs, ys, pen=pg.mkPen(SENTIMENT_COLORS[label], width=2), name=label)

    def query_at(self, point: QPointF) -> tuple[str, str] | None:
        assert self.snapshot is not None
        bucket = bucket_of(point.x())
        pos = self.snapshot.sentiment.get("positive", {}).get(bucket, 0)
        neg = self.snapshot.sentiment.get("negative", {}).get(bucket, 0)
        label = "positive" if abs(pos - point.y()) < abs(neg - point.y()) else "negative"
        return self.hour_query(point.x(), f"sentiment:{label}")

    def rows(self) -> tuple[list[str], list[list[object]]]:
        assert self.snapshot is not None
        return _series_rows(self.snapshot, self.snapshot.sentiment)


class ShareTrendChart(Chart):
    """Share of voice over time, stacked to 100%."""

    def __init__(self) -> None:
        super().__init__("Share of voice over time", legend_below=True)

    def draw(self, snap: Snapshot) -> None:
        xs = [x_of(t) + HOUR_S / 2 for t in snap.sov_buckets]
        below = [0.0] * len(xs)
        # the floor of the first brand's area: a curve with no visible pen (pen=None makes no curve path at all,
        # and the first brand's area was left unfilled)
        lower = self.plot(xs, below, pen=pg.mkPen(None)) if xs else None
        legend = self.plotItem.legend
        if legend is not None:
            legend.clear()  # its swatches are not the plot's items: clearing the plot leaves them
        for i, (brand, shares) in enumerate(snap.sov_series.items()):
            top = [b + s for b, s in zip(below, shares, strict=True)]
            color = COLORS[i % len(COLORS)]
            upper = self.plot(xs, top, pen=pg.mkPen(color))
            if lower is not None:
                self.addItem(pg.FillBetweenItem(lower, upper, brush=pg.mkBrush(color + "80")))
            if legend is not None:  # a swatch of the brand's area, not its thin top line
                legend.addItem(pg.BarGraphItem(x=[0], height=[0], width=0, brush=color + "80", pen=color), brand)
            lower, below = upper, top
        if xs:  # a fill's bounds include the origin, which would stretch the time axis back to 1970
            self.setXRange(xs[0], xs[-1], padding=0.02)
            self.setYRange(0, 1, padding=0.02)

    def query_at(self, point: QPointF) -> tuple[str, str] | None:
        assert self.snapshot is not None
        snap = self.snapshot
        if bucket_of(point.x()) not in snap.sov_buckets:
            return None
        i = snap.sov_buckets.index(bucket_of(point.x()))
        level = 0.0
        for brand, shares in snap.sov_series.items():
            level += shares[i]
            if point.y() <= level:  # share of voice compares every tracked brand: only the channel filters it
                channel = f"channel:{snap.filters.channel}" if snap.filters.channel else ""
                start = bucket_of(point.x())
                parts = (f"topic:{quoted(brand)}", channel, window_query(start, start + timedelta(hours=1)))
                return " ".join(p for p in parts if p), f"{self.title}: {brand} {start:%Y-%m-%d %H:00} UTC"
        return None

    def rows(self) -> tuple[list[str], list[list[object]]]:
        assert self.snapshot is not None
        snap = self.snapshot
        names = list(snap.sov_series)
        rows = [
            [f"{t:%Y-%m-%d %H:00}", *(round(snap.sov_series[n][i], 4) for n in names)]
            for i, t in enumerate(snap.sov_buckets)
        ]
        return ["hour (UTC)", *names], rows


class ShareNowChart(Chart):
    """Share of voice over the whole range (and positive share of voice), one bar per brand."""

    def __init__(self) -> None:
        super().__init__("Share of voice", time_axis=False)

    def draw(self, snap: Snapshot) -> None:
        names = list(snap.sov_now)
        xs = list(range(len(names)))
        brushes = [COLORS[i % len(COLORS)] for i in xs]
        self.addItem(pg.BarGraphItem(x=xs, height=[snap.sov_now[n] for n in names], width=0.6, brushes=brushes))
        self.plot(
            [x + 0.0 for x in xs],
            [snap.sov_positive.get(n, 0) for n in names],
            pen=None,
            symbol="d",
            symbolBrush="#2ca02c",
            name="positive share",
        )
        self.getAxis("bottom").setTicks([list(enumerate(names))])
        self.setYRange(0, 1)

    def query_at(self, point: QPointF) -> tuple[str, str] | None:
        assert self.snapshot is not None
        names = list(self.snapshot.sov_now)
        i = round(point.x())
        if not 0 <= i < len(names) or abs(point.x() - i) > 0.3:
            return None
        snap = self.snapshot
        channel = f"channel:{snap.filters.channel}" if snap.filters.channel else ""
        parts = (f"topic:{quoted(names[i])}", channel, window_query(snap.start, snap.end))
        query = " ".join(p for p in parts if p)
        return query, f"{names[i]}: share of voice"

    def rows(self) -> tuple[list[str], list[list[object]]]:
        assert self.snapshot is not None
        snap = self.snapshot
        return ["brand", "share", "positive share"], [
            [n, round(s, 4), round(snap.sov_positive.get(n, 0.0), 4)] for n, s in snap.sov_now.items()
        ]


class SpikeChart(Chart):
    """A topic's hourly volume as bars, its baseline band (baseline..threshold) and threshold line; spiking
    hours in red."""

    def __init__(self) -> None:
        super().__init__("Spikes")
        self.threshold_curve: pg.PlotDataItem | None = None

    def draw(self, snap: Snapshot) -> None:
        self.setTitle(f"Spikes: {snap.spike_topic or 'no topics yet'}")
        bands = snap.spike_bands
        xs = [x_of(b.bucket) + HOUR_S / 2 for b in bands]
        brushes = ["#d62728" if b.is_spike else "#1f77b4" for b in bands]
        self.addItem(pg.BarGraphItem(x=xs, height=[b.value for b in bands], width=HOUR_S * 0.8, brushes=brushes))
        known = [(x, b) for x, b in zip(xs, bands, strict=True) if b.threshold is not None]
        kx = [x for x, _ in known]
        base = self.plot(kx, [b.baseline for _, b in known], pen=pg.mkPen("#ff7f0e", width=2), name="baseline")
        self.threshold_curve = self.plot(
            kx,
            [b.threshold for _, b in known],
            pen=pg.mkPen("#d62728", width=2, style=pg.QtCore.Qt.PenStyle.DashLine),
            name="threshold",
        )
        self.addItem(pg.FillBetweenItem(base, self.threshold_curve, brush=pg.mkBrush(255, 127, 14, 50)))

    def query_at(self, point: QPointF) -> tuple[str, str] | None:
        assert self.snapshot is not None
        snap = self.snapshot
        if not snap.spike_topic:
            return None
        topic = "" if snap.filters.topic else f"topic:{quoted(snap.spike_topic)}"
        return self.hour_query(point.x(), topic)

    def rows(self) -> tuple[list[str], list[list[object]]]:
        assert self.snapshot is not None
        return ["hour (UTC)", "posts", "baseline", "threshold", "spike"], [
            [
                f"{b.bucket:%Y-%m-%d %H:00}",
                b.value,
                "" if b.baseline is None else round(b.baseline, 2),
                "" if b.threshold is None else round(b.threshold, 2),
                int(b.is_spike),
            ]
            for b in self.snapshot.spike_bands
        ]

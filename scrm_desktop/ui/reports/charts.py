"""The dashboard's own charts drawn off screen for a printed report: the same classes and the same snapshot, on
white paper with dark ink, exported through pyqtgraph's image exporter (as the dashboard's "Save chart as PNG…")."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from scrm_desktop.ui.dashboard.charts import (
    Chart,
    SentimentChart,
    ShareNowChart,
    ShareTrendChart,
    SpikeChart,
    VolumeChart,
)
from scrm_desktop.ui.dashboard.data import Snapshot

CHARTS: dict[str, type[Chart]] = {
    "volume": VolumeChart,
    "sentiment": SentimentChart,
    "share_now": ShareNowChart,
    "share_trend": ShareTrendChart,
    "spikes": SpikeChart,
}
SIZE = (760, 320)  # logical pixels, about the printed width: type stays readable; exported at SCALE times that
SCALE = 3


@contextmanager
def _ink_on_paper() -> Iterator[None]:
    """Axes, titles and legend text in black while report charts are built and exported (GUI thread only)."""
    before = {key: pg.getConfigOption(key) for key in ("foreground", "background")}
    pg.setConfigOptions(foreground="k", background="w")
    try:
        yield
    finally:
        pg.setConfigOptions(**before)


def chart_image(key: str, snap: Snapshot, size: tuple[int, int] = SIZE, scale: int = SCALE) -> QImage:
    """One dashboard chart of the snapshot as an image (needs a QApplication; call on the GUI thread)."""
    with _ink_on_paper():
        chart = CHARTS[key]()
        chart.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        chart.setBackground("w")
        chart.put_legend_below()  # paper has room for it: on the page no legend hides a line or an area
        legend = chart.plotItem.legend
        chart.resize(*size)
        chart.show()  # a hidden widget gets its size only when shown: the plot lays out at the size asked
        chart.show_snapshot(snap)
        if legend is not None:  # pyqtgraph's legend ignores transformations: the exporter's scale-up passed it by,
            legend.setFlag(legend.GraphicsItemFlag.ItemIgnoresTransformations, False)  # printing it at a third
        exporter = pyqtgraph.exporters.ImageExporter(chart.plotItem)
        exporter.parameters()["width"] = size[0] * scale
        image = exporter.export(toBytes=True)
        chart.close()
        chart.deleteLater()
    return image


def chart_images(snap: Snapshot, keys: tuple[str, ...] = tuple(CHARTS)) -> dict[str, QImage]:
    return {key: chart_image(key, snap) for key in keys}

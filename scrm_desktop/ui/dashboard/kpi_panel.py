"""Care KPIs on the dashboard: first-response time, resolution time and the share of SLAs met, overall and per
agent, over a chosen period. The rows are read and computed on a worker thread (engage/kpis.py does the sums)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from scrm_desktop.engage.kpis import PERIODS, KpiFigures, KpiReport, compute, format_minutes, period
from scrm_desktop.engage.outbox import naive
from scrm_desktop.store.case_reports import CaseReports
from scrm_desktop.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from scrm_desktop.workspace import Workspace

COLUMNS = ("agent", "cases", "answered", "first response (median)", "resolved", "resolution (median)", "SLA met")
REFRESH_MS = 60_000


def _share(f: KpiFigures) -> str:
    return "—" if f.sla_share is None else f"{f.sla_share:.0%} ({f.sla_met}/{f.sla_counted})"


def _cells(f: KpiFigures) -> tuple[str, ...]:
    return (
        f.agent or "Everyone",
        str(f.cases),
        str(f.responded),
        format_minutes(f.first_response_median_min),
        str(f.resolved),
        format_minutes(f.resolution_median_min),
        _share(f),
    )


def load_report(ws: Workspace, name: str) -> KpiReport:
    now = naive(ws.clock())
    since, until = period(name, now)
    return compute(CaseReports(ws.db.engine).kpi_rows(since, until), now, since, until)


class KpiPanel(QWidget):
    loaded = Signal(object)  # the KpiReport shown

    def __init__(self, ws: Workspace, parent: QWidget | None = None, synchronous: bool = False) -> None:
        super().__init__(parent)
        self.ws = ws
        self.report: KpiReport | None = None
        self.loader = TaskRunner(self, synchronous=synchronous)
        self.period = QComboBox()
        self.period.addItems(list(PERIODS))
        self.period.setCurrentText("Last 7 days")
        self.headline = QLabel()
        self.headline.setStyleSheet("font-size: 14px;")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        top = QHBoxLayout()
        title = QLabel("<b>Care KPIs</b>")
        top.addWidget(title)
        top.addWidget(self.period)
        top.addWidget(self.headline, 1)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.addLayout(top)
        col.addWidget(self.table, 1)
        self.period.currentIndexChanged.connect(self.refresh)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)

    def showEvent(self, event: QShowEvent) -> None:  # loads only while someone can see it (a tab, a window)
        self._timer.start()
        self.refresh()
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self._timer.stop()
        super().hideEvent(event)

    def refresh(self) -> None:
        name = self.period.currentText()
        self.loader.run(lambda: load_report(self.ws, name), self.show_report, key="kpis", failure=self._failed)

    def _failed(self, exc: Exception) -> None:
        self.headline.setText(f"Could not compute the KPIs: {exc}")

    def show_report(self, report: KpiReport) -> None:
        self.report = report
        o = report.overall
        self.headline.setText(
            f"  first response {format_minutes(o.first_response_median_min)}  ·  "
            f"resolution {format_minutes(o.resolution_median_min)}  ·  SLA met {_share(o)}  ·  {o.cases} cases"
        )
        rows = (o, *report.agents)
        self.table.setRowCount(len(rows))
        for r, figures in enumerate(rows):
            for c, text in enumerate(_cells(figures)):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self.loaded.emit(report)

    def cell(self, agent: str, column: str) -> str:
        """The text shown for an agent ("Everyone" for the overall row) in a column (tests, copy)."""
        c = COLUMNS.index(column)
        for r in range(self.table.rowCount()):
            if self.table.item(r, 0).text() == agent:
                return self.table.item(r, c).text()
        raise KeyError(agent)


def add_care_panels(view: QWidget, layout: QBoxLayout, ws: Workspace) -> None:
    """The incident banner on top of the dashboard and the care KPIs as a tab beside its measures table."""
    if not hasattr(ws, "cases"):
        return
    from scrm_desktop.ui.agent.incident_banner import IncidentBanner

    view.incident_banner = IncidentBanner(ws, view)  # type: ignore[attr-defined]
    layout.insertWidget(0, view.incident_banner)  # type: ignore[attr-defined]
    view.kpi_panel = KpiPanel(ws, view)  # type: ignore[attr-defined]
    tabs = getattr(view, "measure_tabs", None)
    if isinstance(tabs, QTabWidget):
        tabs.addTab(view.kpi_panel, "Care KPIs")  # type: ignore[attr-defined]
    else:
        layout.addWidget(view.kpi_panel, 1)  # type: ignore[attr-defined]

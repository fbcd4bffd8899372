"""The Customers window (Work menu): records, suggested links, influencers, advocates and CSV import in tabs.
Tabs load when first shown; anything that scans posts runs on the window's worker thread."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from scrm_desktop.ui.customers.import_tab import ImportTab
from scrm_desktop.ui.customers.rankings import RankingTab
from scrm_desktop.ui.customers.records import RecordsTab
from scrm_desktop.ui.customers.suggestions import SuggestionsTab
from scrm_desktop.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from scrm_desktop.workspace import Workspace


class CustomersWindow(QWidget):
    def __init__(self, ws: Workspace, actor: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Customers")
        self.loader = TaskRunner(self)
        actor = actor or str(getattr(ws.settings, "agent_name", "") or "")
        self.records = RecordsTab(ws.customers, self.loader, actor)
        self.suggestions = SuggestionsTab(ws.customers, self.loader, actor)
        self.influencers = RankingTab("influencers", ws.influence, self.loader)
        self.advocates = RankingTab("advocates", ws.influence, self.loader)
        self.importer = ImportTab(ws.customers, self.loader, actor)
        self.tabs = QTabWidget()
        for widget, title in (
            (self.records, "Customers"),
            (self.suggestions, "Suggested links"),
            (self.influencers, "Influencers"),
            (self.advocates, "Advocates"),
            (self.importer, "Import CSV…"),
        ):
            self.tabs.addTab(widget, title)
        self._loaded: set[int] = set()
        self.tabs.currentChanged.connect(self._first_show)
        self.suggestions.links_changed.connect(lambda: self.records.refresh())
        self.importer.imported.connect(lambda: self.records.refresh())
        QVBoxLayout(self).addWidget(self.tabs)
        self.resize(1100, 760)
        self._first_show(0)

    def _first_show(self, index: int) -> None:
        if index in self._loaded:
            return
        self._loaded.add(index)
        tab = self.tabs.widget(index)
        refresh = getattr(tab, "refresh", None)
        if refresh is not None:
            refresh()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.loader.wait()  # the window may be shown again from the Work menu: the loader stays usable
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Stop loading for good (before the workspace closes)."""
        self.loader.close()

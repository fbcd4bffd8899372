"""The agent window opens on support work: on the demo after a round of listening (which routes dozens of sales
leads to the sales queue) the queue shows the complaints, the outage's cases and the unhappy VIP, and the leads
are one pick away under "Sales leads"; each view names how many cases it holds."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QStyle

from scrm_desktop.cli import main
from scrm_desktop.ui.agent.view import AgentView
from scrm_desktop.workspace import Workspace
from tests.ui.helpers import open_top_case

pytestmark = pytest.mark.qt_log_ignore("does not support propagateSizeHints")


@pytest.fixture(scope="module")
def listened(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("shift")
    assert main(["--basedir", str(base), "--demo", "listen", "--once"]) == 0
    return base


@pytest.fixture
def demo(listened: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    shutil.copytree(listened, tmp_path / "day")  # each test works its own copy of the listened demo
    ws = Workspace.open(str(tmp_path / "day"), demo=True)
    ws.set_agent_name("Dana Kim")
    yield ws
    ws.close()


def rows(view: AgentView) -> list[list[str]]:
    return [[view.queue.item(i).text(c) for c in range(8)] for i in range(view.queue.count())]


def labels(view: AgentView) -> dict[str, str]:
    combo = view.queue_choice
    return {combo.itemData(i): combo.itemText(i) for i in range(combo.count())}


def test_the_queue_opens_on_support_work_and_the_leads_have_their_own_view(qtbot, demo) -> None:  # type: ignore[no-untyped-def]
    view = AgentView(demo, synchronous=True)
    qtbot.addWidget(view)
    view.show()
    view.refresh()
    assert view.queue_choice.currentData() == "support"
    shown = rows(view)
    assert shown and not any("→ sales" in row[1] for row in shown), "no sales lead among the support cases"
    assert shown[0][0] == "P1" and shown[0][2] == "Hana Tanaka"  # the unhappy VIP on top
    assert any("no-show" in row[7].lower() for row in shown)  # the outage's cases are there
    view.queue_choice.setCurrentIndex(view.queue_choice.findData("sales"))
    leads = rows(view)
    assert len(leads) >= 10 and all("→ sales" in row[1] for row in leads)
    # each view says how many cases it holds, and the numbers add up: support + leads = every open case
    counts = {key: int(text.rsplit("(", 1)[1].rstrip(")")) for key, text in labels(view).items()}
    assert labels(view)["sales"] == f"Sales leads ({len(leads)})"
    assert counts["support"] == len(shown) and counts["support"] + counts["sales"] == counts["all"]
    assert view.queue_summary.text().startswith(f"{len(leads)} cases")


def test_next_from_the_support_queue_is_a_support_case_not_a_lead(qtbot, demo) -> None:  # type: ignore[no-untyped-def]
    view = AgentView(demo, synchronous=True)
    qtbot.addWidget(view)
    view.show()
    view.refresh()
    seen = []
    for _ in range(4):  # resolve the case on top, then each next one: none of them is a sales lead
        if view.case is None:
            view.queue.setFocus()
            view.queue.setCurrentRow(0)
            qtbot.keyClick(view.queue, Qt.Key.Key_Return)
        assert view.case is not None and view.case.assignee != "queue:sales", view.case
        seen.append(view.case.id)
        view.resolve("answered")
    assert len(set(seen)) == 4
    assert demo.cases.repo.get(seen[-1]).status == "resolved"


def test_the_queue_is_there_when_the_window_opens_and_keeps_up_by_itself(qtbot, demo) -> None:  # type: ignore[no-untyped-def]
    """Opened from the Work menu with nothing coming in (no bridge, no listening), the queue is read at once (it
    stayed empty until the next post arrived); while it is shown, a case opened elsewhere reaches it unasked."""
    view = AgentView(demo)  # the real background runner
    qtbot.addWidget(view)
    assert view.queue.count() == 0
    view.show()
    assert view.queue_summary.text() == "Reading the queue…"
    qtbot.waitUntil(lambda: view.queue.count() > 0)
    assert view.queue_summary.text().startswith(f"{view.queue.count()} cases")
    assert view.queue_choice.currentText() == f"Support ({view.queue.count()})"
    post = next(p for p in demo.db.posts.page(limit=500) if demo.cases.repo.case_for_post(p.id) is None)
    teammate = demo.cases.open_from_post(post.id, "Sam Reyes", priority=1)  # another desktop, say
    view.queue_timer.setInterval(50)  # the clock's next tick, sooner
    qtbot.waitUntil(lambda: teammate.id in view.queue.case_ids())
    view.hide()
    assert not view.queue_timer.isActive()
    view.close()


def test_the_urgent_cases_sla_clock_is_whole_in_its_column(qtbot, demo) -> None:  # type: ignore[no-untyped-def]
    """The P1 row is bold: its clock ("in 53 min", "59 min late") was cut to "in 53 …" in the SLA column."""
    view = AgentView(demo, synchronous=True)
    qtbot.addWidget(view)
    view.resize(1400, 900)
    view.show()
    top = view.queue.item(0)
    assert top.text(0) == "P1" and top.font(6).bold() and top.text(6).startswith("in ")
    metrics = QFontMetrics(top.font(6))
    margins = 2 * view.queue.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin) + 2
    for clock in (top.text(6), "in 59 min", "59 min late"):
        assert metrics.horizontalAdvance(clock) + margins <= view.queue.columnWidth(6), clock
    assert view.queue.horizontalScrollBar().isHidden() or not view.queue.horizontalScrollBar().isVisible()


def test_a_case_opened_from_a_post_becomes_the_queues_current_row(qtbot, demo) -> None:  # type: ignore[no-untyped-def]
    """The agent was on the top case; a post from a stream opened as a case (C) showed beside the queue while the
    queue still highlighted the earlier case, so Enter took them back to it."""
    view = AgentView(demo, synchronous=True)
    qtbot.addWidget(view)
    view.show()
    open_top_case(qtbot, view)
    first = view.case.id
    post = next(p for p in demo.db.posts.page(limit=500) if demo.cases.repo.case_for_post(p.id) is None)
    view.open_post(post.id)  # what C in a stream does
    assert view.case.id != first and view.case.post_id == post.id
    assert view.queue.currentItem().data(0, Qt.ItemDataRole.UserRole) == view.case.id
    view.queue.setCurrentRow(0)  # the agent moves on in the queue: a later read leaves the row where they put it
    view.refresh()
    assert view.queue.currentRow() == 0


def test_the_incidents_tab_shows_the_incidents_title(qtbot, demo) -> None:  # type: ignore[no-untyped-def]
    """In the agent window the incident list sits beside its form: its title column was 26 px ("Bri…"), and the
    Title field showed the title's end ("…wave Care technicians not arriving for booked visits")."""
    view = AgentView(demo, synchronous=True)
    qtbot.addWidget(view)
    view.resize(1400, 900)
    view.show()
    view.show_tab(2)  # Ctrl+3
    panel = view.incidents
    assert view.tabs.currentWidget() is panel
    item = panel.list.topLevelItem(0)
    panel.list.setCurrentItem(item)
    words = item.text(1).split()
    metrics = QFontMetrics(panel.list.font())
    assert panel.list.columnWidth(1) >= metrics.horizontalAdvance(" ".join(words[:3])) + 12, panel.list.columnWidth(1)
    assert "updated" in item.toolTip(1) and item.text(1) in item.toolTip(0)
    assert panel.title.text() == item.text(1) and panel.title.cursorPosition() == 0

"""The dashboard on the demo workspace: the crisis shows as a spike over its threshold line, a click on the
spike emits the query behind it, alerts can be acknowledged, and every chart exports."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from scrm_desktop.core.query import parse
from scrm_desktop.store.query_sql import to_sql
from scrm_desktop.ui.dashboard import DashboardView, render_dashboard
from scrm_desktop.ui.dashboard.charts import x_of
from scrm_desktop.workspace import Workspace


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    ws = Workspace.open(str(tmp_path_factory.mktemp("dash")), demo=True)
    ws.run_once()  # a day of demo posts, crisis included
    yield ws
    ws.close()


@pytest.fixture
def view(qtbot, demo):
    dashboard = DashboardView(demo)
    qtbot.addWidget(dashboard)
    dashboard.resize(1400, 1000)
    dashboard.show()
    qtbot.waitExposed(dashboard)
    dashboard.topic_box.setCurrentIndex(dashboard.topic_box.findData("Brightwave Care"))
    return dashboard


def test_the_crisis_is_a_spike_over_its_threshold_and_a_click_emits_its_query(qtbot, view, demo):
    chart = view.charts["spikes"]
    spiking = [b for b in view.snapshot.spike_bands if b.is_spike]
    assert spiking, "the demo crisis should show as a spike"
    peak = max(spiking, key=lambda b: b.value)
    xs, ys = chart.threshold_curve.getData()
    drawn = dict(zip(xs, ys, strict=True))
    assert drawn[x_of(peak.bucket) + 1800] == pytest.approx(peak.threshold)
    assert peak.threshold < peak.value
    with qtbot.waitSignal(chart.posts_requested, timeout=2000) as signal:
        where = chart.view_to_widget(x_of(peak.bucket) + 1800, peak.value / 2)
        qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=where)
    query, title = signal.args
    assert "Spikes" in title
    assert query.startswith('topic:"Brightwave Care" since:') and "Brightwave Care" in view.snapshot.spike_topic
    assert demo.db.posts.count(to_sql(parse(query))) == peak.value


def test_alert_is_listed_and_acknowledged(qtbot, view, demo):
    assert view.alerts.list.count() > 0
    view.alerts.list.setCurrentRow(0)
    qtbot.mouseClick(view.alerts.acknowledge_button, Qt.MouseButton.LeftButton)
    first = view.alerts.list.item(0).data(Qt.ItemDataRole.UserRole)
    assert first.acknowledged_by and "✓" in view.alerts.list.item(0).text()


def test_share_of_voice_and_measures_fill_and_export(view, tmp_path):
    view.topic_box.setCurrentIndex(0)
    view.range_box.setCurrentText("7d")
    snap = view.snapshot
    assert set(snap.sov_now) == {"Brightwave", "Corvex", "Nimbly"}
    assert sum(snap.sov_now.values()) == pytest.approx(1.0) and snap.sov_now["Brightwave"] > 0.5
    assert view.measures.rowCount() == len(snap.measures) > 3
    files = view.export(tmp_path)
    assert all(f.stat().st_size > 0 for f in files) and len(files) == 10
    assert (tmp_path / "share_now.csv").read_text().splitlines()[0] == "brand,share,positive share"


def test_render_dashboard_draws_an_image(qtbot, demo):
    image = render_dashboard(demo, (1200, 800))
    assert (image.width(), image.height()) == (1200, 800) and not image.isNull()

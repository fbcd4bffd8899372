"""The dashboard on the demo workspace: loaded off the GUI thread, the crisis shows as a spike over its threshold
line, every filter changes every chart and the table, a click on a point or a bar opens exactly the posts behind
it, alerts can be acknowledged, every chart exports, and it refreshes while posts arrive."""

from __future__ import annotations

import csv
from datetime import timedelta

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QColor

from scrm_desktop.core.influence import is_advocate
from scrm_desktop.core.measure import window_query
from scrm_desktop.core.query import parse
from scrm_desktop.listening.api import PostIn
from scrm_desktop.store.query_sql import to_sql
from scrm_desktop.ui.bridge import Bridge
from scrm_desktop.ui.dashboard import DashboardView, render_dashboard
from scrm_desktop.ui.dashboard.charts import COLORS, HOUR_S, x_of
from scrm_desktop.workspace import Workspace


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    ws = Workspace.open(str(tmp_path_factory.mktemp("dash")), demo=True)
    ws.run_once()  # a day of demo posts, crisis included
    yield ws
    ws.close()


def open_view(qtbot, demo, bridge=None) -> DashboardView:
    dashboard = DashboardView(demo, bridge)
    qtbot.addWidget(dashboard)
    dashboard.resize(1400, 1000)
    with qtbot.waitSignal(dashboard.refreshed, timeout=20_000):
        dashboard.show()  # the first load starts when the dashboard is shown, on the worker thread
    return dashboard


def choose(qtbot, view: DashboardView, box, data: str) -> None:
    with qtbot.waitSignal(view.refreshed, timeout=20_000):
        box.setCurrentIndex(box.findData(data) if box.findData(data) >= 0 else box.findText(data))
    assert view.snapshot is not None and view.snapshot.filters == view.filters()


@pytest.fixture
def view(qtbot, demo):
    return open_view(qtbot, demo)


def count(demo, query: str) -> int:
    return demo.db.posts.count(to_sql(parse(query)))


def total(series: dict) -> int:
    return sum(sum(by_hour.values()) for by_hour in series.values())


def test_the_crisis_is_a_spike_over_its_threshold_and_a_click_on_its_bar_opens_its_posts(qtbot, view, demo):
    choose(qtbot, view, view.topic_box, "Brightwave Care")
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
    assert count(demo, query) == peak.value


def test_with_no_brand_chosen_the_spike_chart_shows_the_alerted_topic(view):
    newest = next(a for a in view.snapshot.alerts if a.acknowledged_at is None and a.kind == "volume")
    assert view.snapshot.spike_topic == newest.topic
    assert any(b.is_spike for b in view.snapshot.spike_bands)


def test_a_click_on_a_point_opens_exactly_its_posts(qtbot, view, demo):
    choose(qtbot, view, view.channel_box, "reddit")
    snap = view.snapshot
    assert list(snap.volume) == ["reddit"]
    bucket, value = max(snap.volume["reddit"].items(), key=lambda kv: kv[1])
    chart = view.charts["volume"]
    with qtbot.waitSignal(chart.posts_requested, timeout=2000) as signal:
        qtbot.mouseClick(
            chart.viewport(), Qt.MouseButton.LeftButton, pos=chart.view_to_widget(x_of(bucket) + 1800, value)
        )
    query, _title = signal.args
    assert "channel:reddit" in query and count(demo, query) == value > 0


def test_a_click_on_a_share_of_voice_bar_opens_that_brands_posts(qtbot, view, demo):
    snap = view.snapshot
    chart = view.charts["share_now"]
    i = list(snap.sov_now).index("Corvex")
    with qtbot.waitSignal(chart.posts_requested, timeout=2000) as signal:
        where = chart.view_to_widget(i, snap.sov_now["Corvex"] / 2)
        qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=where)
    query, title = signal.args
    assert query.startswith("topic:Corvex since:") and "Corvex" in title
    assert count(demo, query) == snap.sov_mentions["Corvex"] > 0


def strongest(colour: QColor) -> int:
    """Which of red, green and blue is the colour's strongest (0, 1, 2)."""
    rgb = (colour.red(), colour.green(), colour.blue())
    return rgb.index(max(rgb))


def test_every_brand_fills_its_band_of_the_share_of_voice_over_time(qtbot, view):
    snap = view.snapshot
    chart = view.charts["share_trend"]
    chart.resize(800, 500)
    qtbot.wait(50)
    image = chart.grab().toImage()
    i = len(snap.sov_buckets) // 2
    x = x_of(snap.sov_buckets[i]) + HOUR_S / 2
    level = 0.0
    for n, (brand, shares) in enumerate(snap.sov_series.items()):
        share = shares[i]
        if share > 0.1:  # the middle of the brand's band is in its own colour, not the black background
            colour = image.pixelColor(chart.view_to_widget(x, level + share / 2) * image.devicePixelRatio())
            want = QColor(COLORS[n % len(COLORS)])
            assert colour.value() > 40, (brand, colour.name())
            assert strongest(colour) == strongest(want), (brand, colour.name())
        level += share


def test_range_brand_and_channel_filters_change_every_chart_and_the_table(qtbot, view, demo):
    choose(qtbot, view, view.range_box, "7d")
    snap = view.snapshot
    assert snap.end - snap.start == timedelta(days=7)
    window = window_query(snap.start, snap.end)
    assert total(snap.volume) == count(demo, window) == sum(m.mentions for m in snap.measures)

    acts = {(a.channel, a.handle): a for a in demo.influence.activity(7, until=snap.end)}
    named = [(m.channel, h) for m in snap.measures for h in m.advocates]
    assert named and all(is_advocate(acts[key]) for key in named)  # influence: the advocates ranking

    choose(qtbot, view, view.topic_box, "Corvex")
    snap = view.snapshot
    corvex = count(demo, f"topic:Corvex {window}")
    assert total(snap.volume) == corvex == sum(m.mentions for m in snap.measures) > 0
    assert sum(total({k: v}) for k, v in snap.sentiment.items()) == corvex
    assert snap.spike_topic == "Corvex" and sum(b.value for b in snap.spike_bands) == corvex

    choose(qtbot, view, view.channel_box, "mastodon")
    snap = view.snapshot
    both = count(demo, f"topic:Corvex channel:mastodon {window}")
    assert total(snap.volume) == both == sum(b.value for b in snap.spike_bands) > 0
    assert [m.channel for m in snap.measures] == ["mastodon"]
    assert snap.top_authors and {a.channel for a in snap.top_authors + snap.top_engaged} == {"mastodon"}
    assert snap.sov_mentions["Corvex"] == both
    assert {view.authors.item(r, 1).text() for r in range(view.authors.rowCount())} == {"mastodon"}
    assert view.measures.rowCount() == 1 and view.measures.item(0, 0).text() == "mastodon"


def test_custom_range_uses_the_two_dates(qtbot, view, demo):
    today = QDate.currentDate()
    view.from_date.setDate(today.addDays(-1))
    view.to_date.setDate(today.addDays(-1))
    choose(qtbot, view, view.range_box, "custom")
    assert view.from_date.isVisible() and view.to_date.isVisible()
    snap = view.snapshot
    assert snap.start == snap.filters.start and snap.end == snap.start + timedelta(days=1)
    assert snap.start.date() == today.addDays(-1).toPython()
    assert total(snap.volume) == count(demo, window_query(snap.start, snap.end)) > 0
    view.to_date.setDate(today.addDays(-3))  # before the start: refused with a message, the charts stay
    assert "ends before it starts" in view.status.text() and view.snapshot is snap


def test_refresh_runs_on_a_worker_once_at_a_time_and_keeps_the_old_charts_meanwhile(qtbot, view):
    old = view.snapshot
    drawn = len(view.charts["volume"].listDataItems())
    started = view.loader.started
    applied: list[object] = []
    view.snapshot_shown.connect(applied.append)
    for _ in range(3):
        view.refresh()
    assert view.loader.started == started + 1  # the others wait and merge into one more
    assert view.snapshot is old and len(view.charts["volume"].listDataItems()) == drawn
    qtbot.waitUntil(lambda: bool(applied) and not view.loader.busy, timeout=20_000)
    assert view.loader.started == started + 2 and len(applied) == 1 and view.snapshot is applied[0]


def test_alert_is_listed_and_acknowledged(qtbot, view):
    assert view.alerts.list.count() > 0
    view.alerts.list.setCurrentRow(0)
    qtbot.mouseClick(view.alerts.acknowledge_button, Qt.MouseButton.LeftButton)
    assert not view.alerts.acknowledge_button.isEnabled()  # being stored
    qtbot.waitUntil(view.alerts.tasks.idle)  # stored, and the list read again
    assert view.alerts.acknowledge_button.isEnabled()
    first = view.alerts.list.item(0).data(Qt.ItemDataRole.UserRole)
    assert first.acknowledged_by and "✓" in view.alerts.list.item(0).text()


def rows_of(path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_every_chart_exports_png_and_its_numbers_as_csv(qtbot, view, tmp_path):
    choose(qtbot, view, view.range_box, "7d")
    snap = view.snapshot
    assert set(snap.sov_now) == {"Brightwave", "Corvex", "Nimbly"}
    assert sum(snap.sov_now.values()) == pytest.approx(1.0) and snap.sov_now["Brightwave"] > 0.5
    files = view.export(tmp_path)
    assert all(f.stat().st_size > 0 for f in files) and len(files) == 13
    share = rows_of(tmp_path / "share_now.csv")
    assert share[0] == ["brand", "share", "positive share"]
    assert {r[0]: float(r[1]) for r in share[1:]} == pytest.approx(snap.sov_now, abs=1e-4)
    volume = rows_of(tmp_path / "volume.csv")
    assert volume[0] == ["hour (UTC)", *snap.volume] and len(volume) == 1 + 7 * 24
    assert sum(int(v) for row in volume[1:] for v in row[1:]) == total(snap.volume)
    spikes = rows_of(tmp_path / "spikes.csv")
    peak = max(snap.spike_bands, key=lambda b: b.value)
    row = next(r for r in spikes if r[0] == f"{peak.bucket:%Y-%m-%d %H:00}")
    assert int(row[1]) == peak.value and row[4] == str(int(peak.is_spike))
    measures = rows_of(tmp_path / "measures.csv")
    assert measures[0][:2] == ["channel", "mentions"]
    shown = [(r[0], int(r[1].replace(",", ""))) for r in measures[1:]]
    assert shown == [(m.channel, m.mentions) for m in snap.measures]


def test_it_refreshes_while_posts_arrive(qtbot, demo):
    bridge = Bridge(demo.events)
    view = open_view(qtbot, demo, bridge)
    view.refresh_timer.setInterval(50)
    before = total(view.snapshot.volume)
    now = demo.clock()
    for k in range(2):  # two batches, one refresh after them
        with qtbot.waitSignal(bridge.posts_ingested, timeout=5000):
            demo.ingestor.ingest([PostIn("reddit", f"live-{k}", "brightwave live test", now)])
    with qtbot.waitSignal(view.refreshed, timeout=20_000):
        pass
    assert total(view.snapshot.volume) == before + 2
    bridge.close()


def test_an_edit_that_changes_a_posts_sentiment_redraws_the_counts(qtbot, demo):
    bridge = Bridge(demo.events)
    view = open_view(qtbot, demo, bridge)
    view.refresh_timer.setInterval(50)
    now = demo.clock()
    with qtbot.waitSignal(view.refreshed, timeout=20_000):
        demo.ingestor.ingest([PostIn("mastodon", "edit-1", "brightwave support was great, thanks!", now)])
    positive, negative = (total({k: view.snapshot.sentiment[k]}) for k in ("positive", "negative"))
    edited = PostIn("mastodon", "edit-1", "brightwave support never called back. useless", now,
                    extra={"edited_at": now.isoformat()})  # fmt: skip
    with qtbot.waitSignal(bridge.posts_edited, timeout=5000):
        demo.ingestor.ingest([edited])
    with qtbot.waitSignal(view.refreshed, timeout=20_000):
        pass
    sentiment = view.snapshot.sentiment
    assert (total({"p": sentiment["positive"]}), total({"n": sentiment["negative"]})) == (positive - 1, negative + 1)
    bridge.close()


def test_a_closed_dashboard_refreshes_when_shown_again(qtbot, view):
    old = view.snapshot
    view.close()  # the Work menu keeps the window and shows it again
    with qtbot.waitSignal(view.refreshed, timeout=20_000):
        view.show()
    assert view.snapshot is not old


def test_render_dashboard_draws_an_image(qtbot, demo):
    image = render_dashboard(demo, (1200, 800))
    assert (image.width(), image.height()) == (1200, 800) and not image.isNull()


def test_live_refreshes_redraw_the_charts_and_keep_the_table_until_it_is_due(qtbot, view, monkeypatch):
    """The table and top authors aggregate posts (seconds at a million): a live refresh reuses them for a minute;
    a new range or filter computes them at once, on their own worker, the charts first."""
    import scrm_desktop.ui.dashboard.view as dashboard_view

    def shown() -> list[str]:
        return [view.measures.item(r, 0).text() for r in range(view.measures.rowCount())]

    table = shown()
    charts, measures = view.loader.started, view.measures_loader.started
    with qtbot.waitSignal(view.refreshed, timeout=20_000):
        view.refresh()  # what the live timer does
    assert (view.loader.started, view.measures_loader.started) == (charts + 1, measures)
    assert view.snapshot.measures and shown() == table
    choose(qtbot, view, view.range_box, "7d")
    assert view.measures_loader.started == measures + 1
    assert sum(m.mentions for m in view.snapshot.measures) == total(view.snapshot.volume)
    monkeypatch.setattr(dashboard_view, "MEASURES_EVERY_S", 0.0)  # a minute later
    with qtbot.waitSignal(view.refreshed, timeout=20_000):
        view.refresh()
    assert view.measures_loader.started == measures + 2

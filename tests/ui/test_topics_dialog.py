"""The topics editor on a real workspace: the list, query errors with their position, the match preview, the
brand/competitor limits, saving with a background re-tag (progress, Cancel) that leaves the rollups equal to a
direct count, removal after confirmation, and the dashboard following the change."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from scrm_desktop.core.measure import window_query
from scrm_desktop.core.query import parse
from scrm_desktop.listening.api import PostIn
from scrm_desktop.store.posts import hour_bucket
from scrm_desktop.store.query_sql import to_sql
from scrm_desktop.ui.dashboard import DashboardView
from scrm_desktop.ui.dashboard.topics_dialog import TopicsDialog
from scrm_desktop.workspace import Workspace

CHANNELS = ("mastodon", "reddit", "reddit")
WORDS = ("acme refund late", "acme great service", "globex outage again", "weather is nice", "refund please")


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(str(tmp_path))
    now = workspace.clock()
    posts = [
        PostIn(CHANNELS[i % 3], f"p{i}", f"{WORDS[i % len(WORDS)]} {i}", now - timedelta(minutes=7 * i))
        for i in range(400)  # about two days of posts, 160 of them about refunds
    ]
    workspace.ingestor.ingest(posts)
    workspace.topics.add("Acme", "brand", "acme")
    workspace.topics.add("Globex", "competitor", "globex")
    yield workspace
    workspace.close()


@pytest.fixture
def dialog(qtbot, ws):
    d = TopicsDialog(ws)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitUntil(lambda: d.preview.text() != "Reading the newest posts…" and d._recent is not None, timeout=10_000)
    qtbot.waitUntil(d.tasks.idle)  # the list is read in the background too
    return d


def _rolled(ws, topic_id: int) -> Counter:
    far = timedelta(days=3650)
    now = ws.clock().replace(tzinfo=None)
    return Counter({(b, ch, s): n for b, ch, s, n in ws.topics.counts(now - far, now + far, topic_id=topic_id) if n})


def direct(ws, query: str) -> Counter:
    out: Counter = Counter()
    for post in ws.db.posts.page(to_sql(parse(query)), limit=10_000):
        out[(hour_bucket(post.created_at), post.channel, post.sentiment_label)] += 1
    return out


def total(series: dict) -> int:
    return sum(sum(by_hour.values()) for by_hour in series.values())


def wait_retag(qtbot, dialog) -> tuple[int, bool]:
    with qtbot.waitSignal(dialog.retagger.finished, timeout=30_000) as done:
        pass
    return tuple(done.args)  # type: ignore[return-value]


def test_lists_topics_with_kinds_and_limits(dialog):
    assert dialog.topic_names() == ["Acme", "Globex"]
    assert "1 of 1 brand" in dialog.counts.text() and "1 of 10 competitors" in dialog.counts.text()
    dialog.select("Globex")
    assert (dialog.name.text(), dialog.kind.currentData(), dialog.query.text()) == ("Globex", "competitor", "globex")


def test_a_bad_query_shows_where_and_why_and_is_not_saved(qtbot, dialog, ws):
    dialog.new_topic()
    qtbot.keyClicks(dialog.name, "Refunds")
    qtbot.keyClicks(dialog.query, "refund OR")
    assert dialog.error.isVisible() and dialog.error.text().startswith("At character 8:")
    assert "OR" in dialog.error.text() and dialog.pointer.text().splitlines()[1].index("^") == 7
    assert dialog.preview.text() == ""
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert [t.name for t in ws.topics.list()] == ["Acme", "Globex"]


def test_preview_counts_matches_among_the_newest_posts(qtbot, dialog, ws):
    dialog.new_topic()
    qtbot.keyClicks(dialog.query, "refund")
    qtbot.waitUntil(lambda: dialog.preview.text().startswith("Would match"), timeout=5000)
    expected = ws.db.posts.count(to_sql(parse("refund")))
    assert dialog.preview.text() == f"Would match {expected:,} of the last 400 posts" and expected == 160


def test_brand_and_competitor_limits_are_explained(qtbot, dialog, ws):
    dialog.new_topic()
    dialog.name.setText("Initech")
    dialog.kind.setCurrentIndex(dialog.kind.findData("brand"))
    dialog.query.setText("initech")
    dialog.save()  # checked by the store, in the background
    qtbot.waitUntil(dialog.tasks.idle)
    assert "already a brand topic" in dialog.error.text() and "Initech" not in [t.name for t in ws.topics.list()]
    for i in range(9):
        ws.topics.add(f"Rival {i}", "competitor", f"rival{i}")
    dialog.reload()
    qtbot.waitUntil(dialog.tasks.idle)
    dialog.kind.setCurrentIndex(dialog.kind.findData("competitor"))
    dialog.save()
    qtbot.waitUntil(dialog.tasks.idle)
    assert "Up to 10 competitors" in dialog.error.text() and "Initech" not in [t.name for t in ws.topics.list()]
    assert "10 of 10 competitors" in dialog.counts.text() and dialog.save_button.isEnabled()


def test_a_new_topic_is_tagged_in_the_background_and_rollups_equal_a_direct_count(qtbot, dialog, ws):
    dialog.new_topic()
    qtbot.keyClicks(dialog.name, "Refunds")
    qtbot.keyClicks(dialog.query, "refund")
    dialog.color.setText("#ff7f0e")
    changed = []
    dialog.topics_changed.connect(lambda: changed.append(1))
    while_tagging: list[tuple[bool, bool]] = []  # (progress bar shown, Save enabled) as each chunk reports
    dialog.retagger.progress.connect(
        lambda *_: while_tagging.append((dialog.progress.isVisible(), dialog.save_button.isEnabled()))
    )
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.save_button.isEnabled()  # being stored
    tagged, cancelled = wait_retag(qtbot, dialog)
    assert while_tagging and set(while_tagging) == {(True, False)}
    assert (tagged, cancelled) == (160, False) and "160 posts match" in dialog.retag_status.text()
    topic = ws.topics.by_name("Refunds")
    assert topic.color == "#ff7f0e" and _rolled(ws, topic.id) == direct(ws, "refund")
    assert len(changed) == 2 and dialog.save_button.isEnabled() and not dialog.progress.isVisible()


def test_changing_a_query_retags_and_cancel_leaves_consistent_counts(qtbot, dialog, ws):
    acme = ws.topics.by_name("Acme")
    dialog.select("Acme")
    dialog.retagger.chunk = 5  # many short chunks: Cancel lands long before the end
    dialog.query.setText("acme OR refund")
    progress: list[int] = []

    def first_chunk(done: int, total: int) -> None:
        progress.append(done)
        if len(progress) == 1:
            qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)

    dialog.retagger.progress.connect(first_chunk)
    dialog.save()
    tagged, cancelled = wait_retag(qtbot, dialog)
    assert cancelled and "cancelled" in dialog.retag_status.text() and 0 < tagged < 240
    partial = _rolled(ws, acme.id)
    assert sum(partial.values()) == tagged and partial != direct(ws, "acme OR refund")
    full = direct(ws, "acme OR refund")
    assert all(n <= full[key] for key, n in partial.items())  # a part of the archive, counted exactly
    dialog.retagger.progress.disconnect(first_chunk)
    dialog.save()  # unchanged query, but the last re-tag was cancelled: saving finishes it
    assert wait_retag(qtbot, dialog) == (240, False)
    assert _rolled(ws, acme.id) == direct(ws, "acme OR refund")


def test_remove_asks_first(qtbot, dialog, ws):
    dialog.select("Globex")
    dialog.remove_button.click()
    dialog.confirm_box.button(QMessageBox.StandardButton.Cancel).click()
    assert dialog.topic_names() == ["Acme", "Globex"]
    dialog.select("Globex")
    dialog.remove_button.click()
    dialog.confirm_box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(dialog.tasks.idle)  # the list is read again in the background
    assert dialog.topic_names() == ["Acme"] and [t.name for t in ws.topics.list()] == ["Acme"]


def test_the_dashboard_follows_a_topic_change(qtbot, ws):
    view = DashboardView(ws)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.refreshed, timeout=20_000):
        view.show()
    assert view.topic_box.findData("Refunds") < 0
    view.open_topics()
    dialog = view.findChild(TopicsDialog)
    qtbot.addWidget(dialog)
    dialog.new_topic()
    dialog.name.setText("Refunds")
    dialog.query.setText("refund")
    with qtbot.waitSignal(view.refreshed, timeout=20_000):
        dialog.save()
        wait_retag(qtbot, dialog)
    qtbot.waitUntil(lambda: not view.loader.busy, timeout=20_000)
    assert view.topic_box.findData("Refunds") > 0
    with qtbot.waitSignal(view.refreshed, timeout=20_000):
        view.topic_box.setCurrentIndex(view.topic_box.findData("Refunds"))
    snap = view.snapshot
    in_range = ws.db.posts.count(to_sql(parse(f"refund {window_query(snap.start, snap.end)}")))
    assert sum(b.value for b in snap.spike_bands) == total(snap.volume) == in_range > 0
    dialog.reject()


def test_work_menu_opens_the_topics_editor(qtbot, ws):
    from scrm_desktop.app import build_window

    window, bridge = build_window(ws)
    qtbot.addWidget(window)
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Work")
    next(a for a in menu.actions() if a.text() == "&Topics…").trigger()
    dialog = window.topics_dialog
    qtbot.waitUntil(lambda: dialog.isVisible() and dialog.tasks.idle())
    assert dialog.topic_names() == ["Acme", "Globex"]
    dialog.reject()
    bridge.close()

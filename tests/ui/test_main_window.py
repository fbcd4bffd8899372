"""The main window on a temp workspace, driven as a person would: rows appear live, reading position holds."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt

from scrm_desktop.listening.api import PostIn
from scrm_desktop.workspace import DEMO_SOURCE, Workspace
from tests.ui.helpers import settled

NOW = datetime.now(UTC)


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(str(tmp_path), demo=True)
    yield workspace
    workspace.close()


def posts(start: int, n: int, minutes_ago: float = 0) -> list[PostIn]:
    return [
        PostIn(
            channel="mastodon",
            external_id=f"live-{i}",
            text=f"live post {i}",
            created_at=NOW - timedelta(minutes=minutes_ago) + timedelta(seconds=i),
            author_handle=f"person{i}",
        )
        for i in range(start, start + n)
    ]


def show_first_post(qtbot, window, ws, post: PostIn):  # type: ignore[no-untyped-def]
    """`post` ingested into an empty workspace and selected in the first column, its detail pane settled."""
    ws.ingestor.ingest([post])
    column = window.columns[0]
    qtbot.waitUntil(lambda: column.model.rowCount() == 1)
    column.view.setCurrentIndex(column.model.index(0, 0))
    qtbot.waitUntil(lambda: window.detail.post is not None and settled(window))
    return column


def test_demo_source_fills_the_column(qtbot, window, ws):
    column = window.columns[0]
    assert column.model.rowCount() == 0
    assert [s.name for s in ws.db.sources.list()] == [DEMO_SOURCE]
    ws.start_listening()  # a new source runs at once
    qtbot.waitUntil(lambda: column.model.rowCount() > 20, timeout=30_000)
    assert "source(s) listening" in window.health.text()
    top = column.model.post_at(0)
    assert top.created_at == max(column.model.post_at(r).created_at for r in range(column.model.rowCount()))


def test_selecting_a_post_shows_it_as_plain_text(qtbot, window, ws):
    ws.ingestor.ingest(
        [
            PostIn(
                channel="reddit",
                external_id="h",
                text="<b>bold?</b> <i>no</i>",
                created_at=NOW,
                author_handle="mallory",
                url="https://example.com/h",
            )
        ]
    )
    column = window.columns[0]
    qtbot.waitUntil(lambda: column.model.rowCount() == 1)
    column.view.setFocus()
    qtbot.keyClick(column.view, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: window.detail.post is not None)
    assert window.detail.body.toPlainText() == "<b>bold?</b> <i>no</i>"
    assert window.detail.author.textFormat() == Qt.TextFormat.PlainText
    assert window.detail.open_link.isEnabled()
    qtbot.waitUntil(lambda: ws.db.posts.unread_count() == 0)  # stored in the background


def test_reading_position_holds_when_posts_arrive_on_top(qtbot, window, ws):
    ws.ingestor.ingest(posts(0, 300, minutes_ago=60))
    column = window.columns[0]
    qtbot.waitUntil(lambda: column.model.rowCount() >= 100)
    bar = column.view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 1000)  # laid out
    bar.setValue(bar.maximum() // 3)
    qtbot.waitUntil(lambda: column.first_visible_post() is not None)  # rows there are laid out in batches
    reading = column.first_visible_post()
    ws.ingestor.ingest(posts(1000, 25))
    qtbot.waitUntil(lambda: column.model.unread == 25)
    qtbot.wait(50)
    assert column.first_visible_post() == reading
    assert column.badge.isVisible() and column.badge.text() == "25 new"
    bar.setValue(0)
    qtbot.waitUntil(lambda: not column.badge.isVisible())
    assert column.model.post_at(0).external_id == "live-1024"


def test_writes_from_another_process_show_up(qtbot, window, ws, tmp_path):
    other = Workspace.open(str(tmp_path), demo=True)
    try:
        other.ingestor.ingest(posts(0, 3))
    finally:
        other.close()
    column = window.columns[0]
    qtbot.waitUntil(lambda: column.model.rowCount() == 3, timeout=10_000)


def test_errors_are_shown_once_in_the_status_bar(qtbot, window):
    window.bridge.error_raised.emit("Source “X” was disabled", "HTTP 401: check the token")
    window.bridge.error_raised.emit("Source “X” was disabled", "HTTP 401: check the token")
    qtbot.waitUntil(lambda: "check the token" in window.message.text())
    assert len(window._shown_errors) == 1


def test_an_agent_corrects_a_label_and_similar_posts_follow(qtbot, window, ws):
    sarcastic = "Oh great, another update that deletes my files. Brilliant work, Brightwave."
    ws.ingestor.ingest([PostIn(channel="reddit", external_id="s1", text=sarcastic, created_at=NOW, author_handle="a")])
    column = window.columns[0]
    qtbot.waitUntil(lambda: column.model.rowCount() == 1)
    column.view.setCurrentIndex(column.model.index(0, 0))
    qtbot.waitUntil(lambda: window.detail.post is not None)
    assert window.detail.post.sentiment_label == "positive"  # read literally
    qtbot.mouseClick(window.detail.correct_buttons["negative"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: settled(window))  # stored in the background, the pane reads it back
    stored = ws.db.posts.get(window.detail.post.id)
    assert stored.sentiment_label == "negative"
    assert "corrected by" in window.detail.reasons.text()
    assert ws.db.posts.rollup_counts(NOW.replace(tzinfo=None) - timedelta(hours=2)) == {"negative": 1}
    # the same complaint from someone else is scored as the agent taught
    ws.ingestor.ingest(
        [PostIn(channel="mastodon", external_id="s2", text=sarcastic, created_at=NOW, author_handle="b")]
    )
    [other] = [p for p in ws.db.posts.page() if p.external_id == "s2"]
    assert other.sentiment_label == "negative"
    reopened = Workspace.open(str(ws.paths.data.parent.parent), demo=True)
    try:
        assert reopened.analyzer.analyze(sarcastic).label == "negative"  # corrections survive a restart
    finally:
        reopened.close()


def test_the_detail_pane_shows_trait_intent_lead_and_corrects_them(qtbot, window, ws):
    text = "My laptop keeps crashing, can someone help? @BrightwaveCare"
    show_first_post(qtbot, window, ws, PostIn("reddit", "c1", text, NOW, author_handle="a"))
    assert "Trait: venting" in window.detail.classified.text()
    assert "keeps crashing" in window.detail.class_reasons.text()
    box = window.detail.class_boxes["trait"]
    index = box.findText("trait: passive")
    box.setCurrentIndex(index)
    box.activated.emit(index)  # what a click on the item sends
    qtbot.waitUntil(lambda: settled(window))
    post_id = window.detail.post.id
    assert ws.db.posts.get(post_id).trait == "passive"
    assert ws.corrections.view(post_id)["trait"]["auto"] == "venting"
    assert "Trait: passive" in window.detail.classified.text()


def test_a_label_the_cue_rules_gave_says_so_rather_than_the_models_low_confidence(qtbot, window, ws):
    text = "Sold my Brightwave Flux 13. Never again. Not paying for Care when the tech never comes."
    show_first_post(qtbot, window, ws, PostIn("mastodon", "p1", text, NOW, author_handle="a"))
    stored = ws.db.posts.classification(window.detail.post.id)
    assert window.detail.post.trait == "past" and stored["trait_confidence"] < 0.4  # the model alone: unknown
    shown = window.detail.classified.text()
    assert "Trait: past (by its words)" in shown, shown
    assert f"Intent: {window.detail.post.intent} (" in shown and "%)" in shown  # the model's own answer: its %
    assert "never again" in window.detail.class_reasons.text()


def test_the_detail_pane_gives_the_posts_own_words_and_corrects_a_lead_in_one_click(qtbot, window, ws):
    studio = (
        "@ana74@mastodon.example we're equipping a 14-person design studio. Does Brightwave do business pricing on"
        " the Aero 16? Who do I talk to? https://studio.example/team"
    )
    column = show_first_post(qtbot, window, ws, PostIn("mastodon", "l1", studio, NOW, author_handle="s"))
    detail = window.detail
    why = detail.class_reasons.text()
    assert why.startswith("Why: ") and "“?”" in why
    for noise in ("rules:", "sentiment:", "mastodon", "example", "ana74", "studio.example", "none"):
        assert noise not in why, (noise, why)
    assert "Lead: no" in detail.classified.text() and detail.lead_button.text() == "Mark as a lead"

    qtbot.mouseClick(detail.lead_button, Qt.MouseButton.LeftButton)  # one click
    assert "Lead: yes" in detail.classified.text() and detail.lead_button.text() == "Not a lead"
    qtbot.waitUntil(lambda: settled(window))
    post_id = detail.post.id
    assert ws.db.posts.get(post_id).is_lead
    assert ws.corrections.view(post_id)["lead"] | {"at": ""} == {"auto": "", "value": "yes", "agent": "", "at": ""}

    # a similar post is a lead now in this workspace
    school = "Our school is equipping a new computer lab. Does Brightwave do education pricing on the Flux 13? Who?"
    ws.ingestor.ingest([PostIn(channel="mastodon", external_id="l2", text=school, created_at=NOW, author_handle="t")])
    qtbot.waitUntil(lambda: column.model.rowCount() == 2)
    [other] = [p for p in ws.db.posts.page() if p.external_id == "l2"]
    assert other.is_lead


def show_stored(qtbot, window, ws, post) -> None:  # type: ignore[no-untyped-def]
    """A post stored as it is (no pipeline), shown in the detail pane from the first column."""
    ws.db.posts.write_batch([post], now=NOW.replace(tzinfo=None))
    column = window.columns[0]
    qtbot.waitUntil(lambda: column.model.rowCount() == 1)
    column.view.setCurrentIndex(column.model.index(0, 0))
    qtbot.waitUntil(lambda: window.detail.post is not None and settled(window))


def test_reasons_stored_by_an_older_version_read_as_the_posts_own_words(qtbot, window, ws):
    from scrm_desktop.store.posts import NewPost

    old = NewPost(  # a post classified before the reasons were kept to the post's words
        "mastodon",
        "old-1",
        "@BrightwaveCare nobody came today, @ana74@mastodon.example same for you?",
        NOW.replace(tzinfo=None),
        author_handle="o",
        trait="venting",
        intent="venting",
        classification={
            "trait_cues": ["nobody came", "rules: venting", "@brightwavecare", "mastodon", "sentiment: negative"],
            "intent_cues": ["rules: none", "sentiment: negative", "example"],
            "lead_products": [],
        },
    )
    show_stored(qtbot, window, ws, old)
    assert window.detail.class_reasons.text() == "Why: trait ← “nobody came”; intent: no words of the post behind it"


def test_cues_the_classifier_switched_off_read_as_not_counted(qtbot, window, ws):
    from scrm_desktop.store.posts import NewPost

    post = NewPost(  # "no call" was negated: the classifier kept it as ignored, no reason for the label
        "mastodon",
        "neg-1",
        "@brightwavehelp no tech, no call, no email. just a survey asking how my visit went. wow",
        NOW.replace(tzinfo=None),
        author_handle="d",
        trait="venting",
        intent="request",
        classification={
            "trait_cues": ["ignored: no call (negated)"],
            "intent_cues": ["survey", "ignored: no call (negated)"],
            "lead_products": [],
        },
    )
    show_stored(qtbot, window, ws, post)
    assert window.detail.class_reasons.text() == (
        "Why: trait: no words of the post behind it (not counted: “no call” (negated)); "
        "intent ← “survey” (not counted: “no call” (negated))"
    )


def test_an_empty_first_column_is_the_first_sight_too(qtbot, tmp_path, monkeypatch):
    """No posts yet (a first start): what waits for the first posts on screen starts once the empty first page
    has landed, not after the fallback for a window that is never painted."""
    from scrm_desktop.app import build_window
    from scrm_desktop.ui.first_paint import FirstPaint

    monkeypatch.setattr(FirstPaint, "LATEST_MS", 600_000)  # only the paint can start it here
    empty = Workspace.open(str(tmp_path / "empty"))
    window, bridge = build_window(empty)
    qtbot.addWidget(window)
    try:
        with qtbot.waitSignal(window.first_posts_shown, timeout=30_000):
            window.show()
        assert window.columns[0].model.rowCount() == 0 and window._started
        qtbot.waitUntil(lambda: settled(window))
    finally:
        window.close()
        bridge.close()
        empty.close()


def test_the_board_in_sight_fills_its_first_column_first_then_the_others(qtbot, tmp_path, monkeypatch):
    """At the start the first column reads its posts alone (the others' reads would share the GIL with its first
    paint); once its posts are on screen every other column of the board fills, a post stored meanwhile too."""
    from scrm_desktop.app import build_window
    from scrm_desktop.ui.first_paint import FirstPaint

    monkeypatch.setattr(FirstPaint, "LATEST_MS", 600_000)  # only the first column's paint releases the others
    used = Workspace.open(str(tmp_path / "used"))
    used.ingestor.ingest(
        [
            PostIn("mastodon", "m1", "the refund never came, awful service", NOW, author_handle="ana"),
            PostIn("reddit", "r1", "thanks, all good now", NOW - timedelta(minutes=1), author_handle="bo"),
        ]
    )
    window, bridge = build_window(used)
    qtbot.addWidget(window)
    try:
        board = window.current_board()
        first, others = board.columns[0], board.columns[1:]
        assert [c.spec.query for c in others] == [
            "sentiment:negative",
            "trait:future OR intent:purchase",
            "channel:mastodon",
        ]
        qtbot.waitUntil(lambda: first.model.first_page_landed and settled(window), timeout=30_000)  # not shown yet
        assert first.model.rowCount() == 2
        assert not any(c.model.first_page_landed or c.model.rowCount() for c in others)  # held: nothing read
        with qtbot.waitSignal(window.first_posts_shown, timeout=30_000):
            window.show()
        assert first.model.rowCount() == 2
        used.ingestor.ingest([PostIn("mastodon", "m2", "still waiting, terrible", NOW, author_handle="cy")])
        negative, mastodon = others[0], others[2]
        qtbot.waitUntil(lambda: mastodon.model.rowCount() == 2 and negative.model.rowCount() >= 1, timeout=30_000)
        qtbot.waitUntil(lambda: first.model.rowCount() == 3, timeout=30_000)
        assert {mastodon.model.post_at(r).external_id for r in range(2)} == {"m1", "m2"}
        qtbot.waitUntil(lambda: settled(window))
    finally:
        window.close()
        bridge.close()
        used.close()


def test_the_detail_pane_says_none_when_the_classifier_is_sure_there_is_no_trait(qtbot, window, ws):
    """A post with no trait the classifier is sure of reads "Trait: none (64%)", not "unknown", and the words that
    pushed towards no trait are not offered as reasons; an unsure intent still reads "unknown (maybe …)"."""
    text = "someone at the train has the same brightwave vista 17 as me and we noddded at each other #productivity"
    show_first_post(qtbot, window, ws, PostIn("mastodon", "n1", text, NOW, author_handle="v"))
    shown = window.detail.classified.text()
    assert re.match(r"Trait: none \(\d+%\) · Intent: unknown \(maybe [a-z]+, \d+%\) · ", shown), shown
    why = window.detail.class_reasons.text()
    assert "trait ←" not in why and why.startswith("Why: intent ← "), why  # the unsure guess keeps its words
    assert window.detail.class_boxes["trait"].currentText() == "trait: unknown"  # the correction box: no label

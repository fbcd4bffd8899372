"""An author edits a post a column shows: the card and the detail pane show the new text, the detail pane says when
it was edited and what it said before (as plain text)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt

from scrm_desktop.listening.api import PostIn
from scrm_desktop.workspace import Workspace
from tests.ui.helpers import settled

NOW = datetime.now(UTC).replace(microsecond=0)
EDITED_AT = (NOW - timedelta(minutes=5)).isoformat()
EDITED_AGAIN = (NOW - timedelta(minutes=1)).isoformat()


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(str(tmp_path))
    yield workspace
    workspace.close()


def toot(text: str, edited_at: str | None = None) -> PostIn:
    return PostIn(
        channel="mastodon",
        external_id="109",
        text=text,
        created_at=NOW - timedelta(hours=1),
        author_handle="ana@example.social",
        extra={"edited_at": edited_at} if edited_at else {},
    )


def test_a_visible_card_and_the_detail_pane_show_the_edit(qtbot, window, ws):
    ws.ingestor.ingest([toot("<b>Love</b> the new router, works great")])
    column = window.columns[0]
    qtbot.waitUntil(lambda: column.model.rowCount() == 1)
    column.view.setFocus()
    qtbot.keyClick(column.view, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: window.detail.post is not None and settled(window))
    assert window.detail.edited.isHidden() and window.detail.before_edit.isHidden()

    ws.ingestor.ingest([toot("Update: the router died after a day, want a refund", EDITED_AT)])
    card = column.model.index(0, 0)
    qtbot.waitUntil(lambda: "router died" in card.data(Qt.ItemDataRole.DisplayRole))
    assert column.model.rowCount() == 1  # the same post, not a second card
    qtbot.waitUntil(lambda: "router died" in window.detail.body.toPlainText() and settled(window))
    when = datetime.fromisoformat(EDITED_AT).astimezone()
    assert window.detail.edited.text() == f"edited {when:%Y-%m-%d %H:%M} (your time)"
    assert window.detail.before_edit.text() == "Before the edit: <b>Love</b> the new router, works great"
    assert window.detail.before_edit.textFormat() == Qt.TextFormat.PlainText
    assert window.detail.edited.isVisible() and window.detail.before_edit.isVisible()
    assert "negative" in window.detail.sentiment.text()


def texts(column) -> list[str]:
    return [column.model.post_at(r).text for r in range(column.model.rowCount())]


def test_a_column_gains_or_loses_a_post_its_query_now_matches_or_not(qtbot, window, ws):
    columns = {c.spec.name: c for c in window.columns}
    everything, negative = columns["All mentions"], columns["Negative"]
    ws.ingestor.ingest([toot("Love the new router, works great")])
    qtbot.waitUntil(lambda: everything.model.rowCount() == 1)
    assert negative.model.rowCount() == 0

    ws.ingestor.ingest([toot("Update: the router died after a day, want a refund", EDITED_AT)])
    qtbot.waitUntil(lambda: texts(negative) == ["Update: the router died after a day, want a refund"])
    qtbot.waitUntil(lambda: texts(everything) == ["Update: the router died after a day, want a refund"])

    ws.ingestor.ingest([toot("Update 2: support sent a new one overnight, brilliant service", EDITED_AGAIN)])
    qtbot.waitUntil(lambda: negative.model.rowCount() == 0)
    qtbot.waitUntil(lambda: texts(everything) == ["Update 2: support sent a new one overnight, brilliant service"])

"""Posts their authors edit after we stored them: the later version replaces the stored one (text, sentiment,
search, rollups, topic tags follow), an equal or older one changes nothing, and rules do not fire twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from scrm_desktop.listening.api import PostIn
from scrm_desktop.listening.events import POSTS_EDITED
from scrm_desktop.workspace import Workspace
from tests.listening.edit_scenario import edit_scenario, rollups_equal_a_recount, row_of
from tests.plugins.recorded import Recorded, load_manifest

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.open(str(tmp_path), clock=lambda: NOW)
    yield workspace
    workspace.close()


@pytest.fixture
def recorded(shared_data: Path) -> list[Recorded]:
    return load_manifest(shared_data / "api" / "mastodon" / "local_test_instance")


def test_an_edited_mastodon_status_replaces_the_stored_one(ws, httpserver: HTTPServer, recorded) -> None:
    edit_scenario(ws, httpserver, recorded)


def toot(i: int, text: str, edited_at: str | None = None, likes: int | None = None) -> PostIn:
    extra = {"edited_at": edited_at} if edited_at else {}
    return PostIn(
        channel="mastodon",
        external_id=str(i),
        text=text,
        created_at=NOW - timedelta(hours=i),
        author_handle=f"user{i}@example.social",
        likes=likes,
        extra=extra,
    )


def test_a_copy_with_the_same_or_an_older_edit_time_writes_nothing(ws) -> None:
    ws.ingestor.ingest([toot(1, "the router works fine now", "2026-11-20T10:00:00+00:00", likes=3)])
    post_id = ws.db.posts.page()[0].id
    before = row_of(ws, post_id)
    edited: list = []
    ws.events.subscribe(POSTS_EDITED, edited.append)
    same = ws.ingestor.ingest([toot(1, "the router is broken again, useless", "2026-11-20T10:00:00Z", likes=9)])
    older = ws.ingestor.ingest([toot(1, "the router is broken again, useless", "2026-11-20T11:00:00+02:00")])
    unparsable = ws.ingestor.ingest([toot(1, "the router is broken again, useless", "yesterday")])
    for report in (same, older, unparsable):
        assert (report.inserted, report.updated, report.skipped) == (0, 0, 1)
    assert row_of(ws, post_id) == before and edited == []


def test_a_mixed_batch_reports_new_known_and_edited_posts(ws) -> None:
    first = ws.ingestor.ingest(
        [
            toot(1, "love the new firmware"),
            toot(2, "the app keeps crashing", "2026-11-20T09:00:00Z"),
            toot(3, "shipping was quick"),
            toot(4, "support answered fast", "2026-11-21T09:00:00Z"),
        ]
    )
    assert (first.received, first.inserted, first.updated, first.skipped) == (4, 4, 0, 0)
    edited: list = []
    ws.events.subscribe(POSTS_EDITED, edited.append)
    batch = [
        toot(1, "love the new firmware"),  # known, never edited: skipped before scoring
        toot(2, "the app keeps crashing", "2026-11-20T09:00:00Z"),  # known, same edit: skipped
        toot(3, "shipping was quick, but the box was crushed", "2026-11-22T08:00:00Z"),  # first edit
        toot(4, "support answered fast and fixed it, thanks", "2026-11-22T09:00:00Z"),  # a later edit
        toot(4, "support answered", "2026-11-21T12:00:00Z"),  # an older copy in the same batch
        toot(5, "where is my order?"),  # new
        toot(6, "new phone who dis", "2026-11-22T10:00:00Z"),  # new, edited before we saw it
    ]
    report = ws.ingestor.ingest(batch, batch_size=1)  # edits and inserts spread over several transactions
    assert (report.received, report.inserted, report.updated, report.skipped) == (7, 2, 2, 3)
    texts = {p.external_id: p.text for p in ws.db.posts.page()}
    assert texts["3"] == "shipping was quick, but the box was crushed"
    assert texts["4"] == "support answered fast and fixed it, thanks"
    assert len(texts) == 6
    ids = {p.external_id: p.id for p in ws.db.posts.page()}
    assert sorted(i for event in edited for i in event) == sorted([ids["3"], ids["4"]])
    assert ws.db.posts.edit_note(ids["4"]) == ("2026-11-22T09:00:00Z", "support answered fast")
    assert ws.db.posts.edit_note(ids["1"]) == ("", "")
    rollups_equal_a_recount(ws)


def test_an_edit_keeps_engagement_it_does_not_know_and_caps_the_previous_text(ws) -> None:
    long_text = "the battery drains overnight " * 100
    ws.ingestor.ingest([toot(1, long_text, likes=7)])
    ws.ingestor.ingest([toot(1, "fixed by the update", "2026-11-22T08:00:00Z")])
    post = ws.db.posts.page()[0]
    assert post.text == "fixed by the update" and post.likes == 7
    edited_at, before = ws.db.posts.edit_note(post.id)
    assert edited_at == "2026-11-22T08:00:00Z"
    assert before == long_text.strip()[:2000] and len(before) == 2000


def test_topic_counts_follow_an_agents_correction_and_a_later_edit(ws) -> None:
    ws.topics.add("Brightwave", "brand", "brightwave*")
    ws.ingestor.ingest([toot(1, "brightwave fixed my modem, love it")])
    post_id = ws.db.posts.page()[0].id
    ws.correct_sentiment(post_id, "negative", agent="sam")
    rollups_equal_a_recount(ws)  # the brand's per-topic counts moved with the corrected label
    ws.ingestor.ingest([toot(1, "brightwave fixed my modem, then it died again. useless", "2026-11-22T08:00:00Z")])
    rollups_equal_a_recount(ws)
    assert ws.db.posts.get(post_id).topics == ("Brightwave",)

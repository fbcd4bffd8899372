"""Posts we already have are recognised before they are scored: a poller's overlapping windows cost a lookup,
not sentiment and classification again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scrm_desktop.listening.api import PostIn
from scrm_desktop.listening.pipeline import Drafts, PrepareStage
from scrm_desktop.workspace import Workspace

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(str(tmp_path), clock=lambda: NOW)
    yield workspace
    workspace.close()


def post(i: int, channel: str = "reddit", text: str = "the courier lost my parcel") -> PostIn:
    return PostIn(channel=channel, external_id=f" {i} ", text=text, created_at=NOW - timedelta(minutes=i))


def test_stored_posts_are_skipped_before_enrichment(ws):
    enriched: list[str] = []

    def remember(drafts: Drafts) -> None:  # a real prepare stage: marks the posts and notes which ones it saw
        for row in drafts.rows:
            enriched.append(row["external_id"])
            row["extra"] = {**row["extra"], "seen": True}

    ws.ingestor.stages = [*ws.ingestor.stages[:3], PrepareStage("remember", remember), *ws.ingestor.stages[3:]]
    first = ws.ingestor.ingest([post(i) for i in range(5)])
    assert (first.inserted, first.skipped) == (5, 0) and len(enriched) == 5
    enriched.clear()
    # an overlapping window: three known posts (one in another channel is new), two new, one repeated in the batch
    again = ws.ingestor.ingest([post(2), post(3), post(4), post(4, channel="mastodon"), post(5), post(6), post(6)])
    assert sorted(enriched) == ["4", "5", "6"]
    assert (again.received, again.inserted, again.skipped) == (7, 3, 4)
    assert ws.db.posts.count() == 8

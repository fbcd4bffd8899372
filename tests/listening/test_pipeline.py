"""Ingest pipeline: normalisation, dedupe, sentiment, one event per committed batch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scrm_desktop.listening.api import PostIn
from scrm_desktop.listening.events import POSTS_INGESTED
from scrm_desktop.workspace import Workspace

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(str(tmp_path), clock=lambda: NOW)
    yield workspace
    workspace.close()


def post(i: int, text: str = "hello", **kw) -> PostIn:
    return PostIn(channel="reddit", external_id=str(i), text=text, created_at=NOW - timedelta(minutes=i), **kw)


def test_hostile_post_is_stored_as_plain_text(ws):
    hostile = (
        "<p>Hi <script>alert('x')</script><b>there</b></p><img src=x onerror=alert(1)>"
        "\u202eevil\u202c zero\u200bwidth \x07bell &amp; e\u0301"
    )
    ws.ingestor.ingest([post(1, hostile, text_format="html", url="javascript:alert(1)")])
    stored = ws.db.posts.page()[0]
    assert "script" not in stored.text and "alert" not in stored.text
    assert "<" not in stored.text
    assert "\u202e" not in stored.text and "\u200b" not in stored.text and "\x07" not in stored.text
    assert "& é" in stored.text  # entities decoded, NFC composed
    assert stored.url == ""  # only http(s) links survive


def test_plain_text_with_angle_brackets_is_kept(ws):
    ws.ingestor.ingest([post(1, "I <3 this, 2 < 3 and a>b")])
    assert ws.db.posts.page()[0].text == "I <3 this, 2 < 3 and a>b"


def test_duplicates_in_and_across_batches_are_stored_once(ws):
    first = ws.ingestor.ingest([post(1), post(1), post(2)])
    second = ws.ingestor.ingest([post(2), post(3)])
    assert (first.inserted, first.skipped) == (2, 1)
    assert (second.inserted, second.skipped) == (1, 1)
    assert ws.db.posts.count() == 3


def test_sentiment_and_reasons_are_stored(ws):
    ws.ingestor.ingest([post(1, "This is a wonderful, excellent service"), post(2, "awful, terrible support")])
    by_id = {p.external_id: p for p in ws.db.posts.page()}
    assert by_id["1"].sentiment_label == "positive" and by_id["1"].sentiment > 0
    assert by_id["2"].sentiment_label == "negative" and by_id["2"].sentiment < 0
    reasons = ws.db.posts.reasons(by_id["2"].id)
    assert reasons and all(r["weight"] < 0 for r in reasons)


def test_event_announces_committed_ids(ws):
    seen = []
    ws.events.subscribe(POSTS_INGESTED, lambda first, last, n: seen.append((first, last, n)))
    ws.ingestor.ingest([post(i) for i in range(5)], batch_size=2)
    assert [n for _, _, n in seen] == [2, 2, 1]
    first, last = seen[0][0], seen[-1][1]
    assert {p.id for p in ws.db.posts.page()} == set(range(first, last + 1))
    ws.ingestor.ingest([post(1)])  # nothing new: no event
    assert len(seen) == 3


def test_future_timestamps_are_capped_and_naive_times_taken_as_utc(ws):
    ws.ingestor.ingest(
        [
            PostIn(channel="rss", external_id="f", text="from the future", created_at=NOW + timedelta(days=3)),
            PostIn(channel="rss", external_id="n", text="naive", created_at=datetime(2026, 11, 23, 10, 0)),
        ]
    )
    by_id = {p.external_id: p for p in ws.db.posts.page()}
    assert by_id["f"].created_at == NOW.replace(tzinfo=None)
    assert by_id["n"].created_at == datetime(2026, 11, 23, 10, 0)


def test_missing_external_id_gets_a_stable_one(ws):
    item = PostIn(channel="rss", external_id="", text="same", created_at=NOW, author_handle="a")
    ws.ingestor.ingest([item])
    ws.ingestor.ingest([item])
    assert ws.db.posts.count() == 1


def test_huge_post_is_truncated_not_rejected(ws):
    ws.ingestor.ingest([post(1, "spam " * 20_000)])
    assert 30_000 <= len(ws.db.posts.page()[0].text) <= 40_000


def test_the_garbage_collector_runs_again_after_every_ingest_even_a_failed_one(ws):
    """Each batch is prepared and written with Python's cyclic collector paused: it must come back on."""
    import gc

    from scrm_desktop.store.batch import PostStage

    assert gc.isenabled()
    ws.ingestor.ingest([post(i) for i in range(5)], batch_size=2)
    assert gc.isenabled()

    def broken(batch):
        raise RuntimeError("a post stage crashed")

    ws.ingestor.stages = [*ws.ingestor.stages, PostStage("broken", broken)]
    with pytest.raises(RuntimeError):
        ws.ingestor.ingest([post(10), post(11)])
    assert gc.isenabled()
    assert len(ws.db.posts.page()) == 5  # the failed batch rolled back

"""The post stages: one ordered list on the workspace, checked when set, each stage seeing a batch once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scrm_desktop.listening.api import PostIn
from scrm_desktop.listening.pipeline import STORE, PrepareStage
from scrm_desktop.store.batch import PostStage, StoredBatch
from scrm_desktop.workspace import Workspace

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ORDER = ["normalise", "score", "enrich", "store", "topics", "advocates", "rules", "reopen-on-reply", "customers"]


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.open(str(tmp_path), clock=lambda: NOW)
    yield workspace
    workspace.close()


def post(i: int, text: str = "my parcel never arrived") -> PostIn:
    return PostIn(channel="reddit", external_id=f"p{i}", text=text, created_at=NOW - timedelta(minutes=i))


def test_the_workspace_runs_the_stages_in_the_documented_order(ws):
    assert [stage.name for stage in ws.ingestor.stages] == ORDER


def test_stages_out_of_order_are_refused(ws):
    stages = ws.ingestor.stages
    with pytest.raises(ValueError, match="prepare stages, then the store once"):
        ws.ingestor.stages = [STORE, *[s for s in stages if s is not STORE]]
    with pytest.raises(ValueError):
        ws.ingestor.stages = [s for s in stages if s is not STORE]  # no store
    with pytest.raises(ValueError):
        ws.ingestor.stages = [*stages, PrepareStage("late", lambda drafts: None)]
    assert ws.ingestor.stages == stages


def test_a_post_stage_sees_each_new_post_once_with_its_stored_id(ws):
    seen: list[StoredBatch] = []
    ws.ingestor.stages = [*ws.ingestor.stages, PostStage("spy", seen.append)]
    ws.ingestor.ingest([post(i) for i in range(3)] + [post(1)])
    ws.ingestor.ingest([post(2), post(3)])  # one known post, one new
    assert [[p.external_id for p in batch.posts()] for batch in seen] == [["p0", "p1", "p2"], ["p3"]]
    stored = {p.external_id: p.id for p in ws.db.posts.page()}
    assert all(p.id == stored[p.external_id] and p.sentiment_label == "negative" for b in seen for p in b.posts())
    assert set(ws.ingestor.stage_seconds) >= {"dedupe", *ORDER, "spy"}


def test_the_score_stage_scores_a_batch_through_the_corrections(ws):
    """The workspace's analyzer (made on first use, with the agents' corrections) scores a batch at once, and a
    correction still relabels a near-duplicate arriving in a batch beside posts it leaves alone."""
    assert callable(getattr(ws.analyzer, "score_many", None))
    complaint = "@brightwave my modem keeps dropping the connection every evening"
    ws.ingestor.ingest([post(1, complaint)])
    ws.correct_sentiment(ws.db.posts.page()[0].id, "positive", agent="sam")
    batch = [post(2, complaint + " again"), post(3, "my parcel never arrived"), post(4, "my parcel never arrived")]
    ws.ingestor.ingest(batch)
    stored = {p.external_id: p for p in ws.db.posts.page()}
    reasons = {key: ws.db.posts.reasons(p.id) for key, p in stored.items()}
    assert stored["p2"].sentiment_label == "positive"
    assert reasons["p2"][0]["cue"].startswith("agent correction (near-duplicate")
    assert stored["p3"].sentiment_label == stored["p4"].sentiment_label != "positive"
    assert reasons["p3"] == reasons["p4"]
    assert not any(r["kind"] == "correction" for r in reasons["p3"])

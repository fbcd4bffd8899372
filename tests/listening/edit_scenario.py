"""An author edits a Mastodon status after we stored it: the real plugin fetches it from a local server replaying a
recorded timeline, first as written, then edited. Shared by the SQLite and the PostgreSQL tests."""

from __future__ import annotations

import copy
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from pytest_httpserver import HTTPServer
from sqlalchemy import func, select

from scrm_desktop.core.query import parse
from scrm_desktop.core.rules import Rule, parse_actions
from scrm_desktop.listening.events import POSTS_EDITED
from scrm_desktop.store.cases_tables import cases
from scrm_desktop.store.posts import hour_bucket
from scrm_desktop.store.query_sql import to_sql
from scrm_desktop.store.tables import posts, rollup_hourly, sentiment_corrections
from scrm_desktop.store.topics_tables import post_topics, rollup_topic_hourly
from scrm_desktop.workspace import Workspace
from tests.plugins.recorded import Recorded, find, serve

STATUS_ID = "117020593741189701"  # the recorded #hoot status
BEFORE = "<p>Brightwave support sorted my laptop in ten minutes, thank you so much!</p>"
AFTER = "<p>Update: the technician never showed up and I am still waiting for my refund. Awful.</p>"
EDITED_AT = "2026-08-01T15:30:00.000Z"  # the recorded status was written at 13:55:55Z


@dataclass
class Stored:
    post_id: int
    row: dict[str, Any]


def status(recorded: list[Recorded], content: str, edited_at: str | None) -> dict[str, Any]:
    """The recorded #hoot status with another text and edit time."""
    body = copy.deepcopy(find(recorded, "test_hashtag_tl__02").json()[0])
    body["content"] = content
    body["edited_at"] = edited_at
    return body


def serve_timeline(httpserver: HTTPServer, recorded: list[Recorded], body: dict[str, Any]) -> None:
    httpserver.clear_all_handlers()
    serve(httpserver, find(recorded, "test_hashtag_tl__02"), body=json.dumps([body]))


def set_up(ws: Workspace, httpserver: HTTPServer) -> None:
    """A brand and a refunds topic, a rule that opens a case and raises an alert, a Mastodon source."""
    ws.topics.add("Brightwave", "brand", "brightwave*")
    ws.topics.add("Refunds", "topic", "refund*")
    ws.rules.save(Rule("Complaints", "brightwave OR refund*", parse_actions("case: follow up\nalert")))
    ws.add_source("mastodon", "masto", {"instance_url": httpserver.url_for("/"), "hashtags": "hoot"})


def run(ws: Workspace) -> None:
    outcome = ws.run_once("masto")
    assert outcome[0].ok, outcome[0].error


def row_of(ws: Workspace, post_id: int) -> dict[str, Any]:
    with ws.db.engine.connect() as conn:
        return dict(conn.execute(select(posts).where(posts.c.id == post_id)).one()._mapping)


def only_post(ws: Workspace) -> Stored:
    with ws.db.engine.connect() as conn:
        ids = conn.execute(select(posts.c.id).where(posts.c.external_id == STATUS_ID)).scalars().all()
    assert len(ids) == 1 and ws.db.posts.count() == 1
    return Stored(ids[0], row_of(ws, ids[0]))


def search(ws: Workspace, text: str) -> list[int]:
    return [p.id for p in ws.db.posts.page(to_sql(parse(text), ws.db.dialect))]


def rollups_equal_a_recount(ws: Workspace) -> None:
    with ws.db.engine.connect() as conn:
        rolled = Counter(
            {(b, c, s): n for b, c, s, n in conn.execute(select(rollup_hourly).where(rollup_hourly.c.count != 0))}
        )
        direct = Counter(
            (hour_bucket(created), channel, label)
            for created, channel, label in conn.execute(
                select(posts.c.created_at, posts.c.channel, posts.c.sentiment_label)
            )
        )
        assert rolled == direct
        by_topic = Counter(
            {
                (t, b, c, s): n
                for t, b, c, s, n in conn.execute(select(rollup_topic_hourly).where(rollup_topic_hourly.c.count != 0))
            }
        )
        recount: Counter = Counter()
        for topic in ws.topics.list():
            matching = select(posts.c.created_at, posts.c.channel, posts.c.sentiment_label).where(
                to_sql(parse(topic.query), ws.db.dialect)
            )
            for created, channel, label in conn.execute(matching):
                recount[(topic.id, hour_bucket(created), channel, label)] += 1
        assert by_topic == recount


def topics_of(ws: Workspace, post_id: int) -> set[str]:
    post = ws.db.posts.get(post_id)
    assert post is not None
    return set(post.topics)


def counts(ws: Workspace, post_id: int) -> tuple[int, int, int]:
    """(rule hits, cases, sentiment corrections) of the post."""
    with ws.db.engine.connect() as conn:
        n_cases = conn.execute(select(func.count()).select_from(cases).where(cases.c.post_id == post_id)).scalar()
        n_fixes = conn.execute(
            select(func.count()).select_from(sentiment_corrections).where(sentiment_corrections.c.post_id == post_id)
        ).scalar()
        n_tags = conn.execute(
            select(func.count()).select_from(post_topics).where(post_topics.c.post_id == post_id)
        ).scalar()
    assert n_tags == len(topics_of(ws, post_id))
    return len(ws.rules.hits(post_id)), int(n_cases or 0), int(n_fixes or 0)


def edit_scenario(ws: Workspace, httpserver: HTTPServer, recorded: list[Recorded]) -> None:
    """Everything a user would notice when an author edits a stored status."""
    set_up(ws, httpserver)
    serve_timeline(httpserver, recorded, status(recorded, BEFORE, None))
    run(ws)
    first = only_post(ws)
    assert first.row["sentiment_label"] == "positive"
    assert topics_of(ws, first.post_id) == {"Brightwave"}
    hits, n_cases, _ = counts(ws, first.post_id)
    assert n_cases == 1 and {h["action"] for h in ws.rules.hits(first.post_id)} == {"case", "alert"}
    ws.db.posts.mark_read([first.post_id])
    ws.correct_sentiment(first.post_id, "neutral", agent="sam")  # an agent's correction of the first version
    rollups_equal_a_recount(ws)
    first = only_post(ws)
    edited: list[list[int]] = []
    ws.events.subscribe(POSTS_EDITED, edited.append)

    serve_timeline(httpserver, recorded, status(recorded, AFTER, EDITED_AT))
    run(ws)
    after = only_post(ws)
    assert after.post_id == first.post_id and edited == [[first.post_id]]
    row = after.row
    assert "technician never showed up" in row["text"] and "Brightwave" not in row["text"]
    assert row["sentiment_label"] == "negative" and row["sentiment"] < 0
    assert row["extra"]["edited_at"] == EDITED_AT
    assert row["extra"]["previous_text"] == first.row["text"]
    assert row["extra"]["feed"] == "tag:hoot"  # the plugin's other keys are still there
    for kept in ("is_read", "created_at", "ingested_at", "author_id", "source_id"):
        assert row[kept] == first.row[kept], kept
    assert search(ws, "technician") == [after.post_id]
    assert search(ws, "laptop") == []  # only in the text before the edit
    assert topics_of(ws, after.post_id) == {"Refunds"}  # the brand went out of the text, refunds came in
    rollups_equal_a_recount(ws)
    # The rule matched the first version: its case and alert stay, and the edit does not fire it again.
    assert counts(ws, after.post_id) == (hits, 1, 1)

    # The same copy again changes nothing, nor does an older edit.
    run(ws)
    serve_timeline(httpserver, recorded, status(recorded, BEFORE, "2026-08-01T15:00:00Z"))
    run(ws)
    assert row_of(ws, after.post_id) == row and edited == [[first.post_id]]
    rollups_equal_a_recount(ws)

"""A big ingest prepares its later batches in worker processes (listening/workers.py): the posts stored are the
very ones a one-process ingest stores, the agents' corrections count there too, and a worker that dies or a
stage that raises loses nothing."""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from scrm_desktop.core.sentiment import default_analyzer
from scrm_desktop.listening import workers
from scrm_desktop.listening.api import PostIn
from scrm_desktop.listening.events import POSTS_INGESTED
from scrm_desktop.listening.workers import default_workers
from scrm_desktop.workspace import Workspace

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
BATCH = 200
COLUMNS = (
    "channel, external_id, text, title, created_at, sentiment, sentiment_label, sentiment_reasons, trait, intent, "
    "is_lead, classification, author_id"
)

OPENINGS = ["@brightwave", "Honestly", "Day three and", "So", "Quick question:", "PSA:", "Update:", "Wow,"]
MIDDLES = [
    "my router keeps dropping the connection every evening",
    "the technician never showed up for the visit",
    "I love the new Aero 14, the battery lasts all day",
    "looking for a new laptop, Aero 14 or Corvex Air?",
    "can you refund the double charge on my invoice",
    "support fixed my issue in ten minutes, thank you Sam",
    "you should add a dark mode to the app",
    "I am done with Brightwave, switching to Nimbly next month",
    "is the outage in Leeds fixed yet",
    "not bad at all, but the fan is loud",
]
ENDINGS = ["", " :(", " 🙂", " !!!", " #fail", " thanks", " ?", " <script>alert(1)</script>"]


def posts(n: int, start: int = 0) -> list[PostIn]:
    """n distinct posts of our own, varied enough to reach every label; a few reposts of the same text."""
    out = []
    for i in range(start, start + n):
        words = f"{OPENINGS[i % 8]} {MIDDLES[(i // 8) % 10]}{ENDINGS[(i // 80) % 8]} #{i % 37}"
        out.append(
            PostIn(
                channel="reddit" if i % 3 else "mastodon",
                external_id=f"w{i}",
                text=words,
                created_at=NOW - timedelta(minutes=i),
                author_handle=f"user{i % 50}",
                title="Aero 14 review" if i % 11 == 0 else "",
            )
        )
    return out


def open_ws(path, workers: int) -> Workspace:
    ws = Workspace.open(str(path), clock=lambda: NOW)
    ws.ingestor.pool.processes = workers
    return ws


def stored(ws: Workspace) -> list[tuple]:
    with ws.db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(f"SELECT {COLUMNS} FROM posts ORDER BY id"))]


def ingest_all(ws: Workspace, items: list[PostIn]) -> tuple[object, list[tuple], list[tuple[int, int]]]:
    events: list[tuple] = []
    progress: list[tuple[int, int]] = []
    ws.events.subscribe(POSTS_INGESTED, lambda *args: events.append(args))
    report = ws.ingestor.ingest(items, batch_size=BATCH, progress=lambda done, total: progress.append((done, total)))
    return report, events, progress


def test_a_big_ingest_in_worker_processes_stores_what_one_process_stores(tmp_path):
    items = posts(1300) + posts(40)  # seven batches, and copies of posts already in the ingest
    serial, pooled = open_ws(tmp_path / "serial", 0), open_ws(tmp_path / "pooled", 2)
    try:
        one = ingest_all(serial, items)
        two = ingest_all(pooled, items)
        assert two == one  # the same report, events per batch and progress, in the same order
        assert one[0].inserted == 1300 and len(one[1]) == 7
        rows = stored(serial)
        assert stored(pooled) == rows
        labels = {(r[6], r[8], r[9]) for r in rows}
        assert len({r[6] for r in rows}) == 3 and {r[8] for r in rows} >= {"venting", "advocate", "future"}, labels
        assert pooled.ingestor.stage_seconds["enrich"] > 0  # the workers' time is counted
        assert multiprocessing.active_children()  # the workers wait for the next big ingest
    finally:
        serial.close()
        pooled.close()
    assert not multiprocessing.active_children()  # and stop with the workspace


def test_edits_in_a_big_ingest_are_stored_with_their_reasons_as_one_process_stores_them(tmp_path):
    """A batch that holds later edits of stored posts is written with every column of both kinds of post: the
    workers send the posts of such a batch whole (a batch of new posts only comes back with its rows, its posts
    without their reasons and classification, which the rows carry)."""
    first = posts(300)
    edited_at = (NOW + timedelta(hours=1)).isoformat()
    edits = [
        replace(p, text=f"{p.text} update: still broken, I want a refund", extra={"edited_at": edited_at})
        for p in first[:150]
    ]
    fresh = posts(800, start=300)
    items = fresh[:300] + edits + fresh[300:]  # the second and third batches hold the edits
    serial, pooled = open_ws(tmp_path / "serial", 0), open_ws(tmp_path / "pooled", 2)
    try:
        for ws in (serial, pooled):
            ws.ingestor.ingest(first, batch_size=BATCH)
        one = ingest_all(serial, items)
        two = ingest_all(pooled, items)
        assert two == one
        assert (one[0].inserted, one[0].updated) == (800, 150)
        rows = stored(serial)
        assert stored(pooled) == rows
        refunds = [r for r in rows if "I want a refund" in r[2]]
        assert len(refunds) == 150
        assert all(r[7] != "[]" and r[11] != "{}" for r in refunds)  # sentiment reasons, classification
        assert {r[9] for r in refunds} & {"transactional", "request", "venting"}, {r[9] for r in refunds}
    finally:
        serial.close()
        pooled.close()


def test_the_workers_score_and_classify_with_the_agents_corrections(tmp_path):
    complaint = "@brightwave my modem keeps dropping the connection every single evening this week"
    results = []
    for count in (0, 2):
        ws = open_ws(tmp_path / f"w{count}", count)
        try:
            ws.ingestor.ingest([PostIn("reddit", "c1", complaint, NOW)])
            first = ws.db.posts.page()[0]
            ws.correct_sentiment(first.id, "positive", agent="sam")
            ws.corrections.correct(first.id, "trait", "collaborative", agent="sam")
            near = [PostIn("reddit", f"n{i}", f"{complaint} again {i}", NOW - timedelta(minutes=i)) for i in range(3)]
            ws.ingestor.ingest(posts(700) + near, batch_size=BATCH)  # the near-duplicates come in the last batch
            got = {p.external_id: p for p in ws.db.posts.page(limit=2000)}
            assert {got[f"n{i}"].sentiment_label for i in range(3)} == {"positive"}
            results.append(stored(ws))
        finally:
            ws.close()
    assert results[0] == results[1]


class ExitsInAWorker:
    """An analyzer that kills the worker process preparing a post that says KILL (never the ingesting one)."""

    name = "exits-in-a-worker"

    def __init__(self) -> None:
        self.inner = default_analyzer()

    def analyze(self, text_: str):
        if "KILL" in text_ and multiprocessing.parent_process() is not None:
            os._exit(3)
        return self.inner.analyze(text_)


def _rebuilt_here_only() -> FailsToUnpickleInAWorker:
    if multiprocessing.parent_process() is not None:
        raise RuntimeError("this analyzer cannot be rebuilt in a worker")
    return FailsToUnpickleInAWorker()


class FailsToUnpickleInAWorker:
    """An analyzer that pickles but cannot be rebuilt in a worker (as a class only a main script defines)."""

    name = "fails-to-unpickle-in-a-worker"

    def __init__(self) -> None:
        self.inner = default_analyzer()

    def analyze(self, text_: str):
        return self.inner.analyze(text_)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return _rebuilt_here_only, ()


class RaisesOnBadPost:
    name = "raises-on-bad-post"

    def __init__(self) -> None:
        self.inner = default_analyzer()

    def analyze(self, text_: str):
        if "BAD POST" in text_:
            raise ValueError("the analyzer cannot read this post")
        return self.inner.analyze(text_)


class HoldsALock:
    """An analyzer that does not pickle: the ingest prepares in one process."""

    name = "holds-a-lock"

    def __init__(self) -> None:
        self.inner = default_analyzer()
        self.lock = threading.Lock()

    def analyze(self, text_: str):
        with self.lock:
            return self.inner.analyze(text_)


def test_a_worker_that_dies_loses_nothing(tmp_path, caplog):
    items = posts(1000)
    items[650] = PostIn("reddit", "kill", "KILL this worker please", NOW)  # in the fourth batch
    ws = Workspace.open(str(tmp_path / "a"), clock=lambda: NOW, analyzer=ExitsInAWorker())
    ws.ingestor.pool.processes = 2
    reference = Workspace.open(str(tmp_path / "b"), clock=lambda: NOW, analyzer=ExitsInAWorker())
    reference.ingestor.pool.processes = 0
    try:
        with caplog.at_level(logging.WARNING):
            report = ws.ingestor.ingest(items, batch_size=BATCH)
        assert report.inserted == 1000
        assert "worker process died" in caplog.text
        assert reference.ingestor.ingest(items, batch_size=BATCH).inserted == 1000
        assert stored(ws) == stored(reference)  # each post once, prepared as in one process
        again = ws.ingestor.ingest(posts(600, start=5000), batch_size=BATCH)  # new workers for the next one
        assert again.inserted == 600
    finally:
        ws.close()
        reference.close()


def test_stages_a_worker_cannot_read_are_prepared_in_the_ingesting_process(tmp_path, caplog):
    items = posts(800)
    ws = Workspace.open(str(tmp_path / "a"), clock=lambda: NOW, analyzer=FailsToUnpickleInAWorker())
    ws.ingestor.pool.processes = 2
    reference = open_ws(tmp_path / "b", 0)
    try:
        with caplog.at_level(logging.WARNING):
            assert ws.ingestor.ingest(items, batch_size=BATCH).inserted == 800
        assert "could not read the stages" in caplog.text
        reference.ingestor.ingest(items, batch_size=BATCH)
        assert stored(ws) == stored(reference)
    finally:
        ws.close()
        reference.close()


def test_a_stage_that_raises_in_a_worker_raises_in_the_ingest_after_the_batches_before_it(tmp_path):
    items = posts(1000)
    items[650] = PostIn("reddit", "bad", "BAD POST", NOW)  # in the fourth batch
    ws = Workspace.open(str(tmp_path), clock=lambda: NOW, analyzer=RaisesOnBadPost())
    ws.ingestor.pool.processes = 2
    try:
        with pytest.raises(ValueError, match="cannot read this post"):
            ws.ingestor.ingest(items, batch_size=BATCH)
        assert ws.db.posts.count() == 600  # the three batches before it, stored whole (as in one process)
        ws.ingestor.ingest([p for p in items if p.external_id != "bad"], batch_size=BATCH)
        assert ws.db.posts.count() == 999
    finally:
        ws.close()


def test_stages_that_do_not_pickle_prepare_in_one_process(tmp_path):
    ws = Workspace.open(str(tmp_path), clock=lambda: NOW, analyzer=HoldsALock())
    ws.ingestor.pool.processes = 2
    try:
        assert ws.ingestor.ingest(posts(600), batch_size=BATCH).inserted == 600
        assert not multiprocessing.active_children()
    finally:
        ws.close()


def test_the_number_of_workers_follows_the_environment_and_the_entry_point(monkeypatch):
    monkeypatch.setenv("SCRM_INGEST_WORKERS", "3")
    assert default_workers() == 3
    monkeypatch.setenv("SCRM_INGEST_WORKERS", "0")
    assert default_workers() == 0
    monkeypatch.setenv("SCRM_INGEST_WORKERS", "many")
    assert default_workers() == 0
    monkeypatch.delenv("SCRM_INGEST_WORKERS")
    monkeypatch.setattr(workers, "_allowed", False)
    assert default_workers() == 0  # a program using the package: its main script may not be guarded
    workers.allow_by_default()  # the app's entry point (scrm_desktop.cli.main)
    cores = len(os.sched_getaffinity(0))
    assert default_workers() == (min(cores, 4) if cores > 1 else 0)


def test_the_apps_pool_does_not_start_on_a_busy_machine(tmp_path, monkeypatch):
    ws = open_ws(tmp_path, 2)
    ws.ingestor.pool.when_idle = True  # as the app's default pool is
    cores = len(os.sched_getaffinity(0))
    try:
        monkeypatch.setattr(os, "getloadavg", lambda: (cores + 0.5, 0.0, 0.0))  # every core busy elsewhere
        assert ws.ingestor.ingest(posts(500), batch_size=BATCH).inserted == 500
        assert not multiprocessing.active_children()
        monkeypatch.setattr(os, "getloadavg", lambda: (0.2, 0.0, 0.0))
        assert ws.ingestor.ingest(posts(500, start=500), batch_size=BATCH).inserted == 500
        assert multiprocessing.active_children()  # a quiet machine: they start
        monkeypatch.setattr(os, "getloadavg", lambda: (cores + 0.5, 0.0, 0.0))
        assert ws.ingestor.pool.worth_starting()  # running ones are used even when the load rises
    finally:
        ws.close()


def test_the_apps_own_recent_work_does_not_count_as_a_busy_machine(monkeypatch):
    cores = len(os.sched_getaffinity(0))
    clock, cpu = [0.0], [0.0]
    own = workers.OwnLoad(cpu=lambda: cpu[0], clock=lambda: clock[0])
    monkeypatch.setattr(workers, "own_load", own)
    clock[0] = cpu[0] = 60.0  # a minute's ingest on one core, in this process: the load average counts it
    ours = 1 - math.exp(-1)  # what a minute on one core leaves in a one-minute load average
    monkeypatch.setattr(os, "getloadavg", lambda: (ours + 0.5, 0.0, 0.0))  # and half a core busy elsewhere
    assert own() == pytest.approx(ours)
    assert workers.free_cores() == pytest.approx(cores - 0.5)  # the next big ingest starts the workers
    clock[0] = 660.0  # ten quiet minutes: nothing of ours is left in the average
    assert own() == pytest.approx(0.0, abs=1e-4)
    assert workers.free_cores() == pytest.approx(cores - ours - 0.5, abs=1e-3)  # busy now is busy elsewhere


def _until(condition, seconds: float = 60.0) -> bool:
    """Polls `condition` until it holds or `seconds` pass (the workers stop on a timer thread)."""
    import time

    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_workers_started_for_a_big_fetch_of_known_posts_stop_when_idle(tmp_path):
    # a big ingest starts its workers before it knows which posts are new (they start beside the dedupe); a re-fetch
    # of posts already stored then needs none, and they stop when idle as after any ingest
    ws = open_ws(tmp_path, 2)
    ws.ingestor.pool._idle_s = 0.2
    try:
        items = posts(600)
        assert ws.ingestor.ingest(items, batch_size=BATCH).inserted == 600
        assert _until(lambda: not multiprocessing.active_children())
        again = ws.ingestor.ingest(items, batch_size=BATCH)
        assert (again.inserted, again.skipped) == (0, 600)
        assert _until(lambda: not multiprocessing.active_children())
        assert ws.ingestor.ingest(posts(600, start=600), batch_size=BATCH).inserted == 600  # and start again
    finally:
        ws.close()
    assert not multiprocessing.active_children()

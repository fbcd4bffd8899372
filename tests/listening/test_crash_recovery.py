"""kill -9 in the middle of `listen`, against a local server whose feed grows: on restart no post is lost or
stored twice, and the source's cursor agrees with the posts stored (the cursor is written in the same
transaction as the posts)."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from scrm_desktop.cli import main

PER_REQUEST = 40


class GrowingFeed:
    """Every request sees PER_REQUEST more items than the one before."""

    def __init__(self) -> None:
        self.requests = 0
        self.asked = threading.Condition()

    def __call__(self, _request: Request) -> Response:
        with self.asked:
            self.requests += 1
            self.asked.notify_all()
            count = self.requests * PER_REQUEST
        items = "".join(
            f"<item><title>Post {n}</title><link>https://blog.example/{n}</link>"
            f"<guid isPermaLink='false'>urn:post:{n}</guid>"
            f"<description>Refund still not here, day {n}</description></item>"
            for n in range(count, 0, -1)
        )
        body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Grows</title>{items}</channel></rss>'
        return Response(body, content_type="application/rss+xml")

    def wait_for(self, n: int) -> None:
        with self.asked:
            assert self.asked.wait_for(lambda: self.requests >= n, timeout=120)


def stored(db: Path) -> tuple[list[str], list[str]]:
    conn = sqlite3.connect(db)
    try:
        ids = [r[0] for r in conn.execute("SELECT external_id FROM posts")]
        (cursor,) = conn.execute("SELECT cursor FROM sources").fetchone()
        seen = json.loads(cursor or "{}").get("seen", [])
    finally:
        conn.close()
    return ids, seen


def test_kill_9_during_listen_loses_nothing_and_doubles_nothing(tmp_path: Path, httpserver: HTTPServer):
    feed = GrowingFeed()
    httpserver.expect_request("/feed.xml").respond_with_handler(feed)
    home = tmp_path / "home"
    assert main(["--basedir", str(home), "sources", "add", "rss", "--name", "Grows", "--url",
                 httpserver.url_for("/feed.xml")]) == 0  # fmt: skip
    listen = [sys.executable, "-m", "scrm_desktop", "--basedir", str(home), "listen", "--once"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for round_, delay in enumerate((0.0, 0.05, 0.2, 0.5), start=1):
        proc = subprocess.Popen(listen, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        feed.wait_for(round_)
        threading.Event().wait(delay)  # land the kill at a different point of fetch / ingest / commit each time
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    done = subprocess.run(listen, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Grows: " in done.stdout and "FAILED" not in done.stdout
    ids, seen = stored(home / "data" / "scrm.db")
    served = {f"urn:post:{n}" for n in range(1, feed.requests * PER_REQUEST + 1)}
    assert len(ids) == len(set(ids))  # nothing stored twice
    assert set(ids) == served  # nothing lost: every item the last answer listed is stored
    assert len(seen) == len(served)  # the cursor knows each stored post, no more

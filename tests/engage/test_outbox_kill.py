"""kill -9 while the outbox sends to a real local Mastodon-like server: every reply reaches the channel exactly
once. A reply whose answer was lost is flagged `needs_check` on the next start and looked for on the channel
before anything is sent again; while the channel cannot be asked, it stays flagged and is not re-sent.

The sender is a real `scrm-desktop listen --once` in a subprocess (its keyring in memory), killed with SIGKILL at
chosen points of the exchange: the server holds a request it recorded, loses one it never recorded, or answers
and the kill lands somewhere between the answer and the app recording it."""

from __future__ import annotations

import html
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from scrm_desktop.store.posts import NewPost
from scrm_desktop.workspace import Workspace
from tests.conftest import REPO_ROOT

TOKEN = "tok-kill-9"
ME = {"id": "109", "username": "brightwave", "acct": "brightwave"}
SENDER = """
import sys, keyring
from tests.conftest import MemoryKeyring
keyring.set_keyring(MemoryKeyring())
from scrm_desktop import secrets
secrets.set_secret("Masto", "access_token", sys.argv[1])
from scrm_desktop.cli import main
sys.exit(main(sys.argv[2:]))
"""


class Instance:
    """A Mastodon instance that keeps every status POSTed to it (no dedupe: a second POST shows as a double).
    `plan` says, per reply text, what to do with its POST: answer, hold (recorded, answered only when released),
    lose (never recorded, as a request that died on the way). A reply not in the plan is held, so the sender can
    never run ahead of what a step planned before its kill lands. `lookup_down` makes the thread lookup answer 503."""

    def __init__(self) -> None:
        self.statuses: list[dict] = []
        self.posts_seen = 0
        self.seen: set[str] = set()
        self.plan: dict[str, str] = {}
        self.lookup_down = False
        self.changed = threading.Condition()
        self.release = threading.Event()

    def _status(self, body: dict) -> dict:
        n = len(self.statuses) + 1
        return {
            "id": f"2000{n}",
            "in_reply_to_id": body["in_reply_to_id"],
            "content": f"<p>{html.escape(body['status'])}</p>",
            "url": f"https://x.social/@brightwave/2000{n}",
            "account": ME,
        }

    def post(self, request: Request) -> Response:
        body = json.loads(request.data)
        with self.changed:
            action = self.plan.get(body["status"], "hold")
            status = self._status(body)
            if action != "lose":
                self.statuses.append(status)
            self.posts_seen += 1
            self.seen.add(body["status"])
            self.changed.notify_all()
        if action in ("hold", "lose"):
            self.release.wait(timeout=120)  # the sender is killed meanwhile; nobody reads this answer
        return Response(json.dumps(status), content_type="application/json")

    def me(self, _request: Request) -> Response:
        return Response(json.dumps(ME), content_type="application/json")

    def context(self, request: Request) -> Response:
        if self.lookup_down:
            return Response("maintenance", status=503)
        parent = request.path.split("/")[-2]
        below = [s for s in self.statuses if s["in_reply_to_id"] == parent]
        return Response(json.dumps({"ancestors": [], "descendants": below}), content_type="application/json")

    def expect(self, plan: dict[str, str]) -> None:
        with self.changed:
            self.plan = plan
            self.seen.clear()

    def wait_posted(self, text: str) -> None:
        """Until the server has seen a POST of `text` (kept or lost) since the plan was last set."""
        with self.changed:
            assert self.changed.wait_for(lambda: text in self.seen, timeout=120), self.posts_seen

    def times_posted(self, text: str) -> int:
        return sum(s["content"] == f"<p>{html.escape(text)}</p>" for s in self.statuses)


def serve(httpserver: HTTPServer) -> Instance:
    instance = Instance()
    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_handler(instance.post)
    httpserver.expect_request("/api/v1/accounts/verify_credentials").respond_with_handler(instance.me)
    httpserver.expect_request(re.compile(r"/api/v1/statuses/[^/]+/context")).respond_with_handler(instance.context)
    return instance


def queue_replies(home: Path, instance_url: str, texts: list[str]) -> None:
    """A workspace with a (disabled: nothing to fetch) Mastodon source, one post per reply, and the replies
    queued by an agent in the outbox."""
    ws = Workspace.open(str(home))
    try:
        source = ws.add_source("mastodon", "Masto", {"instance_url": instance_url, "hashtags": ["x"]}, enabled=False)
        when = datetime(2025, 3, 1, 9, 0)
        batch = [
            NewPost("mastodon", f"1170{i}", f"my order {i} arrived broken", when, author_handle=f"@fan{i}@x.social")
            for i in range(len(texts))
        ]
        ws.db.posts.write_batch(batch, now=when, source_id=source.id)
        for post, text in zip(sorted(ws.db.posts.page(limit=100), key=lambda p: p.id), texts, strict=True):
            case = ws.cases.open_from_post(post.id, "ana")
            ws.cases.claim(case.id, "ana")
            ws.cases.queue_reply(case.id, "ana", text, base_version=ws.cases.repo.get(case.id).version)
    finally:
        ws.close()


class Sender:
    def __init__(self, home: Path) -> None:
        self.args = [sys.executable, "-c", SENDER, TOKEN, "--basedir", str(home), "listen", "--once"]
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONPATH": str(REPO_ROOT)}

    def start(self) -> subprocess.Popen:
        return subprocess.Popen(self.args, cwd=REPO_ROOT, env=self.env, stdout=subprocess.PIPE, text=True)

    def run(self) -> str:
        done = subprocess.run(self.args, cwd=REPO_ROOT, env=self.env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stdout


def kill(proc: subprocess.Popen, instance: Instance) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    proc.stdout.close()  # type: ignore[union-attr]
    instance.release.set()
    instance.release = threading.Event()


def states(home: Path) -> dict[str, tuple[str, str]]:
    """reply text -> (state, external id) as the database holds them."""
    conn = sqlite3.connect(home / "data" / "scrm.db")
    try:
        return {t: (s, e or "") for t, s, e in conn.execute("SELECT text, state, external_id FROM outbox")}
    finally:
        conn.close()


def test_kill_9_mid_send_posts_each_reply_once_or_flags_it_before_any_retry(tmp_path: Path, httpserver: HTTPServer):
    instance = serve(httpserver)
    home = tmp_path / "home"
    texts = [f"Sorry, Fan {i}! We are on it." for i in range(5)]
    a, b, c, d, e = texts
    queue_replies(home, httpserver.url_for("/"), texts)
    sender = Sender(home)

    # 1. The server has A and holds its answer: the sender dies not knowing whether A went out.
    instance.expect({a: "hold"})
    proc = sender.start()
    instance.wait_posted(a)
    kill(proc, instance)
    assert states(home)[a][0] == "sending"

    # 2. On start A is flagged and looked for on the channel: it is there, so it is recorded sent, not re-posted.
    #    B's request dies on the way (the server never has it).
    instance.expect({b: "lose"})
    proc = sender.start()
    instance.wait_posted(b)
    kill(proc, instance)
    assert states(home)[a] == ("sent", "20001") and instance.times_posted(a) == 1
    assert states(home)[b][0] == "sending" and instance.times_posted(b) == 0

    # 3. B is looked for and is not there: queued again (behind the replies already waiting). C is sent; D is
    #    answered and the kill lands somewhere between the answer and the app recording it. E, if the sender
    #    reaches it first, is recorded by the server and held (the plan answers only C and D).
    instance.expect({c: "answer", d: "answer"})
    proc = sender.start()
    instance.wait_posted(d)
    kill(proc, instance)
    assert states(home)[b][0] == "queued" and instance.times_posted(b) == 0
    assert states(home)[c][0] == "sent" and states(home)[d][0] in ("sending", "sent")

    # 4. D and E, if their fate was unknown, are found on the channel (E is sent if it never went); B is sent and
    #    held, and the sender dies.
    instance.expect({e: "answer", b: "hold"})
    proc = sender.start()
    instance.wait_posted(b)
    kill(proc, instance)
    assert states(home)[d][0] == states(home)[e][0] == "sent" and states(home)[b][0] == "sending"

    # 5. The channel cannot be asked: B stays flagged and is not sent again.
    instance.lookup_down = True
    out = sender.run()
    assert states(home)[b][0] == "needs_check", out
    assert instance.posts_seen == 6 and "outbox reply" not in out  # no reply moved, nothing POSTed

    # 6. Later (its backoff has passed) the channel answers: B is found there and recorded sent.
    conn = sqlite3.connect(home / "data" / "scrm.db")
    with conn:
        conn.execute("UPDATE outbox SET next_attempt_at = NULL WHERE state = 'needs_check'")
    conn.close()
    instance.lookup_down = False
    assert "sent" in sender.run()
    final = states(home)
    assert instance.posts_seen == 6  # six POSTs for five replies: the one lost on the way, then each once
    assert all(instance.times_posted(t) == 1 for t in texts)
    assert {t: s for t, (s, _) in final.items()} == dict.fromkeys(texts, "sent")
    by_text = {html.unescape(s["content"])[3:-4]: s["id"] for s in instance.statuses}
    assert {t: ext for t, (_, ext) in final.items()} == by_text  # each recorded with the channel's own id

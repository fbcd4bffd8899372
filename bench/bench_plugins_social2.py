"""Fetch-and-parse throughput of the bluesky, youtube and imap plugins.

bluesky and youtube fetch from a local HTTP server (pytest-httpserver, a test extra) replaying recorded bodies
from ../shared/data/api: one search page holding every recorded Bluesky post view (after a createSession), and
one commentThreads page holding every recorded YouTube thread plus the recorded replies. imap reads 200
messages written here (plain, HTML-only, multipart latin-1/utf-8, with attachments) from the real local
IMAP-over-TLS test server, a new TLS session and login per fetch as in production. The figure is posts
returned per second of wall time, localhost round trips included; every fetch is a first run (no cursor).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # for the IMAP test server in tests/plugins

from pytest_httpserver import HTTPServer  # noqa: E402
from scrm_plugins.bluesky import BlueskyPlugin  # noqa: E402
from scrm_plugins.imap import ImapPlugin  # noqa: E402
from scrm_plugins.youtube import YouTubePlugin  # noqa: E402

from scrm_desktop.http import make_client  # noqa: E402
from scrm_desktop.listening.api import Plugin  # noqa: E402
from scrm_desktop.listening.context import SourceContext  # noqa: E402
from tests.plugins.imap_server import ImapServer, TlsUnavailable, make_tls  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "api"
QUICK = os.environ.get("SCRM_BENCH_QUICK") == "1"
SECONDS_PER_PLUGIN = 0.3 if QUICK else 1.5
MESSAGES = 200


def _walk(body: Any, keys: set[str]) -> Iterator[dict[str, Any]]:
    if isinstance(body, dict):
        if keys <= body.keys():
            yield body
        for value in body.values():
            yield from _walk(value, keys)
    elif isinstance(body, list):
        for value in body:
            yield from _walk(value, keys)


def _serve_bluesky(server: HTTPServer) -> dict[str, Any]:
    bodies = [json.loads(p.read_bytes()) for p in sorted((DATA / "bluesky").rglob("*.json"))]
    views = [v for body in bodies for v in _walk(body, {"uri", "cid", "author", "record"})]
    session = {"did": "did:plc:bench", "handle": "bench.example", "accessJwt": "a", "refreshJwt": "r"}
    server.expect_request("/xrpc/com.atproto.server.createSession").respond_with_json(session)
    server.expect_request("/xrpc/app.bsky.feed.searchPosts").respond_with_json({"posts": views})
    return {"base_url": server.url_for("/"), "handle": "bench.example", "query": "bench", "backfill_days": 36500}


def _serve_youtube(server: HTTPServer) -> dict[str, Any]:
    folder = DATA / "youtube"
    threads = [
        t for p in sorted(folder.glob("comment_threads/*.json")) for t in json.loads(p.read_bytes()).get("items", [])
    ]
    replies = [
        c
        for p in sorted(folder.glob("comments/comments_by_parent_*.json"))
        for c in json.loads(p.read_bytes())["items"]
    ]
    parent = next(t for t in threads if t["id"] == replies[0]["snippet"]["parentId"])
    threads[threads.index(parent)] = {**parent, "replies": {"comments": replies}}
    server.expect_request("/youtube/v3/commentThreads").respond_with_json({"items": threads})
    return {"base_url": server.url_for("/youtube/v3"), "video_ids": "F1UP7wRCPH8", "backfill_days": 36500}


def _message(n: int) -> bytes:
    """One of four support-mail shapes, each with its own Message-ID."""
    msg = EmailMessage()
    msg["From"] = f"Client {n} <client{n}@example.org>"
    msg["To"] = "care@example.com"
    msg["Subject"] = ["Rückfrage zu Bestellung", "Facture déjà payée", "Order never arrived", "注文について"][n % 4]
    msg["Date"] = "Tue, 04 Mar 2025 10:15:00 +0100"
    msg["Message-ID"] = f"<bench-{n}@example.org>"
    if n % 3:
        msg["In-Reply-To"] = f"<bench-{n - 1}@example.org>"
        msg["References"] = f"<bench-0@example.org> <bench-{n - 1}@example.org>"
    body = f"Hello, this is message {n}. Meine Bestellung kam beschädigt an; merci de vérifier.\n" * 8
    if n % 4 == 1:
        msg.set_content(f"<p>{body}</p><script>alert(1)</script>", subtype="html")
    else:
        msg.set_content(body, charset="iso-8859-1" if n % 4 == 2 else "utf-8")
        if n % 4 == 3:
            msg.add_alternative(f"<p>{body}</p>", subtype="html")
            msg.add_attachment(b"%PDF-1.4\n" * 40, maintype="application", subtype="pdf", filename="Rechnung.pdf")
    return bytes(msg)


def _rate(plugin_cls: type[Plugin], config: dict[str, Any], secrets: dict[str, str]) -> float:
    """Posts per second over repeated first-run fetches (a new plugin each time, as after a restart)."""
    with make_client(timeout=10.0) as client:
        ctx = SourceContext(client, plugin_cls.validate_config(config), "bench", secrets=secrets.get)
        posts, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < SECONDS_PER_PLUGIN:
            posts += len(plugin_cls().fetch(ctx, {}).posts)
    return round(posts / elapsed, 1)


def _http_rates() -> dict[str, float]:
    cases: list[tuple[str, type[Plugin], Callable[[HTTPServer], dict[str, Any]], dict[str, str]]] = [
        ("bluesky", BlueskyPlugin, _serve_bluesky, {"app_password": "bench"}),
        ("youtube", YouTubePlugin, _serve_youtube, {"api_key": "bench"}),
    ]
    rates: dict[str, float] = {}
    werkzeug = logging.getLogger("werkzeug")
    level = werkzeug.level
    werkzeug.setLevel(logging.ERROR)  # one access-log line per request would drown the output
    try:
        for name, plugin_cls, serve, secrets in cases:
            server = HTTPServer(host="127.0.0.1", port=0)
            server.start()
            try:
                rates[name] = _rate(plugin_cls, serve(server), secrets)
            finally:
                server.stop()
    finally:
        werkzeug.setLevel(level)
    return rates


def _imap_rate() -> float:
    with tempfile.TemporaryDirectory(prefix="scrm-bench-imap-") as tmp:
        tls = make_tls(Path(tmp))
        with ImapServer(tls, password="bench") as server:
            for n in range(MESSAGES):
                server.add(_message(n))
            config = {
                "host": "127.0.0.1",
                "port": server.port,
                "username": server.username,
                "ca_file": str(tls.ca_file),
                "batch_size": MESSAGES,
                "backfill": MESSAGES,
            }
            return _rate(ImapPlugin, config, {"password": "bench"})


def run() -> dict[str, Any]:
    rates: dict[str, float] = {}
    if DATA.is_dir():
        rates.update(_http_rates())
    else:
        print(f"bluesky and youtube skipped: {DATA} is absent", file=sys.stderr)
    try:
        rates["imap"] = _imap_rate()
    except TlsUnavailable as exc:
        print(f"imap skipped: {exc}", file=sys.stderr)
    if not rates:
        return {"skipped": "no recorded API bodies and no way to make a TLS certificate"}
    return {"fetch_parse_posts_per_s": rates}


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))

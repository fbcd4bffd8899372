"""Fetch-and-parse throughput of the rss plugin on recorded feeds, and generation speed of the demo plugin.

rss: every feedparser corpus feed that has entries, served once each by a local HTTP server with the headers
its leading comment declares (pytest-httpserver, a test extra), then the largest recorded feed (157 kB of Atom
whose HTML needs sanitising) fetched repeatedly. Figures are posts per second of wall time, localhost round
trips included. demo: posts per second of a day's backfill (the first fetch of a new demo workspace).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer
from scrm_plugins.demo import DemoPlugin
from scrm_plugins.rss import RssPlugin
from werkzeug import Response

from scrm_desktop.http import make_client
from scrm_desktop.listening.api import PluginError
from scrm_desktop.listening.context import SourceContext

FEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "feeds" / "feedparser" / "tests"
LARGE = FEEDS / "wellformed" / "sanitize" / "large_atom_feed_that_needs_css_sanitisation.xml"
QUICK = os.environ.get("SCRM_BENCH_QUICK") == "1"
SECONDS = 0.5 if QUICK else 2.0
HEADER_RE = re.compile(r"^Header:\s*([A-Za-z-]+):[ \t]*(.*?)\s*$", re.M)
NOW = datetime(2024, 6, 3, 15, 0, tzinfo=UTC)


def _response(body: bytes) -> Response:
    head = body[:3000].decode("latin-1")
    resp = Response(body)
    resp.headers.remove("Content-Type")  # only what the recorded file declares
    for name, value in HEADER_RE.findall(head[: max(0, head.find("-->"))]):
        resp.headers.add(name, value)
    return resp


def _rss_ctx(client: Any, url: str) -> SourceContext:
    return SourceContext(client, RssPlugin.validate_config({"url": url}), "bench", clock=lambda: NOW)


def _corpus_rate(server: HTTPServer, client: Any) -> tuple[float, float]:
    """(posts per second, feeds per second) over the corpus, each feed fetched once."""
    files = sorted(p for d in ("wellformed", "encoding") for p in (FEEDS / d).rglob("*.xml"))
    bodies = [p.read_bytes() for p in files[: 200 if QUICK else None]]
    # One handler looking the file up by number: a handler per file would make matching itself the cost.
    responses = [_response(body) for body in bodies]
    server.expect_request(re.compile(r"^/f/\d+$")).respond_with_handler(
        lambda request: responses[int(request.path.rsplit("/", 1)[1])]
    )
    posts, start = 0, time.perf_counter()
    for i in range(len(bodies)):
        # Unreadable feeds are part of the mix: their cost counts, their posts do not.
        with contextlib.suppress(PluginError):
            posts += len(RssPlugin().fetch(_rss_ctx(client, server.url_for(f"/f/{i}")), {}).posts)
    elapsed = time.perf_counter() - start
    return round(posts / elapsed, 1), round(len(bodies) / elapsed, 1)


def _large_feed_rate(server: HTTPServer, client: Any) -> float:
    server.expect_request("/large").respond_with_response(_response(LARGE.read_bytes()))
    ctx = _rss_ctx(client, server.url_for("/large"))
    posts, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < SECONDS:
        posts += len(RssPlugin().fetch(ctx, {}).posts)
    return round(posts / elapsed, 1)


def _demo_rate() -> float:
    ctx = SourceContext(None, DemoPlugin.validate_config({}), "bench", clock=lambda: NOW)  # type: ignore[arg-type]
    DemoPlugin().fetch(ctx, {})  # warm-up: the cast of people is built once per process
    posts, start, day = 0, time.perf_counter(), 1
    while (elapsed := time.perf_counter() - start) < SECONDS:
        # A different day each time, so nothing is reused between rounds.
        ctx.clock = lambda d=day: NOW + timedelta(days=d)
        posts += len(DemoPlugin().fetch(ctx, {}).posts)
        day += 1
    return round(posts / elapsed, 1)


def run() -> dict[str, Any]:
    rates: dict[str, float] = {"demo": _demo_rate()}
    result: dict[str, Any] = {"fetch_parse_posts_per_s": rates}
    if not FEEDS.is_dir():
        return result  # the rss figures need the recorded corpus (outside the repo)
    werkzeug = logging.getLogger("werkzeug")
    level = werkzeug.level
    werkzeug.setLevel(logging.ERROR)  # an access-log line per request would drown the output
    logging.getLogger("scrm_desktop.source.bench").setLevel(logging.ERROR)
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    try:
        with make_client(timeout=10.0) as client:
            rates["rss"], result["rss_corpus_feeds_per_s"] = _corpus_rate(server, client)
            rates["rss_large_feed"] = _large_feed_rate(server, client)
    finally:
        server.stop()
        werkzeug.setLevel(level)
    return result


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))

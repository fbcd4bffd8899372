"""Fetch-and-parse throughput of the mastodon, reddit and hackernews plugins on recorded real API bodies.

Each plugin fetches from a local HTTP server (pytest-httpserver, a test extra) replaying bodies from
../shared/data/api: a page of every recorded Mastodon status, Reddit's r/askreddit new posts and comments
(with its recorded login answer), and a page of every recorded HN Algolia hit. The figure is posts returned
per second of wall time, HTTP round trips on localhost included.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pytest_httpserver import HTTPServer
from scrm_plugins.hackernews import HackerNewsPlugin
from scrm_plugins.mastodon import MastodonPlugin
from scrm_plugins.reddit import RedditPlugin

from scrm_desktop.http import make_client
from scrm_desktop.listening.api import Plugin
from scrm_desktop.listening.context import SourceContext

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "api"
SECONDS_PER_PLUGIN = 1.5


def _statuses(body: Any) -> Iterator[dict[str, Any]]:
    if isinstance(body, dict):
        if {"id", "content", "account", "created_at"} <= body.keys():
            yield body
        for value in body.values():
            yield from _statuses(value)
    elif isinstance(body, list):
        for value in body:
            yield from _statuses(value)


def _load(folder: str) -> list[Any]:
    return [json.loads(p.read_bytes()) for p in sorted((DATA / folder).glob("*.json")) if p.name[0] != "_"]


def _serve_mastodon(server: HTTPServer) -> dict[str, Any]:
    statuses = [s for body in _load("mastodon/local_test_instance") for s in _statuses(body)]
    server.expect_request("/api/v1/timelines/tag/hoot").respond_with_json(statuses)
    return {"instance_url": server.url_for("/"), "hashtags": "hoot"}


def _serve_reddit(server: HTTPServer) -> dict[str, Any]:
    cassette = json.loads((DATA / "reddit/_cassettes/TestInbox.test_mentions.json").read_text())
    token = cassette["interactions"][0]["response"]["body"]["string"]
    server.expect_request("/api/v1/access_token").respond_with_data(token, content_type="application/json")
    for name, path in [("new__01__GET_r_askreddit_new", "new"), ("comments__01__GET_r_askreddit", "comments")]:
        body = next((DATA / "reddit").glob(f"TestSubredditListings.test_{name}*.json")).read_bytes()
        server.expect_request(f"/r/askreddit/{path}").respond_with_data(body, content_type="application/json")
    local = server.url_for("/")
    return {"base_url": local, "auth_url": local, "subreddits": "askreddit"}


def _serve_hackernews(server: HTTPServer) -> dict[str, Any]:
    hits = [h for body in _load("hackernews_algolia") if isinstance(body, dict) for h in body.get("hits", [])]
    page = {"hits": hits, "page": 0, "nbPages": 1, "nbHits": len(hits), "hitsPerPage": 100}
    server.expect_request("/api/v1/search_by_date").respond_with_json(page)
    return {"base_url": server.url_for("/api/v1"), "keywords": "apple"}


def _rate(plugin_cls: type[Plugin], config: dict[str, Any], secrets: dict[str, str]) -> float:
    """Posts per second over repeated first-run fetches (each one a full page, nothing skipped by a cursor)."""
    with make_client(timeout=10.0) as client:
        ctx = SourceContext(client, plugin_cls.validate_config(config), "bench", secrets=secrets.get)
        posts, start = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - start) < SECONDS_PER_PLUGIN:
            posts += len(plugin_cls().fetch(ctx, {}).posts)
    return round(posts / elapsed, 1)


def run() -> dict[str, Any]:
    if not DATA.is_dir():
        return {"skipped": f"{DATA} is absent (recorded API bodies live outside the repository)"}
    cases: list[tuple[str, type[Plugin], Callable[[HTTPServer], dict[str, Any]], dict[str, str]]] = [
        ("mastodon", MastodonPlugin, _serve_mastodon, {}),
        ("reddit", RedditPlugin, _serve_reddit, {"client_id": "bench", "client_secret": "bench"}),
        ("hackernews", HackerNewsPlugin, _serve_hackernews, {}),
    ]
    rates: dict[str, float] = {}
    werkzeug = logging.getLogger("werkzeug")
    level = werkzeug.level
    werkzeug.setLevel(logging.ERROR)  # one access-log line per request would drown the output
    for name, plugin_cls, serve, secrets in cases:
        server = HTTPServer(host="127.0.0.1", port=0)
        server.start()
        try:
            rates[name] = _rate(plugin_cls, serve(server), secrets)
        finally:
            server.stop()
    werkzeug.setLevel(level)
    return {"fetch_parse_posts_per_s": rates}


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))

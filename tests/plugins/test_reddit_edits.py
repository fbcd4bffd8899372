"""Reddit's `edited` (false, or when the author last edited, in epoch seconds) becomes `extra["edited_at"]`, so an
edited post or comment replaces the stored copy at ingest. Recorded real responses (praw's cassettes)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from scrm_plugins.reddit import RedditPlugin, parse_listing

from scrm_desktop.core.edits import edited_time
from scrm_desktop.workspace import Workspace

from .recorded import Recorded, find, load_manifest, serve

SECRETS = {"client_id": "app-id", "client_secret": "app-secret"}
SEARCH_QUERY = {"raw_json": "1", "limit": "100", "q": "praw oauth", "sort": "new", "type": "link"}


@pytest.fixture
def recorded(shared_data: Path) -> list[Recorded]:
    return load_manifest(shared_data / "api" / "reddit")


@pytest.fixture
def login(httpserver: HTTPServer, shared_data: Path) -> None:
    cassette = json.loads((shared_data / "api" / "reddit" / "_cassettes" / "TestInbox.test_mentions.json").read_text())
    token = cassette["interactions"][0]["response"]["body"]["string"]
    httpserver.expect_request("/api/v1/access_token", method="POST").respond_with_data(
        token, content_type="application/json"
    )


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.open(str(tmp_path))
    yield workspace
    workspace.close()


def children(rec: Recorded) -> list[dict[str, Any]]:
    return [c["data"] for c in rec.json()["data"]["children"]]


def test_a_numeric_edited_becomes_edited_at_and_false_leaves_none(recorded: list[Recorded]) -> None:
    hot = find(recorded, "test_hot__01")
    edited = {c["name"]: c["edited"] for c in children(hot)}
    posts = {p.external_id: p for p in parse_listing(hot.json())}
    numeric = {name for name, value in edited.items() if value is not False}
    assert numeric and len(numeric) < len(edited)  # the recording holds both kinds
    for name, post in posts.items():
        if name in numeric:
            assert post.extra["edited_at"] == datetime.fromtimestamp(edited[name], UTC).isoformat()
            when = edited_time(post.extra)
            assert when is not None and when > post.created_at
        else:
            assert "edited_at" not in post.extra


def test_an_edited_reddit_post_replaces_the_stored_copy(
    plugin_ctx, login, httpserver: HTTPServer, recorded: list[Recorded], ws: Workspace
) -> None:
    search = find(recorded, "TestSubreddit.test_search")
    unedited = copy.deepcopy(search.json())
    for child in unedited["data"]["children"]:
        child["data"]["edited"] = False
        child["data"]["title"] = "(before the edit) " + child["data"]["title"]

    def fetch_and_ingest(body: Any) -> Any:
        serve(httpserver, search, path="/search", query_string=SEARCH_QUERY, body=json.dumps(body), once=True)
        local = httpserver.url_for("/")
        config = RedditPlugin.validate_config({"base_url": local, "auth_url": local, "keywords": "praw oauth"})
        return ws.ingestor.ingest(RedditPlugin().fetch(plugin_ctx(config, secrets=SECRETS), {}).posts)

    first = fetch_and_ingest(unedited)
    assert first.inserted == len(children(search)) and first.updated == 0
    again = fetch_and_ingest(search.json())
    numeric = [c["name"] for c in children(search) if c["edited"] is not False]
    assert numeric and (again.inserted, again.updated) == (0, len(numeric))
    titles = {p.external_id: p.title for p in ws.db.posts.page()}
    for c in children(search):
        assert titles[c["name"]].startswith("(before the edit)") == (c["name"] not in numeric)

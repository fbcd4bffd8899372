"""The example plugin printed in docs/plugins.md runs as printed: against a local HTTP server, through the same
context the runner gives plugins. A doc example that rots misleads every plugin author who copies it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from scrm_desktop.listening.api import AuthError, MalformedResponse

DOC = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"


def _example() -> dict[str, Any]:
    found = re.search(r'```python\n("""Example listening plugin.*?)```', DOC.read_text(encoding="utf-8"), re.S)
    assert found, "docs/plugins.md lost its example plugin"
    namespace: dict[str, Any] = {"__name__": "docs_plugins_example"}
    exec(compile(found.group(1), str(DOC), "exec"), namespace)  # our own documentation, run as printed
    return namespace


def test_the_documented_example_fetches_pages_and_keeps_its_cursor(httpserver, plugin_ctx) -> None:
    plugin_class = _example()["ExamplePlugin"]
    config = plugin_class.validate_config({"base_url": httpserver.url_for("/"), "limit": 2})
    httpserver.expect_request(
        "/posts", query_string={"since_id": "0", "limit": "2"}, headers={"Authorization": "Bearer t0k"}
    ).respond_with_json(
        [
            {"id": 7, "body": "Acme refund still not here", "at": "2026-11-23T10:00:00Z", "user": "amy"},
            {"id": 9, "body": "Acme support was quick", "at": "2026-11-23T10:05:00+01:00"},
        ]
    )
    result = plugin_class().fetch(plugin_ctx(config, secrets={"token": "t0k"}), {})
    assert [(p.external_id, p.text, p.author_handle) for p in result.posts] == [
        ("example:7", "Acme refund still not here", "amy"),
        ("example:9", "Acme support was quick", ""),
    ]
    assert result.posts[1].created_at.isoformat() == "2026-11-23T09:05:00+00:00"
    assert result.cursor == {"since_id": 9} and result.more  # a full page: the runner asks again at once


def test_the_documented_example_says_what_is_wrong(httpserver, plugin_ctx) -> None:
    plugin_class = _example()["ExamplePlugin"]
    config = plugin_class.validate_config({"base_url": httpserver.url_for("/")})
    with pytest.raises(AuthError, match="no access token"):
        plugin_class().fetch(plugin_ctx(config), {})
    httpserver.expect_request("/posts").respond_with_json([{"id": 1, "body": "hi", "at": "yesterday"}])
    with pytest.raises(MalformedResponse, match="readable time"):
        plugin_class().fetch(plugin_ctx(config, secrets={"token": "t0k"}), {})

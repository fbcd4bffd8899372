"""The bluesky plugin against a local server replaying recorded bsky.social XRPC bodies."""

from __future__ import annotations

import csv
import json
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from scrm_plugins.bluesky import SESSIONS, BlueskyPlugin, link_facets, post_from_view
from werkzeug import Request, Response

from scrm_desktop.listening.api import (
    AuthError,
    ConfigError,
    MalformedResponse,
    PluginError,
    RateLimited,
    Reply,
    TransientError,
)

NOW = datetime(2025, 5, 19, 18, 0, tzinfo=UTC)
HANDLE = "brand.example.social"
SEARCH = "/xrpc/app.bsky.feed.searchPosts"
SESSION = {
    "did": "did:plc:brandbrandbrandbrand0000",
    "handle": HANDLE,
    "email": "care@example.com",
    "accessJwt": "access-1",
    "refreshJwt": "refresh-1",
}


@pytest.fixture(autouse=True)
def fresh_process() -> Iterator[None]:
    """Each test starts like a freshly started app: nobody is signed in yet."""
    SESSIONS.clear()
    yield
    SESSIONS.clear()


@pytest.fixture
def manifest(shared_data: Path) -> dict[str, Response]:
    """The recorded answers by XRPC method, as the manifest gives them: body, status and kept headers."""
    folder = shared_data / "api" / "bluesky"
    with (folder / "manifest.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 12
    return {
        r["uri"].split("/xrpc/")[1].split("?")[0]: Response(
            (folder / r["file"]).read_bytes(), status=int(r["status"]), headers=json.loads(r["kept_headers"])
        )
        for r in rows
    }


@pytest.fixture
def recorded(manifest: dict[str, Response]) -> dict[str, Any]:
    return {method: json.loads(resp.get_data()) for method, resp in manifest.items()}


@pytest.fixture
def search_page(recorded: dict[str, Any]) -> dict[str, Any]:
    return recorded["app.bsky.feed.searchPosts"]


def views_in(body: Any) -> Iterator[dict[str, Any]]:
    """Every object in a body shaped like a post view (uri + author + record)."""
    if isinstance(body, dict):
        if {"uri", "author", "record"} <= body.keys():
            yield body
        for value in body.values():
            yield from views_in(value)
    elif isinstance(body, list):
        for value in body:
            yield from views_in(value)


def session_json(access: str = "access-1", refresh: str = "refresh-1") -> Response:
    return Response(
        json.dumps({**SESSION, "accessJwt": access, "refreshJwt": refresh}), content_type="application/json"
    )


def xrpc_error(status: int, error: str, message: str, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps({"error": error, "message": message})
    return Response(body, status=status, content_type="application/json", headers=headers or {})


def serve_session(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/xrpc/com.atproto.server.createSession", method="POST").respond_with_response(
        session_json()
    )


def requests_to(httpserver: HTTPServer, path: str) -> list[Request]:
    return [req for req, _ in httpserver.log if req.path == path]


@pytest.fixture
def bsky(httpserver: HTTPServer, plugin_ctx):
    """A plugin, a context pointing at the local server, and a runner for fetch."""
    plugin = BlueskyPlugin()

    def ctx(**overrides: Any):
        config = BlueskyPlugin.validate_config(
            {"base_url": httpserver.url_for("/"), "handle": HANDLE, "query": "redistricting", **overrides}
        )
        return plugin_ctx(config, secrets={"app_password": "abcd-efgh-ijkl-mnop"}, now=NOW, timeout=2.0)

    return plugin, ctx


# ------------------------------------------------------------------------------------------ parsing


def test_every_recorded_post_view_parses_into_a_post(shared_data: Path) -> None:
    folder = shared_data / "api" / "bluesky"
    parsed = skipped = 0
    for path in sorted(folder.glob("*.json")) + sorted((folder / "atproto_sdk_test_data").glob("*.json")):
        for view in views_in(json.loads(path.read_text())):
            post = post_from_view(view)
            if view["record"].get("$type", "app.bsky.feed.post") != "app.bsky.feed.post":
                assert post is None, f"{path.name}: a {view['record']['$type']} is not a post"
                skipped += 1
                continue
            assert post is not None, f"{path.name}: {view['uri']}"
            assert post.channel == "bluesky" and post.external_id == view["uri"]
            assert post.created_at.tzinfo is not None
            assert post.url.startswith("https://bsky.app/profile/")
            assert post.author_handle == view["author"]["handle"]
            parsed += 1
    assert parsed >= 200 and skipped >= 30  # notifications carry likes, follows and reposts too


def test_search_page_keeps_facets_reply_refs_and_engagement(search_page: dict[str, Any]) -> None:
    posts = {p.external_id: p for p in map(post_from_view, search_page["posts"])}
    assert len(posts) == 25
    first = posts["at://did:plc:kkergqgbhb56ptpwj2wenkje/app.bsky.feed.post/3lpk2u6qo222m"]
    assert first.url == "https://bsky.app/profile/socpaperbot.bsky.social/post/3lpk2u6qo222m"
    assert first.extra["links"] == ["https://osf.io/v87fn"]
    assert first.author_name == "Sociology papers (journals + SocArXiv)"
    assert (first.likes, first.reposts, first.replies) == (0, 0, 0)
    chain = posts["at://did:plc:ooimp4mgjxbday5u4j2rh57m/app.bsky.feed.post/3lpjqeajrhs27"]
    assert chain.reply_to.endswith("/3lpjqeajpjc27")
    assert chain.thread_id.endswith("/3lpjqeaiz2k27")
    quoting = posts["at://did:plc:pjjrd7avt2v4ycccavykzg3n/app.bsky.feed.post/3lpjl6vjfes2b"]
    assert quoting.extra["quote_of"].endswith("/3lpjgwfr3gs27") and quoting.reply_to == ""
    assert any(p.extra["tags"] for p in posts.values())


def test_mentions_are_read_from_utf8_byte_ranges(recorded: dict[str, Any]) -> None:
    view = recorded["app.bsky.feed.getPosts"]["posts"][0]
    text = view["record"]["text"]
    mention = {
        "index": {
            "byteStart": text.encode().index(b"@rstatsai"),
            "byteEnd": text.encode().index(b"@rstatsai") + 9,
        },
        "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:rstatsai"}],
    }
    post = post_from_view({**view, "record": {**view["record"], "facets": [*view["record"]["facets"], mention]}})
    assert post.extra["mentions"] == [{"did": "did:plc:rstatsai", "handle": "rstatsai"}]
    # the link facets sit after an emoji: byte offsets, not character offsets
    assert post.extra["links"] == ["http://localview.net", "https://rstats.ai/gov.html"]


def test_image_only_post_gets_text_from_its_embed(search_page: dict[str, Any]) -> None:
    view = search_page["posts"][0]
    record = {
        **view["record"],
        "text": "",
        "facets": [],
        "embed": {"$type": "app.bsky.embed.images", "images": [{"alt": "a chart of district maps"}]},
    }
    assert post_from_view({**view, "record": record}).text == "a chart of district maps"


@settings(max_examples=150, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=10), kids, max_size=4),
        max_leaves=30,
    )
)
def test_hostile_views_never_crash(junk: Any) -> None:
    view = {
        "uri": "at://did:plc:x/app.bsky.feed.post/abc",
        "author": junk,
        "record": {
            "text": "hi",
            "facets": junk,
            "embed": junk,
            "reply": junk,
            "createdAt": "2025-01-01T00:00:00Z",
            "langs": junk,
        },
        "likeCount": junk,
    }
    post = post_from_view(view)
    assert post is not None and post.text == "hi"
    assert post_from_view(junk) is None or isinstance(junk, dict)


# ------------------------------------------------------------------------------------------ fetch


def test_fetch_signs_in_and_searches_latest_with_a_bearer_token(bsky, httpserver, manifest) -> None:
    plugin, ctx = bsky
    serve_session(httpserver)
    httpserver.expect_request(SEARCH).respond_with_response(manifest["app.bsky.feed.searchPosts"])
    result = plugin.fetch(ctx(lang="en"), {})
    assert len(result.posts) == 25 and result.more and result.cursor["scan"]["cursor"] == "25"
    login = requests_to(httpserver, "/xrpc/com.atproto.server.createSession")
    assert json.loads(login[0].data) == {"identifier": HANDLE, "password": "abcd-efgh-ijkl-mnop"}
    search = requests_to(httpserver, SEARCH)[0]
    assert search.headers["Authorization"] == "Bearer access-1"
    assert search.args["q"] == "redistricting" and search.args["sort"] == "latest"
    assert search.args["lang"] == "en" and search.args["since"] == "2025-05-17T18:00:00.000000Z"
    # the watermark moves only when the scan is done; meanwhile the scan remembers the newest post
    assert result.cursor["scan"]["newest"] == "2025-05-19T17:10:09.561858Z" and "since" not in result.cursor


def test_paging_across_two_pages_then_resuming(bsky, httpserver, search_page) -> None:
    plugin, ctx = bsky
    serve_session(httpserver)
    first = {"posts": search_page["posts"][:13], "cursor": "13"}
    second = {"posts": search_page["posts"][13:]}

    def pages(request: Request) -> Response:
        body = second if request.args.get("cursor") == "13" else first
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request(SEARCH).respond_with_handler(pages)
    one = plugin.fetch(ctx(), {})
    assert len(one.posts) == 13 and one.more and one.cursor["scan"]["cursor"] == "13"
    SESSIONS.clear()  # a restarted app signs in again and resumes the scan from the stored cursor
    two = BlueskyPlugin().fetch(ctx(), json.loads(json.dumps(one.cursor)))
    assert len(two.posts) == 12 and not two.more
    assert {p.external_id for p in one.posts}.isdisjoint(p.external_id for p in two.posts)
    assert two.cursor["since"] == "2025-05-19T17:10:09.561858Z" and "scan" not in two.cursor
    # the next run sees the same page again (since is inclusive): nothing new, nothing skipped
    three = plugin.fetch(ctx(), two.cursor)
    assert three.posts == [] and not three.more
    assert requests_to(httpserver, SEARCH)[-1].args["since"] == "2025-05-19T17:10:09.561858Z"


def test_a_new_post_above_the_watermark_is_the_only_one_returned(bsky, httpserver, search_page) -> None:
    plugin, ctx = bsky
    serve_session(httpserver)
    newer = {
        **search_page["posts"][3],
        "uri": "at://did:plc:new/app.bsky.feed.post/3lpnew",
        "indexedAt": "2025-05-19T17:30:00.000Z",
        "record": {**search_page["posts"][3]["record"], "createdAt": "2025-05-19T17:29:59.000Z"},
    }
    httpserver.expect_request(SEARCH).respond_with_json({"posts": [newer, *search_page["posts"]], "cursor": "26"})
    cursor = {
        "query": "redistricting",
        "since": "2025-05-19T17:10:09.561858Z",
        "since_ids": ["at://did:plc:kkergqgbhb56ptpwj2wenkje/app.bsky.feed.post/3lpk2u6qo222m"],
    }
    result = plugin.fetch(ctx(), cursor)
    assert [p.external_id for p in result.posts] == [newer["uri"]]
    assert not result.more  # it reached already-seen posts: no need for page two
    assert result.cursor["since"] == "2025-05-19T17:29:59.000000Z"


def test_a_changed_query_starts_afresh(bsky, httpserver, search_page) -> None:
    plugin, ctx = bsky
    serve_session(httpserver)
    httpserver.expect_request(SEARCH).respond_with_json({"posts": search_page["posts"]})
    result = plugin.fetch(ctx(query="gerrymander"), {"query": "redistricting", "since": "2025-05-19T17:10:09Z"})
    assert len(result.posts) == 25 and result.cursor["query"] == "gerrymander"


# ------------------------------------------------------------------------------------------ sessions


def test_expired_access_token_is_refreshed_once(bsky, httpserver, search_page) -> None:
    plugin, ctx = bsky
    serve_session(httpserver)
    httpserver.expect_request("/xrpc/com.atproto.server.refreshSession", method="POST").respond_with_response(
        session_json("access-2", "refresh-2")
    )

    def search(request: Request) -> Response:
        if request.headers.get("Authorization") != "Bearer access-2":
            return xrpc_error(400, "ExpiredToken", "Token has expired")
        return Response(json.dumps({"posts": search_page["posts"][:2]}), content_type="application/json")

    httpserver.expect_request(SEARCH).respond_with_handler(search)
    assert len(plugin.fetch(ctx(), {}).posts) == 2
    refresh = requests_to(httpserver, "/xrpc/com.atproto.server.refreshSession")
    assert [r.headers["Authorization"] for r in refresh] == ["Bearer refresh-1"]
    # the refreshed session is kept: the next fetch neither signs in nor refreshes
    plugin.fetch(ctx(), {})
    assert len(requests_to(httpserver, "/xrpc/com.atproto.server.createSession")) == 1
    assert len(refresh) == len(requests_to(httpserver, "/xrpc/com.atproto.server.refreshSession"))


def test_a_session_outlives_the_plugin_object_until_the_password_changes(httpserver, plugin_ctx) -> None:
    serve_session(httpserver)
    httpserver.expect_request(SEARCH).respond_with_json({"posts": []})

    def run(password: str) -> None:  # the app makes a new plugin object for every run
        config = BlueskyPlugin.validate_config({"base_url": httpserver.url_for("/"), "handle": HANDLE, "query": "x"})
        BlueskyPlugin().fetch(plugin_ctx(config, secrets={"app_password": password}, now=NOW), {})

    run("first-password")
    run("first-password")
    assert len(requests_to(httpserver, "/xrpc/com.atproto.server.createSession")) == 1
    run("second-password")
    assert len(requests_to(httpserver, "/xrpc/com.atproto.server.createSession")) == 2


def test_a_token_refused_after_refresh_and_new_sign_in_is_an_auth_error(bsky, httpserver) -> None:
    plugin, ctx = bsky
    serve_session(httpserver)
    httpserver.expect_request("/xrpc/com.atproto.server.refreshSession").respond_with_response(
        xrpc_error(400, "ExpiredToken", "Token has expired")
    )
    httpserver.expect_request(SEARCH).respond_with_response(xrpc_error(401, "AuthMissing", "Authentication Required"))
    with pytest.raises(AuthError, match="set-secret test-source app_password"):
        plugin.fetch(ctx(), {})
    assert len(requests_to(httpserver, SEARCH)) == 2  # once, and once more after signing in again


def test_wrong_app_password_says_how_to_set_a_new_one(bsky, httpserver) -> None:
    plugin, ctx = bsky
    httpserver.expect_request("/xrpc/com.atproto.server.createSession").respond_with_response(
        xrpc_error(401, "AuthenticationRequired", "Invalid identifier or password")
    )
    with pytest.raises(AuthError) as err:
        plugin.fetch(ctx(), {})
    assert "Invalid identifier or password" in str(err.value)
    assert "scrm-desktop sources set-secret test-source app_password" in str(err.value)


def test_missing_app_password_is_an_auth_error_without_any_request(httpserver, plugin_ctx) -> None:
    config = BlueskyPlugin.validate_config({"base_url": httpserver.url_for("/"), "handle": HANDLE, "query": "x"})
    with pytest.raises(AuthError, match="App passwords"):
        BlueskyPlugin().fetch(plugin_ctx(config, now=NOW), {})
    assert httpserver.log == []


# ------------------------------------------------------------------------------------------ errors


def test_rate_limit_uses_retry_after(bsky, httpserver) -> None:
    plugin, ctx = bsky
    serve_session(httpserver)
    httpserver.expect_request(SEARCH).respond_with_response(
        xrpc_error(429, "RateLimitExceeded", "Rate Limit Exceeded", {"Retry-After": "42"})
    )
    with pytest.raises(RateLimited) as err:
        plugin.fetch(ctx(), {})
    assert err.value.retry_after == 42


def test_rate_limit_falls_back_to_the_ratelimit_reset_epoch(bsky, httpserver) -> None:
    plugin, ctx = bsky
    reset = str(int(NOW.timestamp()) + 300)
    httpserver.expect_request("/xrpc/com.atproto.server.createSession").respond_with_response(
        xrpc_error(429, "RateLimitExceeded", "Rate Limit Exceeded", {"RateLimit-Reset": reset})
    )
    with pytest.raises(RateLimited) as err:
        plugin.fetch(ctx(), {})
    assert err.value.retry_after == 300


def test_server_error_is_transient_with_retry_after(bsky, httpserver) -> None:
    plugin, ctx = bsky
    serve_session(httpserver)
    httpserver.expect_request(SEARCH).respond_with_response(
        Response("upstream failure", status=502, headers={"Retry-After": "7"})
    )
    with pytest.raises(TransientError) as err:
        plugin.fetch(ctx(), {})
    assert err.value.retry_after == 7


@pytest.mark.parametrize("body", [b'{"posts": [', b"<html>maintenance</html>", b'{"posts": 3}', b"[]"])
def test_malformed_bodies_are_malformed_responses(bsky, httpserver, body) -> None:
    plugin, ctx = bsky
    serve_session(httpserver)
    httpserver.expect_request(SEARCH).respond_with_data(body, content_type="application/json")
    with pytest.raises(MalformedResponse):
        plugin.fetch(ctx(), {})


def test_a_query_the_server_cannot_parse_is_a_config_error(bsky, httpserver) -> None:
    plugin, ctx = bsky
    serve_session(httpserver)
    httpserver.expect_request(SEARCH).respond_with_response(xrpc_error(400, "BadQueryString", "unbalanced quotes"))
    with pytest.raises(ConfigError, match="unbalanced quotes"):
        plugin.fetch(ctx(), {})


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A server that accepts connections (in the kernel backlog) and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(4)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/"


def test_a_hanging_server_is_cut_by_the_timeout(plugin_ctx, silent_url) -> None:
    config = BlueskyPlugin.validate_config({"base_url": silent_url, "handle": HANDLE, "query": "x"})
    ctx = plugin_ctx(config, secrets={"app_password": "pw"}, now=NOW, timeout=0.3)
    with pytest.raises(TransientError, match="did not answer in time"):
        BlueskyPlugin().fetch(ctx, {})


def test_a_dead_server_is_transient(plugin_ctx) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but not listening: connections are refused
        config = BlueskyPlugin.validate_config({"base_url": f"http://127.0.0.1:{port}", "handle": HANDLE, "query": "x"})
        with pytest.raises(TransientError, match="cannot reach Bluesky"):
            BlueskyPlugin().fetch(plugin_ctx(config, secrets={"app_password": "pw"}, now=NOW), {})


# ------------------------------------------------------------------------------------------ publish


def serve_parent(httpserver: HTTPServer, view: dict[str, Any]) -> None:
    httpserver.expect_request("/xrpc/app.bsky.feed.getPosts", query_string={"uris": view["uri"]}).respond_with_json(
        {"posts": [view]}
    )
    httpserver.expect_request("/xrpc/com.atproto.repo.createRecord", method="POST").respond_with_json(
        {
            "uri": "at://did:plc:brandbrandbrandbrand0000/app.bsky.feed.post/3lpreply",
            "cid": "bafyreply",
            "commit": {"cid": "bafycommit", "rev": "3lprev"},
            "validationStatus": "valid",
        }
    )


def test_reply_to_a_reply_points_root_at_the_thread_root(bsky, httpserver, search_page) -> None:
    plugin, ctx = bsky
    serve_session(httpserver)
    parent = next(v for v in search_page["posts"] if v["uri"].endswith("/3lpjqeajrhs27"))
    serve_parent(httpserver, parent)
    text = "Thanks for flagging this! Details: https://example.com/help/maps."
    result = plugin.publish(ctx(), Reply(text=text, in_reply_to=parent["uri"], idempotency_key="k1"))
    assert result.external_id == "at://did:plc:brandbrandbrandbrand0000/app.bsky.feed.post/3lpreply"
    assert result.url == f"https://bsky.app/profile/{HANDLE}/post/3lpreply"
    sent = requests_to(httpserver, "/xrpc/com.atproto.repo.createRecord")[0]
    assert sent.headers["Authorization"] == "Bearer access-1"
    url_start = len(text[: text.index("https://")].encode())
    assert json.loads(sent.data) == {
        "repo": "did:plc:brandbrandbrandbrand0000",
        "collection": "app.bsky.feed.post",
        "record": {
            "$type": "app.bsky.feed.post",
            "text": text,
            "createdAt": "2025-05-19T18:00:00.000Z",
            "reply": {
                "root": parent["record"]["reply"]["root"],
                "parent": {"uri": parent["uri"], "cid": parent["cid"]},
            },
            "facets": [
                {
                    "index": {
                        "byteStart": url_start,
                        "byteEnd": url_start + len("https://example.com/help/maps"),
                    },
                    "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://example.com/help/maps"}],
                }
            ],
        },
    }


def test_reply_to_a_root_post_uses_it_as_root_and_parent(bsky, httpserver, search_page) -> None:
    plugin, ctx = bsky
    serve_session(httpserver)
    parent = search_page["posts"][0]
    serve_parent(httpserver, parent)
    plugin.publish(ctx(), Reply(text="We hear you.", in_reply_to=parent["uri"], idempotency_key="k2"))
    record = json.loads(requests_to(httpserver, "/xrpc/com.atproto.repo.createRecord")[0].data)["record"]
    ref = {"uri": parent["uri"], "cid": parent["cid"]}
    assert record["reply"] == {"root": ref, "parent": ref} and "facets" not in record


def test_reply_to_a_deleted_post_says_so(bsky, httpserver) -> None:
    plugin, ctx = bsky
    serve_session(httpserver)
    httpserver.expect_request("/xrpc/app.bsky.feed.getPosts").respond_with_json({"posts": []})
    with pytest.raises(PluginError, match="is gone"):
        plugin.publish(ctx(), Reply(text="hi", in_reply_to="at://did:plc:x/app.bsky.feed.post/1", idempotency_key="k"))
    assert requests_to(httpserver, "/xrpc/com.atproto.repo.createRecord") == []


def test_a_reply_the_server_rejects_reports_its_message(bsky, httpserver, search_page) -> None:
    plugin, ctx = bsky
    serve_session(httpserver)
    parent = search_page["posts"][0]
    httpserver.expect_request("/xrpc/app.bsky.feed.getPosts").respond_with_json({"posts": [parent]})
    httpserver.expect_request("/xrpc/com.atproto.repo.createRecord").respond_with_response(
        xrpc_error(400, "InvalidRequest", "Invalid app.bsky.feed.post record: text must not be longer than 300")
    )
    with pytest.raises(PluginError, match="longer than 300"):
        plugin.publish(ctx(), Reply(text="x" * 400, in_reply_to=parent["uri"], idempotency_key="k"))


def test_link_facets_use_byte_offsets_and_drop_trailing_punctuation() -> None:
    text = "Voilà 🎉 see https://example.com/a?b=1)."
    (facet,) = link_facets(text)
    start = facet["index"]["byteStart"]
    assert text.encode()[start : facet["index"]["byteEnd"]].decode() == "https://example.com/a?b=1"


def test_find_sent_finds_our_reply_in_our_feed_and_nothing_else(bsky, httpserver, recorded) -> None:
    plugin, ctx = bsky
    feed = recorded["app.bsky.feed.getAuthorFeed"]
    ours = next(i["post"] for i in feed["feed"] if i["post"]["record"].get("reply") and "reason" not in i)
    me = ours["author"]
    httpserver.expect_request("/xrpc/com.atproto.server.createSession", method="POST").respond_with_json(
        {**SESSION, "did": me["did"], "handle": me["handle"]}
    )
    httpserver.expect_request("/xrpc/app.bsky.feed.getAuthorFeed").respond_with_json(feed)
    parent = ours["record"]["reply"]["parent"]["uri"]
    text = "  " + ours["record"]["text"].upper() + " "  # spacing and case aside
    found = plugin.find_sent(ctx(), Reply(text=text, in_reply_to=parent, idempotency_key="k"))
    assert found is not None and found.external_id == ours["uri"]
    assert plugin.find_sent(ctx(), Reply(text="a reply we never sent", in_reply_to=parent, idempotency_key="k")) is None
    other_parent = Reply(
        text=ours["record"]["text"], in_reply_to="at://did:plc:x/app.bsky.feed.post/1", idempotency_key="k"
    )
    assert plugin.find_sent(ctx(), other_parent) is None
    asked = requests_to(httpserver, "/xrpc/app.bsky.feed.getAuthorFeed")[0]
    assert asked.args["actor"] == me["did"] and asked.args["filter"] == "posts_with_replies"

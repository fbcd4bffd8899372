"""The Reddit plugin against a local server replaying real Reddit API responses (praw's cassettes)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from scrm_plugins.reddit import RedditPlugin, parse_listing

from scrm_desktop.listening.api import (
    AuthError,
    ConfigError,
    MalformedResponse,
    PluginError,
    RateLimited,
    Reply,
    TransientError,
)

from .recorded import Recorded, find, load_manifest, serve, silent_server

TOKEN = "<ACCESS_TOKEN>"  # what the recorded token answer hands out
SECRETS = {"client_id": "app-id", "client_secret": "app-secret"}
USER_SECRETS = {**SECRETS, "refresh_token": "refresh-1"}
# POST /api/comment answer recorded by praw (tests/integration/cassettes/TestComment.test_reply.json, BSD-2).
COMMENT_REPLY = (
    '{"json": {"errors": [], "data": {"things": [{"kind": "t1", "data": {"subreddit_id": "t5_2t5o6", '
    '"link_id": "t3_4b1tfm", "replies": "", "id": "d1680wu", "author": "<USERNAME>", "parent_id": "t1_d1616q2", '
    '"score": 1, "body": "Comment reply", "edited": false, "body_html": "\\u003Cdiv class=\\"md\\"\\u003E'
    '\\u003Cp\\u003EComment reply\\u003C/p\\u003E\\n\\u003C/div\\u003E", "subreddit": "<TEST_SUBREDDIT>", '
    '"name": "t1_d1680wu", "created": 1458462831.0, "created_utc": 1458434031.0, "ups": 1}}]}}}'
)


@pytest.fixture
def recorded(shared_data: Path) -> list[Recorded]:
    return load_manifest(shared_data / "api" / "reddit")


@pytest.fixture
def token_body(shared_data: Path) -> str:
    """The access-token answer recorded in praw's mentions cassette."""
    cassette = json.loads((shared_data / "api" / "reddit" / "_cassettes" / "TestInbox.test_mentions.json").read_text())
    first = cassette["interactions"][0]
    assert first["request"]["uri"].endswith("/api/v1/access_token")
    return first["response"]["body"]["string"]


@pytest.fixture
def login(httpserver: HTTPServer, token_body: str) -> None:
    httpserver.expect_request("/api/v1/access_token", method="POST").respond_with_data(
        token_body, content_type="application/json"
    )


@pytest.fixture
def fetch(plugin_ctx, httpserver: HTTPServer):
    """Run one fetch: fetch(cursor=None, secrets=SECRETS, **config) against the local server."""

    def run(cursor: dict | None = None, secrets: dict | None = None, plugin: RedditPlugin | None = None, **config):
        local = httpserver.url_for("/")
        raw = {"base_url": local, "auth_url": local, **config}
        ctx = plugin_ctx(RedditPlugin.validate_config(raw), secrets=SECRETS if secrets is None else secrets)
        return (plugin or RedditPlugin()).fetch(ctx, cursor or {})

    return run


def api_requests(httpserver: HTTPServer) -> list[Any]:
    return [r for r, _ in httpserver.log if r.path != "/api/v1/access_token"]


def children(rec: Recorded) -> list[dict]:
    return [c["data"] for c in rec.json()["data"]["children"]]


def things_in(body: Any) -> list[dict]:
    """Every link and comment in a recorded body, nested replies included."""
    found = []
    for listing in body if isinstance(body, list) else [body]:
        for child in listing.get("data", {}).get("children", []):
            if child["kind"] in ("t1", "t3"):
                found.append(child)
            if isinstance(child["data"].get("replies"), dict):
                found += things_in(child["data"]["replies"])
    return found


def test_every_recorded_listing_parses(recorded: list[Recorded]) -> None:
    total = 0
    for rec in recorded:
        if rec.status != 200:
            continue
        posts = {p.external_id: p for p in parse_listing(rec.json())}
        for thing in things_in(rec.json()):
            data = thing["data"]
            if data.get("body") == "[deleted]":
                assert data["name"] not in posts  # a deleted comment has nothing to listen to
                continue
            post = posts[data["name"]]
            assert post.channel == "reddit" and post.text_format == "html" and post.text
            assert post.created_at == datetime.fromtimestamp(data["created_utc"], UTC)
            assert post.author_handle == ("" if data["author"] == "[deleted]" else data["author"])
            assert post.url.startswith("https://www.reddit.com/r/")
            assert post.likes == data["score"]
            assert post.extra["subreddit"] == data["subreddit"]
            if thing["kind"] == "t3":
                assert (post.title, post.thread_id, post.replies) == (data["title"], data["name"], data["num_comments"])
            else:
                assert post.reply_to == data["parent_id"]
                assert post.thread_id.startswith("t3_")
            total += 1
    assert total >= 390  # new, hot, comments, search, inbox and comment pages: 396 in all


def test_accounts_and_errors_are_not_posts(recorded: list[Recorded]) -> None:
    assert parse_listing(find(recorded, "TestRedditors.test_search").json()) == []
    with pytest.raises(MalformedResponse, match="expected a Listing"):
        parse_listing(find(recorded, "test_message__unauthorized").json())


def test_first_fetch_reads_new_posts_and_comments_with_an_app_token(
    fetch, login, httpserver: HTTPServer, recorded: list[Recorded]
) -> None:
    new, comments = find(recorded, "test_new__01"), find(recorded, "test_comments__01__GET_r_askreddit")
    serve(httpserver, new, path="/r/askreddit+python/new")
    serve(httpserver, comments, path="/r/askreddit+python/comments")
    result = fetch(subreddits="r/askreddit, python")
    assert len(result.posts) == 200
    assert result.cursor == {
        "new:askreddit+python": {
            "before": children(new)[0]["name"],
            "created": max(c["created_utc"] for c in children(new)),
        },
        "comments:askreddit+python": {
            "before": children(comments)[0]["name"],
            "created": max(c["created_utc"] for c in children(comments)),
        },
    }
    assert result.more is False
    token_request = httpserver.log[0][0]
    assert token_request.form["grant_type"] == "client_credentials"
    assert token_request.headers["Authorization"] == "Basic " + base64.b64encode(b"app-id:app-secret").decode()
    for request in api_requests(httpserver):
        assert request.headers["Authorization"] == f"bearer {TOKEN}"
        assert request.args["raw_json"] == "1" and request.args["limit"] == "100"
        assert "before" not in request.args
    assert len(httpserver.log) == 3  # one login for the whole fetch


def test_resume_asks_before_the_cursor_and_finds_nothing_new(
    fetch, login, httpserver: HTTPServer, recorded: list[Recorded]
) -> None:
    new = find(recorded, "test_new__01")
    newest = children(new)[0]
    cursor = {"new:askreddit": {"before": newest["name"], "created": newest["created_utc"]}}
    empty = find(recorded, "TestComment.test_invalid")  # a real empty Listing
    serve(
        httpserver,
        empty,
        path="/r/askreddit/new",
        query_string={"raw_json": "1", "limit": "100", "before": newest["name"]},
    )
    serve(httpserver, new, path="/r/askreddit/new", query_string={"raw_json": "1", "limit": "100"})
    result = fetch(cursor=cursor, subreddits="askreddit", include_comments=False)
    assert result.posts == [] and result.more is False
    assert result.cursor == cursor
    asked = [r.args.get("before") for r in api_requests(httpserver)]
    assert asked == [newest["name"], None]  # then the check that the anchor still exists


def test_a_removed_anchor_does_not_stall_the_feed(
    fetch, login, httpserver: HTTPServer, recorded: list[Recorded]
) -> None:
    new = find(recorded, "test_new__01")
    items = children(new)
    cursor = {"new:askreddit": {"before": "t3_removed", "created": items[5]["created_utc"]}}
    serve(
        httpserver,
        find(recorded, "TestComment.test_invalid"),
        path="/r/askreddit/new",
        query_string={"raw_json": "1", "limit": "100", "before": "t3_removed"},
    )
    serve(httpserver, new, path="/r/askreddit/new", query_string={"raw_json": "1", "limit": "100"})
    result = fetch(cursor=cursor, subreddits="askreddit", include_comments=False)
    newer = [i["name"] for i in items if i["created_utc"] > items[5]["created_utc"]]
    assert newer and [p.external_id for p in result.posts] == newer
    assert result.cursor["new:askreddit"]["before"] == items[0]["name"]


def test_paging_across_two_pages_then_caught_up(fetch, login, httpserver: HTTPServer, recorded: list[Recorded]) -> None:
    new = find(recorded, "test_new__01")
    listing, items = new.json(), new.json()["data"]["children"]

    def page(part: list) -> str:
        return json.dumps({**listing, "data": {**listing["data"], "children": part}})

    older_anchor = "t3_older"
    for before, part in [
        (older_anchor, items[50:]),
        (items[50]["data"]["name"], items[:50]),
        (items[0]["data"]["name"], []),
    ]:
        serve(
            httpserver,
            new,
            path="/r/askreddit/new",
            body=page(part),
            query_string={"raw_json": "1", "limit": "50", "before": before},
        )
    serve(
        httpserver, new, path="/r/askreddit/new", body=page(items[:50]), query_string={"raw_json": "1", "limit": "50"}
    )
    cursor: dict = {"new:askreddit": {"before": older_anchor, "created": 0}}
    seen: list[str] = []
    for _ in range(5):
        result = fetch(cursor=cursor, subreddits="askreddit", include_comments=False, page_size=50)
        seen += [p.external_id for p in result.posts]
        cursor = dict(result.cursor)
        if not result.more:
            break
    assert sorted(seen) == sorted(i["data"]["name"] for i in items) and len(seen) == 100
    assert cursor["new:askreddit"]["before"] == items[0]["data"]["name"]


def test_keyword_search_is_newest_first(fetch, login, httpserver: HTTPServer, recorded: list[Recorded]) -> None:
    search = find(recorded, "TestSubreddit.test_search")
    serve(
        httpserver,
        search,
        path="/search",
        query_string={"raw_json": "1", "limit": "100", "q": "praw oauth", "sort": "new", "type": "link"},
    )
    result = fetch(keywords="praw oauth")
    assert [p.external_id for p in result.posts] == [c["name"] for c in children(search)]
    assert all(p.extra["feed"] == "search:praw oauth" for p in result.posts)


def test_mentions_use_the_refresh_token(fetch, login, httpserver: HTTPServer, recorded: list[Recorded]) -> None:
    mentions = find(recorded, "test_mentions__01")
    serve(httpserver, mentions, path="/message/mentions")
    result = fetch(secrets=USER_SECRETS, mentions=True)
    assert len(result.posts) == 16
    first = result.posts[0]
    assert first.extra["inbox_type"] == "username_mention"
    assert first.thread_id == "t3_bb24k7" and first.url.startswith("https://www.reddit.com/r/RemovedByBotter/")
    assert httpserver.log[0][0].form.to_dict() == {"grant_type": "refresh_token", "refresh_token": "refresh-1"}


def test_mentions_without_a_refresh_token_say_how_to_get_one(fetch, httpserver: HTTPServer) -> None:
    with pytest.raises(AuthError, match="set-secret test-source refresh_token"):
        fetch(mentions=True)
    assert httpserver.log == []


def test_without_an_app_the_error_says_where_to_make_one(fetch, httpserver: HTTPServer) -> None:
    with pytest.raises(AuthError, match=r"prefs/apps.*set-secret test-source client_id"):
        fetch(secrets={}, subreddits="python")
    assert httpserver.log == []


def test_refused_app_credentials(fetch, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v1/access_token").respond_with_json(
        {"message": "Unauthorized", "error": 401}, status=401
    )
    with pytest.raises(AuthError, match="client_id"):
        fetch(subreddits="python")


def test_revoked_refresh_token(fetch, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v1/access_token").respond_with_json({"error": "invalid_grant"})
    with pytest.raises(AuthError, match=r"invalid_grant.*refresh_token"):
        fetch(secrets=USER_SECRETS, mentions=True)


def test_forbidden_inbox_is_an_auth_error(fetch, login, httpserver: HTTPServer, recorded: list[Recorded]) -> None:
    serve(httpserver, find(recorded, "test_message__unauthorized"), path="/message/mentions")
    with pytest.raises(AuthError, match="HTTP 403"):
        fetch(secrets=USER_SECRETS, mentions=True)


def test_an_expired_token_is_renewed_once(fetch, login, httpserver: HTTPServer, recorded: list[Recorded]) -> None:
    serve(httpserver, find(recorded, "test_new__01"), path="/r/python/new", status=401, body='{"error": 401}')
    with pytest.raises(AuthError, match="HTTP 401"):
        fetch(subreddits="python", include_comments=False)
    paths = [r.path for r, _ in httpserver.log]
    assert paths == ["/api/v1/access_token", "/r/python/new", "/api/v1/access_token", "/r/python/new"]


@pytest.mark.parametrize(
    ("status", "headers", "error", "retry_after"),
    [
        (200, {"x-ratelimit-remaining": "0.0", "x-ratelimit-reset": "53"}, RateLimited, 53.0),
        (429, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "41"}, RateLimited, 41.0),
        (429, {"Retry-After": "7"}, RateLimited, 7.0),
        (503, {"Retry-After": "120"}, TransientError, 120.0),
    ],
)
def test_rate_limit_headers_and_server_errors(
    fetch, login, httpserver: HTTPServer, recorded: list[Recorded], status, headers, error, retry_after
) -> None:
    serve(httpserver, find(recorded, "test_mentions__01"), path="/r/python/new", status=status, headers=headers)
    with pytest.raises(error) as caught:
        fetch(subreddits="python", include_comments=False)
    assert caught.value.retry_after == pytest.approx(retry_after)


def test_recorded_allowance_left_is_not_a_rate_limit(
    fetch, login, httpserver: HTTPServer, recorded: list[Recorded]
) -> None:
    mentions = find(recorded, "test_mentions__01")
    assert float(mentions.headers["x-ratelimit-remaining"]) > 1
    serve(httpserver, mentions, path="/message/mentions")
    assert len(fetch(secrets=USER_SECRETS, mentions=True).posts) == 16


@pytest.mark.parametrize("body", ["truncated", "not a listing"])
def test_malformed_bodies(fetch, login, httpserver: HTTPServer, recorded: list[Recorded], body: str) -> None:
    new = find(recorded, "test_new__01")
    text = new.body()[:700] if body == "truncated" else b'{"message": "Forbidden", "error": 403}'
    serve(httpserver, new, path="/r/python/new", body=text)
    with pytest.raises(MalformedResponse):
        fetch(subreddits="python", include_comments=False)


def test_bad_subreddit_names_are_a_config_error(fetch) -> None:
    with pytest.raises(PluginError, match="not a subreddit name"):
        fetch(subreddits="python, ../../api/v1/me")


def test_a_server_that_never_answers_is_a_transient_error(plugin_ctx, login, httpserver: HTTPServer) -> None:
    with silent_server() as url:
        config = RedditPlugin.validate_config(
            {"base_url": url, "auth_url": httpserver.url_for("/"), "subreddits": "python"}
        )
        with pytest.raises(TransientError, match="did not answer in time"):
            RedditPlugin().fetch(plugin_ctx(config, secrets=SECRETS, timeout=0.3), {})


def publish_ctx(plugin_ctx, httpserver: HTTPServer, secrets: dict):
    local = httpserver.url_for("/")
    return plugin_ctx(RedditPlugin.validate_config({"base_url": local, "auth_url": local}), secrets=secrets)


def test_publish_posts_a_comment_as_the_user(plugin_ctx, login, httpserver: HTTPServer) -> None:
    httpserver.expect_request(
        "/api/comment",
        method="POST",
        query_string={"raw_json": "1"},
        headers={"Authorization": f"bearer {TOKEN}"},
        data="api_type=json&thing_id=t1_d1616q2&text=Comment+reply",
    ).respond_with_data(COMMENT_REPLY, content_type="application/json")
    reply = Reply(text="Comment reply", in_reply_to="t1_d1616q2", idempotency_key="k1")
    result = RedditPlugin().publish(publish_ctx(plugin_ctx, httpserver, USER_SECRETS), reply)
    assert result.external_id == "t1_d1680wu"
    assert result.url == "https://www.reddit.com/r/<TEST_SUBREDDIT>/comments/4b1tfm/_/d1680wu/"


def test_publish_reports_reddit_refusals(plugin_ctx, login, httpserver: HTTPServer) -> None:
    refusal = {"json": {"errors": [["RATELIMIT", "you are doing that too much. try again in 5 minutes.", "ratelimit"]]}}
    httpserver.expect_request("/api/comment", method="POST").respond_with_json(refusal)
    reply = Reply(text="hi", in_reply_to="t3_48fbm9", idempotency_key="k2")
    with pytest.raises(RateLimited) as caught:
        RedditPlugin().publish(publish_ctx(plugin_ctx, httpserver, USER_SECRETS), reply)
    assert caught.value.retry_after == 300


def test_publish_needs_a_user_and_a_reddit_id(plugin_ctx, httpserver: HTTPServer) -> None:
    with pytest.raises(AuthError, match="refresh_token"):
        RedditPlugin().publish(publish_ctx(plugin_ctx, httpserver, SECRETS), Reply("hi", "t1_abc", "k"))
    with pytest.raises(PluginError, match="t3_/t1_"):
        RedditPlugin().publish(publish_ctx(plugin_ctx, httpserver, USER_SECRETS), Reply("hi", "12345", "k"))
    assert httpserver.log == []


def test_a_source_with_nothing_to_listen_to_is_a_config_error(fetch, httpserver: HTTPServer) -> None:
    with pytest.raises(ConfigError, match="subreddits, search keywords or mentions"):
        fetch()
    assert httpserver.log == []


def test_find_sent_finds_our_comment_under_the_same_parent(plugin_ctx, login, httpserver: HTTPServer) -> None:
    thing = json.loads(COMMENT_REPLY)["json"]["data"]["things"][0]
    httpserver.expect_request("/api/v1/me").respond_with_json({"name": "<USERNAME>"})
    httpserver.expect_request("/user/<USERNAME>/comments").respond_with_json(
        {"kind": "Listing", "data": {"children": [thing], "after": None}}
    )
    plugin, ctx = RedditPlugin(), publish_ctx(plugin_ctx, httpserver, USER_SECRETS)
    found = plugin.find_sent(ctx, Reply(text="comment   REPLY", in_reply_to="t1_d1616q2", idempotency_key="k"))
    assert found is not None and found.external_id == "t1_d1680wu"
    assert plugin.find_sent(ctx, Reply(text="Comment reply", in_reply_to="t1_other", idempotency_key="k")) is None
    assert plugin.find_sent(ctx, Reply(text="Something else", in_reply_to="t1_d1616q2", idempotency_key="k")) is None


def test_find_sent_needs_the_user(plugin_ctx, httpserver: HTTPServer) -> None:
    with pytest.raises(AuthError, match="refresh_token"):
        RedditPlugin().find_sent(publish_ctx(plugin_ctx, httpserver, SECRETS), Reply("hi", "t1_abc", "k"))

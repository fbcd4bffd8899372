"""The Mastodon plugin against a local server replaying real Mastodon API responses."""

from __future__ import annotations

import copy
import json
import re
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from scrm_plugins.mastodon import MastodonPlugin, parse_status

from scrm_desktop.listening.api import (
    AuthError,
    ConfigError,
    MalformedResponse,
    RateLimited,
    Reply,
    TransientError,
)

from .recorded import Recorded, find, load_manifest, serve, silent_server

TAG_STATUS_ID = "117020593741189701"
TOKEN = "tok-123"


@pytest.fixture
def recorded(shared_data: Path) -> list[Recorded]:
    return load_manifest(shared_data / "api" / "mastodon" / "local_test_instance")


@pytest.fixture
def fetch(plugin_ctx, httpserver: HTTPServer):
    """Run one fetch against the local server: fetch(cursor=None, token=None, **config)."""

    def run(cursor: dict | None = None, token: str | None = None, **config: Any):
        raw = {"instance_url": httpserver.url_for("/"), **config}
        ctx = plugin_ctx(MastodonPlugin.validate_config(raw), secrets={"access_token": token} if token else None)
        return MastodonPlugin().fetch(ctx, cursor or {})

    return run


def statuses_in(body: Any) -> Iterator[dict]:
    """Every status object anywhere in a recorded body (timelines, search, notifications, conversations)."""
    if isinstance(body, dict):
        if {"id", "content", "account", "created_at"} <= body.keys():
            yield body
        for value in body.values():
            yield from statuses_in(value)
    elif isinstance(body, list):
        for value in body:
            yield from statuses_in(value)


def test_every_recorded_status_parses_into_a_post(recorded: list[Recorded]) -> None:
    seen = 0
    for rec in recorded:
        for status in statuses_in(rec.json()):
            post = parse_status(status, "localhost:3000")
            assert post is not None, rec.file.name
            account = status["account"]
            assert post.channel == "mastodon"
            assert post.external_id == status["id"]
            assert post.text == status["content"] and post.text_format == "html"
            assert post.created_at == datetime.fromisoformat(status["created_at"])
            assert post.created_at.tzinfo is not None
            assert post.author_handle.split("@")[0] == account["acct"].split("@")[0]
            assert "@" in post.author_handle
            assert post.author_name == (account["display_name"] or account["username"])
            assert post.author_followers == account["followers_count"]
            assert post.url == status["url"]
            assert post.reply_to == (status["in_reply_to_id"] or "")
            assert (post.likes, post.reposts, post.replies) == (
                status["favourites_count"],
                status["reblogs_count"],
                status["replies_count"],
            )
            assert post.extra["visibility"] == status["visibility"]
            json.dumps(dict(post.extra))
            seen += 1
    assert seen >= 30  # the recordings hold 30+ statuses; fewer means the walk above missed them


def test_hashtag_timeline_gives_posts_and_a_cursor_from_the_link_header(
    fetch, httpserver: HTTPServer, recorded: list[Recorded]
) -> None:
    serve(httpserver, find(recorded, "test_hashtag_tl__02"))
    result = fetch(hashtags="#hoot")
    assert [p.external_id for p in result.posts] == [TAG_STATUS_ID]
    post = result.posts[0]
    assert "hoot" in post.text and post.lang == "ja"
    assert post.author_handle == f"mastodonpy_test_2@{httpserver.host}:{httpserver.port}"
    assert post.thread_id == TAG_STATUS_ID  # not a reply: it starts its own thread
    assert post.extra["feed"] == "tag:hoot"
    assert result.cursor == {"tag:hoot": TAG_STATUS_ID}
    assert result.more is False  # a first run takes the newest page only
    request = httpserver.log[0][0]
    assert request.path == "/api/v1/timelines/tag/hoot"
    assert "min_id" not in request.args and "Authorization" not in request.headers


def test_resume_asks_for_newer_than_the_cursor_and_finds_nothing_new(
    fetch, httpserver: HTTPServer, recorded: list[Recorded]
) -> None:
    empty = find(recorded, "test_trending_statuses__00")  # a real empty list answer
    serve(
        httpserver,
        empty,
        path="/api/v1/timelines/tag/hoot",
        query_string={"limit": "40", "min_id": TAG_STATUS_ID},
    )
    result = fetch(cursor={"tag:hoot": TAG_STATUS_ID}, hashtags="hoot")
    assert result.posts == []
    assert result.cursor == {"tag:hoot": TAG_STATUS_ID}
    assert result.more is False
    assert httpserver.log[0][0].args["min_id"] == TAG_STATUS_ID


def test_mentions_page_upwards_through_link_headers(fetch, httpserver: HTTPServer, recorded: list[Recorded]) -> None:
    pages = [
        ("19", find(recorded, "test_notifications__01")),  # notification 20, Link prev min_id=20
        ("20", find(recorded, "test_notifications_mentions_only__01")),  # notification 21
        ("21", find(recorded, "test_trending_statuses__00")),  # nothing newer
    ]
    for since, rec in pages:
        serve(
            httpserver,
            rec,
            path="/api/v1/notifications",
            query_string={"types[]": "mention", "limit": "1", "min_id": since},
        )
    cursor: dict = {"mentions": "19"}
    got = []
    for _ in range(3):
        result = fetch(cursor=cursor, token=TOKEN, mentions="yes", page_size=1)
        got += [p.external_id for p in result.posts]
        cursor = dict(result.cursor)
        if not result.more:
            break
    assert got == ["117020576916218297", "117020577157693549"]
    assert cursor == {"mentions": "21"}
    assert len(httpserver.log) == 3
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r, _ in httpserver.log)


def test_keyword_search_sends_the_token_and_reads_statuses(
    fetch, httpserver: HTTPServer, recorded: list[Recorded]
) -> None:
    search = find(recorded, "test_search__00")  # accounts only, no statuses
    tag_status = find(recorded, "test_hashtag_tl__02").json()[0]
    with_statuses = {**search.json(), "statuses": [tag_status]}
    serve(
        httpserver,
        search,
        query_string={"q": "nobody", "type": "statuses", "resolve": "false", "limit": "40"},
    )
    serve(
        httpserver,
        search,
        query_string={"q": "hoot", "type": "statuses", "resolve": "false", "limit": "40"},
        body=json.dumps(with_statuses),
    )
    result = fetch(token=TOKEN, keywords="nobody, hoot")
    assert [p.external_id for p in result.posts] == [TAG_STATUS_ID]
    assert result.cursor == {"search:hoot": TAG_STATUS_ID}
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r, _ in httpserver.log)


def test_search_or_mentions_without_a_token_say_how_to_set_one(fetch, httpserver: HTTPServer) -> None:
    with pytest.raises(AuthError, match="set-secret test-source access_token"):
        fetch(keywords="brand")
    with pytest.raises(AuthError, match="access token"):
        fetch(mentions=True)
    assert httpserver.log == []


def test_boosts_edits_and_replies(fetch, httpserver: HTTPServer, recorded: list[Recorded]) -> None:
    # Built from real statuses: a boost of the tag status, a later edit of it, and a reply with its parent.
    original = find(recorded, "test_hashtag_tl__02").json()[0]
    booster = find(recorded, "test_status_reply__00").json()["account"]
    boost = {**copy.deepcopy(original), "id": "117020599999999999", "account": booster, "reblog": original}
    edited = {
        **copy.deepcopy(original),
        "content": "<p>#hoot (edited)</p>",
        "edited_at": "2026-08-01T14:00:00.000Z",
    }
    parent = find(recorded, "test_status_reply__00").json()
    child = find(recorded, "test_status_reply__02").json()
    timeline = find(recorded, "test_hashtag_tl__02")
    serve(httpserver, timeline, body=json.dumps([boost, original, child, parent]))
    serve(httpserver, timeline, path="/api/v1/timelines/tag/other", body=json.dumps([edited]))
    result = fetch(hashtags="hoot, other")
    posts = {p.external_id: p for p in result.posts}
    assert sorted(posts) == sorted([TAG_STATUS_ID, parent["id"], child["id"]])  # the boost is the original
    assert posts[TAG_STATUS_ID].text == "<p>#hoot (edited)</p>"  # the latest edit wins
    assert posts[child["id"]].reply_to == parent["id"]
    assert posts[child["id"]].thread_id == parent["id"] == posts[parent["id"]].thread_id
    # The timeline pages by the boost's own id, which is the newest item.
    assert result.cursor["tag:hoot"] == TAG_STATUS_ID  # from the recorded Link header


def test_boost_is_attributed_to_the_booster(recorded: list[Recorded]) -> None:
    original = find(recorded, "test_hashtag_tl__02").json()[0]
    booster = find(recorded, "test_status_reply__00").json()["account"]
    post = parse_status({"id": "1", "account": booster, "reblog": original}, "example.social")
    assert post is not None and post.external_id == original["id"]
    assert post.author_handle == "mastodonpy_test_2@example.social"
    assert post.extra["boosted_by"] == f"{booster['acct']}@example.social"


def test_unusable_statuses_are_skipped_not_fatal(fetch, httpserver: HTTPServer, recorded: list[Recorded]) -> None:
    good = find(recorded, "test_hashtag_tl__02").json()[0]
    broken = [{"id": "5", "created_at": "yesterday"}, "not a status", {"no": "id"}, None, good]
    serve(httpserver, find(recorded, "test_hashtag_tl__02"), body=json.dumps(broken))
    result = fetch(hashtags="hoot")
    assert [p.external_id for p in result.posts] == [TAG_STATUS_ID]


@pytest.mark.parametrize(
    ("status", "headers", "error", "retry_after"),
    [
        (429, {"Retry-After": "30"}, RateLimited, 30.0),
        (429, {}, RateLimited, 60.070144),  # from the recorded X-RateLimit-Reset time
        (503, {"Retry-After": "120"}, TransientError, 120.0),
        (500, {}, TransientError, None),
    ],
)
def test_rate_limits_and_server_errors_carry_retry_after(
    plugin_ctx, httpserver: HTTPServer, recorded: list[Recorded], status, headers, error, retry_after
) -> None:
    serve(httpserver, find(recorded, "test_hashtag_tl__02"), status=status, headers=headers, body="{}")
    now = datetime(2026, 8, 1, 13, 59, tzinfo=UTC)  # the recorded reset is 14:00:00.070144Z
    config = MastodonPlugin.validate_config({"instance_url": httpserver.url_for("/"), "hashtags": "hoot"})
    with pytest.raises(error) as caught:
        MastodonPlugin().fetch(plugin_ctx(config, now=now), {})
    assert caught.value.retry_after == pytest.approx(retry_after)


def test_refused_token_says_what_to_fix(fetch, httpserver: HTTPServer, recorded: list[Recorded]) -> None:
    serve(
        httpserver,
        find(recorded, "test_hashtag_tl__02"),
        status=401,
        body='{"error":"The access token is invalid"}',
    )
    with pytest.raises(AuthError) as caught:
        fetch(token=TOKEN, hashtags="hoot")
    message = str(caught.value)
    assert "refused the access token" in message and "The access token is invalid" in message
    assert "scrm-desktop sources set-secret test-source access_token" in message


def test_other_client_errors_quote_the_server(fetch, httpserver: HTTPServer, recorded: list[Recorded]) -> None:
    missing = find(recorded, "test_status_missing__00")  # a real 404 {"error": "Not Found"}
    serve(httpserver, missing, path="/api/v1/timelines/tag/hoot")
    with pytest.raises(MalformedResponse, match="HTTP 404: Not Found"):
        fetch(hashtags="hoot")


@pytest.mark.parametrize("body", ["truncated", "object"])
def test_malformed_bodies(fetch, httpserver: HTTPServer, recorded: list[Recorded], body: str) -> None:
    timeline = find(recorded, "test_hashtag_tl__02")
    text = timeline.body()[:500] if body == "truncated" else find(recorded, "test_status_reply__01").body()
    serve(httpserver, timeline, body=text)
    with pytest.raises(MalformedResponse):
        fetch(hashtags="hoot")


def test_a_server_that_never_answers_is_a_transient_error(plugin_ctx) -> None:
    with silent_server() as url:
        config = MastodonPlugin.validate_config({"instance_url": url, "hashtags": "hoot"})
        with pytest.raises(TransientError, match="did not answer in time"):
            MastodonPlugin().fetch(plugin_ctx(config, timeout=0.3), {})


def test_an_unreachable_server_is_a_transient_error(plugin_ctx) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = MastodonPlugin.validate_config({"instance_url": f"http://127.0.0.1:{port}", "hashtags": "hoot"})
    with pytest.raises(TransientError, match="cannot reach"):
        MastodonPlugin().fetch(plugin_ctx(config), {})


def publish_ctx(plugin_ctx, httpserver: HTTPServer, token: str | None = TOKEN):
    config = MastodonPlugin.validate_config({"instance_url": httpserver.url_for("/")})
    return plugin_ctx(config, secrets={"access_token": token} if token else None)


def test_publish_replies_with_token_and_idempotency_key(
    plugin_ctx, httpserver: HTTPServer, recorded: list[Recorded]
) -> None:
    sent = find(recorded, "test_status_reply__02")
    httpserver.expect_request(
        "/api/v1/statuses",
        method="POST",
        headers={"Authorization": f"Bearer {TOKEN}", "Idempotency-Key": "reply-42"},
        json={
            "status": "@mastodonpy_test_2 same!",
            "in_reply_to_id": "117020583245459824",
            "visibility": "direct",
        },
    ).respond_with_data(sent.body(), status=200, content_type="application/json")
    reply = Reply(
        text="@mastodonpy_test_2 same!",
        in_reply_to="117020583245459824",
        idempotency_key="reply-42",
        extra={"visibility": "direct"},
    )
    result = MastodonPlugin().publish(publish_ctx(plugin_ctx, httpserver), reply)
    assert result.external_id == "117020583258292382"
    assert result.url == "http://localhost:3000/@admin/117020583258292382"
    assert len(httpserver.log) == 1


def test_publish_without_a_token_sends_nothing(plugin_ctx, httpserver: HTTPServer) -> None:
    reply = Reply(text="hi", in_reply_to="1", idempotency_key="k")
    with pytest.raises(AuthError, match="set-secret test-source access_token"):
        MastodonPlugin().publish(publish_ctx(plugin_ctx, httpserver, token=None), reply)
    assert httpserver.log == []


def test_publish_refused_by_the_server_quotes_its_reason(
    plugin_ctx, httpserver: HTTPServer, recorded: list[Recorded]
) -> None:
    refusal = find(recorded, "test_status_translate__01")  # a real POST answered 404 {"error": "Not Found"}
    serve(httpserver, refusal, path="/api/v1/statuses")
    reply = Reply(text="hi", in_reply_to="0", idempotency_key="k")
    with pytest.raises(MalformedResponse, match="Not Found"):
        MastodonPlugin().publish(publish_ctx(plugin_ctx, httpserver), reply)


def test_a_source_with_nothing_to_listen_to_is_a_config_error(fetch, httpserver: HTTPServer) -> None:
    with pytest.raises(ConfigError, match="hashtags, search keywords or mentions"):
        fetch(hashtags=" # ")
    assert httpserver.log == []


def test_find_sent_looks_in_the_thread_for_our_reply(
    plugin_ctx, httpserver: HTTPServer, recorded: list[Recorded]
) -> None:
    me = find(recorded, "test_status_reply__01")  # verify_credentials: the account that sent the reply
    sent = find(recorded, "test_status_reply__02").json()  # the reply as the instance stored it
    parent = sent["in_reply_to_id"]
    serve(httpserver, me, path="/api/v1/accounts/verify_credentials")
    httpserver.expect_request(f"/api/v1/statuses/{parent}/context").respond_with_json(
        {"ancestors": [], "descendants": [sent]}
    )
    ctx = publish_ctx(plugin_ctx, httpserver)
    found = MastodonPlugin().find_sent(
        ctx, Reply(text="@mastodonpy_test_2 same!", in_reply_to=parent, idempotency_key="k")
    )
    assert found is not None and found.external_id == sent["id"]
    assert (
        MastodonPlugin().find_sent(ctx, Reply(text="not what we said", in_reply_to=parent, idempotency_key="k")) is None
    )


def test_authors_bio_and_profile_address_come_along_for_customer_suggestions(recorded: list[Recorded]) -> None:
    statuses = [s for rec in recorded for s in statuses_in(rec.json())]
    with_note = [s for s in statuses if s["account"].get("note")]
    assert with_note
    for status in with_note:
        post = parse_status(status, "localhost:3000")
        assert post is not None
        assert post.extra["author_url"] == status["account"]["url"]
        bio = post.extra["author_bio"]
        assert bio and "<" not in bio and len(bio) <= 500
        for href in re.findall(r'href="([^"]+)"', status["account"]["note"]):
            assert href in bio

"""The youtube plugin against a local server replaying recorded YouTube Data API v3 bodies."""

from __future__ import annotations

import copy
import json
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from scrm_plugins.youtube import (
    YouTubePlugin,
    post_from_comment,
    posts_from_thread,
    seconds_to_quota_reset,
    video_id_of,
)
from werkzeug import Request, Response

from scrm_desktop.listening.api import (
    AuthError,
    ConfigError,
    MalformedResponse,
    RateLimited,
    TransientError,
)

NOW = datetime(2019, 12, 1, 12, 0, tzinfo=UTC)  # the recordings are from late 2019
THREADS = "/youtube/v3/commentThreads"
VIDEO = "F1UP7wRCPH8"


@pytest.fixture
def bodies(shared_data: Path) -> dict[str, Any]:
    folder = shared_data / "api" / "youtube"
    found = {f"{p.parent.name}/{p.stem}": json.loads(p.read_text()) for p in folder.glob("*/*.json")}
    assert len(found) >= 17
    return found


def requests_to(httpserver: HTTPServer, path: str = THREADS) -> list[Request]:
    return [req for req, _ in httpserver.log if req.path == path]


def google_error(status: int, reason: str, message: str, domain: str = "youtube.commentThread") -> Response:
    body = {
        "error": {
            "code": status,
            "message": message,
            "errors": [{"message": message, "domain": domain, "reason": reason}],
        }
    }
    return Response(json.dumps(body), status=status, content_type="application/json")


@pytest.fixture
def yt(httpserver: HTTPServer, plugin_ctx):
    plugin = YouTubePlugin()

    def ctx(secrets: dict[str, str] | None = None, **overrides: Any):
        config = YouTubePlugin.validate_config(
            {"base_url": httpserver.url_for("/youtube/v3"), "video_ids": VIDEO, "backfill_days": 30, **overrides}
        )
        return plugin_ctx(
            config, secrets={"api_key": "AIza-test-key"} if secrets is None else secrets, now=NOW, timeout=2.0
        )

    return plugin, ctx


# ------------------------------------------------------------------------------------------ parsing


def test_every_recorded_thread_and_comment_parses(bodies: dict[str, Any]) -> None:
    threads = [t for name, b in bodies.items() if name.startswith("comment_threads/") for t in b.get("items", [b])]
    comments = [c for name, b in bodies.items() if name.startswith("comments/") for c in b.get("items", [b])]
    assert len(threads) == 21 and len(comments) == 7
    for thread in threads:
        top, *replies = posts_from_thread(thread)
        assert top.channel == "youtube" and top.external_id == thread["id"] and top.reply_to == ""
        assert top.author_name and top.author_handle.startswith("UC") and top.created_at.tzinfo
        assert top.replies == thread["snippet"]["totalReplyCount"] and top.likes is not None
        assert replies == []
    for comment in comments:
        post = post_from_comment(comment)
        assert post is not None and post.author_name and post.text
        assert post.reply_to == comment["snippet"].get("parentId", "")


def test_comment_fields_land_where_the_app_expects_them(bodies: dict[str, Any]) -> None:
    page = bodies["comment_threads/comment_threads_by_video_paged_1"]["items"]
    first = posts_from_thread(page[0])[0]
    assert first.author_name == "himani agarwal"
    assert first.author_handle == "UCzj-CjKYmGlZ7vTL-vOe57A"
    assert first.extra["author_channel_url"] == "http://www.youtube.com/channel/UCzj-CjKYmGlZ7vTL-vOe57A"
    assert first.url == f"https://www.youtube.com/watch?v={VIDEO}&lc=UgyZ1jqkHKYvi1-ruOZ4AaABAg"
    assert first.text == "Google.com" and first.text_format == "text"
    assert first.created_at == datetime(2019, 11, 26, 15, 51, 44, tzinfo=UTC)
    with_replies = posts_from_thread(page[4])[0]
    assert with_replies.replies == 2 and posts_from_thread(page[2])[0].likes == 4


def test_html_text_is_passed_through_marked_when_there_is_no_original(bodies: dict[str, Any]) -> None:
    thread = copy.deepcopy(bodies["comment_threads/comment_threads_by_video_paged_1"]["items"][0])
    del thread["snippet"]["topLevelComment"]["snippet"]["textOriginal"]
    post = posts_from_thread(thread)[0]
    assert post.text_format == "html" and post.text == '<a href="http://google.com/">Google.com</a>'


def thread_with_replies(bodies: dict[str, Any]) -> dict[str, Any]:
    """The recorded thread Ugw5z... carrying the recorded replies to it, as part=replies returns them."""
    thread = copy.deepcopy(
        next(
            t
            for t in bodies["comment_threads/comment_threads_all_to_me"]["items"]
            if t["id"] == "Ugw5zYU6n9pmIgAZWvN4AaABAg"
        )
    )
    replies = bodies["comments/comments_by_parent_paged_1"]["items"]
    replies += bodies["comments/comments_by_parent_paged_2"]["items"]
    thread["snippet"]["totalReplyCount"] = len(replies)
    thread["replies"] = {"comments": replies}
    return thread


def test_replies_point_at_their_thread(bodies: dict[str, Any]) -> None:
    top, *replies = posts_from_thread(thread_with_replies(bodies))
    assert top.replies == 3 and len(replies) == 3
    for reply in replies:
        assert reply.reply_to == top.external_id and reply.thread_id == top.external_id
        assert reply.external_id.startswith(top.external_id + ".")
        assert reply.url == f"https://www.youtube.com/watch?v=JE8xdDp5B8Q&lc={reply.external_id}"


@pytest.mark.parametrize(
    "text",
    [
        VIDEO,
        f"https://www.youtube.com/watch?v={VIDEO}&t=3s",
        f"https://youtu.be/{VIDEO}",
        f"youtube.com/shorts/{VIDEO}",
    ],
)
def test_videos_can_be_given_as_ids_or_urls(text: str) -> None:
    assert video_id_of(text) == VIDEO


def test_a_bad_video_reference_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not a YouTube video"):
        video_id_of("https://example.com/<script>")


def test_quota_resets_at_midnight_pacific() -> None:
    assert seconds_to_quota_reset(NOW) == 20 * 3600  # 12:00 UTC is 04:00 PST
    assert seconds_to_quota_reset(datetime(2019, 7, 1, 6, 59, 30, tzinfo=UTC)) == 60  # never a busy loop


# ------------------------------------------------------------------------------------------ fetch


def serve_pages(httpserver: HTTPServer, first: dict[str, Any], second: dict[str, Any]) -> None:
    token = first["nextPageToken"]

    def pages(request: Request) -> Response:
        body = second if request.args.get("pageToken") == token else first
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request(THREADS).respond_with_handler(pages)


def test_paging_across_two_pages_then_resuming(yt, httpserver, bodies) -> None:
    plugin, ctx = yt
    first = bodies["comment_threads/comment_threads_by_video_paged_1"]
    older = {
        **bodies["comment_threads/comment_threads_by_video_paged_2"],
        "items": bodies["comment_threads/comment_threads_multi"]["items"],
    }
    serve_pages(httpserver, first, older)
    one = plugin.fetch(ctx(backfill_days=365), {})
    assert [p.external_id for p in one.posts] == [t["id"] for t in first["items"]] and one.more
    sent = requests_to(httpserver)[0].args
    assert (sent["part"], sent["order"], sent["videoId"], sent["key"]) == (
        "snippet,replies",
        "time",
        VIDEO,
        "AIza-test-key",
    )
    # a restarted app (new plugin instance) continues from the stored page token
    two = YouTubePlugin().fetch(ctx(backfill_days=365), json.loads(json.dumps(one.cursor)))
    assert requests_to(httpserver)[1].args["pageToken"] == first["nextPageToken"]
    assert [p.external_id for p in two.posts] == [t["id"] for t in older["items"]] and not two.more
    assert two.cursor == {
        "targets": {f"video:{VIDEO}": {"since": "2019-11-26T15:51:44Z", "since_ids": ["UgyZ1jqkHKYvi1-ruOZ4AaABAg"]}}
    }
    # the next run reads page one, meets the watermark, and stops: no second page, nothing again
    three = plugin.fetch(ctx(), two.cursor)
    assert three.posts == [] and not three.more and "pageToken" not in requests_to(httpserver)[2].args
    assert len(requests_to(httpserver)) == 3


def test_a_page_repeating_earlier_threads_returns_nothing_twice(yt, httpserver, bodies) -> None:
    plugin, ctx = yt
    # recorded as is: the second page repeats the first page's threads
    serve_pages(
        httpserver,
        bodies["comment_threads/comment_threads_by_video_paged_1"],
        bodies["comment_threads/comment_threads_by_video_paged_2"],
    )
    one = plugin.fetch(ctx(), {})
    two = plugin.fetch(ctx(), one.cursor)
    assert len(one.posts) == 5 and two.posts == [] and not two.more
    assert two.cursor["targets"][f"video:{VIDEO}"]["since"] == "2019-11-26T15:51:44Z"


def test_only_comments_newer_than_the_watermark_are_returned(yt, httpserver, bodies) -> None:
    plugin, ctx = yt
    page = copy.deepcopy(bodies["comment_threads/comment_threads_by_video_paged_1"])
    new = copy.deepcopy(page["items"][1])
    new["id"] = new["snippet"]["topLevelComment"]["id"] = "UgzNEWNEWNEWNEWNEW4AaABAg"
    new["snippet"]["topLevelComment"]["snippet"]["publishedAt"] = "2019-11-30T08:00:00.000Z"
    page["items"].insert(0, new)
    httpserver.expect_request(THREADS).respond_with_json(page)
    cursor = {
        "targets": {f"video:{VIDEO}": {"since": "2019-11-26T15:51:44Z", "since_ids": ["UgyZ1jqkHKYvi1-ruOZ4AaABAg"]}}
    }
    result = plugin.fetch(ctx(), cursor)
    assert [p.external_id for p in result.posts] == ["UgzNEWNEWNEWNEWNEW4AaABAg"] and not result.more
    assert result.cursor["targets"][f"video:{VIDEO}"]["since"] == "2019-11-30T08:00:00Z"


def test_new_replies_on_an_old_thread_are_returned(yt, httpserver, bodies) -> None:
    plugin, ctx = yt
    thread = thread_with_replies(bodies)
    httpserver.expect_request(THREADS).respond_with_json({"items": [thread]})
    # the thread itself (03:36:10) was seen; its replies (04:46) came later
    cursor = {"targets": {f"video:{VIDEO}": {"since": "2019-12-01T03:36:10Z", "since_ids": [thread["id"]]}}}
    result = plugin.fetch(ctx(), cursor)
    assert len(result.posts) == 3 and all(p.reply_to == thread["id"] for p in result.posts)


def test_videos_then_channel_are_walked_in_turn(yt, httpserver, bodies) -> None:
    plugin, ctx = yt
    channel = "UC_x5XG1OV2P6uZZ5FSM9Ttw"

    def by_target(request: Request) -> Response:
        name = "comment_threads_multi" if request.args.get("videoId") else "comment_threads_by_channel"
        return Response(json.dumps(bodies[f"comment_threads/{name}"]), content_type="application/json")

    httpserver.expect_request(THREADS).respond_with_handler(by_target)
    config = {"video_ids": "D-lhorsDlUQ", "channel_id": channel, "backfill_days": 3650}
    one = plugin.fetch(ctx(**config), {})
    assert len(one.posts) == 2 and one.more and one.cursor["scan"]["target"] == f"channel:{channel}"
    two = plugin.fetch(ctx(**config), one.cursor)
    assert requests_to(httpserver)[1].args["allThreadsRelatedToChannelId"] == channel
    assert len(two.posts) == 2 and not two.more
    assert set(two.cursor["targets"]) == {"video:D-lhorsDlUQ", f"channel:{channel}"}


def test_first_run_goes_back_only_backfill_days(yt, httpserver, bodies) -> None:
    plugin, ctx = yt
    serve_pages(httpserver, bodies["comment_threads/comment_threads_by_video_paged_1"], {"items": []})
    result = plugin.fetch(ctx(backfill_days=10), {})  # 2019-11-21 onwards
    assert [p.created_at.day for p in result.posts] == [26, 21] and not result.more


# ------------------------------------------------------------------------------------------ errors


def test_used_up_quota_waits_until_the_reset(yt, httpserver) -> None:
    plugin, ctx = yt
    message = (
        "The request cannot be completed because you have exceeded your "
        '<a href="/youtube/v3/getting-started#quota">quota</a>.'
    )
    httpserver.expect_request(THREADS).respond_with_response(
        google_error(403, "quotaExceeded", message, "youtube.quota")
    )
    with pytest.raises(RateLimited, match="quota") as err:
        plugin.fetch(ctx(), {})
    assert err.value.retry_after == 20 * 3600


def test_a_refused_key_says_what_to_fix(yt, httpserver) -> None:
    plugin, ctx = yt
    httpserver.expect_request(THREADS).respond_with_response(
        google_error(403, "forbidden", "Requests to this API youtube method are blocked.", "global")
    )
    with pytest.raises(AuthError, match="set-secret test-source api_key"):
        plugin.fetch(ctx(), {})


def test_an_invalid_key_is_an_auth_error(yt, httpserver) -> None:
    plugin, ctx = yt
    httpserver.expect_request(THREADS).respond_with_response(
        google_error(400, "badRequest", "API key not valid. Please pass a valid API key.", "global")
    )
    with pytest.raises(AuthError, match="API key not valid"):
        plugin.fetch(ctx(), {})


def test_missing_key_is_an_auth_error_without_any_request(yt, httpserver) -> None:
    plugin, ctx = yt
    with pytest.raises(AuthError, match="Google Cloud console"):
        plugin.fetch(ctx(secrets={}), {})
    assert httpserver.log == []


def test_nothing_to_listen_to_is_a_config_error(yt) -> None:
    plugin, ctx = yt
    with pytest.raises(ConfigError, match="at least one video"):
        plugin.fetch(ctx(video_ids=""), {})


def test_disabled_comments_skip_that_video_only(yt, httpserver, bodies) -> None:
    plugin, ctx = yt

    def by_video(request: Request) -> Response:
        if request.args["videoId"] == VIDEO:
            return google_error(403, "commentsDisabled", "The video has disabled comments.")
        return Response(json.dumps(bodies["comment_threads/comment_threads_multi"]), content_type="application/json")

    httpserver.expect_request(THREADS).respond_with_handler(by_video)
    one = plugin.fetch(ctx(video_ids=f"{VIDEO},D-lhorsDlUQ", backfill_days=3650), {})
    assert one.posts == [] and one.more and one.cursor["scan"]["target"] == "video:D-lhorsDlUQ"
    two = plugin.fetch(ctx(video_ids=f"{VIDEO},D-lhorsDlUQ", backfill_days=3650), one.cursor)
    assert len(two.posts) == 2 and not two.more


def test_a_refused_page_token_restarts_the_walk(yt, httpserver, bodies) -> None:
    plugin, ctx = yt

    def pages(request: Request) -> Response:
        if request.args.get("pageToken"):
            return google_error(400, "invalidPageToken", "The request specifies an invalid page token.")
        return Response(json.dumps(bodies["comment_threads/comment_threads_multi"]), content_type="application/json")

    httpserver.expect_request(THREADS).respond_with_handler(pages)
    stale = {
        "scan": {"target": f"video:{VIDEO}", "page_token": "expired", "stop": "2019-01-01T00:00:00Z", "stop_ids": []}
    }
    one = plugin.fetch(ctx(), stale)
    assert one.posts == [] and one.more and one.cursor["scan"]["page_token"] == ""
    assert len(plugin.fetch(ctx(), one.cursor).posts) == 2


def test_rate_limit_with_retry_after(yt, httpserver) -> None:
    plugin, ctx = yt
    httpserver.expect_request(THREADS).respond_with_response(Response("slow down", 429, {"Retry-After": "120"}))
    with pytest.raises(RateLimited) as err:
        plugin.fetch(ctx(), {})
    assert err.value.retry_after == 120


def test_server_error_is_transient(yt, httpserver) -> None:
    plugin, ctx = yt
    httpserver.expect_request(THREADS).respond_with_response(google_error(503, "backendError", "Backend Error"))
    with pytest.raises(TransientError, match="503"):
        plugin.fetch(ctx(), {})


@pytest.mark.parametrize("body", [b'{"items": [', b"<html>oops</html>", b'{"items": {}}', b"null"])
def test_malformed_bodies_are_malformed_responses(yt, httpserver, body) -> None:
    plugin, ctx = yt
    httpserver.expect_request(THREADS).respond_with_data(body, content_type="application/json")
    with pytest.raises(MalformedResponse):
        plugin.fetch(ctx(), {})


def test_a_hanging_server_is_cut_by_the_timeout(plugin_ctx) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(4)  # connections wait in the backlog; nobody ever answers
        config = YouTubePlugin.validate_config(
            {"base_url": f"http://127.0.0.1:{sock.getsockname()[1]}/youtube/v3", "video_ids": VIDEO}
        )
        ctx = plugin_ctx(config, secrets={"api_key": "k"}, now=NOW, timeout=0.3)
        with pytest.raises(TransientError, match="did not answer in time"):
            YouTubePlugin().fetch(ctx, {})

"""The Hacker News plugin against a local server replaying real Algolia HN Search responses."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from scrm_plugins.hackernews import HackerNewsPlugin, parse_hit

from scrm_desktop.listening.api import (
    AuthError,
    ConfigError,
    MalformedResponse,
    RateLimited,
    TransientError,
)

from .recorded import Recorded, find, load_manifest, serve, silent_server

ALL_TAGS = "(story,poll,comment)"
COMMENT_AT = 1403235154  # the apple comment in 17__...search_by_date...comment_query_apple
STORY_AT = 1403235346  # the apple story in 21__...search_by_date...story_2Cpoll_query_apple


@pytest.fixture
def recorded(shared_data: Path) -> list[Recorded]:
    return load_manifest(shared_data / "api" / "hackernews_algolia")


@pytest.fixture
def fetch(plugin_ctx, httpserver: HTTPServer):
    def run(cursor: dict | None = None, **config):
        raw = {"base_url": httpserver.url_for("/api/v1"), "keywords": "apple", **config}
        return HackerNewsPlugin().fetch(plugin_ctx(HackerNewsPlugin.validate_config(raw)), cursor or {})

    return run


def query(**params: str) -> dict[str, str]:
    return {"query": "apple", "tags": ALL_TAGS, "hitsPerPage": "100", **params}


def with_pages(rec: Recorded, page: int, pages: int) -> str:
    return json.dumps({**rec.json(), "page": page, "nbPages": pages, "nbHits": pages})


def test_every_recorded_hit_parses(recorded: list[Recorded]) -> None:
    hits = [h for r in recorded if "hits" in r.json() for h in r.json()["hits"]]
    assert len(hits) == 24
    for hit in hits:
        post = parse_hit(hit)
        assert post is not None, hit["objectID"]
        assert post.channel == "hackernews" and post.external_id == hit["objectID"]
        assert post.created_at == datetime.fromtimestamp(int(hit["created_at_i"]), UTC)
        assert post.author_handle == hit["author"] and post.likes == int(hit["points"])
        assert post.url == f"https://news.ycombinator.com/item?id={hit['objectID']}"
        assert post.text and post.text_format == "html"
        if "comment" in hit["_tags"]:
            assert post.text == hit["comment_text"] and post.title == hit["story_title"]
            assert (post.reply_to, post.thread_id) == (str(hit["parent_id"]), str(hit["story_id"]))
        else:
            assert post.title == hit["title"] and post.thread_id == hit["objectID"]
            assert post.replies == int(hit["num_comments"]) and not post.reply_to
            assert post.extra["kind"] == ("poll" if "poll" in hit["_tags"] else "story")


def test_current_shape_and_missing_fields(recorded: list[Recorded]) -> None:
    old = find(recorded, "17__").json()["hits"][0]
    # Today's hits carry numbers as numbers, plus updated_at and children; 2014 ones had none of that.
    today = {
        **copy.deepcopy(old),
        "story_id": 7918547,
        "parent_id": 7919290,
        "points": None,
        "updated_at": "2024-09-01T00:00:00Z",
        "children": [7919500],
        "created_at_i": COMMENT_AT,
    }
    post = parse_hit(today)
    assert post and (post.reply_to, post.thread_id, post.likes) == ("7919290", "7918547", None)
    bare = {"objectID": "1", "created_at": "2014-06-20T03:32:34.000Z", "title": "Apple & <Pie>"}
    post = parse_hit(bare)
    assert post and post.text == "Apple &amp; &lt;Pie&gt;" and post.author_handle == "" and post.likes is None
    assert post.created_at == datetime(2014, 6, 20, 3, 32, 34, tzinfo=UTC)
    assert parse_hit({"objectID": "2", "created_at_i": COMMENT_AT}) is None  # no text at all
    assert parse_hit({"created_at_i": COMMENT_AT, "title": "no id"}) is None


def test_first_fetch_takes_the_newest_page(fetch, httpserver: HTTPServer, recorded: list[Recorded]) -> None:
    serve(httpserver, find(recorded, "17__"), path="/api/v1/search_by_date", query_string=query())
    result = fetch()
    assert [p.external_id for p in result.posts] == ["7919418"]
    assert result.cursor == {"apple": {"since": COMMENT_AT, "seen": ["7919418"]}}
    assert result.more is False


def test_resume_asks_for_newer_hits_and_finds_nothing_new(
    fetch, httpserver: HTTPServer, recorded: list[Recorded]
) -> None:
    # Algolia answers >= with the boundary hit again; the cursor knows it was already returned.
    cursor = {"apple": {"since": COMMENT_AT, "seen": ["7919418"]}}
    serve(
        httpserver,
        find(recorded, "17__"),
        path="/api/v1/search_by_date",
        query_string=query(numericFilters=f"created_at_i>={COMMENT_AT}"),
    )
    result = fetch(cursor=cursor)
    assert result.posts == [] and result.more is False
    assert result.cursor == cursor


def test_a_backlog_is_paged_through_before_the_cursor_moves(
    fetch, httpserver: HTTPServer, recorded: list[Recorded]
) -> None:
    since = COMMENT_AT - 100
    story, comment = find(recorded, "21__"), find(recorded, "17__")
    filters = {"numericFilters": f"created_at_i>={since}", "hitsPerPage": "1"}
    serve(httpserver, story, path="/api/v1/search_by_date", body=with_pages(story, 0, 2), query_string=query(**filters))
    serve(
        httpserver,
        comment,
        path="/api/v1/search_by_date",
        body=with_pages(comment, 1, 2),
        query_string=query(**filters, page="1"),
    )
    first = fetch(cursor={"apple": {"since": since, "seen": []}}, page_size=1)
    assert [p.external_id for p in first.posts] == ["7919424"] and first.more is True
    assert first.cursor["apple"]["since"] == since  # not raised until the backlog is read
    second = fetch(cursor=first.cursor, page_size=1)
    assert [p.external_id for p in second.posts] == ["7919418"] and second.more is False
    assert second.cursor == {"apple": {"since": STORY_AT, "seen": ["7919424"]}}


def test_hits_in_the_same_second_as_the_cursor_are_not_skipped(
    fetch, httpserver: HTTPServer, recorded: list[Recorded]
) -> None:
    body = find(recorded, "17__").json()
    twin = {**copy.deepcopy(body["hits"][0]), "objectID": "7919419"}  # another comment in that second
    body["hits"].insert(0, twin)
    serve(httpserver, find(recorded, "17__"), path="/api/v1/search_by_date", body=json.dumps(body))
    result = fetch(cursor={"apple": {"since": COMMENT_AT, "seen": ["7919418"]}})
    assert [p.external_id for p in result.posts] == ["7919419"]
    assert result.cursor == {"apple": {"since": COMMENT_AT, "seen": ["7919418", "7919419"]}}


def test_each_keyword_has_its_own_cursor_and_duplicates_merge(
    fetch, httpserver: HTTPServer, recorded: list[Recorded]
) -> None:
    for keyword in ("apple", "jobs"):
        serve(
            httpserver,
            find(recorded, "23__"),
            path="/api/v1/search_by_date",
            query_string={**query(), "query": keyword},
        )
    result = fetch(keywords="apple, jobs")
    assert [p.external_id for p in result.posts] == ["7919424"]
    assert set(result.cursor) == {"apple", "jobs"}


def test_story_and_comment_choices_set_the_tags(fetch, httpserver: HTTPServer, recorded: list[Recorded]) -> None:
    serve(httpserver, find(recorded, "23__"), path="/api/v1/search_by_date")
    fetch(comments=False)
    fetch(stories=False)
    assert [r.args["tags"] for r, _ in httpserver.log] == ["(story,poll)", "(comment)"]
    with pytest.raises(ConfigError):
        fetch(stories=False, comments=False)


@pytest.mark.parametrize(
    ("status", "headers", "error", "retry_after"),
    [
        (429, {"Retry-After": "60"}, RateLimited, 60.0),
        (503, {"Retry-After": "30"}, TransientError, 30.0),
        (502, {}, TransientError, None),
    ],
)
def test_rate_limits_and_server_errors(
    fetch, httpserver: HTTPServer, recorded: list[Recorded], status, headers, error, retry_after
) -> None:
    serve(httpserver, find(recorded, "17__"), path="/api/v1/search_by_date", status=status, headers=headers)
    with pytest.raises(error) as caught:
        fetch()
    assert caught.value.retry_after == pytest.approx(retry_after)


def test_refusal_says_what_to_check(fetch, httpserver: HTTPServer, recorded: list[Recorded]) -> None:
    serve(
        httpserver,
        find(recorded, "17__"),
        path="/api/v1/search_by_date",
        status=403,
        body='{"message":"Forbidden","status":403}',
    )
    with pytest.raises(AuthError, match="base_url"):
        fetch()


def test_bad_requests_quote_the_server(fetch, httpserver: HTTPServer, recorded: list[Recorded]) -> None:
    serve(
        httpserver,
        find(recorded, "17__"),
        path="/api/v1/search_by_date",
        status=400,
        body='{"message":"invalid numericFilters","status":400}',
    )
    with pytest.raises(MalformedResponse, match="invalid numericFilters"):
        fetch()


@pytest.mark.parametrize("other", ["08__GET_items_17", "09__GET_users_pg", "truncated"])
def test_bodies_that_are_not_search_results(fetch, httpserver: HTTPServer, recorded: list[Recorded], other) -> None:
    body = find(recorded, "17__").body()[:300] if other == "truncated" else find(recorded, other).body()
    serve(httpserver, find(recorded, "17__"), path="/api/v1/search_by_date", body=body)
    with pytest.raises(MalformedResponse):
        fetch()


def test_a_server_that_never_answers_is_a_transient_error(plugin_ctx) -> None:
    with silent_server() as url:
        config = HackerNewsPlugin.validate_config({"base_url": url, "keywords": "apple"})
        with pytest.raises(TransientError, match="did not answer in time"):
            HackerNewsPlugin().fetch(plugin_ctx(config, timeout=0.3), {})


def test_hacker_news_cannot_publish() -> None:
    assert HackerNewsPlugin.can_publish is False
    assert HackerNewsPlugin.secret_fields == ()

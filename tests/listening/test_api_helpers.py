"""The helpers listening.api offers plugin authors: times, watermarks, requests and error mapping."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest
from pytest_httpserver import HTTPServer

from scrm_desktop.core.edits import edited_time
from scrm_desktop.listening.api import (
    AuthError,
    MalformedResponse,
    RateLimited,
    TransientError,
    Watermark,
    check_response,
    error_text,
    format_time,
    parse_time,
    send,
)
from tests.plugins.recorded import silent_server

T0 = datetime(2024, 6, 1, 10, 0, 0, 123456, tzinfo=UTC)


# ---------------------------------------------------------------------------------------------- parse_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-06-01T10:00:00Z", datetime(2024, 6, 1, 10, tzinfo=UTC)),
        ("2024-06-01T10:00:00.123456Z", datetime(2024, 6, 1, 10, 0, 0, 123456, tzinfo=UTC)),
        ("2024-06-01T12:00:00+02:00", datetime(2024, 6, 1, 10, tzinfo=UTC)),
        ("2024-06-01T05:30:00-04:30", datetime(2024, 6, 1, 10, tzinfo=UTC)),
        ("2024-06-01T10:00:00", datetime(2024, 6, 1, 10, tzinfo=UTC)),  # no zone: UTC
        ("  2024-06-01T10:00:00Z\n", datetime(2024, 6, 1, 10, tzinfo=UTC)),
        ("2024-06-01", datetime(2024, 6, 1, tzinfo=UTC)),
    ],
)
def test_parse_time_reads_iso_times_as_utc(text: str, expected: datetime) -> None:
    when = parse_time(text)
    assert when == expected
    assert when is not None and when.utcoffset() == timedelta(0)


@pytest.mark.parametrize("value", ["", "   ", "yesterday", "2024-13-01T00:00:00Z", "2024-06-01T25:00", "Z"])
def test_parse_time_gives_none_for_text_that_is_not_a_time(value: str) -> None:
    assert parse_time(value) is None


@pytest.mark.parametrize("value", [None, 1717236000, 1717236000.0, True, b"2024-06-01T10:00:00Z", ["2024-06-01"], {}])
def test_parse_time_gives_none_for_values_that_are_not_strings(value: object) -> None:
    assert parse_time(value) is None


def test_edited_time_reads_the_same_way() -> None:
    assert edited_time({"edited_at": "2024-06-01T12:00:00+02:00"}) == datetime(2024, 6, 1, 10, tzinfo=UTC)
    assert edited_time({"edited_at": "2024-06-01T10:00:00"}) == datetime(2024, 6, 1, 10, tzinfo=UTC)
    assert edited_time({"edited_at": "not a time"}) is None
    assert edited_time({"edited_at": 5}) is None
    assert edited_time(None) is None


def test_format_time_writes_utc_with_a_z_at_the_precision_asked() -> None:
    paris = T0.astimezone(timezone(timedelta(hours=2)))
    assert format_time(paris) == "2024-06-01T10:00:00Z"
    assert format_time(paris, "milliseconds") == "2024-06-01T10:00:00.123Z"
    assert format_time(paris, "microseconds") == "2024-06-01T10:00:00.123456Z"
    assert parse_time(format_time(T0, "microseconds")) == T0


# ---------------------------------------------------------------------------------------------- Watermark


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "since=2024",
        [],
        {},
        {"since": "not a time", "since_ids": ["a"]},
        {"since": 1717236000, "since_ids": ["a"]},
    ],
)
def test_a_bad_cursor_loads_as_an_empty_mark(raw: object) -> None:
    mark = Watermark.load(raw)
    assert mark.at is None
    assert not mark.covers(T0, "a")
    assert mark.dump() == {}


def test_ids_that_are_not_a_list_are_dropped_but_the_time_stays() -> None:
    mark = Watermark.load({"since": "2024-06-01T10:00:00Z", "since_ids": "abc"})
    assert mark == Watermark(datetime(2024, 6, 1, 10, tzinfo=UTC), ())


def test_covers_older_posts_and_listed_posts_at_the_mark() -> None:
    mark = Watermark(T0, ("a",))
    assert mark.covers(T0 - timedelta(seconds=1), "z")
    assert mark.covers(T0, "a")
    assert not mark.covers(T0, "b")
    assert not mark.covers(T0 + timedelta(microseconds=1), "a")


def test_raised_moves_up_and_collects_ids_at_the_same_time() -> None:
    mark = Watermark().raised(T0, "a")
    assert mark == Watermark(T0, ("a",))
    assert mark.raised(T0, "b") == Watermark(T0, ("a", "b"))
    assert mark.raised(T0, "a") == mark
    assert mark.raised(T0 - timedelta(seconds=1), "old") == mark
    assert mark.raised(T0 + timedelta(seconds=1), "new") == Watermark(T0 + timedelta(seconds=1), ("new",))


def test_raised_keeps_the_newest_fifty_ids_of_one_time() -> None:
    mark = Watermark()
    for n in range(60):
        mark = mark.raised(T0, f"id{n}")
    assert len(mark.ids) == 50
    assert mark.ids[0] == "id10" and mark.ids[-1] == "id59"


def test_lowered_moves_down_and_below_says_what_is_newer() -> None:
    mark = Watermark().lowered(T0, "a")
    assert mark.lowered(T0 + timedelta(seconds=1), "newer") == mark
    assert mark.lowered(T0, "b") == Watermark(T0, ("a", "b"))
    older = mark.lowered(T0 - timedelta(seconds=1), "older")
    assert older == Watermark(T0 - timedelta(seconds=1), ("older",))
    assert older.below(T0, "a") and older.below(older.at, "older")
    assert not older.below(older.at, "other") and not older.below(T0 - timedelta(seconds=2), "x")
    assert not Watermark().below(T0, "a")


@pytest.mark.parametrize(
    ("timespec", "stored"),
    [("seconds", "2024-06-01T10:00:00Z"), ("microseconds", "2024-06-01T10:00:00.123456Z")],
)
def test_dump_and_load_round_trip_under_the_plugins_keys(timespec, stored: str) -> None:
    mark = Watermark(T0, ("a", "b"))
    dumped = mark.dump("newest", "newest_ids", timespec)
    assert dumped == {"newest": stored, "newest_ids": ["a", "b"]}
    again = Watermark.load(dumped, "newest", "newest_ids")
    assert again.ids == ("a", "b") and again.at == parse_time(stored)
    assert again.dump("newest", "newest_ids", timespec) == dumped


def test_dump_defaults_to_since_keys_and_whole_seconds() -> None:
    assert Watermark(T0, ("a",)).dump() == {"since": "2024-06-01T10:00:00Z", "since_ids": ["a"]}


# ---------------------------------------------------------------------------------------------- requests


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=0.3) as client:
        yield client


def test_send_returns_the_response_whatever_its_status(http: httpx.Client, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/x").respond_with_data("nope", status=404)
    resp = send(http, "GET", httpserver.url_for("/x"), what="Example /x", where="example")
    assert resp.status_code == 404 and resp.text == "nope"


def test_send_turns_a_silent_server_into_a_transient_error(http: httpx.Client) -> None:
    with silent_server() as url, pytest.raises(TransientError, match=r"^Example /x: Example at .* did not answer"):
        send(http, "GET", url + "/x", what="Example /x", where="Example at somewhere")


def test_send_turns_a_refused_connection_into_a_transient_error(http: httpx.Client) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(TransientError, match=r"^Example /x: cannot reach example\.org \("):
        send(http, "GET", f"http://127.0.0.1:{port}/x", what="Example /x", where="example.org")


def _get(http: httpx.Client, httpserver: HTTPServer, **respond) -> httpx.Response:
    httpserver.expect_request("/x").respond_with_data(**respond)
    return http.get(httpserver.url_for("/x"))


def test_error_text_takes_the_json_field_else_the_body(http: httpx.Client, httpserver: HTTPServer) -> None:
    resp = _get(http, httpserver, response_data='{"error": "Record not found"}', status=404)
    assert error_text(resp) == "Record not found"
    assert error_text(resp, "message") == '{"error": "Record not found"}'
    httpserver.clear()
    resp = _get(http, httpserver, response_data="bad\x00\x1b[31mthing" + "x" * 500, status=400)
    text = error_text(resp)
    assert text.startswith("bad  [31mthing") and len(text) == 200 and text.isprintable()
    httpserver.clear()
    assert error_text(_get(http, httpserver, response_data="", status=400)) == "no details"


def test_check_response_adds_the_servers_reason_when_asked(http: httpx.Client, httpserver: HTTPServer) -> None:
    resp = _get(http, httpserver, response_data='{"message": "invalid numericFilters"}', status=400)
    with pytest.raises(MalformedResponse, match=r"^Search: HTTP 400$"):
        check_response(resp, "Search")
    with pytest.raises(MalformedResponse, match=r"^Search: HTTP 400: invalid numericFilters$"):
        check_response(resp, "Search", reason_key="message")
    httpserver.clear()
    resp = _get(http, httpserver, response_data='{"error": "The access token is invalid"}', status=401)
    with pytest.raises(AuthError, match=r"HTTP 401: The access token is invalid\)"):
        check_response(resp, "Search", reason_key="error")


def test_check_response_keeps_rate_limits_and_server_errors(http: httpx.Client, httpserver: HTTPServer) -> None:
    resp = _get(http, httpserver, response_data="slow down", status=429, headers={"Retry-After": "30"})
    with pytest.raises(RateLimited, match=r"^Search: rate limited \(HTTP 429\)$") as limited:
        check_response(resp, "Search", reason_key="message")
    assert limited.value.retry_after == 30.0
    httpserver.clear()
    resp = _get(http, httpserver, response_data='{"message": "boom"}', status=503)
    with pytest.raises(TransientError, match=r"^Search: server error \(HTTP 503\)$"):
        check_response(resp, "Search", reason_key="message")
    httpserver.clear()
    ok = _get(http, httpserver, response_data="{}", status=200)
    assert check_response(ok, "Search", reason_key="message") is ok

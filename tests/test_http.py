"""What a server can make us hold is bounded: a huge body, a gzip bomb, a body that trickles forever, a server
that never answers; and one bad source does not stop the others, its error shows in `sources list`."""

from __future__ import annotations

import gzip
import threading
import zlib

import httpx
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from scrm_desktop.cli import main
from scrm_desktop.http import MAX_BODY_BYTES, ResponseTooLarge, make_client
from tests.test_cli import FEED


def zeros(total: int, step: int = 1 << 20):  # type: ignore[no-untyped-def]
    for _ in range(total // step):
        yield b"\0" * step


def gzip_bomb(inflated: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    return b"".join(packer.compress(block) for block in zeros(inflated)) + packer.flush()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return gzip_bomb(256 * 2**20)  # 256 MB of zeros in about 250 kB


def test_a_200_mb_body_is_cut_at_the_limit(httpserver: HTTPServer):
    httpserver.expect_request("/big").respond_with_response(Response(zeros(200 * 2**20)))  # chunked, no length
    with make_client(timeout=10) as http, pytest.raises(ResponseTooLarge, match="larger than 32 MB"):
        http.get(httpserver.url_for("/big"))


def test_a_body_announced_too_large_is_refused_before_reading(httpserver: HTTPServer):
    body = b"x" * 2048
    httpserver.expect_request("/announced").respond_with_data(body)
    with make_client(timeout=10, max_bytes=1024) as http, pytest.raises(ResponseTooLarge, match="announced"):
        http.get(httpserver.url_for("/announced"))


def test_a_gzip_bomb_is_never_inflated_whole(httpserver: HTTPServer, bomb: bytes):
    headers = {"Content-Encoding": "gzip"}
    httpserver.expect_request("/bomb").respond_with_data(bomb, headers=headers, content_type="application/json")
    with make_client(timeout=10) as http, pytest.raises(ResponseTooLarge, match=f"{MAX_BODY_BYTES // 2**20} MB"):
        http.get(httpserver.url_for("/bomb"))


def test_gzip_and_deflate_bodies_still_read(httpserver: HTTPServer):
    text = b'{"ok": true}' * 100
    httpserver.expect_request("/gz").respond_with_data(gzip.compress(text), headers={"Content-Encoding": "gzip"})
    httpserver.expect_request("/zz").respond_with_data(zlib.compress(text), headers={"Content-Encoding": "deflate"})
    with make_client(timeout=10) as http:
        assert http.get(httpserver.url_for("/gz")).content == text
        assert http.get(httpserver.url_for("/zz")).content == text
        with http.stream("GET", httpserver.url_for("/gz")) as resp:
            assert b"".join(resp.iter_bytes()) == text


def test_a_body_that_trickles_forever_is_cut_at_its_deadline(httpserver: HTTPServer):
    stop = threading.Event()

    def trickle():  # type: ignore[no-untyped-def]
        while not stop.wait(0.05):
            yield b"."

    httpserver.expect_request("/slow").respond_with_response(Response(trickle()))
    try:
        with make_client(timeout=10, max_seconds=0.5) as http, pytest.raises(httpx.ReadTimeout, match="time ran"):
            http.get(httpserver.url_for("/slow"))
    finally:
        stop.set()


def test_a_server_that_never_answers_is_cut_by_the_timeout(httpserver: HTTPServer):
    release = threading.Event()

    def hang(_request: Request) -> Response:
        release.wait(30)
        return Response("late")

    httpserver.expect_request("/hang").respond_with_handler(hang)
    try:
        with make_client(timeout=0.5) as http, pytest.raises(httpx.ReadTimeout):
            http.get(httpserver.url_for("/hang"))
    finally:
        release.set()


def test_one_bad_source_leaves_the_others_alone_and_shows_its_error(tmp_path, capsys, httpserver, bomb):
    httpserver.expect_request("/feed.xml").respond_with_data(FEED, content_type="application/rss+xml")
    httpserver.expect_request("/bomb.xml").respond_with_data(bomb, headers={"Content-Encoding": "gzip"})
    httpserver.expect_request("/busy.xml").respond_with_data("busy", status=429, headers={"Retry-After": "120"})
    httpserver.expect_request("/down.xml").respond_with_data("oops", status=500)
    home = ["--basedir", str(tmp_path / "home")]
    for name in ("feed", "bomb", "busy", "down"):
        assert main([*home, "sources", "add", "rss", "--name", name, "--url", httpserver.url_for(f"/{name}.xml")]) == 0
    assert main([*home, "listen", "--once"]) == 0
    out = capsys.readouterr().out
    assert "feed: 2 new post(s)" in out
    assert "bomb: FAILED (malformed): Feed" in out and "is larger than 20 MB" in out
    assert "busy: FAILED (rate_limited)" in out and "down: FAILED (transient)" in out
    assert main([*home, "sources", "list"]) == 0
    listed = {line.split("\t")[0]: line for line in capsys.readouterr().out.splitlines()}
    assert listed["feed"].endswith("\tok")
    assert "error: Feed" in listed["bomb"] and "larger than 20 MB" in listed["bomb"]
    assert "HTTP 429" in listed["busy"] and "HTTP 500" in listed["down"]

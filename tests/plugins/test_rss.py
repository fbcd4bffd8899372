"""The RSS plugin against a real local HTTP server: the feedparser corpus, conditional GET, errors, hostile feeds."""

from __future__ import annotations

import ast
import re
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from pytest_httpserver import HTTPServer
from scrm_plugins.rss import SEEN_LIMIT, RssPlugin
from werkzeug import Request, Response

from scrm_desktop.core.text import normalize_text
from scrm_desktop.http import make_client
from scrm_desktop.listening.api import (
    AuthError,
    ConfigError,
    MalformedResponse,
    PluginError,
    RateLimited,
    TransientError,
)
from scrm_desktop.listening.context import SourceContext

FEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "feeds" / "feedparser" / "tests"
CORPUS_DIRS = ("wellformed", "illformed", "encoding", "entities", "json")
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
HEADER_RE = re.compile(r"^Header:\s*([A-Za-z-]+):[ \t]*(.*?)\s*$", re.M)


def _corpus() -> list[str]:
    if not FEEDS.is_dir():
        return []
    return sorted(str(p.relative_to(FEEDS)) for d in CORPUS_DIRS for p in (FEEDS / d).rglob("*") if p.is_file())


CORPUS = _corpus()


def _expectations() -> list[tuple[str, str, str]]:
    """(file, 'title' | 'link', expected value) from Expect: lines that compare an entry's title or link."""
    found = []
    for rel in CORPUS:
        head = (FEEDS / rel).read_bytes()[:4000].decode("utf-8", "replace")
        match = re.search(r"^Expect:\s*(.*)$", head, re.M)
        if not match:
            continue
        try:
            tree = ast.parse(match.group(1).strip(), mode="eval")
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            pair = _entry_comparison(node)
            if pair:
                found.append((rel, *pair))
    return found


def _entry_comparison(node: ast.AST) -> tuple[str, str] | None:
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], ast.Eq)):
        return None
    left, right = node.left, node.comparators[0]
    if not (isinstance(left, ast.Subscript) and isinstance(left.slice, ast.Constant)):
        return None
    inner = left.value
    if not (isinstance(inner, ast.Subscript) and isinstance(inner.value, ast.Name) and inner.value.id == "entries"):
        return None
    if left.slice.value in ("title", "link") and isinstance(right, ast.Constant) and isinstance(right.value, str):
        return left.slice.value, right.value
    return None


EXPECTATIONS = _expectations()


def _declared_headers(body: bytes) -> list[tuple[str, str]]:
    """The `Header:` lines of a corpus file's leading comment: what its HTTP server must send."""
    head = body[:3000].decode("latin-1")
    end = head.find("-->")
    return HEADER_RE.findall(head[: end if end >= 0 else len(head)])


def _serve(server: HTTPServer, body: bytes, headers: list[tuple[str, str]], path: str = "/feed") -> str:
    resp = Response(body, status=200)
    # Werkzeug adds a text/plain content type; a file that declares none must be served with none.
    resp.headers.remove("Content-Type")
    for name, value in headers:
        resp.headers.add(name, value)
    server.expect_request(path).respond_with_response(resp)
    return server.url_for(path)


@pytest.fixture(scope="module")
def shared_client() -> Iterator[httpx.Client]:
    """One client for the whole corpus sweep, as the app shares one: building a client per file costs ~25 ms."""
    client = make_client(timeout=5.0)
    yield client
    client.close()


def _ctx(client: httpx.Client, url: str) -> SourceContext:
    config = RssPlugin.validate_config({"url": url})
    return SourceContext(http=client, config=config, source_name="corpus", clock=lambda: NOW)


def _fetch(plugin_ctx, url: str, cursor: dict | None = None, timeout: float = 5.0):
    ctx = plugin_ctx(RssPlugin.validate_config({"url": url}), now=NOW, timeout=timeout)
    return RssPlugin().fetch(ctx, cursor or {})


def _visible(post_field: str, is_html: bool = True) -> str:
    return normalize_text(post_field, is_html=is_html)


@pytest.mark.parametrize("rel", CORPUS or [pytest.param("", marks=pytest.mark.skip("no shared feed corpus"))])
def test_corpus_file_gives_posts_or_a_typed_error(rel: str, shared_data, httpserver, shared_client) -> None:
    body = (FEEDS / rel).read_bytes()
    url = _serve(httpserver, body, _declared_headers(body))
    try:
        result = RssPlugin().fetch(_ctx(shared_client, url), {})
    except PluginError as exc:
        assert isinstance(exc, MalformedResponse), f"{type(exc).__name__}: {exc}"
        assert str(exc).startswith(f"Feed {url}") and len(str(exc)) > len(url) + 10
        return
    ids = [p.external_id for p in result.posts]
    assert len(ids) == len(set(ids))
    for post in result.posts:
        assert post.channel == "rss" and post.text_format == "html"
        assert 0 < len(post.external_id) <= 500
        assert post.created_at.tzinfo is not None and post.created_at <= NOW
        assert post.url == "" or post.url.startswith(("http://", "https://"))
        assert "<script" not in _visible(post.text).lower()
        assert "<script" not in post.title.lower()


@pytest.mark.parametrize(
    ("rel", "field", "expected"),
    EXPECTATIONS or [pytest.param("", "", "", marks=pytest.mark.skip("no shared feed corpus"))],
)
def test_corpus_expectation_on_entry_title_or_link(rel, field, expected, shared_data, httpserver, shared_client):
    body = (FEEDS / rel).read_bytes()
    url = _serve(httpserver, body, _declared_headers(body))
    posts = RssPlugin().fetch(_ctx(shared_client, url), {}).posts
    assert posts, f"{rel}: feedparser found entries, the plugin gave no posts"
    if field == "title":
        # What the user sees: the feed's title read as text, or as HTML when the feed marked it so.
        wanted = {_visible(expected, is_html=False), _visible(expected, is_html=True)}
        assert {_visible(p.title, is_html=False) for p in posts} & wanted
    elif expected.lower().startswith(("http://", "https://")):
        # feedparser's own test server ran at 127.0.0.1:8097; links relative to the document resolve against ours.
        expected = expected.replace("http://127.0.0.1:8097/", httpserver.url_for("/"))
        assert expected in {p.url for p in posts}
    else:
        assert expected not in {p.url for p in posts}


SANITIZE = [rel for rel in CORPUS if "/sanitize/" in f"/{rel}" and b"script" in (FEEDS / rel).read_bytes().lower()]


def test_sanitize_corpus_has_hostile_html(shared_data) -> None:
    # Guards the sweep above: it must really contain script injections for its "no <script>" check to mean much.
    assert len(SANITIZE) > 50


def test_hostile_html_leaves_only_text(plugin_ctx, httpserver) -> None:
    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
    <item><guid>urn:x:1</guid>
    <title type="html">&lt;b&gt;Big&lt;/b&gt; news&lt;script&gt;alert(1)&lt;/script&gt;</title>
    <link>javascript:alert(document.cookie)</link>
    <description>&lt;p onclick="evil()"&gt;Hello &lt;script&gt;steal()&lt;/script&gt;world
    &lt;img src="data:text/html;base64,PHNjcmlwdD4="&gt;&lt;iframe src="http://evil.example/"&gt;&lt;/iframe&gt;
    \x01\x02\xe2\x80\xaeevil&lt;/p&gt;</description></item></channel></rss>"""
    feed = feed.replace(b"\x01\x02", b"&#1;")  # a control character as an XML 1.0 parser would reject it
    url = _serve(httpserver, feed, [("Content-Type", "application/rss+xml")])
    (post,) = _fetch(plugin_ctx, url).posts
    seen = _visible(post.text)
    assert "Hello" in seen and "world" in seen
    assert "script" not in seen and "steal" not in seen and "evil()" not in seen
    assert "\u202e" not in seen
    assert post.url == ""


def test_relative_ids_are_qualified_and_links_resolved_after_redirect(plugin_ctx, httpserver) -> None:
    feed = b"""<rss version="2.0"><channel><title>t</title>
    <item><guid isPermaLink="false">1</guid><title>One</title><link>/posts/1</link></item>
    </channel></rss>"""
    httpserver.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new/feed"})
    _serve(httpserver, feed, [("Content-Type", "application/rss+xml")], path="/new/feed")
    (post,) = _fetch(plugin_ctx, httpserver.url_for("/old")).posts
    assert post.external_id == f"{httpserver.url_for('/old')}#1"
    assert post.url == httpserver.url_for("/posts/1")
    assert post.title == "One"


FEED_TWO = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Brand news</title><id>urn:feed</id>
<entry><id>urn:e:2</id><title>Second</title><updated>2024-05-02T10:00:00Z</updated>
  <author><name>Ana Ruiz</name><email>ana@example.com</email></author>
  <content type="html">&lt;p&gt;Two &lt;b&gt;bold&lt;/b&gt;&lt;/p&gt;</content><link href="https://example.com/2"/></entry>
<entry><id>urn:e:1</id><title>First</title><published>2024-05-01T09:30:00+02:00</published>
  <summary>plain &lt;text&gt;</summary><link href="https://example.com/1"/></entry>
</feed>"""


def test_entries_become_posts(plugin_ctx, httpserver) -> None:
    url = _serve(httpserver, FEED_TWO, [("Content-Type", "application/atom+xml")])
    first, second = _fetch(plugin_ctx, url).posts
    assert (first.external_id, second.external_id) == ("urn:e:1", "urn:e:2")
    assert first.created_at == datetime(2024, 5, 1, 7, 30, tzinfo=UTC)
    assert second.created_at == datetime(2024, 5, 2, 10, 0, tzinfo=UTC)
    assert _visible(second.text) == "Two bold" and second.author_name == "Ana Ruiz"
    assert second.author_handle == "ana@example.com" and second.url == "https://example.com/2"
    # A plain-text summary is text: its angle brackets are letters, not markup.
    assert _visible(first.text) == "plain <text>"
    assert second.extra["feed_title"] == "Brand news"


def test_conditional_get_and_304(plugin_ctx, httpserver) -> None:
    headers = [("Content-Type", "application/atom+xml"), ("ETag", '"v1"')]
    headers.append(("Last-Modified", "Sat, 01 Jun 2024 10:00:00 GMT"))
    url = _serve(httpserver, FEED_TWO, headers)
    first = _fetch(plugin_ctx, url)
    assert len(first.posts) == 2
    assert first.cursor["etag"] == '"v1"' and first.cursor["modified"] == "Sat, 01 Jun 2024 10:00:00 GMT"
    httpserver.clear()
    conditional = {"If-None-Match": '"v1"', "If-Modified-Since": "Sat, 01 Jun 2024 10:00:00 GMT"}
    httpserver.expect_oneshot_request("/feed", headers=conditional).respond_with_data("", status=304)
    second = _fetch(plugin_ctx, url, dict(first.cursor))
    httpserver.check_assertions()
    assert second.posts == [] and second.cursor == first.cursor


def test_feed_that_keeps_old_items_emits_only_new_ones(plugin_ctx, httpserver) -> None:
    url = _serve(httpserver, FEED_TWO, [("Content-Type", "application/atom+xml")])
    first = _fetch(plugin_ctx, url)
    assert _fetch(plugin_ctx, url, dict(first.cursor)).posts == []
    httpserver.clear()
    newer = FEED_TWO.replace(b"<entry>", b"<entry><id>urn:e:3</id><title>Third</title></entry><entry>", 1)
    _serve(httpserver, newer, [("Content-Type", "application/atom+xml")])
    third = _fetch(plugin_ctx, url, dict(first.cursor))
    assert [p.external_id for p in third.posts] == ["urn:e:3"]
    assert third.posts[0].created_at == NOW  # no date in the entry: first seen now


def test_seen_ids_stay_bounded(plugin_ctx, httpserver) -> None:
    items = "".join(f"<item><guid>urn:i:{i}</guid><title>{i}</title></item>" for i in range(SEEN_LIMIT + 200))
    url = _serve(httpserver, f"<rss version='2.0'><channel>{items}</channel></rss>".encode(), [])
    result = _fetch(plugin_ctx, url, {"seen": [f"{i:016x}" for i in range(SEEN_LIMIT)]})
    assert len(result.posts) == SEEN_LIMIT
    assert len(result.cursor["seen"]) == SEEN_LIMIT
    assert _fetch(plugin_ctx, url, dict(result.cursor)).posts == []


def test_duplicate_entries_in_one_fetch_are_one_post(plugin_ctx, httpserver) -> None:
    item = b"<item><guid>urn:dup</guid><title>Same</title></item>"
    url = _serve(httpserver, b"<rss version='2.0'><channel>" + item * 3 + b"</channel></rss>", [])
    assert len(_fetch(plugin_ctx, url).posts) == 1


def test_future_dates_are_clamped_to_now(plugin_ctx, httpserver) -> None:
    item = b"<item><guid>urn:f</guid><title>f</title><pubDate>Fri, 01 Jan 2100 00:00:00 GMT</pubDate></item>"
    url = _serve(httpserver, b"<rss version='2.0'><channel>" + item + b"</channel></rss>", [])
    (post,) = _fetch(plugin_ctx, url).posts
    assert post.created_at == NOW


def test_broken_feed_with_entries_still_yields_them(plugin_ctx, httpserver) -> None:
    broken = b"<rss version='2.0'><channel><item><guid>urn:b</guid><title>Kept & found</title></item>"
    url = _serve(httpserver, broken, [("Content-Type", "application/rss+xml")])
    (post,) = _fetch(plugin_ctx, url).posts
    assert post.title == "Kept & found"


@pytest.mark.parametrize(
    ("body", "content_type", "words"),
    [
        (b"<html><body><h1>Welcome</h1></body></html>", "text/html", "not an XML media type"),
        (b"", "application/rss+xml", "empty document"),
        (b"<rss version='2.0'><channel><title>x</tit", "application/rss+xml", "XML error at line"),
        (b"\x00\x01\x02garbage" * 100, "application/octet-stream", "no readable entries"),
    ],
    ids=["html-page", "empty", "truncated", "binary"],
)
def test_unreadable_documents_say_why(plugin_ctx, httpserver, body, content_type, words) -> None:
    url = _serve(httpserver, body, [("Content-Type", content_type)])
    with pytest.raises(MalformedResponse, match=words):
        _fetch(plugin_ctx, url)


def test_huge_entry_text_is_kept_whole_for_the_pipeline(plugin_ctx, httpserver) -> None:
    text = "word " * 400_000
    body = f"<rss version='2.0'><channel><item><guid>urn:h</guid><description>{text}</description></item>"
    url = _serve(httpserver, (body + "</channel></rss>").encode(), [])
    (post,) = _fetch(plugin_ctx, url).posts
    assert post.text == text.strip()


def test_oversized_body_is_refused(plugin_ctx, httpserver) -> None:
    url = _serve(httpserver, b"<rss>" + b" " * (21 * 2**20), [])
    with pytest.raises(MalformedResponse, match="larger than 20 MB"):
        _fetch(plugin_ctx, url)


@pytest.mark.parametrize(
    ("status", "headers", "error"),
    [
        (404, {}, MalformedResponse),
        (500, {}, TransientError),
        (503, {"Retry-After": "30"}, TransientError),
        (401, {}, AuthError),
        (429, {"Retry-After": "120"}, RateLimited),
    ],
)
def test_http_errors_are_typed(plugin_ctx, httpserver, status, headers, error) -> None:
    httpserver.expect_request("/feed").respond_with_data("nope", status=status, headers=headers)
    with pytest.raises(error, match=f"HTTP {status}") as caught:
        _fetch(plugin_ctx, httpserver.url_for("/feed"))
    if "Retry-After" in headers:
        assert caught.value.retry_after == float(headers["Retry-After"])


def test_slow_server_times_out_as_transient(plugin_ctx, httpserver) -> None:
    release = threading.Event()

    def stall(_request: Request) -> Response:
        release.wait(3)  # released as soon as the client has given up, so the test does not wait it out
        return Response("<rss/>")

    httpserver.expect_request("/feed").respond_with_handler(stall)
    try:
        with pytest.raises(TransientError, match="did not answer in time"):
            _fetch(plugin_ctx, httpserver.url_for("/feed"), timeout=0.3)
    finally:
        release.set()


def test_dead_network_is_transient(plugin_ctx) -> None:
    with pytest.raises(TransientError, match="could not download"):
        _fetch(plugin_ctx, "http://127.0.0.1:9/feed")


def test_url_is_required_and_must_be_http() -> None:
    with pytest.raises(ConfigError, match="Feed URL is required"):
        RssPlugin.validate_config({})
    with pytest.raises(ConfigError, match="http"):
        RssPlugin.validate_config({"url": "file:///etc/passwd"})


def test_windows_1252_declared_by_http_header(shared_data, plugin_ctx, httpserver) -> None:
    body = (FEEDS / "encoding" / "http_text_xml_charset_2.xml").read_bytes()
    url = _serve(httpserver, body, _declared_headers(body))
    (post,) = _fetch(plugin_ctx, url).posts
    assert _visible(post.text) == "This is a \xa3\u201ctest.\u201d"

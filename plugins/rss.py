"""The RSS/Atom/RDF listening plugin: conditional GET through ctx.http, parsing by feedparser, entries to posts."""

from __future__ import annotations

import calendar
import hashlib
import html
import io
import time
import xml.sax
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import feedparser
import httpx

from scrm_desktop.listening.api import (
    ConfigError,
    ConfigField,
    FetchContext,
    FetchResult,
    MalformedResponse,
    Plugin,
    PostIn,
    TransientError,
    check_response,
)

CHANNEL = "rss"
MAX_BODY_BYTES = 20 * 1024 * 1024
MAX_DOWNLOAD_SECONDS = 120.0
# Entries read per fetch and ids remembered in the cursor: equal, so everything emitted is remembered and a
# feed that keeps its old items never re-emits them (anything past this many is too old to matter).
MAX_ENTRIES = 500
SEEN_LIMIT = 500
MAX_ID_CHARS = 400
# Headers that describe the bytes httpx has already decoded; passing them on would mislead feedparser.
_DROP_HEADERS = {"content-encoding", "content-length", "transfer-encoding", "connection", "keep-alive"}
_HTML_TYPES = {"text/html", "application/xhtml+xml"}


class RssPlugin(Plugin):
    """Reads one RSS, Atom or RDF feed; every new entry becomes a post on the "rss" channel."""

    name = "rss"
    title = "RSS / Atom feed"
    version = "1.0"
    config_fields = (
        ConfigField(
            "url",
            "Feed URL",
            kind="url",
            required=True,
            help="Address of an RSS, Atom or RDF feed (not the web page that links to it).",
        ),
    )
    default_interval = 900

    def fetch(self, ctx: FetchContext, cursor: Mapping[str, Any]) -> FetchResult:
        url = str(ctx.config["url"])
        status, body, headers = _download(ctx, url, _conditional_headers(cursor))
        if status == 304:
            return FetchResult(posts=[], cursor=dict(cursor))
        parsed = parse_feed(body, headers, url)
        entries = list(parsed.entries)[:MAX_ENTRIES]
        if parsed.get("bozo") and entries:
            label, why = _safe_label(url), _bozo_words(parsed)
            ctx.log.warning("%s is not well-formed (%s); reading its entries anyway", label, why)
        posts = entries_to_posts(entries, parsed.get("feed", {}), url, ctx.now())
        seen = set(cursor.get("seen") or ())
        fresh = [p for p in posts if _seen_key(p.external_id) not in seen]
        return FetchResult(posts=fresh, cursor=_next_cursor(cursor, headers, posts))


def _conditional_headers(cursor: Mapping[str, Any]) -> dict[str, str]:
    headers = {}
    if cursor.get("etag"):
        headers["If-None-Match"] = str(cursor["etag"])
    if cursor.get("modified"):
        headers["If-Modified-Since"] = str(cursor["modified"])
    return headers


def _download(ctx: FetchContext, url: str, headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
    """Status, body and lower-cased headers; the body is capped in size and in total time."""
    try:
        with ctx.http.stream("GET", url, headers=headers) as resp:
            check_response(resp, f"Feed {_safe_label(url)}")
            if resp.status_code == 304:
                return 304, b"", {}
            body = _read_capped(resp, url)
            return resp.status_code, body, _feed_headers(resp)
    except httpx.InvalidURL as exc:
        raise ConfigError(f"Feed URL {url!r} is not usable: {exc}") from None
    except httpx.TimeoutException:
        raise TransientError(f"Feed {_safe_label(url)}: the server did not answer in time") from None
    except httpx.HTTPError as exc:
        # Transport failures (refused, DNS, reset, too many redirects, bad TLS) may heal; say what happened.
        raise TransientError(f"Feed {_safe_label(url)}: could not download ({exc})") from None


def _read_capped(resp: httpx.Response, url: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    deadline = time.monotonic() + MAX_DOWNLOAD_SECONDS
    for chunk in resp.iter_bytes():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise MalformedResponse(f"Feed {_safe_label(url)} is larger than {MAX_BODY_BYTES // 2**20} MB")
        if time.monotonic() > deadline:
            raise TransientError(f"Feed {_safe_label(url)}: download took longer than {MAX_DOWNLOAD_SECONDS:.0f} s")
        chunks.append(chunk)
    return b"".join(chunks)


def _feed_headers(resp: httpx.Response) -> dict[str, str]:
    headers = {k: v for k, v in resp.headers.items() if k not in _DROP_HEADERS}
    # Relative links in the feed resolve against where it really came from (after redirects).
    headers.setdefault("content-location", str(resp.url))
    return headers


def _safe_label(url: str) -> str:
    """The URL without query or credentials, for messages (a feed URL may carry a private token)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def parse_feed(body: bytes, headers: Mapping[str, str], url: str) -> feedparser.FeedParserDict:
    """Parse feed bytes as feedparser would over HTTP; raise MalformedResponse when no entries can be read."""
    if not body.strip():
        raise MalformedResponse(f"Feed {_safe_label(url)}: the server sent an empty document")
    try:
        # A BytesIO, never the bytes themselves: feedparser would treat a bytes string as a file name.
        parsed = feedparser.parse(io.BytesIO(body), response_headers=dict(headers))
    except Exception as exc:  # feedparser on hostile input is the last line; its crash must not be ours
        raise MalformedResponse(f"Feed {_safe_label(url)} could not be parsed: {exc}") from None
    if not parsed.entries and (parsed.get("bozo") or not parsed.get("version")):
        reason = _bozo_words(parsed) if parsed.get("bozo") else "it does not look like RSS, Atom or RDF"
        raise MalformedResponse(f"Feed {_safe_label(url)} has no readable entries: {reason}")
    return parsed


def _bozo_words(parsed: Mapping[str, Any]) -> str:
    exc = parsed.get("bozo_exception")
    if isinstance(exc, xml.sax.SAXParseException):
        return f"XML error at line {exc.getLineNumber()}, column {exc.getColumnNumber()}: {exc.getMessage()}"
    text = str(exc or "").strip()
    return text or (type(exc).__name__ if exc else "the document is not well-formed")


def entries_to_posts(
    entries: Iterable[Mapping[str, Any]], feed: Mapping[str, Any], url: str, now: datetime
) -> list[PostIn]:
    """Posts for feedparser entries, oldest first, one per external id."""
    posts: dict[str, PostIn] = {}
    for entry in entries:
        post = entry_to_post(entry, feed, url, now)
        posts.setdefault(post.external_id, post)
    return sorted(posts.values(), key=lambda p: p.created_at)


def entry_to_post(entry: Mapping[str, Any], feed: Mapping[str, Any], url: str, now: datetime) -> PostIn:
    title = _entry_title(entry)
    author_name, author_handle = _author(entry)
    text = _entry_html(entry) or html.escape(title)
    extra = {"feed_title": _plain(str(feed.get("title") or ""))[:200]}
    tags = [str(t.get("term") or "")[:60] for t in entry.get("tags") or () if t.get("term")]
    if tags:
        extra["tags"] = tags[:10]
    return PostIn(
        channel=CHANNEL,
        external_id=external_id(entry, url),
        text=text,
        text_format="html",
        created_at=_entry_time(entry, now),
        author_handle=author_handle,
        author_name=author_name,
        url=_safe_link(entry),
        title=title,
        lang=_lang(entry, feed),
        extra=extra,
    )


def external_id(entry: Mapping[str, Any], feed_url: str) -> str:
    """Entry id, else link, else a hash of title + date + summary; bare ids are qualified by the feed URL."""
    ident = str(entry.get("id") or entry.get("link") or "").strip()
    if not ident:
        basis = "\x1f".join(str(entry.get(k) or "") for k in ("title", "published", "summary"))
        ident = "sha1:" + hashlib.sha1(basis.encode("utf-8", "replace")).hexdigest()
    elif ":" not in ident:
        # "42" is only unique inside its feed; ids are unique per channel, so qualify it.
        ident = f"{feed_url}#{ident}"
    if len(ident) > MAX_ID_CHARS:
        ident = "sha1:" + hashlib.sha1(ident.encode("utf-8", "replace")).hexdigest()
    return ident


def _entry_time(entry: Mapping[str, Any], now: datetime) -> datetime:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            try:
                # feedparser's *_parsed values are UTC struct_times.
                when = datetime.fromtimestamp(calendar.timegm(parsed), UTC)
            except (OverflowError, ValueError, OSError, TypeError):
                continue
            # A date in the future would pin the item to the top of every stream; it happened no later than now.
            return min(when, now)
    return now


def _entry_html(entry: Mapping[str, Any]) -> str:
    contents = entry.get("content") or ()
    for content in contents:
        if content.get("value"):
            return _as_html(content)
    detail = entry.get("summary_detail")
    if detail and detail.get("value"):
        return _as_html(detail)
    return html.escape(str(entry.get("summary") or ""))


def _as_html(detail: Mapping[str, Any]) -> str:
    value = str(detail.get("value") or "")
    return value if detail.get("type") in _HTML_TYPES else html.escape(value)


def _entry_title(entry: Mapping[str, Any]) -> str:
    detail = entry.get("title_detail") or {}
    title = str(entry.get("title") or "")
    if detail.get("type") in _HTML_TYPES:
        title = _plain(title)
    return " ".join(title.split())[:500]


def _author(entry: Mapping[str, Any]) -> tuple[str, str]:
    detail = entry.get("author_detail") or {}
    name = _plain(str(detail.get("name") or entry.get("author") or ""))[:200]
    handle = str(detail.get("email") or detail.get("href") or name)[:200]
    return " ".join(name.split()), handle.strip()


def _safe_link(entry: Mapping[str, Any]) -> str:
    """The entry's web link when it is http(s); javascript:, data: and the like are dropped."""
    candidates = [entry.get("link")] + [
        link.get("href") for link in entry.get("links") or () if link.get("rel", "alternate") == "alternate"
    ]
    for link in candidates:
        link = str(link or "").strip()
        if urlsplit(link).scheme.lower() in ("http", "https") and len(link) <= 2000:
            return link
    return ""


def _lang(entry: Mapping[str, Any], feed: Mapping[str, Any]) -> str:
    detail = entry.get("summary_detail") or entry.get("title_detail") or {}
    lang = str(detail.get("language") or feed.get("language") or "").strip()
    return lang[:35]


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.skip += tag in ("script", "style")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def _plain(markup: str) -> str:
    """Visible text of a short HTML fragment (titles, names): the pipeline only converts `text`."""
    if "<" not in markup and "&" not in markup:
        return markup
    parser = _TextOnly()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)


def _seen_key(external: str) -> str:
    # Short digests keep the cursor small however long the feed's ids are.
    return hashlib.blake2b(external.encode("utf-8", "replace"), digest_size=8).hexdigest()


def _next_cursor(cursor: Mapping[str, Any], headers: Mapping[str, str], posts: list[PostIn]) -> dict[str, Any]:
    current = [_seen_key(p.external_id) for p in reversed(posts)]  # newest first
    merged = list(dict.fromkeys([*current, *(cursor.get("seen") or ())]))[:SEEN_LIMIT]
    nxt: dict[str, Any] = {"seen": merged}
    # Validators come from this response only: a stale ETag would make the server answer 304 forever.
    if headers.get("etag"):
        nxt["etag"] = headers["etag"]
    if headers.get("last-modified"):
        nxt["modified"] = headers["last-modified"]
    return nxt

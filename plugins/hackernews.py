"""Hacker News listening plugin: stories and comments matching keywords, through the Algolia HN Search API.

One request per keyword to `search_by_date` (newest first). The cursor keeps, per keyword, the newest
`created_at_i` returned and the ids posted in that second; the next fetch asks for
`numericFilters=created_at_i>=since` and drops those ids, so items posted in the same second as the last
one are neither skipped nor repeated. When more new hits arrive than one page holds, the fetch pages down
through them (`page=1, 2, ...`, with `more` set) before raising `since`; new hits arriving meanwhile only
push older ones further down, so paging may repeat a hit but never skips one. The first fetch of a keyword
takes its newest page only. Hacker News has no API for posting, so this plugin cannot publish.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from scrm_desktop.listening.api import (
    AuthError,
    ConfigError,
    ConfigField,
    FetchContext,
    FetchResult,
    MalformedResponse,
    Plugin,
    PostIn,
    check_response,
    parse_json,
    parse_time,
    send,
)

CHANNEL = "hackernews"
ITEM_URL = "https://news.ycombinator.com/item?id="
MAX_PAGE = 1000  # Algolia's hitsPerPage cap
_log = logging.getLogger(__name__)


class HackerNewsPlugin(Plugin):
    name = "hackernews"
    title = "Hacker News"
    version = "1.0"
    config_fields = (
        ConfigField("keywords", "Keywords", "list", required=True, help="Each one is searched on its own"),
        ConfigField("stories", "Stories and polls", "bool", default=True),
        ConfigField("comments", "Comments", "bool", default=True),
        ConfigField("page_size", "Hits per request", "int", default=100, help="1 to 1000"),
        ConfigField("base_url", "Search API address", "url", default="https://hn.algolia.com/api/v1"),
    )
    default_interval = 600
    can_publish = False

    def fetch(self, ctx: FetchContext, cursor: Mapping[str, Any]) -> FetchResult:
        tags = _tags(ctx.config)
        limit = max(1, min(MAX_PAGE, int(ctx.config.get("page_size") or 100)))
        posts: dict[str, PostIn] = {}
        new_cursor: dict[str, Any] = {}
        more = False
        for keyword in ctx.config.get("keywords") or ():
            mark = _Mark.load(cursor.get(keyword))
            hits, pages = _search(ctx, keyword, tags, limit, mark)
            found = [p for p in map(parse_hit, hits) if p and not (mark and mark.covers(p))]
            for post in found:
                posts.setdefault(post.external_id, post)
            next_mark = _advance(mark, found, pages)
            if next_mark:
                new_cursor[keyword] = next_mark.dump()
            more = more or bool(next_mark and next_mark.page)
        return FetchResult(list(posts.values()), new_cursor, more)


@dataclass(frozen=True)
class _Mark:
    """Per-keyword cursor: everything up to `since` (and the `seen` ids posted at `since`) was returned.
    While paging down through a backlog, `page` is the next page and `top`/`top_seen` the newest so far."""

    since: int
    seen: frozenset[str]
    page: int = 0
    top: int = 0
    top_seen: frozenset[str] = frozenset()

    @classmethod
    def load(cls, raw: Any) -> _Mark | None:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("since"), int):
            return None
        page, top = raw.get("page"), raw.get("top")
        return cls(
            raw["since"],
            _ids(raw.get("seen")),
            page if isinstance(page, int) and page > 0 else 0,
            top if isinstance(top, int) else 0,
            _ids(raw.get("top_seen")),
        )

    def covers(self, post: PostIn) -> bool:
        stamp = int(post.created_at.timestamp())
        return stamp < self.since or (stamp == self.since and post.external_id in self.seen)

    def dump(self) -> dict[str, Any]:
        out: dict[str, Any] = {"since": self.since, "seen": sorted(self.seen)}
        if self.page:
            out.update(page=self.page, top=self.top, top_seen=sorted(self.top_seen))
        return out


def _advance(mark: _Mark | None, found: list[PostIn], pages: int) -> _Mark | None:
    """The cursor after this page: keep paging down through a backlog, or move `since` to the newest hit."""
    top, top_seen = (mark.top, mark.top_seen) if mark and mark.page else (0, frozenset())
    for post in found:
        stamp = int(post.created_at.timestamp())
        if stamp > top:
            top, top_seen = stamp, frozenset({post.external_id})
        elif stamp == top:
            top_seen |= {post.external_id}
    if mark is None:
        return _Mark(top, top_seen) if found else None
    if mark.page + 1 < pages:
        return _Mark(mark.since, mark.seen, mark.page + 1, top, top_seen)
    if top > mark.since or (top == mark.since and top_seen):
        return _Mark(top, top_seen | (mark.seen if top == mark.since else frozenset()))
    return _Mark(mark.since, mark.seen)


def _tags(config: Mapping[str, Any]) -> str:
    kinds = (["story", "poll"] if config.get("stories", True) else []) + (
        ["comment"] if config.get("comments", True) else []
    )
    if not kinds:
        raise ConfigError("Hacker News: choose stories, comments or both")
    return f"({','.join(kinds)})"


def _search(
    ctx: FetchContext, keyword: str, tags: str, limit: int, mark: _Mark | None
) -> tuple[list[dict[str, Any]], int]:
    """One page of hits for `keyword` newer than the mark, and how many pages there are."""
    params: dict[str, str] = {"query": keyword, "tags": tags, "hitsPerPage": str(limit)}
    if mark:
        params["numericFilters"] = f"created_at_i>={mark.since}"
        if mark.page:
            params["page"] = str(mark.page)
    body = parse_json(_get(ctx, "/search_by_date", params, keyword), f"Hacker News search for {keyword!r}")
    if not isinstance(body, dict) or not isinstance(body.get("hits"), list):
        raise MalformedResponse(f"Hacker News search for {keyword!r}: the answer holds no search hits")
    hits = [h for h in body["hits"] if isinstance(h, dict)]
    page = mark.page if mark else 0
    if len(body["hits"]) < limit:  # a short page is the last one, whatever nbPages claims
        return hits, page + 1
    pages = body.get("nbPages") if isinstance(body.get("nbPages"), int) else page + 1
    if mark and page == 0 and (_int(body.get("nbHits")) or 0) > pages * limit:
        _log.warning("hackernews %r: more new hits than the search lets us page through", keyword)
    return hits, pages


def _get(ctx: FetchContext, path: str, params: Mapping[str, str], keyword: str) -> httpx.Response:
    base = str(ctx.config.get("base_url") or "https://hn.algolia.com/api/v1").rstrip("/")
    what = f"Hacker News search for {keyword!r}"
    resp = send(ctx.http, "GET", base + path, what=what, where=base, params=params)
    status = resp.status_code
    if status in (401, 403):
        raise AuthError(
            f"{what}: {base} refused the request (HTTP {status}); this API needs no login, so check the "
            f"source's Search API address (base_url) or whether your network blocks it"
        )
    return check_response(resp, what, reason_key="message")


def parse_hit(hit: Mapping[str, Any]) -> PostIn | None:
    """A post from an Algolia hit, 2014 or current shape (fields may be missing or null); None if empty."""
    object_id = _id(hit.get("objectID"))
    created = _created(hit)
    if not object_id or created is None:
        _log.warning("skipping a Hacker News hit without id or time: %r", object_id)
        return None
    fields = _comment_fields(hit) if _is_comment(hit) else _story_fields(hit, object_id)
    if not fields["text"]:
        return None
    author = _str(hit.get("author"))
    return PostIn(
        channel=CHANNEL,
        external_id=object_id,
        created_at=created,
        author_handle=author,
        author_name=author,
        url=ITEM_URL + object_id,
        text_format="html",
        likes=_int(hit.get("points")),
        **fields,
    )


def _is_comment(hit: Mapping[str, Any]) -> bool:
    tags = hit.get("_tags") if isinstance(hit.get("_tags"), list) else []
    if tags:
        return "comment" in tags
    return bool(_str(hit.get("comment_text"))) and not _str(hit.get("title"))


def _story_fields(hit: Mapping[str, Any], object_id: str) -> dict[str, Any]:
    title, body, link = _str(hit.get("title")), _str(hit.get("story_text")), _str(hit.get("url"))
    tags = hit.get("_tags") if isinstance(hit.get("_tags"), list) else []
    extra: dict[str, Any] = {"kind": "poll" if "poll" in tags else "story"}
    if link:
        extra["link"] = link
    return {
        "text": body or html.escape(title),  # story_text is HTML already; a bare title is plain text
        "title": title,
        "thread_id": object_id,
        "replies": _int(hit.get("num_comments")),
        "extra": extra,
    }


def _comment_fields(hit: Mapping[str, Any]) -> dict[str, Any]:
    story_url = _str(hit.get("story_url"))
    return {
        "text": _str(hit.get("comment_text")),
        "title": _str(hit.get("story_title")),
        "reply_to": _id(hit.get("parent_id")),
        "thread_id": _id(hit.get("story_id")),
        "extra": {"kind": "comment", **({"link": story_url} if story_url else {})},
    }


def _created(hit: Mapping[str, Any]) -> datetime | None:
    stamp = _int(hit.get("created_at_i"))
    if stamp is not None and stamp > 0:
        return datetime.fromtimestamp(stamp, UTC)
    return parse_time(hit.get("created_at"))


def _ids(raw: Any) -> frozenset[str]:
    return frozenset(str(i) for i in raw) if isinstance(raw, list) else frozenset()


def _id(value: Any) -> str:
    """Ids are numbers today and were strings in 2014 hits; both become the same text."""
    number = _int(value)
    return str(number) if number is not None else _str(value)


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None

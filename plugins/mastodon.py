"""Mastodon listening plugin: hashtag timelines, keyword search and mentions of our account; replies.

Each feed keeps its own cursor: the `min_id` Mastodon's Link header offers for the page above the newest
item we took (or that item's id when there is no Link header, as in search results). Asking with `min_id`
returns the page immediately newer than it, so a restarted app resumes without gaps; a full page sets
`more` and the next call continues upwards. The first run of a feed takes only its newest page.

Keyword search and mentions need an access token (Preferences > Development > New application, scopes
`read:search read:notifications write:statuses`), kept in the keyring as `access_token`. Replies are sent
with the stored idempotency key, so a retried send never posts twice; pass `extra={"visibility": ...}`
(the post's own visibility is in its `extra`) so a reply to a private mention stays private.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

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
    PublishResult,
    RateLimited,
    Reply,
    check_response,
    error_text,
    parse_json,
    parse_retry_after,
    parse_time,
    same_text,
    send,
)

CHANNEL = "mastodon"
MAX_PAGE = 40  # Mastodon's own cap for timelines, search and notifications
VISIBILITIES = frozenset({"public", "unlisted", "private", "direct"})
_log = logging.getLogger(__name__)


class MastodonPlugin(Plugin):
    name = "mastodon"
    title = "Mastodon"
    version = "1.0"
    config_fields = (
        ConfigField("instance_url", "Instance URL", "url", required=True, help="e.g. https://mastodon.social"),
        ConfigField("hashtags", "Hashtags", "list", default=(), help="Tags to follow, without the #"),
        ConfigField(
            "keywords",
            "Search keywords",
            "list",
            default=(),
            help="Needs an access token and an instance with full-text search",
        ),
        ConfigField("mentions", "Mentions of our account", "bool", default=False, help="Needs an access token"),
        ConfigField("page_size", "Posts per request", "int", default=MAX_PAGE, help="1 to 40"),
    )
    secret_fields = ("access_token",)
    default_interval = 300
    can_publish = True
    idempotent_publish = True  # the Idempotency-Key header: the instance drops a repeat for an hour
    can_check_sent = True

    def fetch(self, ctx: FetchContext, cursor: Mapping[str, Any]) -> FetchResult:
        api = _Api(ctx)
        feeds = _feeds(ctx.config)
        if not feeds:
            raise ConfigError("Mastodon: set hashtags, search keywords or mentions to listen to")
        if any(key != "tag" for key, _ in feeds):
            api.require_token("search keywords and read mentions")
        limit = max(1, min(MAX_PAGE, int(ctx.config.get("page_size") or MAX_PAGE)))
        found: dict[str, PostIn] = {}
        new_cursor: dict[str, str] = {}
        more = False
        for kind, value in feeds:
            key = f"{kind}:{value}" if value else kind
            since = cursor.get(key) if isinstance(cursor.get(key), str) else None
            page = _FETCHERS[kind](api, value, since, limit)
            for item in page.statuses:
                _keep_latest(found, parse_status(item, api.host, feed=key))
            if page.newest:
                new_cursor[key] = page.newest
            elif since:
                new_cursor[key] = since
            more = more or (since is not None and page.full)
        return FetchResult(_link_threads(list(found.values())), new_cursor, more)

    def publish(self, ctx: FetchContext, reply: Reply) -> PublishResult:
        api = _Api(ctx)
        api.require_token("publish replies")
        body: dict[str, Any] = {"status": reply.text, "in_reply_to_id": reply.in_reply_to}
        if reply.extra.get("visibility") in VISIBILITIES:
            body["visibility"] = reply.extra["visibility"]
        resp = api.request(
            "POST", "/api/v1/statuses", "reply", json=body, headers={"Idempotency-Key": reply.idempotency_key}
        )
        data = parse_json(resp, "Mastodon reply")
        if not isinstance(data, dict) or not data.get("id"):
            raise MalformedResponse(f"Mastodon at {api.host} accepted the reply but did not say its id")
        return PublishResult(external_id=str(data["id"]), url=_str(data.get("url")))

    def find_sent(self, ctx: FetchContext, reply: Reply) -> PublishResult | None:
        """Our reply in the thread of the status we answered (the status's context), or None."""
        api = _Api(ctx)
        api.require_token("look for a reply we sent")
        me, _ = api.get("/api/v1/accounts/verify_credentials", "our account")
        thread, _ = api.get(f"/api/v1/statuses/{quote(reply.in_reply_to, safe='')}/context", "thread")
        my_id = me.get("id") if isinstance(me, dict) else None
        below = thread.get("descendants") if isinstance(thread, dict) else None
        for status in below if isinstance(below, list) else []:
            if not isinstance(status, dict) or status.get("in_reply_to_id") != reply.in_reply_to:
                continue
            author = status.get("account") if isinstance(status.get("account"), dict) else {}
            mine = bool(my_id) and author.get("id") == my_id
            if mine and same_text(reply.text, _str(status.get("content")), html_text=True):
                return PublishResult(external_id=str(status.get("id")), url=_str(status.get("url")))
        return None


@dataclass(frozen=True)
class _Page:
    statuses: list[dict[str, Any]]
    newest: str | None
    full: bool


class _Api:
    """Requests to one instance with the source's token; HTTP trouble becomes the contract's typed errors."""

    def __init__(self, ctx: FetchContext) -> None:
        self.ctx = ctx
        self.base = str(ctx.config["instance_url"]).rstrip("/")
        self.host = urlsplit(self.base).netloc or self.base
        self.token = (ctx.secret("access_token") or "").strip()

    def require_token(self, purpose: str) -> None:
        if not self.token:
            raise AuthError(f"Mastodon needs an access token to {purpose}; {self._token_hint()}")

    def get(self, path: str, what: str, params: Any = None) -> tuple[Any, httpx.Response]:
        resp = self.request("GET", path, what, params=params)
        return parse_json(resp, f"Mastodon {what}"), resp

    def request(
        self, method: str, path: str, what: str, headers: Mapping[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        sent = dict(headers or {})
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        resp = send(
            self.ctx.http, method, self.base + path, what=f"Mastodon {what}", where=self.host, headers=sent, **kwargs
        )
        return self._checked(resp, what)

    def _checked(self, resp: httpx.Response, what: str) -> httpx.Response:
        status = resp.status_code
        if status in (401, 403):
            raise AuthError(self._refused(status, what, error_text(resp)))
        if status == 429:
            wait = parse_retry_after(resp.headers.get("retry-after")) or self._until_reset(resp)
            raise RateLimited(f"Mastodon {what}: {self.host} asks us to slow down (HTTP 429)", retry_after=wait)
        return check_response(resp, f"Mastodon {what} at {self.host}", reason_key="error")

    def _refused(self, status: int, what: str, detail: str) -> str:
        if self.token:
            problem, fix = "refused the access token", self._token_hint("a new one")
        else:
            problem, fix = "needs an access token", self._token_hint()
        return f"Mastodon at {self.host} {problem} for {what} (HTTP {status}: {detail}); {fix}"

    def _token_hint(self, which: str = "one") -> str:
        return (
            f"create {which} under Preferences > Development on {self.host} and set it with: "
            f"scrm-desktop sources set-secret {self.ctx.source_name} access_token"
        )

    def _until_reset(self, resp: httpx.Response) -> float | None:
        # Mastodon sends X-RateLimit-Reset as an ISO time rather than Retry-After.
        when = parse_time(resp.headers.get("x-ratelimit-reset"))
        return None if when is None else max(0.0, (when - self.ctx.now()).total_seconds())


def _feeds(config: Mapping[str, Any]) -> list[tuple[str, str]]:
    tags = [("tag", t.lstrip("#").strip()) for t in config.get("hashtags") or () if t.lstrip("#").strip()]
    searches = [("search", k) for k in config.get("keywords") or ()]
    return tags + searches + ([("mentions", "")] if config.get("mentions") else [])


def _fetch_tag(api: _Api, tag: str, since: str | None, limit: int) -> _Page:
    data, resp = api.get(f"/api/v1/timelines/tag/{quote(tag, safe='')}", f"#{tag} timeline", _params(limit, since))
    items = _dicts(data, f"#{tag} timeline")
    return _Page(items, _newest(items, resp), len(items) >= limit)


def _fetch_search(api: _Api, query: str, since: str | None, limit: int) -> _Page:
    params = {"q": query, "type": "statuses", "resolve": "false", **_params(limit, since)}
    data, _resp = api.get("/api/v2/search", f"search for {query!r}", params)
    if not isinstance(data, dict):
        raise MalformedResponse(f"Mastodon search for {query!r}: expected an object with statuses")
    items = _dicts(data.get("statuses") or [], f"search for {query!r}")
    return _Page(items, _newest(items, None), len(items) >= limit)


def _fetch_mentions(api: _Api, _value: str, since: str | None, limit: int) -> _Page:
    params = [("types[]", "mention"), *_params(limit, since).items()]
    data, resp = api.get("/api/v1/notifications", "mentions", params)
    notes = _dicts(data, "mentions")
    # Older servers ignore types[]; only mentions that still carry their status are posts.
    statuses = [n["status"] for n in notes if n.get("type") == "mention" and isinstance(n.get("status"), dict)]
    return _Page(statuses, _newest(notes, resp), len(notes) >= limit)


_FETCHERS = {"tag": _fetch_tag, "search": _fetch_search, "mentions": _fetch_mentions}


def _params(limit: int, since: str | None) -> dict[str, str]:
    return {"limit": str(limit), **({"min_id": since} if since else {})}


def _dicts(data: Any, what: str) -> list[dict[str, Any]]:
    if not isinstance(data, list):
        raise MalformedResponse(f"Mastodon {what}: expected a list, got {type(data).__name__}")
    return [item for item in data if isinstance(item, dict) and _str(item.get("id"))]


def _newest(items: list[dict[str, Any]], resp: httpx.Response | None) -> str | None:
    """The min_id that asks for the page above `items`: the server's Link rel=prev when given."""
    if not items:
        return None
    if resp is not None:
        prev = parse_qs(urlsplit(resp.links.get("prev", {}).get("url", "")).query)
        for name in ("min_id", "since_id"):
            if prev.get(name):
                return prev[name][0]
    return max((_str(i["id"]) for i in items), key=_id_order)


def _id_order(value: str) -> tuple[int, str]:
    # Snowflake ids are decimal strings: longer means newer; equal lengths compare as text.
    return (len(value), value)


def parse_status(item: Mapping[str, Any], host: str, feed: str = "") -> PostIn | None:
    """A post from a Mastodon status (a boost yields the boosted status), or None when unusable."""
    status = item.get("reblog") if isinstance(item.get("reblog"), dict) else item
    account = status.get("account") if isinstance(status.get("account"), dict) else {}
    created = parse_time(status.get("created_at"))
    status_id = _str(status.get("id"))
    if created is None or not status_id:
        _log.warning("skipping a Mastodon status without id or valid created_at: %r", status_id)
        return None
    return PostIn(
        channel=CHANNEL,
        external_id=status_id,
        text=_str(status.get("content")),
        text_format="html",
        created_at=created,
        author_handle=_handle(_str(account.get("acct")), host),
        author_name=_str(account.get("display_name")) or _str(account.get("username")),
        author_followers=_int(account.get("followers_count")),
        url=_str(status.get("url")) or _str(status.get("uri")),
        lang=_str(status.get("language")),
        reply_to=_str(status.get("in_reply_to_id")),
        likes=_int(status.get("favourites_count")),
        reposts=_int(status.get("reblogs_count")),
        replies=_int(status.get("replies_count")),
        extra=_extra(item, status, host, feed),
    )


def _extra(item: Mapping[str, Any], status: Mapping[str, Any], host: str, feed: str) -> dict[str, Any]:
    extra: dict[str, Any] = {"visibility": _str(status.get("visibility")), "uri": _str(status.get("uri"))}
    if feed:
        extra["feed"] = feed
    if status is not item and isinstance(item.get("account"), dict):
        extra["boosted_by"] = _handle(_str(item["account"].get("acct")), host)
    for key in ("edited_at", "spoiler_text"):
        if _str(status.get(key)):
            extra[key] = _str(status.get(key))
    account = status.get("account") if isinstance(status.get("account"), dict) else {}
    if _str(account.get("url")):
        extra["author_url"] = _str(account.get("url"))
    if bio := _bio(account):
        extra["author_bio"] = bio
    return extra


def _bio(account: Mapping[str, Any]) -> str:
    """The account's note and profile fields as plain text with their links (for suggested customer links)."""
    parts = [_str(account.get("note"))]
    for f in account.get("fields") if isinstance(account.get("fields"), list) else []:
        if isinstance(f, dict):
            parts.append(f"{_str(f.get('name'))}: {_str(f.get('value'))}")
    text = " ".join(p for p in parts if p)
    text = re.sub(r'<a [^>]*href="([^"]+)"[^>]*>.*?</a>', r" \1 ", text, flags=re.S)  # keep a link's address
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return " ".join(text.split())[:500]


def _keep_latest(found: dict[str, PostIn], post: PostIn | None) -> None:
    """Deduplicate across feeds and boosts; of two copies of a status keep the most recently edited."""
    if post is None:
        return
    old = found.get(post.external_id)
    if old is None or _edited(post) > _edited(old):
        found[post.external_id] = post


def _edited(post: PostIn) -> datetime:
    return parse_time(post.extra.get("edited_at")) or datetime.min.replace(tzinfo=UTC)


def _link_threads(posts: list[PostIn]) -> list[PostIn]:
    """Set thread_id to the root's id where the batch shows the whole chain (a root is its own thread)."""
    by_id = {p.external_id: p for p in posts}
    linked = []
    for post in posts:
        node, seen = post, set()
        while node.reply_to and node.reply_to in by_id and node.external_id not in seen:
            seen.add(node.external_id)
            node = by_id[node.reply_to]
        linked.append(replace(post, thread_id="" if node.reply_to else node.external_id))
    return linked


def _handle(acct: str, host: str) -> str:
    """Accounts of the instance itself come without a domain; qualify them so handles are unique."""
    return acct if not acct or "@" in acct else f"{acct}@{host}"


def _str(value: Any) -> str:
    if isinstance(value, str):
        return value
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else ""


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        return None

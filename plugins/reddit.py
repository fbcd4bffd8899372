"""Reddit listening plugin: new posts and comments of subreddits, site search, inbox mentions; replies.

Authentication is Reddit's standard OAuth2 (https://github.com/reddit-archive/reddit/wiki/OAuth2). Create an
app at https://www.reddit.com/prefs/apps and keep its `client_id` (and `client_secret` for a "web app" or
"script"; an "installed app" has none) in the keyring. That alone gives application-only access: subreddits
and search. Mentions and replies act as a user and need a `refresh_token` obtained once through the
authorization-code flow with `duration=permanent` and scopes `read privatemessages submit`.

Each feed keeps the fullname (t3_xxx / t1_xxx) of the newest item it returned and asks for `before=` it:
Reddit then returns the items just above it, so a restarted app resumes without refetching and without gaps;
a full page sets `more`. When the anchor item is removed Reddit answers `before=` with nothing forever, so an
empty answer is checked once against the newest page (items newer than the anchor's time are taken).
Reddit has no idempotency key: before a reply whose answer was lost is sent again, the outbox asks `find_sent`,
which looks through our account's newest comments for one under the same parent with the same text.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from scrm_desktop.listening.api import (
    AuthError,
    ConfigError,
    ConfigField,
    FetchContext,
    FetchResult,
    MalformedResponse,
    Plugin,
    PluginError,
    PostIn,
    PublishResult,
    RateLimited,
    Reply,
    check_response,
    parse_json,
    parse_retry_after,
    same_text,
    send,
)

CHANNEL = "reddit"
SITE = "https://www.reddit.com"  # where permalinks point; the API hosts are configurable
MAX_PAGE = 100
GONE = frozenset({"[deleted]", "[removed]"})
_SUBREDDIT = re.compile(r"^[A-Za-z0-9_]{2,21}$")
_THING = re.compile(r"^t[13]_[a-z0-9]+$")
_log = logging.getLogger(__name__)


class RedditPlugin(Plugin):
    name = "reddit"
    title = "Reddit"
    version = "1.0"
    config_fields = (
        ConfigField("subreddits", "Subreddits", "list", default=(), help="Names without r/, e.g. python, django"),
        ConfigField("include_comments", "Also new comments", "bool", default=True),
        ConfigField("keywords", "Search keywords", "list", default=(), help="Site-wide search, newest first"),
        ConfigField("mentions", "Mentions of our account", "bool", default=False, help="Needs a refresh token"),
        ConfigField("page_size", "Items per request", "int", default=MAX_PAGE, help="1 to 100"),
        ConfigField("base_url", "API address", "url", default="https://oauth.reddit.com"),
        ConfigField("auth_url", "Login address", "url", default="https://www.reddit.com"),
    )
    secret_fields = ("client_id", "client_secret", "refresh_token")
    default_interval = 600
    can_publish = True
    can_check_sent = True

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, ...], tuple[str, datetime]] = {}

    def fetch(self, ctx: FetchContext, cursor: Mapping[str, Any]) -> FetchResult:
        api = _Api(ctx, self._tokens)
        feeds = _feeds(ctx.config)
        if not feeds:
            raise ConfigError("Reddit: set subreddits, search keywords or mentions to listen to")
        if any(key == "mentions" for key, _, _ in feeds):
            api.require_user("read mentions")
        limit = max(1, min(MAX_PAGE, int(ctx.config.get("page_size") or MAX_PAGE)))
        posts: dict[str, PostIn] = {}
        new_cursor: dict[str, Any] = {}
        more = False
        for key, path, params in feeds:
            anchor = _Anchor.load(cursor.get(key))
            page = _read_feed(api, path, {**params, "limit": str(limit)}, anchor, key)
            for thing in page.things:
                post = parse_thing(thing, feed=key)
                if post is not None:
                    posts.setdefault(post.external_id, post)
            if page.anchor:
                new_cursor[key] = page.anchor.dump()
            more = more or (anchor is not None and page.full)
        return FetchResult(list(posts.values()), new_cursor, more)

    def publish(self, ctx: FetchContext, reply: Reply) -> PublishResult:
        if not _THING.match(reply.in_reply_to):
            raise PluginError(f"Reddit can only reply to a post or comment (t3_/t1_ id), not {reply.in_reply_to!r}")
        api = _Api(ctx, self._tokens)
        api.require_user("post replies")
        form = {"api_type": "json", "thing_id": reply.in_reply_to, "text": reply.text}
        data = api.call("POST", "/api/comment", "reply", data=form)
        return _published(data, reply.in_reply_to)

    def find_sent(self, ctx: FetchContext, reply: Reply) -> PublishResult | None:
        """Our comment under the same parent with the same text among our newest 100 comments, or None."""
        api = _Api(ctx, self._tokens)
        api.require_user("look for a reply we sent")
        me = api.call("GET", "/api/v1/me", "our account")
        name = me.get("name") if isinstance(me, dict) else None
        if not isinstance(name, str) or not name:
            raise MalformedResponse("Reddit did not say which account the refresh token belongs to")
        params = {"limit": "100", "sort": "new"}
        listing = api.call("GET", f"/user/{quote(name)}/comments", "our comments", params=params)
        data = listing.get("data") if isinstance(listing, dict) else None
        children = data.get("children") if isinstance(data, dict) else None
        for child in children if isinstance(children, list) else []:
            thing = child.get("data") if isinstance(child, dict) else None
            if not isinstance(thing, dict) or thing.get("parent_id") != reply.in_reply_to:
                continue
            if same_text(reply.text, _str(thing.get("body"))):
                post = parse_thing(child)
                if post is not None:
                    return PublishResult(external_id=post.external_id, url=post.url)
        return None


@dataclass(frozen=True)
class _Anchor:
    """A feed's cursor: the newest fullname seen and its creation time (for the removed-anchor check)."""

    before: str
    created: float

    @classmethod
    def load(cls, raw: Any) -> _Anchor | None:
        if isinstance(raw, Mapping) and isinstance(raw.get("before"), str) and raw["before"]:
            created = raw.get("created")
            return cls(raw["before"], float(created) if isinstance(created, int | float) else 0.0)
        return None

    def dump(self) -> dict[str, Any]:
        return {"before": self.before, "created": self.created}


@dataclass(frozen=True)
class _Page:
    things: list[dict[str, Any]]
    anchor: _Anchor | None
    full: bool


def _feeds(config: Mapping[str, Any]) -> list[tuple[str, str, dict[str, str]]]:
    """(cursor key, API path, query) for every configured feed. Subreddits share one multireddit request."""
    subs = [_subreddit(s) for s in config.get("subreddits") or ()]
    feeds: list[tuple[str, str, dict[str, str]]] = []
    if subs:
        multi = "+".join(subs)
        feeds.append((f"new:{multi}", f"/r/{multi}/new", {}))
        if config.get("include_comments", True):
            feeds.append((f"comments:{multi}", f"/r/{multi}/comments", {}))
    for keyword in config.get("keywords") or ():
        feeds.append((f"search:{keyword}", "/search", {"q": keyword, "sort": "new", "type": "link"}))
    if config.get("mentions"):
        feeds.append(("mentions", "/message/mentions", {}))
    return feeds


def _subreddit(raw: str) -> str:
    name = raw.strip().removeprefix("/").removeprefix("r/")
    if not _SUBREDDIT.match(name):
        raise ConfigError(f"Subreddits: {raw!r} is not a subreddit name (letters, digits and _, 2 to 21)")
    return name


def _read_feed(api: _Api, path: str, params: dict[str, str], anchor: _Anchor | None, key: str) -> _Page:
    limit = int(params["limit"])
    things, _ = _listing(api.call("GET", path, key, params={**params, **_before(anchor)}), key)
    if anchor is None or things:
        return _Page(things, _newest(things) or anchor, anchor is not None and len(things) >= limit)
    # Nothing above the anchor: either nothing is new, or the anchor was removed and Reddit cannot place it.
    newest, _ = _listing(api.call("GET", path, key, params=params), key)
    fresh = [t for t in newest if _created(t) > anchor.created]
    if len(fresh) >= limit:
        _log.warning("reddit %s: the cursor's item was removed; items beyond one page may be missed", key)
    return _Page(fresh, _newest(fresh) or anchor, False)


def _before(anchor: _Anchor | None) -> dict[str, str]:
    return {"before": anchor.before} if anchor else {}


def _newest(things: list[dict[str, Any]]) -> _Anchor | None:
    """The anchor for the next request: the first item of the listing (Reddit lists newest first)."""
    for thing in things:
        name = _fullname(thing)
        if name:
            return _Anchor(name, max(_created(t) for t in things))
    return None


def _listing(body: Any, what: str) -> tuple[list[dict[str, Any]], str | None]:
    """The children (kind + data) of a Listing, and its `after` marker."""
    data = body.get("data") if isinstance(body, dict) and body.get("kind") == "Listing" else None
    if not isinstance(data, dict) or not isinstance(data.get("children"), list):
        raise MalformedResponse(f"Reddit {what}: expected a Listing, got {_shape(body)}")
    things = [c for c in data["children"] if isinstance(c, dict) and isinstance(c.get("data"), dict)]
    return things, data.get("after") if isinstance(data.get("after"), str) else None


def parse_listing(body: Any) -> list[PostIn]:
    """Posts from a Listing, or from the [post, comments] pair a comment page returns, replies included."""
    listings = body if isinstance(body, list) else [body]
    posts: list[PostIn] = []
    for listing in listings:
        for thing in _listing(listing, "listing")[0]:
            post = parse_thing(thing)
            posts += [post] if post else []
            replies = thing["data"].get("replies")
            posts += parse_listing(replies) if isinstance(replies, dict) else []
    return posts


def parse_thing(thing: Mapping[str, Any], feed: str = "") -> PostIn | None:
    """A post from a link (t3) or comment (t1); None for other kinds and for removed or deleted comments."""
    kind, data = thing.get("kind"), thing.get("data")
    if kind not in ("t1", "t3") or not isinstance(data, Mapping) or not _fullname(thing):
        return None
    if kind == "t1" and _str(data.get("body")).strip() in GONE:
        return None  # nothing left to listen to; the cursor still moves past it
    created = _created(thing)
    if created <= 0:
        _log.warning("skipping reddit %s without a creation time", _fullname(thing))
        return None
    fields = _comment_fields(data) if kind == "t1" else _link_fields(data, _fullname(thing))
    return PostIn(
        channel=CHANNEL,
        external_id=_fullname(thing),
        created_at=datetime.fromtimestamp(created, UTC),
        author_handle=_author(data),
        author_name=_author(data),
        likes=_int(data.get("score")),
        extra=_extra(data, feed),
        **fields,
    )


def _link_fields(data: Mapping[str, Any], name: str) -> dict[str, Any]:
    body = _str(data.get("selftext")).strip()
    rich = _str(data.get("selftext_html")) if body and body not in GONE else ""
    title = _str(data.get("title"))
    return {
        "text": rich or html.escape(title),
        "text_format": "html",
        "title": title,
        "url": _permalink(data),
        "thread_id": name,
        "replies": _int(data.get("num_comments")),
        "reposts": _int(data.get("num_crossposts")),
    }


def _comment_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    rich = _str(data.get("body_html"))
    return {
        "text": rich or html.escape(_str(data.get("body"))),
        "text_format": "html",
        "title": _str(data.get("link_title")),
        "url": _permalink(data),
        "reply_to": _str(data.get("parent_id")),
        "thread_id": _str(data.get("link_id")) or _link_from_context(_str(data.get("context"))),
    }


def _permalink(data: Mapping[str, Any]) -> str:
    path = _str(data.get("permalink")) or _str(data.get("context"))
    if not path and data.get("link_id") and data.get("id"):  # comments in 2016 listings had no permalink
        path = f"/r/{_str(data.get('subreddit'))}/comments/{_str(data['link_id'])[3:]}/_/{_str(data['id'])}/"
    return SITE + path if path.startswith("/") else path


def _link_from_context(context: str) -> str:
    # Inbox items carry "/r/<sub>/comments/<post id>/<slug>/<comment id>/?context=3" instead of link_id.
    match = re.search(r"/comments/([a-z0-9]+)/", context)
    return f"t3_{match.group(1)}" if match else ""


def _author(data: Mapping[str, Any]) -> str:
    author = _str(data.get("author"))
    return "" if author in GONE else author


def _extra(data: Mapping[str, Any], feed: str) -> dict[str, Any]:
    extra: dict[str, Any] = {"subreddit": _str(data.get("subreddit"))}
    if feed:
        extra["feed"] = feed
    if _str(data.get("author")) in GONE:
        extra["author_deleted"] = True
    if data.get("selftext") in GONE:
        extra["removed"] = True
    if data.get("is_self") is False and _str(data.get("url")):
        extra["link"] = _str(data.get("url"))
    if _str(data.get("type")):  # inbox items: username_mention, comment_reply, ...
        extra["inbox_type"] = _str(data.get("type"))
    edited = _float(data.get("edited"))  # false, or when the author last edited it (epoch seconds)
    if edited and edited > 0:
        extra["edited_at"] = datetime.fromtimestamp(edited, UTC).isoformat()
    return extra


def _published(data: Any, parent: str) -> PublishResult:
    body = data.get("json") if isinstance(data, dict) else None
    if not isinstance(body, dict):
        raise MalformedResponse(f"Reddit reply to {parent}: unexpected answer {_shape(data)}")
    errors = [e for e in body.get("errors") or [] if isinstance(e, list) and e]
    if errors:
        raise _refusal(errors[0], parent)
    things = (body.get("data") or {}).get("things") if isinstance(body.get("data"), dict) else None
    thing = things[0] if isinstance(things, list) and things and isinstance(things[0], dict) else {}
    post = parse_thing(thing) if thing else None
    if post is None:
        raise MalformedResponse(f"Reddit accepted the reply to {parent} but did not return it")
    return PublishResult(external_id=post.external_id, url=post.url)


def _refusal(error: list[Any], parent: str) -> PluginError:
    code, message = _str(error[0]), _str(error[1]) if len(error) > 1 else ""
    if code == "RATELIMIT":
        match = re.search(r"(\d+) (second|minute)", message)
        wait = int(match.group(1)) * (60 if match.group(2) == "minute" else 1) if match else None
        return RateLimited(f"Reddit: {message or 'posting too often'}", retry_after=wait)
    return PluginError(f"Reddit refused the reply to {parent}: {code}: {message}")


class _Api:
    """OAuth2 bearer requests to Reddit; HTTP trouble and the rate-limit headers become typed errors."""

    def __init__(self, ctx: FetchContext, tokens: dict[tuple[str, ...], tuple[str, datetime]]) -> None:
        self.ctx = ctx
        self.base = str(ctx.config.get("base_url") or "https://oauth.reddit.com").rstrip("/")
        self.auth_url = str(ctx.config.get("auth_url") or "https://www.reddit.com").rstrip("/")
        self.client_id = (ctx.secret("client_id") or "").strip()
        self.client_secret = (ctx.secret("client_secret") or "").strip()
        self.refresh_token = (ctx.secret("refresh_token") or "").strip()
        self.tokens = tokens

    def require_user(self, purpose: str) -> None:
        if not self.refresh_token:
            raise AuthError(
                f"Reddit needs a refresh token to {purpose}: authorize the app for your account "
                f"(scopes read privatemessages submit) and set it with: {self._hint('refresh_token')}"
            )

    def call(self, method: str, path: str, what: str, **kwargs: Any) -> Any:
        resp = self._send(method, path, what, self._token(), **kwargs)
        if resp.status_code == 401:  # the token expired early or was revoked: one fresh try
            self.tokens.pop(self._token_key(), None)
            resp = self._send(method, path, what, self._token(), **kwargs)
        return parse_json(self._checked(resp, what), f"Reddit {what}")

    def _send(self, method: str, path: str, what: str, token: str, **kwargs: Any) -> httpx.Response:
        params = {"raw_json": "1", **kwargs.pop("params", {})}
        headers = {"Authorization": f"bearer {token}"}
        return self._http(method, self.base + path, what, params=params, headers=headers, **kwargs)

    def _http(self, method: str, url: str, what: str, **kwargs: Any) -> httpx.Response:
        return send(self.ctx.http, method, url, what=f"Reddit {what}", where=url, **kwargs)

    def _checked(self, resp: httpx.Response, what: str) -> httpx.Response:
        status = resp.status_code
        if status == 401:
            raise AuthError(f"Reddit refused our access for {what} (HTTP 401); check {self._hint('client_id')}")
        if status == 403:
            raise AuthError(
                f"Reddit refused {what} (HTTP 403): the subreddit may be private or banned, or the app lacks "
                f"the scope for it; fix the source's settings or {self._hint('refresh_token')}"
            )
        reset = _float(resp.headers.get("x-ratelimit-reset"))
        if status == 429:
            wait = parse_retry_after(resp.headers.get("retry-after")) or reset
            raise RateLimited(f"Reddit {what}: rate limited (HTTP 429)", retry_after=wait)
        check_response(resp, f"Reddit {what}")
        remaining = _float(resp.headers.get("x-ratelimit-remaining"))
        if remaining is not None and remaining < 1:
            raise RateLimited(f"Reddit {what}: request allowance used up until the window resets", reset)
        return resp

    def _token_key(self) -> tuple[str, ...]:
        return (self.auth_url, self.client_id, self.client_secret, self.refresh_token)

    def _token(self) -> str:
        cached = self.tokens.get(self._token_key())
        if cached and cached[1] > self.ctx.now():
            return cached[0]
        token, lifetime = self._new_token()
        expires = datetime.fromtimestamp(self.ctx.now().timestamp() + max(0.0, lifetime - 60), UTC)
        self.tokens[self._token_key()] = (token, expires)
        return token

    def _new_token(self) -> tuple[str, float]:
        if not self.client_id:
            raise AuthError(
                "Reddit needs an app: create one at https://www.reddit.com/prefs/apps and set its id with: "
                f"{self._hint('client_id')} (and client_secret unless it is an installed app)"
            )
        resp = self._http(
            "POST",
            f"{self.auth_url}/api/v1/access_token",
            "login",
            data=self._grant(),
            auth=(self.client_id, self.client_secret),
        )
        if resp.status_code == 401:
            raise AuthError(f"Reddit refused the app's id or secret (HTTP 401); check {self._hint('client_id')}")
        if resp.status_code not in (200, 400):  # Reddit reports a bad grant as 200 or 400 with an error field
            check_response(resp, "Reddit login")
        body = parse_json(resp, "Reddit login")
        if not isinstance(body, dict) or not isinstance(body.get("access_token"), str):
            error = body.get("error") if isinstance(body, dict) else _shape(body)
            raise AuthError(f"Reddit refused the login ({error}); {self._hint('refresh_token')} again")
        return body["access_token"], _float(body.get("expires_in")) or 3600.0

    def _grant(self) -> dict[str, str]:
        if self.refresh_token:
            return {"grant_type": "refresh_token", "refresh_token": self.refresh_token}
        if self.client_secret:
            return {"grant_type": "client_credentials"}
        # Installed apps have no secret; Reddit's app-only grant for them wants an anonymous device id.
        return {
            "grant_type": "https://oauth.reddit.com/grants/installed_client",
            "device_id": "DO_NOT_TRACK_THIS_DEVICE",
        }

    def _hint(self, field: str) -> str:
        return f"scrm-desktop sources set-secret {self.ctx.source_name} {field}"


def _fullname(thing: Mapping[str, Any]) -> str:
    data = thing.get("data") if isinstance(thing.get("data"), Mapping) else {}
    name = _str(data.get("name"))
    if not name and _str(data.get("id")) and isinstance(thing.get("kind"), str):
        name = f"{thing['kind']}_{_str(data['id'])}"
    return name


def _created(thing: Mapping[str, Any]) -> float:
    data = thing.get("data") if isinstance(thing.get("data"), Mapping) else {}
    return _float(data.get("created_utc")) or 0.0


def _shape(body: Any) -> str:
    if isinstance(body, dict):
        return "an object with " + (", ".join(sorted(map(str, body))[:6]) or "no fields")
    return type(body).__name__


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _float(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None

"""Bluesky listening plugin: post search with an app-password session, facets, reply refs, and replies."""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

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
    Watermark,
    check_response,
    format_time,
    parse_json,
    parse_retry_after,
    parse_time,
    same_text,
    send,
)

CHANNEL = "bluesky"
POST_TYPE = "app.bsky.feed.post"
EXPIRED = {"ExpiredToken", "InvalidToken"}
MAX_LIST = 20
CURSOR_TIMESPEC: Final = "microseconds"  # stored cursors have it: keep it
_URL_RE = re.compile(r"https?://[^\s<>\"']+")


@dataclass(frozen=True)
class Session:
    did: str
    handle: str
    access: str
    refresh: str


class SessionStore:
    """Signed-in sessions shared by every plugin instance in the process, by (server, handle, password).

    The app makes a new plugin object for each run, and Bluesky allows an account only a few sign-ins a
    day, so a session outlives the object; a new app password starts a new session."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[tuple[str, str, str], Session] = {}

    def get(self, key: tuple[str, str, str]) -> Session | None:
        with self._lock:
            return self._items.get(key)

    def put(self, key: tuple[str, str, str], session: Session) -> None:
        with self._lock:
            self._items[key] = session

    def drop(self, key: tuple[str, str, str]) -> None:
        with self._lock:
            self._items.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


SESSIONS = SessionStore()


# ---------------------------------------------------------------------------------------------- parsing


def iso(when: datetime) -> str:
    """Times in our cursor and in `since`: UTC to the microsecond."""
    return format_time(when, CURSOR_TIMESPEC)


def sort_at(view: Mapping[str, Any]) -> datetime | None:
    """The time search sorts by: the earlier of createdAt and indexedAt (a post cannot claim the future)."""
    record = view.get("record") if isinstance(view.get("record"), Mapping) else {}
    times = [t for t in (parse_time(record.get("createdAt")), parse_time(view.get("indexedAt"))) if t]
    return min(times) if times else None


def post_url(handle_or_did: str, uri: str) -> str:
    """https://bsky.app/profile/<handle>/post/<rkey> for an at://<did>/app.bsky.feed.post/<rkey> URI."""
    parts = uri.removeprefix("at://").split("/")
    if len(parts) != 3 or parts[1] != POST_TYPE or not parts[2]:
        return ""
    who = handle_or_did if handle_or_did and handle_or_did != "handle.invalid" else parts[0]
    return f"https://bsky.app/profile/{who}/post/{parts[2]}"


def _facets(record: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Links, mentions and tags from the record's rich-text facets (byte ranges over UTF-8 text)."""
    raw = str(record.get("text") or "").encode("utf-8")
    found: dict[str, list[Any]] = {"links": [], "mentions": [], "tags": []}
    facets = record.get("facets")
    for facet in facets if isinstance(facets, list) else []:
        if not isinstance(facet, Mapping) or not isinstance(facet.get("features"), list):
            continue
        for feature in facet["features"]:
            _add_feature(found, feature, _facet_text(raw, facet.get("index")))
    return {k: v[:MAX_LIST] for k, v in found.items()}


def _facet_text(raw: bytes, index: Any) -> str:
    if not isinstance(index, Mapping):
        return ""
    start, end = index.get("byteStart"), index.get("byteEnd")
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(raw)):
        return ""
    return raw[start:end].decode("utf-8", "replace")


def _add_feature(found: dict[str, list[Any]], feature: Any, span: str) -> None:
    if not isinstance(feature, Mapping):
        return
    kind = str(feature.get("$type", ""))
    if kind.endswith("#link") and isinstance(feature.get("uri"), str):
        found["links"].append(feature["uri"])
    elif kind.endswith("#mention") and isinstance(feature.get("did"), str):
        found["mentions"].append({"did": feature["did"], "handle": span.lstrip("@")})
    elif kind.endswith("#tag") and isinstance(feature.get("tag"), str):
        found["tags"].append(feature["tag"])


def _embed(record: Mapping[str, Any]) -> tuple[str, list[str], str]:
    """(text describing the embed, its links, the quoted post URI) for external, image and quote embeds."""
    embed = record.get("embed") if isinstance(record.get("embed"), Mapping) else {}
    media = embed.get("media") if isinstance(embed.get("media"), Mapping) else embed
    external = media.get("external") if isinstance(media.get("external"), Mapping) else {}
    images = media.get("images") if isinstance(media.get("images"), list) else []
    alts = [str(i.get("alt")) for i in images if isinstance(i, Mapping) and i.get("alt")]
    described = " ".join(filter(None, [str(external.get("title") or ""), *alts])).strip()
    links = [external["uri"]] if isinstance(external.get("uri"), str) else []
    quoted = embed.get("record") if isinstance(embed.get("record"), Mapping) else {}
    quoted = quoted.get("record") if isinstance(quoted.get("record"), Mapping) else quoted
    return described, links, str(quoted.get("uri") or "")


def _ref_uri(ref: Any) -> str:
    return str(ref.get("uri") or "") if isinstance(ref, Mapping) else ""


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def post_from_view(view: Any) -> PostIn | None:
    """A PostIn from an app.bsky.feed.defs#postView; None for anything that is not a readable post."""
    if not isinstance(view, Mapping) or not isinstance(view.get("record"), Mapping):
        return None
    record, uri = view["record"], view.get("uri")
    if record.get("$type", POST_TYPE) != POST_TYPE or not isinstance(uri, str) or not uri.startswith("at://"):
        return None
    created = parse_time(record.get("createdAt")) or parse_time(view.get("indexedAt"))
    if created is None:
        return None
    author = view.get("author") if isinstance(view.get("author"), Mapping) else {}
    handle = str(author.get("handle") or "")
    found = _facets(record)
    described, embed_links, quoted = _embed(record)
    links = list(dict.fromkeys(found["links"] + embed_links))[:MAX_LIST]
    reply = record.get("reply") if isinstance(record.get("reply"), Mapping) else {}
    langs = record.get("langs") if isinstance(record.get("langs"), list) else []
    extra = {
        "did": str(author.get("did") or ""),
        "cid": str(view.get("cid") or ""),
        "links": links,
        "mentions": found["mentions"],
        "tags": found["tags"],
        "quotes": _count(view.get("quoteCount")),
    }
    if quoted:
        extra["quote_of"] = quoted
    return PostIn(
        channel=CHANNEL,
        external_id=uri,
        text=str(record.get("text") or "") or described,
        created_at=created,
        author_handle=handle,
        author_name=str(author.get("displayName") or ""),
        url=post_url(handle, uri) or (links[0] if links else ""),
        lang=str(langs[0]) if langs and isinstance(langs[0], str) else "",
        reply_to=_ref_uri(reply.get("parent")),
        thread_id=_ref_uri(reply.get("root")),
        likes=_count(view.get("likeCount")),
        reposts=_count(view.get("repostCount")),
        replies=_count(view.get("replyCount")),
        extra=extra,
    )


def link_facets(text: str) -> list[dict[str, Any]]:
    """Link facets for the URLs in a reply we write, so they are clickable in Bluesky apps."""
    facets = []
    for match in _URL_RE.finditer(text):
        url = match.group(0).rstrip(".,;:!?)]}")
        start = len(text[: match.start()].encode("utf-8"))
        facets.append(
            {
                "index": {"byteStart": start, "byteEnd": start + len(url.encode("utf-8"))},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": url}],
            }
        )
    return facets


# ---------------------------------------------------------------------------------------------- XRPC


def _xrpc_error(resp: httpx.Response) -> tuple[str, str]:
    """The ("error", "message") pair of an XRPC error body; empty strings when the body is not one."""
    try:
        body = resp.json()
    except ValueError:
        return "", ""
    if not isinstance(body, Mapping):
        return "", ""
    return str(body.get("error") or ""), str(body.get("message") or "")


def _is_expired(resp: httpx.Response) -> bool:
    return resp.status_code == 401 or (resp.status_code == 400 and _xrpc_error(resp)[0] in EXPIRED)


def _set_secret_hint(ctx: FetchContext) -> str:
    return f"set a new one with: scrm-desktop sources set-secret {ctx.source_name} app_password"


class Xrpc:
    """Calls to one PDS for one account: creates the session, refreshes it once when the token expires."""

    def __init__(self, ctx: FetchContext, sessions: SessionStore) -> None:
        self.ctx = ctx
        self.base = str(ctx.config.get("base_url") or "https://bsky.social").rstrip("/")
        self.handle = str(ctx.config.get("handle") or "").lstrip("@")
        self._sessions = sessions
        password = ctx.secret("app_password") or ""
        self._key = (self.base, self.handle, hashlib.sha256(password.encode()).hexdigest()[:16])

    def send(self, method: str, nsid: str, token: str = "", **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        url = f"{self.base}/xrpc/{nsid}"
        return send(self.ctx.http, method, url, what=nsid, where=f"Bluesky at {self.base}", headers=headers, **kw)

    def call(self, method: str, nsid: str, **kw: Any) -> Any:
        """One authenticated call: the decoded JSON body, or a typed error saying what went wrong."""
        session = self.session()
        resp = self.send(method, nsid, session.access, **kw)
        if _is_expired(resp):
            session = self.refresh(session)
            resp = self.send(method, nsid, session.access, **kw)
            if _is_expired(resp):
                self.forget()
                error, message = _xrpc_error(resp)
                raise AuthError(
                    f"Bluesky refused the session of {self.handle} for {nsid} even after signing in "
                    f"again ({error or resp.status_code}: {message}); {_set_secret_hint(self.ctx)}"
                )
        return parse_json(self.checked(resp, nsid), nsid)

    def checked(self, resp: httpx.Response, nsid: str) -> httpx.Response:
        if resp.status_code == 429:
            raise RateLimited(f"{nsid}: Bluesky rate limit reached (HTTP 429)", retry_after=self._retry_after(resp))
        if resp.status_code in (401, 403):
            error, message = _xrpc_error(resp)
            raise AuthError(
                f"{nsid}: Bluesky refused the account {self.handle} (HTTP {resp.status_code} "
                f"{error}: {message}); check the account, or {_set_secret_hint(self.ctx)}"
            )
        if 400 <= resp.status_code < 500:
            error, message = _xrpc_error(resp)
            raise XrpcRefused(
                f"{nsid}: Bluesky refused the request (HTTP {resp.status_code} {error}: {message})", error
            )
        return check_response(resp, nsid)

    def _retry_after(self, resp: httpx.Response) -> float | None:
        wait = parse_retry_after(resp.headers.get("retry-after"))
        reset = resp.headers.get("ratelimit-reset", "")
        if wait is None and reset.isdigit():  # Bluesky sends the epoch second the window resets
            wait = max(0.0, int(reset) - self.ctx.now().timestamp())
        return wait

    def session(self) -> Session:
        return self._sessions.get(self._key) or self.create_session()

    def forget(self) -> None:
        self._sessions.drop(self._key)

    def _keep(self, body: Any, what: str) -> Session:
        if not isinstance(body, Mapping) or not all(
            isinstance(body.get(k), str) for k in ("did", "accessJwt", "refreshJwt")
        ):
            raise MalformedResponse(f"{what}: Bluesky answered without a session (did, accessJwt, refreshJwt)")
        session = Session(body["did"], str(body.get("handle") or self.handle), body["accessJwt"], body["refreshJwt"])
        self._sessions.put(self._key, session)
        return session

    def create_session(self) -> Session:
        nsid = "com.atproto.server.createSession"
        password = self.ctx.secret("app_password")
        if not self.handle:
            raise ConfigError("Bluesky needs the handle of the account that signs in (e.g. brand.bsky.social)")
        if not password:
            raise AuthError(
                f"no Bluesky app password is stored for {self.handle}; create one in Bluesky under "
                f"Settings > Privacy and security > App passwords and {_set_secret_hint(self.ctx)}"
            )
        resp = self.send("POST", nsid, json={"identifier": self.handle, "password": password})
        error, message = _xrpc_error(resp)
        if resp.status_code == 401 or error.startswith("AuthFactor") or error == "AuthenticationRequired":
            raise AuthError(
                f"Bluesky refused to sign in {self.handle} with the stored app password "
                f"({message or error or 'HTTP 401'}); {_set_secret_hint(self.ctx)}"
            )
        return self._keep(parse_json(self.checked(resp, nsid), nsid), nsid)

    def refresh(self, stale: Session) -> Session:
        """A new access token from the refresh token; when that is refused too, sign in again."""
        nsid = "com.atproto.server.refreshSession"
        resp = self.send("POST", nsid, stale.refresh)
        if _is_expired(resp) or resp.status_code == 400:
            self.forget()
            return self.create_session()
        return self._keep(parse_json(self.checked(resp, nsid), nsid), nsid)


class XrpcRefused(MalformedResponse):
    """A 4xx XRPC error that is neither auth nor rate limit (as check_response maps other 4xx); `error` is the
    XRPC error name."""

    def __init__(self, message: str, error: str = "") -> None:
        super().__init__(message)
        self.error = error


# ---------------------------------------------------------------------------------------------- cursor


def _prior(cursor: Any, query: str) -> Mapping[str, Any]:
    """The stored cursor when it belongs to this search; a changed query starts afresh."""
    return cursor if isinstance(cursor, Mapping) and cursor.get("query") == query else {}


def advance(cursor: Mapping[str, Any], query: str, floor: datetime, views: list[Any], next_cursor: Any) -> FetchResult:
    """Posts of one search page not seen before, and the cursor after it.

    The watermark is the newest sort time fully scanned and the posts at exactly that time (search `since` is
    inclusive). A scan pages from the newest post down to the last watermark; only when it reaches it (or the results
    end) does the watermark move up to the newest post the scan returned, so a restart mid-scan resumes from
    the stored page cursor without skipping and without refetching."""
    prior = _prior(cursor, query)
    done_mark = Watermark.load(prior)
    scan = prior.get("scan") if isinstance(prior.get("scan"), Mapping) else {}
    stop = done_mark if done_mark.at else Watermark(parse_time(scan.get("floor")) or floor)
    newest = Watermark.load(scan, "newest", "newest_ids")
    posts: dict[str, PostIn] = {}
    reached = False
    for view in views:
        post, at = post_from_view(view), sort_at(view) if isinstance(view, Mapping) else None
        if post is None or at is None or post.external_id in posts:
            continue
        if stop.covers(at, post.external_id):
            reached = True
            continue
        posts[post.external_id] = post
        newest = newest.raised(at, post.external_id)
    more = bool(views) and not reached and isinstance(next_cursor, str) and next_cursor != scan.get("cursor")
    done = newest if not more and newest.at else done_mark
    out: dict[str, Any] = {"query": query, **done.dump(timespec=CURSOR_TIMESPEC)}
    if more:
        out["scan"] = {
            "cursor": next_cursor,
            "floor": iso(stop.at) if stop.at else None,
            **newest.dump("newest", "newest_ids", CURSOR_TIMESPEC),
        }
    return FetchResult(list(posts.values()), out, more=more)


# ---------------------------------------------------------------------------------------------- plugin


class BlueskyPlugin(Plugin):
    """Search Bluesky for posts (newest first) and reply to them from the brand's account."""

    name = "bluesky"
    title = "Bluesky"
    version = "1.0"
    config_fields = (
        ConfigField(
            "base_url",
            "Server URL",
            "url",
            default="https://bsky.social",
            help="the account's PDS (bsky.social for most accounts)",
        ),
        ConfigField(
            "handle",
            "Account handle",
            "str",
            required=True,
            help="the account that searches and replies, e.g. brand.bsky.social",
        ),
        ConfigField(
            "query",
            "Search",
            "str",
            required=True,
            help='words to look for, Lucene syntax, e.g. acme OR "acme corp"',
        ),
        ConfigField("lang", "Language", "str", default="", help="only posts in this language (e.g. en)"),
        ConfigField("page_size", "Posts per request", "int", default=50, help="1 to 100"),
        ConfigField(
            "backfill_days",
            "Days to look back at first",
            "int",
            default=2,
            help="how far back the first fetch goes",
        ),
    )
    secret_fields = ("app_password",)
    default_interval = 300
    can_publish = True
    can_check_sent = True

    def __init__(self, sessions: SessionStore = SESSIONS) -> None:
        self._sessions = sessions

    def _api(self, ctx: FetchContext) -> Xrpc:
        return Xrpc(ctx, self._sessions)

    def fetch(self, ctx: FetchContext, cursor: Mapping[str, Any]) -> FetchResult:
        query = str(ctx.config.get("query") or "").strip()
        if not query:
            raise ConfigError("Bluesky needs something to search for (the Search setting is empty)")
        floor = ctx.now() - timedelta(days=max(0, int(ctx.config.get("backfill_days") or 0)))
        try:
            body = self._api(ctx).call(
                "GET", "app.bsky.feed.searchPosts", params=self._params(ctx, cursor, query, floor)
            )
        except XrpcRefused as exc:
            if exc.error == "BadQueryString":
                raise ConfigError(f"Bluesky cannot search for {query!r}: {exc}") from None
            raise
        if not isinstance(body, Mapping) or not isinstance(body.get("posts"), list):
            raise MalformedResponse("app.bsky.feed.searchPosts: the answer has no list of posts")
        return advance(cursor, query, floor, body["posts"], body.get("cursor"))

    @staticmethod
    def _params(ctx: FetchContext, cursor: Mapping[str, Any], query: str, floor: datetime) -> dict[str, Any]:
        prior = _prior(cursor, query)
        mark = Watermark.load(prior)
        scan = prior.get("scan") if isinstance(prior.get("scan"), Mapping) else {}
        since = mark.at or parse_time(scan.get("floor")) or floor
        params: dict[str, Any] = {
            "q": query,
            "sort": "latest",
            "since": iso(since),
            "limit": min(100, max(1, int(ctx.config.get("page_size") or 50))),
        }
        if ctx.config.get("lang"):
            params["lang"] = str(ctx.config["lang"])
        if isinstance(scan.get("cursor"), str):
            params["cursor"] = scan["cursor"]
        return params

    def publish(self, ctx: FetchContext, reply: Reply) -> PublishResult:
        """Reply to a post: parent = that post, root = its thread's root (or the post itself)."""
        api = self._api(ctx)
        parent = self._parent(api, reply.in_reply_to)
        parent_ref = {"uri": parent["uri"], "cid": parent["cid"]}
        record: dict[str, Any] = {
            "$type": POST_TYPE,
            "text": reply.text,
            "createdAt": _stamp(ctx.now()),
            "reply": {"root": _root_ref(parent) or parent_ref, "parent": parent_ref},
        }
        if facets := link_facets(reply.text):
            record["facets"] = facets
        session = api.session()
        try:
            out = api.call(
                "POST",
                "com.atproto.repo.createRecord",
                json={"repo": session.did, "collection": POST_TYPE, "record": record},
            )
        except XrpcRefused as exc:
            raise PluginError(f"Bluesky did not accept the reply: {exc}") from None
        if not isinstance(out, Mapping) or not isinstance(out.get("uri"), str):
            raise MalformedResponse("com.atproto.repo.createRecord: the answer has no uri for the new post")
        return PublishResult(external_id=out["uri"], url=post_url(api.session().handle, out["uri"]))

    def find_sent(self, ctx: FetchContext, reply: Reply) -> PublishResult | None:
        """Our post replying to the same parent with the same text among our newest 100 posts, or None."""
        api = self._api(ctx)
        session = api.session()
        body = api.call(
            "GET",
            "app.bsky.feed.getAuthorFeed",
            params={"actor": session.did, "filter": "posts_with_replies", "limit": 100},
        )
        feed = body.get("feed") if isinstance(body, Mapping) else None
        for item in feed if isinstance(feed, list) else []:
            post = item.get("post") if isinstance(item, Mapping) else None
            record = post.get("record") if isinstance(post, Mapping) else None
            if not isinstance(record, Mapping) or not isinstance(post.get("uri"), str):
                continue
            author = post.get("author") if isinstance(post.get("author"), Mapping) else {}
            if author.get("did") != session.did:  # a repost of someone else's post shows in our feed too
                continue
            reply_ref = record.get("reply") if isinstance(record.get("reply"), Mapping) else {}
            parent = reply_ref.get("parent") if isinstance(reply_ref.get("parent"), Mapping) else {}
            if parent.get("uri") == reply.in_reply_to and same_text(reply.text, str(record.get("text") or "")):
                return PublishResult(external_id=post["uri"], url=post_url(session.handle, post["uri"]))
        return None

    @staticmethod
    def _parent(api: Xrpc, uri: str) -> Mapping[str, Any]:
        if not uri.startswith("at://"):
            raise PluginError(f"cannot reply on Bluesky to {uri!r}: it is not an at:// post URI")
        body = api.call("GET", "app.bsky.feed.getPosts", params={"uris": uri})
        posts = body.get("posts") if isinstance(body, Mapping) else None
        found = next((p for p in posts or [] if isinstance(p, Mapping) and p.get("uri") == uri), None)
        if found is None or not isinstance(found.get("cid"), str):
            raise PluginError(f"the Bluesky post {uri} is gone (deleted or hidden); it cannot be answered")
        return found


def _root_ref(parent: Mapping[str, Any]) -> dict[str, str] | None:
    """The parent's own thread root as a strong ref (uri + cid), or None when the parent is a root."""
    record = parent.get("record") if isinstance(parent.get("record"), Mapping) else {}
    reply = record.get("reply") if isinstance(record.get("reply"), Mapping) else {}
    root = reply.get("root") if isinstance(reply.get("root"), Mapping) else {}
    if isinstance(root.get("uri"), str) and isinstance(root.get("cid"), str):
        return {"uri": root["uri"], "cid": root["cid"]}
    return None


def _stamp(when: datetime) -> str:
    """createdAt as Bluesky clients write it: UTC with milliseconds and a Z."""
    return format_time(when, "milliseconds")

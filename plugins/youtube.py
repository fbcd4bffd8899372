"""YouTube listening plugin: comment threads (and their replies) on chosen videos or a whole channel."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

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
    RateLimited,
    Watermark,
    check_response,
    parse_json,
    parse_retry_after,
    parse_time,
    send,
)

CHANNEL = "youtube"
QUOTA_REASONS = {"quotaExceeded", "dailyLimitExceeded"}
SLOWDOWN_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}
SKIP_REASONS = {"commentsDisabled", "videoNotFound", "channelNotFound"}
_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")


# ---------------------------------------------------------------------------------------------- parsing


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def comment_url(video_id: str, comment_id: str) -> str:
    return f"https://www.youtube.com/watch?v={video_id}&lc={comment_id}" if video_id else ""


def post_from_comment(comment: Any, video_id: str = "", thread_id: str = "") -> PostIn | None:
    """A PostIn from a youtube#comment resource; a reply points at its thread (the top-level comment)."""
    snippet = _map(_map(comment).get("snippet"))
    ident, created = _map(comment).get("id"), parse_time(snippet.get("publishedAt"))
    if not isinstance(ident, str) or not ident or created is None:
        return None
    video_id = str(snippet.get("videoId") or video_id)
    parent = str(snippet.get("parentId") or (thread_id if thread_id != ident else ""))
    original, display = snippet.get("textOriginal"), snippet.get("textDisplay")
    channel_id = str(_map(snippet.get("authorChannelId")).get("value") or "")
    channel_url = str(snippet.get("authorChannelUrl") or "")
    extra = {"video_id": video_id, "author_channel_url": channel_url}
    if channel_url.startswith(("https://", "http://")):
        extra["author_url"] = channel_url
    if snippet.get("updatedAt") and snippet.get("updatedAt") != snippet.get("publishedAt"):
        extra["edited_at"] = str(snippet["updatedAt"])
    return PostIn(
        channel=CHANNEL,
        external_id=ident,
        text=original if isinstance(original, str) else str(display or ""),
        text_format="text" if isinstance(original, str) else "html",
        created_at=created,
        author_handle=channel_id,
        author_name=str(snippet.get("authorDisplayName") or ""),
        url=comment_url(video_id, ident),
        reply_to=parent,
        thread_id=parent and (thread_id or parent),
        likes=_count(snippet.get("likeCount")),
        extra=extra,
    )


def posts_from_thread(thread: Any) -> list[PostIn]:
    """The top-level comment of a youtube#commentThread (with its reply count) and the replies it carries."""
    snippet = _map(_map(thread).get("snippet"))
    thread_id = str(_map(thread).get("id") or "")
    video_id = str(snippet.get("videoId") or "")
    top = post_from_comment(snippet.get("topLevelComment"), video_id, thread_id)
    if top is None:
        return []
    replies = _map(_map(thread).get("replies")).get("comments")
    found = [post_from_comment(c, video_id, top.external_id) for c in replies] if isinstance(replies, list) else []
    return [replace(top, replies=_count(snippet.get("totalReplyCount"))), *(p for p in found if p is not None)]


def video_id_of(text: str) -> str:
    """A video id from an id or any usual YouTube URL (watch?v=, youtu.be/, shorts/, live/)."""
    text = text.strip()
    if _VIDEO_ID.match(text):
        return text
    parts = urlsplit(text if "://" in text else f"https://{text}")
    candidates = parse_qs(parts.query).get("v", []) + [s for s in parts.path.split("/") if s][-1:]
    found = next((c for c in candidates if _VIDEO_ID.match(c)), "")
    if not found:
        raise ConfigError(f"{text!r} is not a YouTube video id or video URL")
    return found


# ---------------------------------------------------------------------------------------------- cursor


@dataclass
class Scan:
    """Where the walk through one target's comment threads (newest first) stands: the newest top-level comment
    seen so far, the mark of the last complete walk (where this one stops) and the oldest comment read so far."""

    target: str
    page_token: str = ""
    newest: Watermark = field(default_factory=Watermark)
    stop: Watermark = field(default_factory=Watermark)
    oldest: Watermark = field(default_factory=Watermark)

    @classmethod
    def start(cls, target: str, marks: Mapping[str, Any], floor: datetime) -> Scan:
        mark = Watermark.load(marks.get(target))
        return cls(target, stop=mark if mark.at else Watermark(floor))

    @classmethod
    def resume(cls, raw: Mapping[str, Any]) -> Scan:
        return cls(
            str(raw["target"]),
            str(raw.get("page_token") or ""),
            Watermark.load(raw, "newest", "newest_ids"),
            Watermark.load(raw, "stop", "stop_ids"),
            Watermark.load(raw, "oldest", "oldest_ids"),
        )

    def dump(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "page_token": self.page_token,
            **self.newest.dump("newest", "newest_ids"),
            **self.stop.dump("stop", "stop_ids"),
            **self.oldest.dump("oldest", "oldest_ids"),
        }


def take_page(scan: Scan, threads: list[Any]) -> tuple[list[PostIn], bool]:
    """New posts on one page of threads, and whether the scan reached comments it had already seen.

    Threads come newest first, so a thread newer than the oldest one of the earlier pages was already
    returned (the list shifted while we paged): it is skipped, not returned twice."""
    posts: dict[str, PostIn] = {}
    reached = False
    oldest = scan.oldest
    for thread in threads:
        found = posts_from_thread(thread)
        if not found or scan.oldest.below(found[0].created_at, found[0].external_id):
            continue
        top = found[0]
        oldest = oldest.lowered(top.created_at, top.external_id)
        if scan.stop.covers(top.created_at, top.external_id):
            reached = True  # replies newer than the mark on an old thread are still news
            found = [p for p in found[1:] if not scan.stop.covers(p.created_at, p.external_id)]
        else:
            scan.newest = scan.newest.raised(top.created_at, top.external_id)
        posts.update((p.external_id, p) for p in found if p.external_id not in posts)
    scan.oldest = oldest
    return list(posts.values()), reached


# ---------------------------------------------------------------------------------------------- errors


def _google_error(resp: httpx.Response) -> tuple[set[str], str]:
    """The error reasons and message of a Google API error body ({"error": {"errors": [{"reason"}]}})."""
    try:
        error = _map(_map(resp.json()).get("error"))
    except ValueError:
        return set(), ""
    items = [_map(e) for e in error.get("errors", []) if isinstance(error.get("errors"), list)]
    details = [_map(d) for d in error.get("details", []) if isinstance(error.get("details"), list)]
    reasons = {str(e.get("reason")) for e in items + details if e.get("reason")}
    return reasons, str(error.get("message") or "")


def seconds_to_quota_reset(now: datetime) -> float:
    """YouTube's daily quota resets at midnight Pacific time."""
    pacific = now.astimezone(ZoneInfo("America/Los_Angeles"))
    midnight = (pacific + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(60.0, (midnight - pacific).total_seconds())


class TargetUnavailable(Exception):
    """This video or channel has no readable comments (disabled, deleted): skip it, keep the others."""


class PageTokenRefused(Exception):
    """The stored page token is no longer accepted: walk the target again from its first page."""


def check(ctx: FetchContext, resp: httpx.Response, what: str) -> httpx.Response:
    if resp.status_code < 400 or resp.status_code == 429 or resp.status_code >= 500:
        return check_response(resp, what)
    reasons, message = _google_error(resp)
    if reasons & QUOTA_REASONS:
        raise RateLimited(
            f"{what}: the YouTube API quota for this key is used up until midnight Pacific time ({message})",
            retry_after=seconds_to_quota_reset(ctx.now()),
        )
    if reasons & SLOWDOWN_REASONS:
        wait = parse_retry_after(resp.headers.get("retry-after"))
        raise RateLimited(f"{what}: YouTube asks us to slow down ({message})", retry_after=wait or 60.0)
    if "invalidPageToken" in reasons:
        raise PageTokenRefused(message)
    if reasons & SKIP_REASONS:
        raise TargetUnavailable(f"{what}: {', '.join(sorted(reasons & SKIP_REASONS))} ({message})")
    if resp.status_code in (401, 403) or {"keyInvalid", "API_KEY_INVALID"} & reasons or "API key" in message:
        raise AuthError(
            f"{what}: YouTube refused the API key (HTTP {resp.status_code}: {message}); check that "
            f"the YouTube Data API v3 is enabled for it and its restrictions allow this computer, "
            f"or set a new one with: scrm-desktop sources set-secret {ctx.source_name} api_key"
        )
    raise MalformedResponse(f"{what}: YouTube refused the request (HTTP {resp.status_code}: {message})")


# ---------------------------------------------------------------------------------------------- plugin


class YouTubePlugin(Plugin):
    """Comments on the brand's videos (or every video of a channel), newest first."""

    name = "youtube"
    title = "YouTube comments"
    version = "1.0"
    config_fields = (
        ConfigField(
            "base_url",
            "API URL",
            "url",
            default="https://www.googleapis.com/youtube/v3",
            help="the YouTube Data API v3 endpoint",
        ),
        ConfigField(
            "video_ids", "Videos", "list", default=(), help="video ids or URLs, one per line or comma-separated"
        ),
        ConfigField(
            "channel_id", "Channel id", "str", default="", help="all comments on this channel's videos (UC...)"
        ),
        ConfigField("page_size", "Threads per request", "int", default=100, help="1 to 100"),
        ConfigField(
            "backfill_days",
            "Days to look back at first",
            "int",
            default=7,
            help="how far back the first fetch of a video or channel goes",
        ),
    )
    secret_fields = ("api_key",)
    default_interval = 900
    can_publish = False

    def fetch(self, ctx: FetchContext, cursor: Mapping[str, Any]) -> FetchResult:
        targets = self._targets(ctx)
        key = ctx.secret("api_key")
        if not key:
            raise AuthError(
                "no YouTube API key is stored; create one in the Google Cloud console (YouTube Data "
                f"API v3) and set it with: scrm-desktop sources set-secret {ctx.source_name} api_key"
            )
        marks = {t: m for t, m in _map(_map(cursor).get("targets")).items() if t in targets}
        floor = ctx.now() - timedelta(days=max(0, int(ctx.config.get("backfill_days") or 0)))
        raw_scan = _map(_map(cursor).get("scan"))
        scan = Scan.resume(raw_scan) if raw_scan.get("target") in targets else Scan.start(targets[0], marks, floor)
        try:
            body = self._page(ctx, key, scan)
        except TargetUnavailable as exc:
            ctx.log.warning("skipping %s: %s", scan.target, exc)
            return self._finish(scan, [], marks, targets, floor, skipped=True)
        except PageTokenRefused as exc:
            if not scan.page_token:
                raise MalformedResponse(f"commentThreads for {scan.target}: {exc}") from None
            ctx.log.warning("restarting %s from its first page: %s", scan.target, exc)
            scan.page_token = ""
            return FetchResult([], {"targets": marks, "scan": scan.dump()}, more=True)
        threads = body.get("items")
        if not isinstance(threads, list):
            raise MalformedResponse(f"commentThreads for {scan.target}: the answer has no list of items")
        posts, reached = take_page(scan, threads)
        token = body.get("nextPageToken")
        if not reached and isinstance(token, str) and token and token != scan.page_token:
            scan.page_token = token
            return FetchResult(posts, {"targets": marks, "scan": scan.dump()}, more=True)
        return self._finish(scan, posts, marks, targets, floor)

    @staticmethod
    def _finish(
        scan: Scan,
        posts: list[PostIn],
        marks: dict[str, Any],
        targets: list[str],
        floor: datetime,
        skipped: bool = False,
    ) -> FetchResult:
        """The scan of one target is complete: raise its watermark, move on to the next target if any."""
        if scan.newest.at and not skipped:
            marks = {**marks, scan.target: scan.newest.dump()}
        following = targets[targets.index(scan.target) + 1 :] if scan.target in targets else []
        out: dict[str, Any] = {"targets": marks}
        if following:
            out["scan"] = Scan.start(following[0], marks, floor).dump()
        return FetchResult(posts, out, more=bool(following))

    @staticmethod
    def _targets(ctx: FetchContext) -> list[str]:
        videos = [f"video:{video_id_of(v)}" for v in ctx.config.get("video_ids") or ()]
        channel = str(ctx.config.get("channel_id") or "").strip()
        targets = list(dict.fromkeys(videos + ([f"channel:{channel}"] if channel else [])))
        if not targets:
            raise ConfigError("YouTube needs at least one video or a channel id to listen to")
        return targets

    @staticmethod
    def _page(ctx: FetchContext, key: str, scan: Scan) -> Mapping[str, Any]:
        kind, _, ident = scan.target.partition(":")
        params = {
            "part": "snippet,replies",
            "order": "time",
            "textFormat": "html",
            "key": key,
            "maxResults": min(100, max(1, int(ctx.config.get("page_size") or 100))),
            "videoId" if kind == "video" else "allThreadsRelatedToChannelId": ident,
        }
        if scan.page_token:
            params["pageToken"] = scan.page_token
        base = str(ctx.config.get("base_url") or "https://www.googleapis.com/youtube/v3").rstrip("/")
        what = f"commentThreads for {scan.target}"
        resp = send(ctx.http, "GET", f"{base}/commentThreads", what=what, where=f"YouTube at {base}", params=params)
        body = parse_json(check(ctx, resp, what), what)
        if not isinstance(body, Mapping):
            raise MalformedResponse(f"{what}: the answer is not a JSON object")
        return body

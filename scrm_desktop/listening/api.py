"""The listening plugin contract: the one module a plugin imports from scrm-desktop.

A plugin is a class (subclass `Plugin`) registered under the entry-point group `scrm_desktop.plugins`.
The app calls `fetch(ctx, cursor)` on a worker thread on the source's schedule; the plugin returns the
posts it found as frozen `PostIn` values plus the cursor to store. The cursor is saved in the same database
transaction as the posts, so a crash never skips posts. Plugins never touch the database or Qt.

Errors are typed: raise `AuthError` when credentials are missing or refused (the source is disabled and the
user is told what to fix), `RateLimited` when the service asks us to wait, `TransientError` for anything that
may work later (5xx, a dead network), `MalformedResponse` for a body we cannot read. Any other exception is
recorded with its traceback and backed off; it is never fatal to the app. `httpx` timeouts and transport
errors raised from `ctx.http` count as transient.
"""

from __future__ import annotations

import email.utils
import html
import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

from scrm_desktop.core.times import parse_iso as parse_time

if TYPE_CHECKING:  # httpx is imported where a request is made: the app's window shows before any is
    import httpx

__all__ = [
    "AuthError",
    "ConfigError",
    "ConfigField",
    "FetchContext",
    "FetchResult",
    "MalformedResponse",
    "Plugin",
    "PluginError",
    "PostIn",
    "PublishResult",
    "RateLimited",
    "Reply",
    "TransientError",
    "Watermark",
    "check_response",
    "error_text",
    "format_time",
    "parse_json",
    "parse_retry_after",
    "parse_time",
    "same_text",
    "send",
]

API_VERSION = 1


class PluginError(Exception):
    """Base of the typed errors a plugin raises."""


class AuthError(PluginError):
    """Credentials are missing or were refused; the message tells the user what to fix."""


class ConfigError(PluginError):
    """The source's configuration cannot work (missing URL, unknown option); the message says which."""


class RateLimited(PluginError):
    """The service asked us to slow down; `retry_after` is in seconds."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TransientError(PluginError):
    """A failure that may go away (5xx, network); back off and try again."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class MalformedResponse(PluginError):
    """The service answered, but with a body we cannot read. The cursor is kept."""


FieldKind = Literal["str", "text", "url", "int", "float", "bool", "choice", "list"]


@dataclass(frozen=True)
class ConfigField:
    """One typed setting of a source; the GUI builds its form and the CLI its options from these."""

    name: str
    label: str
    kind: FieldKind = "str"
    required: bool = False
    default: Any = None
    help: str = ""
    choices: tuple[str, ...] = ()

    def coerce(self, value: Any) -> Any:
        """Turn a user-entered value (often a string) into this field's type, or raise ConfigError."""
        if value is None or value == "":
            if self.required and self.default is None:
                raise ConfigError(f"{self.label} is required")
            return self.default
        try:
            return _COERCE[self.kind](self, value)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{self.label}: {exc}") from None


def _as_bool(_f: ConfigField, v: Any) -> bool:
    if isinstance(v, bool):
        return v
    text = str(v).strip().lower()
    if text in {"1", "true", "yes", "on"}:
        return True
    if text in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"expected yes or no, got {v!r}")


def _as_choice(f: ConfigField, v: Any) -> str:
    if str(v) not in f.choices:
        raise ValueError(f"expected one of {', '.join(f.choices)}, got {v!r}")
    return str(v)


def _as_list(_f: ConfigField, v: Any) -> tuple[str, ...]:
    items = v if isinstance(v, list | tuple) else str(v).replace("\n", ",").split(",")
    return tuple(s.strip() for s in items if str(s).strip())


def _as_url(_f: ConfigField, v: Any) -> str:
    url = str(v).strip()
    if not url.lower().startswith(("http://", "https://")):
        raise ValueError(f"expected an http(s) URL, got {url!r}")
    return url


_COERCE = {
    "str": lambda f, v: str(v).strip(),
    "text": lambda f, v: str(v),
    "url": _as_url,
    "int": lambda f, v: int(v),
    "float": lambda f, v: float(v),
    "bool": _as_bool,
    "choice": _as_choice,
    "list": _as_list,
}


@dataclass(frozen=True)
class PostIn:
    """A post as a plugin found it. `text` may be HTML when `text_format == "html"`: the pipeline turns it
    into plain text. Times are timezone-aware; naive datetimes are taken as UTC."""

    channel: str
    external_id: str
    text: str
    created_at: datetime
    author_handle: str = ""
    author_name: str = ""
    author_followers: int | None = None
    url: str = ""
    title: str = ""
    lang: str = ""
    text_format: Literal["text", "html"] = "text"
    reply_to: str = ""
    thread_id: str = ""
    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FetchResult:
    """What one fetch found. `cursor` is stored as JSON after the posts are committed. `more` says another
    page is ready at once (the runner calls fetch again, up to a limit)."""

    posts: Sequence[PostIn]
    cursor: Mapping[str, Any]
    more: bool = False


@dataclass(frozen=True)
class Reply:
    """A reply to publish. `idempotency_key` is stored before sending; a plugin passes it on where the
    channel supports one (Mastodon's Idempotency-Key header) so a retry never posts twice."""

    text: str
    in_reply_to: str
    idempotency_key: str
    url: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PublishResult:
    external_id: str
    url: str = ""


class FetchContext(Protocol):
    """What the app gives a plugin for one call."""

    http: httpx.Client
    config: Mapping[str, Any]
    log: logging.Logger
    source_name: str

    def secret(self, name: str) -> str | None:
        """The stored secret for one of the plugin's `secret_fields`, or None when not set."""
        ...

    def now(self) -> datetime:
        """The current time (UTC, aware); tests move it."""
        ...


class Plugin:
    """Base class of listening plugins. Subclasses set the class attributes and implement `fetch`."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    version: ClassVar[str] = "1.0"
    config_fields: ClassVar[tuple[ConfigField, ...]] = ()
    secret_fields: ClassVar[tuple[str, ...]] = ()
    default_interval: ClassVar[int] = 600
    can_publish: ClassVar[bool] = False
    # The channel itself drops a second send with the same Reply.idempotency_key (Mastodon's Idempotency-Key).
    idempotent_publish: ClassVar[bool] = False
    # find_sent() can look on the channel for a reply we may have posted (the outbox asks before sending again).
    can_check_sent: ClassVar[bool] = False

    def fetch(self, ctx: FetchContext, cursor: Mapping[str, Any]) -> FetchResult:
        raise NotImplementedError

    def publish(self, ctx: FetchContext, reply: Reply) -> PublishResult:
        raise NotImplementedError(f"{self.title or self.name} cannot publish replies")

    def find_sent(self, ctx: FetchContext, reply: Reply) -> PublishResult | None:
        """Our reply to `reply.in_reply_to` with the same text, if the channel shows one; None when it is not there.

        Plugins that set `can_check_sent` implement it. The outbox calls it when a send's answer was lost (the app
        stopped mid-send, a timeout) so a reply is never posted twice on channels without an idempotency key."""
        raise NotImplementedError(f"{self.title or self.name} cannot look up sent replies")

    @classmethod
    def validate_config(cls, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Coerce a raw config mapping through `config_fields`; unknown keys are rejected."""
        known = {f.name: f for f in cls.config_fields}
        unknown = sorted(set(raw) - set(known))
        if unknown:
            raise ConfigError(f"unknown option(s) for {cls.name}: {', '.join(unknown)}")
        return {name: f.coerce(raw.get(name)) for name, f in known.items()}


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def check_response(resp: httpx.Response, what: str = "", reason_key: str | None = None) -> httpx.Response:
    """Raise the typed error matching an HTTP status; return the response when it is a success.

    With `reason_key`, the messages for 401/403 and other 4xx end with the server's own reason: that field of
    a JSON error body, else the body's text (see `error_text`)."""
    label = what or f"{resp.request.method} {resp.request.url.copy_with(query=None)}"
    status = resp.status_code
    reason = f": {error_text(resp, reason_key)}" if reason_key and 400 <= status < 500 else ""
    if status in (401, 403):
        raise AuthError(
            f"{label}: the server refused our credentials (HTTP {status}{reason}); check the token or password"
        )
    if status == 429:
        wait = parse_retry_after(resp.headers.get("retry-after"))
        raise RateLimited(f"{label}: rate limited (HTTP 429)", retry_after=wait)
    if status >= 500:
        wait = parse_retry_after(resp.headers.get("retry-after"))
        raise TransientError(f"{label}: server error (HTTP {status})", retry_after=wait)
    if status >= 400:
        raise MalformedResponse(f"{label}: HTTP {status}{reason}")
    return resp


def send(http: httpx.Client, method: str, url: str, *, what: str, where: str, **kwargs: Any) -> httpx.Response:
    """One request through `http`; a timeout or a dead network becomes TransientError saying `what` was asked of
    `where` (a host or service name, never a URL with credentials). Keyword arguments go to `http.request`."""
    import httpx

    try:
        return http.request(method, url, **kwargs)
    except httpx.TimeoutException as exc:
        raise TransientError(f"{what}: {where} did not answer in time ({exc})") from None
    except httpx.TransportError as exc:
        raise TransientError(f"{what}: cannot reach {where} ({exc})") from None


def error_text(resp: httpx.Response, key: str = "error") -> str:
    """A short printable reason from an error response: the JSON body's `key` when it is a string, else the
    body's text; control characters blanked, 200 characters at most, "no details" when there is nothing."""
    try:
        data = resp.json()
    except ValueError:
        data = None
    text = data.get(key) if isinstance(data, dict) and isinstance(data.get(key), str) else resp.text
    return "".join(ch if ch.isprintable() else " " for ch in text[:200]).strip() or "no details"


def parse_json(resp: httpx.Response, what: str = "") -> Any:
    """The JSON body of a response, or MalformedResponse naming what could not be read."""
    try:
        return json.loads(resp.content)
    except (ValueError, UnicodeDecodeError) as exc:
        label = what or str(resp.request.url.copy_with(query=None))
        raise MalformedResponse(f"{label}: the response is not valid JSON ({exc})") from None


_TAG = re.compile(r"<[^>]*>")
_BREAK = re.compile(r"<br\s*/?>|</p>", re.IGNORECASE)


def same_text(ours: str, theirs: str, *, html_text: bool = False) -> bool:
    """Whether a post on the channel carries the text we sent (whitespace and case aside; `theirs` may be HTML)."""
    if html_text:
        theirs = html.unescape(_TAG.sub("", _BREAK.sub(" ", theirs)))
    return " ".join(ours.split()).casefold() == " ".join(theirs.split()).casefold()


TimeSpec = Literal["seconds", "milliseconds", "microseconds"]


def format_time(when: datetime, timespec: TimeSpec = "seconds") -> str:
    """An ISO-8601 UTC time ending in Z ("2024-06-01T10:00:00Z"), to the precision `timespec`."""
    return when.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


@dataclass(frozen=True)
class Watermark:
    """A time cursor for newest-first scans: the newest time fully scanned, and the ids seen at exactly that time
    (so posts sharing a time are neither skipped nor repeated when the service's `since` is inclusive).

    `raised` moves it up for a high-water mark; `lowered` and `below` serve a low-water mark (the oldest item
    of the pages read so far). It loads from and dumps to a cursor mapping under keys the plugin chooses."""

    at: datetime | None = None
    ids: tuple[str, ...] = ()
    max_ids: ClassVar[int] = 50  # ids kept at one time; a burst beyond this many may come again, never be lost

    @classmethod
    def load(cls, raw: Any, at_key: str = "since", ids_key: str = "since_ids") -> Watermark:
        """From a stored cursor; anything unreadable (not a mapping, a bad time, ids not a list) reads as empty."""
        raw = raw if isinstance(raw, Mapping) else {}
        ids = raw.get(ids_key)
        return cls(parse_time(raw.get(at_key)), tuple(str(i) for i in ids) if isinstance(ids, list) else ())

    def covers(self, at: datetime, ident: str) -> bool:
        """True when a post at `at` was already seen (older than the mark, or on it and listed)."""
        return self.at is not None and (at < self.at or (at == self.at and ident in self.ids))

    def below(self, at: datetime, ident: str) -> bool:
        """True when a post at `at` is newer than this low-water mark (or on it and listed)."""
        return self.at is not None and (at > self.at or (at == self.at and ident in self.ids))

    def raised(self, at: datetime, ident: str) -> Watermark:
        """The mark after seeing a post: moved up to a newer time, or the id added at the same time."""
        if self.at is None or at > self.at:
            return type(self)(at, (ident,))
        if at == self.at and ident not in self.ids:
            return type(self)(at, (*self.ids, ident)[-self.max_ids :])
        return self

    def lowered(self, at: datetime, ident: str) -> Watermark:
        """The low-water mark after seeing a post: moved down to an older time, or the id added at the same time."""
        if self.at is None or at < self.at:
            return type(self)(at, (ident,))
        return self.raised(at, ident) if at == self.at else self

    def dump(self, at_key: str = "since", ids_key: str = "since_ids", timespec: TimeSpec = "seconds") -> dict[str, Any]:
        """The cursor entries for this mark ({} when empty); keep `timespec` fixed for a plugin's stored cursors."""
        return {at_key: format_time(self.at, timespec), ids_key: list(self.ids)} if self.at else {}

"""IMAP listening plugin: a support mailbox read over TLS as a channel of emails, new messages by UID."""

from __future__ import annotations

import base64
import contextlib
import email
import email.header
import email.policy
import email.utils
import imaplib
import re
import ssl
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from typing import Any

from scrm_desktop.listening.api import (
    AuthError,
    ConfigError,
    ConfigField,
    FetchContext,
    FetchResult,
    MalformedResponse,
    Plugin,
    PostIn,
    TransientError,
)

CHANNEL = "email"
MAX_TEXT = 200_000
_MSG_ID = re.compile(r"<[^<>\s]+>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")
_INTERNALDATE = re.compile(rb'INTERNALDATE "\s*(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d\d:\d\d:\d\d) ([+-]\d\d)(\d\d)"')
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


# ---------------------------------------------------------------------------------------------- decoding


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Text in the declared charset; an unknown or lying charset falls back to UTF-8, then Windows-1252."""
    for candidate in (charset, "utf-8"):
        if candidate and candidate.lower() not in ("unknown-8bit", "x-unknown"):
            try:
                return data.decode(candidate)
            except (LookupError, UnicodeDecodeError):
                continue
    return data.decode("cp1252", "replace")


def decode_header(value: Any) -> str:
    """One header as readable text: encoded words (RFC 2047) decoded, raw 8-bit guessed, control chars gone."""
    if value is None:
        return ""
    try:
        parts = email.header.decode_header(value)
    except Exception:  # the header parser gives up on some hostile input: keep the raw text
        parts = [(str(value), None)]
    text = "".join(p if isinstance(p, str) else decode_bytes(p, c) for p, c in parts)
    return " ".join(_CONTROL.sub("", text).split())


def _clean_body(text: str) -> str:
    return _CONTROL.sub("", text.replace("\r\n", "\n"))[:MAX_TEXT]


def _is_attachment(part: Message) -> bool:
    return (part.get("Content-Disposition") or "").strip().lower().startswith("attachment")


def body_of(msg: Message) -> tuple[str, str, list[str]]:
    """(text, "text" or "html", attachment names): the first text/plain part, else the first text/html."""
    found: dict[str, str] = {}
    attachments: list[str] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        if _is_attachment(part) or part.get_filename():
            attachments.append(decode_header(part.get_filename() or "unnamed")[:200])
            continue
        kind = part.get_content_type()
        if kind in ("text/plain", "text/html") and kind not in found:
            payload = part.get_payload(decode=True)
            found[kind] = decode_bytes(payload if isinstance(payload, bytes) else b"", part.get_content_charset())
    if "text/plain" in found and found["text/plain"].strip():
        return _clean_body(found["text/plain"]), "text", attachments[:20]
    if "text/html" in found:
        return _clean_body(found["text/html"]), "html", attachments[:20]
    return _clean_body(found.get("text/plain", "")), "text", attachments[:20]


def message_ids(value: str) -> list[str]:
    return _MSG_ID.findall(value)[:100]


def parse_date(value: str) -> datetime | None:
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def post_from_message(
    raw: bytes, uid: int, uidvalidity: int, mailbox: str, received: datetime, size: int | None = None
) -> PostIn:
    """A PostIn from one RFC 5322 message; `received` (the server's INTERNALDATE) stands in for a bad Date."""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    name, address = email.utils.parseaddr(decode_header(msg.get("From")))
    text, text_format, attachments = body_of(msg)
    own_id = next(iter(message_ids(decode_header(msg.get("Message-ID")))), "")
    references = message_ids(decode_header(msg.get("References")))
    in_reply_to = next(iter(message_ids(decode_header(msg.get("In-Reply-To")))), "") or (references or [""])[-1]
    extra: dict[str, Any] = {"mailbox": mailbox, "uid": uid, "uidvalidity": uidvalidity}
    if "@" in address:
        extra["author_email"] = address.strip().lower()[:300]  # customer records match on it
    if to := decode_header(msg.get("To")):
        extra["to"] = to[:500]
    if attachments:
        extra["attachments"] = attachments
    if size and size > len(raw):
        extra["truncated_from_bytes"] = size  # only the start of a huge message was read
    return PostIn(
        channel=CHANNEL,
        external_id=own_id or f"{uidvalidity}:{uid}",
        text=text,
        text_format=text_format,  # type: ignore[arg-type]
        created_at=parse_date(decode_header(msg.get("Date"))) or received,
        author_handle=address.strip().lower()[:300],
        author_name=name.strip()[:300],
        title=decode_header(msg.get("Subject"))[:1000],
        lang=decode_header(msg.get("Content-Language")).split(",")[0].strip()[:20],
        reply_to=in_reply_to,
        thread_id=(references or [in_reply_to])[0] if in_reply_to else "",
        extra=extra,
    )


def fetched_messages(data: list[Any]) -> Iterator[tuple[int, int, datetime | None, bytes]]:
    """(uid, full size, internal date, bytes) for each message in a UID FETCH answer, wherever the server put
    UID (before or after the literal)."""
    for i, item in enumerate(data):
        if not isinstance(item, tuple) or len(item) != 2:
            continue
        meta = item[0] + (data[i + 1] if i + 1 < len(data) and isinstance(data[i + 1], bytes) else b"")
        uid, size = _UID.search(meta), _SIZE.search(meta)
        if uid is None:
            continue
        yield int(uid.group(1)), int(size.group(1)) if size else len(item[1]), internal_date(meta), item[1]


def internal_date(meta: bytes) -> datetime | None:
    """The INTERNALDATE of a FETCH answer ("17-Jul-1996 02:44:25 -0700") in UTC."""
    found = _INTERNALDATE.search(meta)
    if not found or found.group(2).decode().title() not in _MONTHS:
        return None
    day, month, year, clock, hours, minutes = (g.decode() for g in found.groups())
    month_no = _MONTHS.index(month.title()) + 1
    try:
        return datetime.fromisoformat(f"{year}-{month_no:02d}-{int(day):02d}T{clock}{hours}:{minutes}").astimezone(UTC)
    except ValueError:
        return None


def mailbox_name(name: str) -> str:
    """A mailbox name as an IMAP quoted string in modified UTF-7 (RFC 3501 5.1.3)."""
    out, pending = [], ""
    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            if pending:
                out.append("&" + _b64(pending) + "-")
                pending = ""
            out.append("&-" if ch == "&" else ch)
        else:
            pending += ch
    if pending:
        out.append("&" + _b64(pending) + "-")
    quoted = "".join(out).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{quoted}"'


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-16-be")).decode("ascii").rstrip("=").replace("/", ",")


# ---------------------------------------------------------------------------------------------- session


@dataclass(frozen=True)
class Mark:
    """Which mailbox the cursor belongs to, and the last UID read in it."""

    where: str
    uidvalidity: int = 0
    last_uid: int = 0

    @classmethod
    def load(cls, cursor: Mapping[str, Any], where: str) -> Mark | None:
        if cursor.get("where") != where:
            return None
        try:
            return cls(where, int(cursor.get("uidvalidity") or 0), int(cursor.get("last_uid") or 0))
        except (TypeError, ValueError):
            return None

    def dump(self) -> dict[str, Any]:
        return {"where": self.where, "uidvalidity": self.uidvalidity, "last_uid": self.last_uid}


def _ssl_context(config: Mapping[str, Any]) -> ssl.SSLContext:
    if not config.get("verify_tls", True):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    try:
        return ssl.create_default_context(cafile=str(config["ca_file"]) if config.get("ca_file") else None)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"cannot read the CA file {config.get('ca_file')!r}: {exc}") from None


def _timeout(ctx: FetchContext) -> float:
    timeout = getattr(ctx.http, "timeout", None)
    values = [getattr(timeout, k, None) for k in ("read", "connect")]
    return float(next((v for v in values if v), 30.0))


class Mailbox:
    """One IMAP session: connect over TLS, log in, examine the mailbox (read-only), always log out."""

    def __init__(self, ctx: FetchContext) -> None:
        self.ctx = ctx
        self.host = str(ctx.config.get("host") or "").strip()
        self.port = int(ctx.config.get("port") or 993)
        self.user = str(ctx.config.get("username") or "")
        self.name = str(ctx.config.get("mailbox") or "INBOX")
        self.conn: imaplib.IMAP4_SSL | None = None

    @property
    def where(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.name}"

    def __enter__(self) -> Mailbox:
        if not self.host or not self.user:
            raise ConfigError("the mailbox needs a host and a user name")
        password = self.ctx.secret("password")
        if not password:
            raise AuthError(f"no password is stored for {self.user}; {self._hint()}")
        context = _ssl_context(self.ctx.config)
        try:
            self.conn = imaplib.IMAP4_SSL(self.host, self.port, ssl_context=context, timeout=_timeout(self.ctx))
        except ssl.SSLCertVerificationError as exc:
            raise ConfigError(
                f"the TLS certificate of {self.host} is not trusted ({exc.verify_message}); set ca_file to the "
                "certificate authority that signed it, or turn verify_tls off for a server you trust"
            ) from None
        except ssl.SSLError as exc:
            raise ConfigError(f"no TLS on {self.host}:{self.port} ({exc}); IMAP over TLS is usually port 993") from None
        except (OSError, imaplib.IMAP4.error) as exc:
            raise TransientError(f"cannot reach the IMAP server {self.host}:{self.port} ({exc})") from None
        try:
            self._login(password)
        except BaseException:
            self.__exit__()
            raise
        return self

    def _hint(self) -> str:
        return f"set it with: scrm-desktop sources set-secret {self.ctx.source_name} password"

    def _login(self, password: str) -> None:
        try:
            self.command(self.conn.login, self.user, password)
        except UnicodeEncodeError:
            raise AuthError(f"IMAP LOGIN takes only ASCII user names and passwords; {self._hint()}") from None
        except imaplib.IMAP4.error as exc:
            raise AuthError(
                f"the IMAP server refused the login of {self.user} ({_text(exc)}); {self._hint()}"
            ) from None

    def __exit__(self, *exc: object) -> None:
        if self.conn is not None:
            with contextlib.suppress(OSError, imaplib.IMAP4.error):  # the session is over either way
                self.conn.logout()

    def command(self, fn: Any, *args: Any) -> tuple[str, list[Any]]:
        """Run one imaplib call; a dropped or timed-out connection is transient."""
        try:
            return fn(*args)
        except imaplib.IMAP4.abort as exc:
            raise TransientError(f"the IMAP connection to {self.host} broke ({_text(exc)})") from None
        except OSError as exc:
            raise TransientError(f"the IMAP server {self.host} stopped answering ({exc})") from None

    def examine(self) -> int:
        """Select the mailbox read-only (nothing gets marked as read) and return its UIDVALIDITY."""
        try:
            typ, data = self.command(self.conn.select, mailbox_name(self.name), True)
        except imaplib.IMAP4.error as exc:
            typ, data = "NO", [str(exc)]
        if typ != "OK":
            raise ConfigError(f"cannot open the mailbox {self.name!r} on {self.host} ({_text(data)})")
        _, values = self.conn.response("UIDVALIDITY")
        try:
            return int(values[-1])
        except (TypeError, ValueError, IndexError):
            raise MalformedResponse(f"{self.host} did not say the UIDVALIDITY of {self.name!r}") from None

    def uids_after(self, last: int) -> list[int]:
        _, data = self._checked(self.conn.uid, "SEARCH", f"UID {last + 1}:*")
        found = {int(n) for chunk in data if isinstance(chunk, bytes) for n in chunk.split() if n.isdigit()}
        return sorted(uid for uid in found if uid > last)  # "n:*" always matches the last message

    def fetch(self, uids: list[int], max_bytes: int) -> list[tuple[int, int, datetime | None, bytes]]:
        items = f"(UID RFC822.SIZE INTERNALDATE BODY.PEEK[]<0.{max_bytes}>)"
        _, data = self._checked(self.conn.uid, "FETCH", ",".join(map(str, uids)), items)
        return list(fetched_messages(data))

    def _checked(self, fn: Any, *args: Any) -> tuple[str, list[Any]]:
        try:
            typ, data = self.command(fn, *args)
        except imaplib.IMAP4.error as exc:
            raise MalformedResponse(f"{self.host} refused UID {args[0]} ({_text(exc)})") from None
        if typ != "OK":
            raise MalformedResponse(f"{self.host} answered {typ} to UID {args[0]}: {_text(data)}")
        return typ, data


def _text(value: Any) -> str:
    """Server text for an error message: decoded, without control characters, not too long."""
    if isinstance(value, list | tuple):
        value = b" ".join(v if isinstance(v, bytes) else str(v).encode() for v in value)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return " ".join(_CONTROL.sub("", str(value)).split())[:300]


# ---------------------------------------------------------------------------------------------- plugin


class ImapPlugin(Plugin):
    """A support mailbox as a channel: every new email is a post; replies and threads follow the headers."""

    name = "imap"
    title = "Email (IMAP)"
    version = "1.0"
    config_fields = (
        ConfigField("host", "IMAP server", "str", required=True, help="e.g. imap.example.com"),
        ConfigField("port", "Port", "int", default=993, help="IMAP over TLS, usually 993"),
        ConfigField("username", "User name", "str", required=True),
        ConfigField("mailbox", "Mailbox", "str", default="INBOX"),
        ConfigField("verify_tls", "Verify the TLS certificate", "bool", default=True),
        ConfigField("ca_file", "CA certificate file", "str", default="", help="for a server with a private CA"),
        ConfigField("batch_size", "Messages per fetch", "int", default=50),
        ConfigField("backfill", "Messages to read at first", "int", default=200, help="the newest ones"),
        ConfigField("max_kb", "Read at most (KB) of each message", "int", default=2048),
    )
    secret_fields = ("password",)
    default_interval = 120
    can_publish = False

    def fetch(self, ctx: FetchContext, cursor: Mapping[str, Any]) -> FetchResult:
        with Mailbox(ctx) as box:
            uidvalidity = box.examine()
            mark = Mark.load(cursor or {}, box.where)
            if mark is not None and mark.uidvalidity != uidvalidity:
                # Message-IDs keep the posts unique, so reading the mailbox again duplicates nothing
                ctx.log.warning("UIDVALIDITY of %s changed: reading it again", box.where)
                mark = Mark(box.where, uidvalidity, 0)
            uids = box.uids_after(mark.last_uid if mark else 0)
            if mark is None:
                mark, uids = self._first_run(ctx, box.where, uidvalidity, uids)
            batch = uids[: max(1, int(ctx.config.get("batch_size") or 50))]
            fetched = box.fetch(batch, max(1, int(ctx.config.get("max_kb") or 2048)) * 1024) if batch else []
        posts = [
            post_from_message(raw, uid, uidvalidity, box.name, got or ctx.now(), size)
            for uid, size, got, raw in fetched
        ]
        last = max([mark.last_uid, *(uid for uid, *_ in fetched)])
        return FetchResult(posts, Mark(box.where, uidvalidity, last).dump(), more=len(uids) > len(batch))

    @staticmethod
    def _first_run(ctx: FetchContext, where: str, uidvalidity: int, uids: list[int]) -> tuple[Mark, list[int]]:
        """A new mailbox: read only its newest `backfill` messages; the older ones count as already read."""
        keep = max(0, int(ctx.config.get("backfill") or 0))
        window = uids[len(uids) - keep :] if keep else []
        older = uids[: len(uids) - len(window)]
        return Mark(where, uidvalidity, older[-1] if older else 0), window

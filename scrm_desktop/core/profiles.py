"""Pure helpers for matching profiles across channels: names and URLs in a comparable form, the handles a
profile URL points at, and handle forms as people write them in a customer list."""

from __future__ import annotations

import re
import unicodedata

_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"')\]]+", re.IGNORECASE)


def normalize_name(value: str) -> str:
    """Case, accents' composition and spacing do not matter: "  Ana  Silva" == "ana silva"."""
    return " ".join(unicodedata.normalize("NFKC", value).casefold().split())


def urls_in(text: str) -> list[str]:
    """URLs written in a bio (with or without a scheme), trailing punctuation removed."""
    return [m.group(0).rstrip(".,;:!?") for m in _URL.finditer(text or "")]


def normalize_url(url: str) -> str:
    """ "https://www.Reddit.com/u/Ana/" -> "reddit.com/u/ana": scheme, www, query and trailing slash dropped."""
    url = url.strip().lower()
    url = re.sub(r"^[a-z]+://", "", url)
    url = url.removeprefix("www.")
    url = url.split("?", 1)[0].split("#", 1)[0]
    return url.rstrip("/")


def handles_for_url(url: str) -> list[tuple[str, str]]:
    """The (channel, handle) forms a profile URL may stand for, in the forms plugins store them."""
    norm = normalize_url(url)
    host, _, path = norm.partition("/")
    parts = [p for p in path.split("/") if p]
    if not parts:
        return []
    out: list[tuple[str, str]] = []
    if host.endswith("reddit.com") and len(parts) >= 2 and parts[0] in ("u", "user"):
        out += [("reddit", parts[1]), ("reddit", f"u/{parts[1]}")]
    elif host in ("twitter.com", "x.com"):
        out += [("twitter", parts[0]), ("twitter", f"@{parts[0]}"), ("x", parts[0]), ("x", f"@{parts[0]}")]
    elif host == "bsky.app" and len(parts) >= 2 and parts[0] == "profile":
        out += [("bluesky", parts[1]), ("bluesky", f"@{parts[1]}")]
    elif host == "youtube.com" and parts[0].startswith("@"):
        out += [("youtube", parts[0]), ("youtube", parts[0][1:])]
    elif parts[0].startswith("@") and len(parts[0]) > 1:  # a fediverse profile: host/@user
        user = parts[0][1:]
        out += [("mastodon", f"@{user}@{host}"), ("mastodon", f"{user}@{host}")]
    return out


def split_handles(value: str) -> list[tuple[str, str]]:
    """ "mastodon:@a@x.social; reddit:u/b" -> [("mastodon", "@a@x.social"), ("reddit", "u/b")].
    An entry without "channel:" raises ValueError naming it."""
    out = []
    for item in re.split(r"[;|\n]", value or ""):
        item = item.strip()
        if not item:
            continue
        channel, sep, handle = item.partition(":")
        if not sep or not channel.strip() or not handle.strip() or " " in channel.strip():
            raise ValueError(f"{item!r} is not channel:handle (for example reddit:u/ana)")
        out.append((channel.strip().lower(), handle.strip()))
    return out


def handle_key(handle: str) -> str:
    """A handle without its channel dressing, for comparing across channels: "@ana_s@x.social", "ana-s.bsky.social",
    "u/ana_s" and "@Ana.S" all become "anas"."""
    h = handle.strip().lower().lstrip("@")
    h = h.removeprefix("u/").removeprefix("user/")
    h = h.split("@", 1)[0]  # fediverse instance or e-mail domain
    if h.count(".") >= 2:  # bluesky: name.bsky.social, name.example.com
        h = h.split(".", 1)[0]
    return re.sub(r"[^a-z0-9]", "", h)

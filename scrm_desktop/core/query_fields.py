"""The query language's fields: names, allowed values, and how each field tests a post held in memory.

The parser knows fields only through this table, declared once here (and their SQL once in
scrm_desktop.store.query_sql.FIELD_SQL): nothing is registered at import or when a workspace opens, so two
workspaces in one process read the same fields. `register_field` remains for an extension (or a test) that adds one.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

from scrm_desktop.core.post import Post

CHANNELS = ("rss", "mastodon", "reddit", "hackernews", "bluesky", "youtube", "email")
TRAITS = ("venting", "passive", "past", "collaborative", "advocate", "future")  # core.classify gives these
INTENTS = ("transactional", "request", "venting", "information", "engaged", "community", "purchase")
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)

# (post, key, source name) -> whether the post has that value
FieldTest = Callable[[Post, str, "str | None"], bool]


def ascii_lower(text: str) -> str:
    """Lower-case A-Z only: exactly what SQLite's lower() does, so memory and database agree."""
    return text.translate(_ASCII_LOWER)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    summary: str  # one line for the docs, completion and error messages
    test: FieldTest
    values: tuple[str, ...] = ()  # the allowed values; empty means any text
    aliases: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    key: Callable[[str], str] = ascii_lower  # the form a typed value is compared in
    attr: str | None = None  # the Post attribute the field reads, when it may not exist yet
    example: str = ""

    def canonical(self, typed: str) -> str | None:
        """The allowed value meant by `typed` (case-insensitive, aliases resolved), or None."""
        if not self.values:
            return typed
        wanted = typed.lower()
        wanted = self.aliases.get(wanted, wanted)
        return wanted if wanted in self.values else None

    def allowed(self) -> str:
        shown = ", ".join(self.values)
        if self.aliases:
            shown += " (or " + ", ".join(self.aliases) + ")"
        return shown


FIELDS: dict[str, FieldSpec] = {}

# Names people try from other tools; only suggested, never accepted.
_SYNONYMS = {
    "from": "author",
    "user": "author",
    "by": "author",
    "handle": "author",
    "network": "channel",
    "platform": "channel",
    "site": "channel",
    "feed": "source",
    "language": "lang",
    "label": "tag",
    "mood": "sentiment",
    "state": "status",
    "owner": "assignee",
    "assigned": "assignee",
}


def register_field(spec: FieldSpec) -> None:
    """Add a field (or replace one of the same name)."""
    FIELDS[spec.name] = spec


def suggest_field(name: str) -> str | None:
    lowered = name.lower()
    if lowered in _SYNONYMS and _SYNONYMS[lowered] in FIELDS:
        return _SYNONYMS[lowered]
    import difflib  # only for a field name to correct

    close = difflib.get_close_matches(lowered, list(FIELDS), n=1, cutoff=0.6)
    return close[0] if close else None


def suggest_value(spec: FieldSpec, typed: str) -> str | None:
    import difflib

    close = difflib.get_close_matches(typed.lower(), list(spec.values), n=1, cutoff=0.6)
    return close[0] if close else None


def _author(post: Post, key: str, _source: str | None) -> bool:
    return ascii_lower(post.author_handle.lstrip("@")) == key or ascii_lower(post.author_name) == key


def _lang(post: Post, key: str, _source: str | None) -> bool:
    lang = ascii_lower(post.lang)
    return lang == key or lang.startswith(key + "-")


def _source(post: Post, key: str, source: str | None) -> bool:
    return ascii_lower(source if source is not None else post.source_name) == key


def _is(post: Post, key: str, _source: str | None) -> bool:
    return post.is_read == (key == "read")


def _attribute_test(attr: str) -> FieldTest:
    """Equality with a text attribute, or membership in a collection attribute (tags, topics)."""

    def test(post: Post, key: str, _source: str | None) -> bool:
        value: Any = getattr(post, attr, None)
        if value is None:
            return False
        if isinstance(value, (tuple, list, set, frozenset)):
            return any(ascii_lower(str(v)) == key for v in value)
        return ascii_lower(str(value)) == key

    return test


CASE_STATUSES = ("new", "open", "waiting", "resolved", "closed")
NONE = "none"  # status:none (no case), assignee:none (no case or nobody assigned)


def _status(post: Post, key: str, _source: str | None) -> bool:
    return (post.status or NONE) == key


def _assignee(post: Post, key: str, _source: str | None) -> bool:
    return (ascii_lower(post.assignee) or NONE) == key


def _workflow(name: str, attr: str, summary: str, example: str, values: tuple[str, ...] = ()) -> FieldSpec:
    return FieldSpec(name, summary, _attribute_test(attr), values=values, attr=attr, example=example)


def parse_time(value: str) -> datetime | None:
    """A typed `since:`/`until:` value (2024-05-01 or 2024-05-01T10:00, UTC) as naive UTC, or None."""
    try:
        when = datetime.fromisoformat(value.strip().upper().removesuffix("Z"))
    except ValueError:
        return None
    return when.replace(tzinfo=None) if when.tzinfo is None else None


def _time_key(value: str) -> str:
    # An unreadable value becomes "" so the parser says "`since:` needs a value, like since:2024-05-01".
    when = parse_time(value)
    return when.strftime("%Y-%m-%dT%H:%M:%S") if when else ""


for _spec in (
    FieldSpec(
        "channel",
        "where it was posted",
        lambda p, k, s: p.channel == k,
        values=CHANNELS,
        example="channel:reddit",
    ),
    FieldSpec(
        "author",
        "the author's handle (a leading @ is ignored) or exact display name",
        _author,
        key=lambda v: ascii_lower(v.lstrip("@")),
        example="author:@janedoe",
    ),
    FieldSpec(
        "sentiment",
        "the post's sentiment",
        lambda p, k, s: p.sentiment_label == k,
        values=("positive", "negative", "neutral"),
        aliases=MappingProxyType({"pos": "positive", "neg": "negative", "neu": "neutral"}),
        example="sentiment:negative",
    ),
    FieldSpec("lang", "language code; lang:en also matches en-GB", _lang, example="lang:en"),
    FieldSpec("source", "the name of the source that fetched it", _source, example='source:"Dell blog"'),
    FieldSpec(
        "has", "has:link for posts with a web link", lambda p, k, s: p.has_link, values=("link",), example="has:link"
    ),
    FieldSpec("is", "read state", _is, values=("unread", "read"), example="is:unread"),
    FieldSpec(
        "status",
        "the status of the post's case; status:none for posts without a case",
        _status,
        values=(*CASE_STATUSES, NONE),
        aliases=MappingProxyType({"waiting-on-customer": "waiting"}),
        attr="status",
        example="status:open",
    ),
    FieldSpec(
        "assignee",
        'who the post\'s case is assigned to (a person, or "queue:sales"); assignee:none for nobody',
        _assignee,
        attr="assignee",
        example="assignee:sam",
    ),
    _workflow("trait", "trait", "the social customer trait", "trait:venting", TRAITS),
    _workflow("intent", "intent", "the detected intent", "intent:purchase", INTENTS),
    _workflow("topic", "topics", "a detected topic", "topic:billing"),
    _workflow("tag", "tags", "a tag set by an agent or a rule", "tag:urgent"),
    FieldSpec(
        "since",
        "posted at or after this UTC time (2024-05-01 or 2024-05-01T10:00)",
        lambda p, k, s: p.created_at >= datetime.fromisoformat(k),
        key=_time_key,
        example="since:2024-05-01T10:00",
    ),
    FieldSpec(
        "until",
        "posted before this UTC time (2024-05-02 or 2024-05-01T11:00)",
        lambda p, k, s: p.created_at < datetime.fromisoformat(k),
        key=_time_key,
        example="until:2024-05-02",
    ),
):
    FIELDS[_spec.name] = _spec

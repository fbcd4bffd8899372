"""Edited posts: a plugin that knows a post was edited puts `extra["edited_at"]` (ISO-8601) on it; a later
edit than the stored one replaces the stored text, an equal or older one changes nothing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from scrm_desktop.core.times import parse_iso

EDITED_AT = "edited_at"  # extra key a plugin sets: when the author last edited the post (ISO-8601, with a zone)
PREVIOUS_TEXT = "previous_text"  # extra key we set: the text before the last edit we stored
PREVIOUS_TEXT_MAX = 2000


def edited_time(extra: Mapping[str, Any] | None) -> datetime | None:
    """When the post was last edited (aware, UTC), or None: never edited, or a value that is not a time.
    A time without a zone is taken as UTC."""
    return parse_iso((extra or {}).get(EDITED_AT))


def is_newer_edit(incoming: Mapping[str, Any] | None, stored: Mapping[str, Any] | None) -> bool:
    """Whether an incoming copy is a later version than the stored one: it carries an edit time, and the stored
    copy has none (never edited) or an earlier one."""
    new = edited_time(incoming)
    if new is None:
        return False
    old = edited_time(stored)
    return old is None or new > old


def previous_text(old_text: str) -> str:
    """The text kept as "before the edit" (capped: the detail pane shows it, nothing searches it)."""
    return old_text[:PREVIOUS_TEXT_MAX]

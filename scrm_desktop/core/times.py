"""Times written as text: ISO-8601 strings from APIs, plugins and stored extras, read as aware UTC datetimes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def parse_iso(value: Any) -> datetime | None:
    """An aware UTC datetime from an ISO-8601 string ("...Z", "+02:00", or no zone: taken as UTC).

    None for anything else: a missing value, a non-string, a blank or unreadable string."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)

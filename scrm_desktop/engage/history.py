"""A case's history in words: one line per event, as the case pane and the reports show it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from scrm_desktop.store.cases import CaseEvent


def _short(text: Any, limit: int = 160) -> str:
    flat = " ".join(str(text or "").split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _what(kind: str, d: Mapping[str, Any]) -> str:
    if kind == "opened":
        rule = d.get("rule") or d.get("rule_name")
        return f"opened the case (rule “{rule}”)" if rule else "opened the case"
    if kind == "claimed":
        return "claimed it"
    if kind == "released":
        return "let it go"
    if kind == "decided":
        return f"decided: {d.get('outcome', '')}"
    if kind == "reply_queued":
        return f"queued a reply: “{_short(d.get('text'))}”"
    if kind == "reply_sent":
        return "the reply was posted" + (f" ({d['url']})" if d.get("url") else "")
    if kind == "resolved":
        note = f" — {_short(d['note'])}" if d.get("note") else ""
        return f"resolved it: {d.get('outcome', '')}{note}"
    if kind == "status":
        return f"set it {d.get('status', '')}"
    if kind == "waiting":
        return "waits for the customer"
    if kind == "snoozed":
        return f"snoozed it until {str(d.get('until', '')).replace('T', ' ')} UTC"
    if kind == "assigned":
        return f"assigned it to {d['assignee']}" if d.get("assignee") else "put it back in the pool"
    if kind == "priority":
        return f"changed the priority P{d.get('from')} → P{d.get('to')}"
    if kind == "note":
        return f"note: {_short(d.get('text'), 400)}"
    if kind == "post_added":
        return f"added post #{d.get('post_id')}: “{_short(d.get('text'))}”"
    if kind == "customer_replied":
        again = " (the case is open again)" if d.get("reopened") else ""
        return f"wrote again: “{_short(d.get('text'))}”{again}"
    if kind == "linked_incident":
        because = f" because {_short(d['because'], 200)}" if d.get("because") else ""
        return f"linked it to incident #{d.get('incident_id')} “{_short(d.get('title'), 80)}”{because}"
    if kind == "unlinked_incident":
        return f"unlinked it from incident #{d.get('incident_id')} “{_short(d.get('title'), 80)}”"
    return kind.replace("_", " ")


def joined_note(events: Sequence[CaseEvent]) -> str:
    """What to tell the agent when a case they opened joined an incident by itself ("" when it did not)."""
    auto = [e.detail for e in events if e.kind == "linked_incident" and (e.detail or {}).get("auto")]
    if not auto:
        return ""
    d = auto[-1]
    return (
        f"It joined incident #{d.get('incident_id')} “{_short(d.get('title'), 80)}” by itself: "
        f"{_short(d.get('because'), 200)}. Not about it? Unlink it under Action taken."
    )


def describe(event: CaseEvent) -> str:
    """ "06 Dec 14:02 · Ana: resolved it: fixed" (times in UTC; untrusted text is returned as plain text)."""
    return f"{event.at:%d %b %H:%M} · {event.actor or 'system'}: {_what(event.kind, event.detail or {})}"

"""The ARM panel beside the wizard: what was said (post and thread), where (channel, public or private), the intent
and the cues behind it, what we know about the author (followers, earlier posts and their sentiment, earlier
cases, the customer record), which business rules fired, and the action taken. Everything a customer or a
teammate typed is shown as plain text."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from scrm_desktop.core.reasons import own_text
from scrm_desktop.engage.arm import ArmFacts, gather
from scrm_desktop.engage.history import describe
from scrm_desktop.ui.cue_text import cue_line
from scrm_desktop.ui.layouts import empty
from scrm_desktop.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from scrm_desktop.workspace import Workspace

SECTIONS = ("said", "where", "intent", "known", "rules", "action", "history")
TITLES = {
    "said": "What was said",
    "where": "Where",
    "intent": "Intent",
    "known": "What we know",
    "rules": "Business rules fired",
    "action": "Action taken",
    "history": "History",
}
INTENT_WORDS = {
    "transactional": "transactional",
    "request": "request",
    "venting": "venting",
    "information": "information seeking",
    "engaged": "engaged",
    "community": "community",
    "purchase": "purchase intent",
}
RULE_ACTIONS = {"tag": "tagged", "priority": "priority", "route": "routed to", "alert": "alert", "case": "case"}


def _one_line(text: str, limit: int = 240) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _plain(text: str, muted: bool = False, selectable: bool = True) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if muted:
        label.setStyleSheet("color: palette(placeholder-text);")
    return label


class ArmPanel(QScrollArea):
    loaded = Signal(object)  # the ArmFacts now shown
    unlink_requested = Signal(int)  # the case shown is not part of its incident (the agent's click)

    def __init__(self, ws: Workspace, loader: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ws = ws
        self.loader = loader or TaskRunner(self)
        self.facts: ArmFacts | None = None
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # Tab reaches it; arrows and PgUp/PgDn scroll it
        self._body = QWidget()
        self._col = QVBoxLayout(self._body)
        self._col.setContentsMargins(8, 4, 8, 4)
        self._col.addStretch(1)
        self.setWidget(self._body)
        self.blocks: dict[str, list[str]] = {}  # section -> its lines as shown (tests and copy)
        self.unlink_button: QPushButton | None = None  # under "Action taken" while the case is in an incident
        self.show_empty("Open a case to see what was said, by whom, and what we know.")

    def show_case(self, case_id: int) -> None:
        self.loader.run(lambda: gather(self.ws, case_id), self.show_facts, key="arm", failure=self._failed)

    def _failed(self, exc: Exception) -> None:
        self.show_empty(f"Could not read the case: {exc}")

    def section_text(self, name: str) -> str:
        return "\n".join(self.blocks.get(name, []))

    def _clear(self) -> None:
        empty(self._col, keep=1)  # the stretch at the end stays
        self.blocks = {}
        self.unlink_button = None

    def show_empty(self, text: str) -> None:
        self._clear()
        self._col.insertWidget(0, _plain(text, muted=True))

    def _section(self, name: str, lines: Iterable[tuple[str, bool]]) -> None:
        header = QLabel(TITLES[name].upper())
        header.setStyleSheet("font-weight: 700; font-size: 11px; letter-spacing: 1px; color: palette(link);")
        at = self._col.count() - 1
        self._col.insertWidget(at, header)
        shown = []
        for text, muted in lines:
            at += 1
            self._col.insertWidget(at, _plain(text, muted))
            shown.append(text)
        spacer = QLabel("")
        spacer.setFixedHeight(6)
        self._col.insertWidget(at + 1, spacer)
        self.blocks[name] = shown

    def _unlink_row(self, case_id: int, incident_id: int) -> None:
        """ "Unlink from incident #N" under the action taken: one click takes the case out of its incident."""
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        self.unlink_button = QPushButton(f"Unlink from incident #{incident_id}")
        self.unlink_button.setToolTip("This case is not part of the incident: its status updates stop reaching it")
        self.unlink_button.clicked.connect(lambda: self.unlink_requested.emit(case_id))
        line.addWidget(self.unlink_button)
        line.addStretch(1)
        self._col.insertWidget(self._col.count() - 2, row)  # above the action section's spacer

    def show_facts(self, facts: ArmFacts) -> None:
        self.facts = facts
        self._clear()
        self._section("said", _said(facts))
        self._section("where", _where(facts))
        self._section("intent", _intent(facts))
        self._section("known", _known(facts))
        self._section("rules", _rules(facts))
        self._section("action", _action(facts))
        if facts.case.incident_id is not None:
            self._unlink_row(facts.case.id, facts.case.incident_id)
        self._section("history", [(describe(e), False) for e in reversed(facts.events)] or [("Nothing yet.", True)])
        self.loaded.emit(facts)


def _said(f: ArmFacts) -> list[tuple[str, bool]]:
    post = f.post
    if post is None:
        return [(f.case.subject or "(the post was removed)", False)]
    who = post.author_name or post.author_handle or "someone"
    lines = [(f"{who} · {post.created_at:%d %b %H:%M} UTC · {post.sentiment_label}", True)]
    if post.title:
        lines.append((_one_line(post.title, 200), False))
    lines.append((_one_line(post.text, 1200) or "(no text)", False))
    if f.thread:
        lines.append((f"In the thread ({len(f.thread)}):", True))
        for other in f.thread:
            name = other.author_name or other.author_handle or "someone"
            lines.append((f"↳ {name}, {other.created_at:%d %b %H:%M}: {_one_line(other.text, 200)}", False))
    return lines


def _where(f: ArmFacts) -> list[tuple[str, bool]]:
    visibility = "private (one-to-one)" if f.private else "public (others can read the answer)"
    lines = [(f"{f.case.channel} · {visibility}", False)]
    if f.post and f.post.source_name:
        lines.append((f"source: {f.post.source_name}", True))
    if f.post and f.post.url:
        lines.append((f.post.url, True))
    return lines


def _intent(f: ArmFacts) -> list[tuple[str, bool]]:
    post = f.post
    if post is None:
        return [("unknown (no post)", True)]
    intent = INTENT_WORDS.get(post.intent, post.intent) or "not recognised"
    lines = [(f"intent: {intent} · trait: {post.trait or 'none'}" + (" · sales lead" if post.is_lead else ""), False)]
    said = own_text(f"{post.title}. {post.text}" if post.title else post.text)
    for key, label in (("intent_cues", "intent cues"), ("trait_cues", "trait cues"), ("lead_products", "products")):
        if line := cue_line((str(c) for c in f.cues.get(key) or ()), said, 8):  # the post's own words only
            lines.append((f"{label}: {line}", True))
    for field, change in f.corrections.items():
        who = change.get("agent") or "an agent"
        lines.append((f"{field} corrected by {who} (automatic: {change.get('auto') or 'none'})", True))
    return lines


def _known(f: ArmFacts) -> list[tuple[str, bool]]:
    lines: list[tuple[str, bool]] = []
    a = f.author
    if a is not None:
        followers = f"{a.followers:,} followers" if a.followers is not None else "followers unknown"
        who = a.handle if not a.name or a.name == a.handle else f"{a.name} ({a.handle})"
        posts = f"{a.post_count} post{'s' if a.post_count != 1 else ''} with us"
        lines.append((f"{who} · {followers} · {posts}", False))
        if a.sentiment:
            mood = ", ".join(f"{n} {label}" for label, n in sorted(a.sentiment.items(), key=lambda kv: -kv[1]))
            lines.append((f"earlier posts: {mood}", False))
        for p in a.earlier_posts[:3]:
            lines.append((f"• {p.created_at:%d %b} ({p.sentiment_label}): {_one_line(p.text, 140)}", True))
        for c in a.earlier_cases:
            if c.id != f.case.id:
                lines.append((f"• case #{c.id} ({c.status}, {c.created_at:%d %b}): {_one_line(c.subject, 100)}", True))
    else:
        lines.append(("No earlier posts from this author.", True))
    customer = f.customer
    if customer is not None:
        tier = getattr(customer, "tier", "") or "no tier"
        said = [getattr(customer, "name", ""), tier, getattr(customer, "email", "")]
        lines.append(("customer: " + " · ".join(x for x in said if x), False))
        tags = getattr(customer, "tags", ()) or ()
        if tags:
            lines.append(("tags: " + ", ".join(str(t) for t in tags), True))
        if getattr(customer, "note", ""):
            lines.append((f"note: {_one_line(customer.note, 300)}", True))
    elif f.customers_enabled:
        lines.append(("No customer record linked.", True))
    return lines


def _rules(f: ArmFacts) -> list[tuple[str, bool]]:
    if not f.rules:
        return [("No business rule fired on this post.", True)]
    out = []
    for hit in f.rules:
        action = RULE_ACTIONS.get(hit.get("action", ""), hit.get("action", ""))
        value = f" {hit['value']}" if hit.get("value") else ""
        out.append((f"{hit.get('rule_name', 'a rule')} → {action}{value}", False))
    return out


def _action(f: ArmFacts) -> list[tuple[str, bool]]:
    lines: list[tuple[str, bool]] = []
    outcome = f.outcome
    if outcome:
        lines.append((f"decided: {outcome.get('title', '')} ({outcome.get('action', '')})", False))
        lines.append(("path: " + " > ".join(f.decision_path), True))
    else:
        lines.append(("No decision yet: walk the tree.", True))
    if f.case.incident_id:
        lines.append((_linked(f), False))
    if f.case.resolution:
        lines.append((f"resolved: {f.case.resolution}", False))
    return lines


def _linked(f: ArmFacts) -> str:
    """ "linked to incident #3 “Technicians not arriving” (macro) because the post says “no-show”", from the
    history entry that linked it."""
    incident = f.case.incident_id
    link = next(
        (
            e.detail
            for e in reversed(f.events)
            if e.kind == "linked_incident" and e.detail.get("incident_id") == incident
        ),
        {},
    )
    title = f" “{_one_line(str(link['title']), 100)}”" if link.get("title") else ""
    because = f" because {link['because']}" if link.get("because") else ""
    return f"linked to incident #{incident}{title} (macro){because}"

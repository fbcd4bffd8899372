"""Business rules the team writes without code: a stream query plus author conditions, and a list of actions.

Rules run at ingest in their order (scrm_desktop.store.rules); every action a rule takes is recorded as a hit
and carried out in the same transaction as the post (scrm_desktop.store.rule_actions: cases, alerts, leads);
desktop notices read the `notify` hits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from scrm_desktop.core.query import Query, QueryError, parse

PRIORITIES = ("low", "normal", "high", "urgent")
# a rule's priority as a case priority (cases.priority: 1 urgent .. 4 low; 3 is the default)
CASE_PRIORITY = {"urgent": 1, "high": 2, "normal": 3, "low": 4}
# action -> (what the value is, whether a value is required)
ACTIONS: dict[str, tuple[str, bool]] = {
    "tag": ("a tag, e.g. urgent", True),
    "priority": ("one of " + ", ".join(PRIORITIES), True),
    "assign": ("a person or a queue, e.g. sam or queue:sales", True),
    "lead": ("nothing (marks the post as a sales lead)", False),
    "case": ("an optional note for the case", False),
    "alert": ("an optional message for the alert", False),
    "notify": ("who to notify, e.g. sam", True),
}
MAX_VALUE = 200
MAX_ACTIONS = 20


class RuleError(ValueError):
    """A rule the user must fix: which part (`part`: name, query, actions, followers...) and, for the query,
    the position and length of the error in it."""

    def __init__(self, message: str, part: str, position: int = 0, length: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.part = part
        self.position = position
        self.length = length


@dataclass(frozen=True, slots=True)
class Action:
    kind: str
    value: str = ""

    def __str__(self) -> str:
        return f"{self.kind}: {self.value}" if self.value else self.kind


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    query: str
    actions: tuple[Action, ...]
    min_followers: int | None = None  # the author has at least this many followers
    vip_only: bool = False  # the author is flagged VIP
    advocate_only: bool = False  # the author is flagged advocate (author_flags.advocate, kept current at ingest)
    min_prior_negative: int | None = None  # the author wrote at least this many negative posts before
    enabled: bool = True
    stop: bool = False  # later rules leave the posts this rule matched alone
    id: int | None = None
    position: int = 0

    def conditions(self) -> list[str]:
        """The author conditions in words, for lists and reports."""
        out = []
        if self.min_followers is not None:
            out.append(f"followers ≥ {self.min_followers}")
        if self.vip_only:
            out.append("VIP author")
        if self.advocate_only:
            out.append("advocate author")
        if self.min_prior_negative is not None:
            out.append(f"≥ {self.min_prior_negative} earlier negative posts")
        return out


def parse_action(line: str) -> Action:
    """ "tag: urgent" -> Action("tag", "urgent"); raises RuleError naming the allowed actions."""
    kind, _, value = line.partition(":")
    kind, value = kind.strip().lower(), " ".join(value.split())
    if kind not in ACTIONS:
        raise RuleError(f"Unknown action {kind!r}; actions are: {', '.join(ACTIONS)}", "actions")
    what, required = ACTIONS[kind]
    if required and not value:
        raise RuleError(f"`{kind}` needs a value: {what}", "actions")
    if kind == "priority" and value.lower() not in PRIORITIES:
        raise RuleError(f"priority must be one of {', '.join(PRIORITIES)}, not {value!r}", "actions")
    if kind == "lead" and value:
        raise RuleError("`lead` takes no value", "actions")
    if len(value) > MAX_VALUE or any(ord(ch) < 32 for ch in value):
        raise RuleError(f"The value of `{kind}` must be one line of at most {MAX_VALUE} characters", "actions")
    return Action(kind, value.lower() if kind == "priority" else value)


def parse_actions(text: str) -> tuple[Action, ...]:
    """One action per line ("tag: urgent", "assign: queue:sales", "lead"); blank lines are skipped."""
    actions = tuple(parse_action(line) for line in text.splitlines() if line.strip())
    if not actions:
        raise RuleError("A rule needs at least one action (for example `tag: urgent`)", "actions")
    if len(actions) > MAX_ACTIONS:
        raise RuleError(f"At most {MAX_ACTIONS} actions per rule", "actions")
    return actions


def format_actions(actions: Iterable[Action]) -> str:
    return "\n".join(map(str, actions))


def _count(value: int | None, part: str, label: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 10**12:
        raise RuleError(f"{label} must be a whole number of at least 0", part)
    return value


def validate(rule: Rule) -> Query:
    """Check a rule before it is saved or tried; returns its parsed query. Raises RuleError with the reason
    (and, for the query, the position of the mistake)."""
    name = " ".join(rule.name.split())
    if not name or len(name) > 200:
        raise RuleError("Give the rule a name (at most 200 characters)", "name")
    try:
        query = parse(rule.query)
    except QueryError as exc:
        raise RuleError(exc.message, "query", exc.position, exc.length) from exc
    if not rule.actions:
        raise RuleError("A rule needs at least one action (for example `tag: urgent`)", "actions")
    for action in rule.actions:
        parse_action(str(action))
    _count(rule.min_followers, "followers", "Followers")
    _count(rule.min_prior_negative, "history", "Earlier negative posts")
    if query.is_empty and not rule.conditions():
        raise RuleError("An empty query matches every post: add words, a filter or an author condition", "query")
    return query


@dataclass
class Effects:
    """What the rules that fired on one post add up to, applied in rule order."""

    tags: list[str] = field(default_factory=list)
    priority: str = ""
    assignee: str = ""
    lead: bool = False
    cases: list[str] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    notify: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)


def effects(hits: Iterable[Mapping[str, Any]]) -> Effects:
    """Fold rule hits (rule_name, action, value; in firing order) into one result: tags and notices add up,
    a later rule's priority or assignee replaces an earlier one's."""
    out = Effects()
    for hit in hits:
        kind, value = hit["action"], hit.get("value") or ""
        if hit["rule_name"] not in out.rules:
            out.rules.append(hit["rule_name"])
        if kind == "tag" and value not in out.tags:
            out.tags.append(value)
        elif kind == "priority":
            out.priority = value
        elif kind == "assign":
            out.assignee = value
        elif kind == "lead":
            out.lead = True
        elif kind in ("case", "alert", "notify"):
            {"case": out.cases, "alert": out.alerts, "notify": out.notify}[kind].append(value or hit["rule_name"])
    return out

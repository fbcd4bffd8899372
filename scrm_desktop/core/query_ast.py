"""The query language's syntax tree, its error type, and the normalised text form of a tree."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field


class QueryError(ValueError):
    """A query the user must fix: a plain-words message and the span of the query it is about."""

    def __init__(self, message: str, position: int = 0, length: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.position = max(0, position)
        self.length = max(1, length)

    def pretty(self, query: str, width: int = 72) -> str:
        """Two lines: the query (the part around the error when it is long) and carets under the error."""
        start, end = 0, len(query)
        if end > width:
            start = max(0, min(self.position - width // 3, end - width))
            end = min(end, start + width)
        lead = "…" if start else ""
        tail = "…" if end < len(query) else ""
        shown = lead + _printable(query[start:end]) + tail
        column = _columns(lead + _printable(query[start : min(self.position, end)]))
        stop = min(self.position + self.length, end)
        carets = max(1, _columns(_printable(query[min(self.position, end) : stop])))
        return f"{shown}\n{' ' * column}{'^' * carets}"


def _printable(text: str) -> str:
    # Tabs, newlines and controls would break the caret alignment: show each as one space.
    return "".join(" " if ch.isspace() or unicodedata.category(ch)[0] == "C" else ch for ch in text)


def _columns(text: str) -> int:
    """Terminal columns the text takes: wide East Asian characters take two, combining marks none."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
    return width


@dataclass(frozen=True, slots=True)
class Term:
    """A full-text word or phrase: several tokens must follow each other; `prefix` makes the last a prefix."""

    text: str  # as typed, without quotes or the trailing *
    tokens: tuple[str, ...]  # folded, as the index stores them
    raw: tuple[str, ...] = field(compare=False)  # the same tokens as typed: the database folds them itself
    prefix: bool = False
    quoted: bool = field(default=False, compare=False)
    position: int = field(default=0, compare=False)
    length: int = field(default=1, compare=False)


@dataclass(frozen=True, slots=True)
class Field:
    """`name:value`; `key` is the value as compared (canonical for enumerated fields, else case-folded)."""

    name: str
    value: str
    key: str
    position: int = field(default=0, compare=False)
    length: int = field(default=1, compare=False)


@dataclass(frozen=True, slots=True)
class Not:
    child: Node
    position: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


Node = Term | Field | Not | And | Or
MATCH_ALL = And(())


def quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _needs_quotes(value: str) -> bool:
    return not value or any(ch.isspace() or ch in '()"' for ch in value)


def render(node: Node) -> str:
    """The normalised query text: single spaces, implicit AND, `-` for NOT, brackets only where needed."""
    if isinstance(node, Term):
        shown = quote(node.text) if node.quoted else node.text
        return shown + ("*" if node.prefix else "")
    if isinstance(node, Field):
        return f"{node.name}:{quote(node.value) if _needs_quotes(node.value) else node.value}"
    if isinstance(node, Not):
        inner = render(node.child)
        return f"-({inner})" if isinstance(node.child, (And, Or)) else f"-{inner}"
    if isinstance(node, And):
        return " ".join(f"({render(c)})" if isinstance(c, Or) else render(c) for c in node.children)
    return " OR ".join(render(c) for c in node.children)

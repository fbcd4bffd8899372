"""The stream query language: `parse` text into a Query, test posts against it in memory, list its words.

One grammar serves stream columns, global search and business rules. Syntax (docs/query-language.md):
words and "quoted phrases" (whole tokens, case- and accent-insensitive, `refund*` for a prefix), implicit
AND, `OR`, `-` to exclude, brackets, and `field:value` filters from the registry in query_fields.py.
The database evaluates the same tree through scrm_desktop.store.query_sql.to_sql; both must agree.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass

from scrm_desktop.core.post import Post
from scrm_desktop.core.query_ast import MATCH_ALL, And, Field, Node, Not, Or, QueryError, Term, render
from scrm_desktop.core.query_fields import FIELDS, FieldSpec, register_field
from scrm_desktop.core.query_parse import MAX_DEPTH, MAX_LENGTH, parse_tree
from scrm_desktop.core.tokens import token_spans, tokenize

__all__ = [
    "FIELDS",
    "MAX_DEPTH",
    "MAX_LENGTH",
    "And",
    "Field",
    "FieldSpec",
    "Node",
    "Not",
    "Or",
    "Query",
    "QueryError",
    "Term",
    "parse",
    "register_field",
]


def _occurs_at(tokens: tuple[str, ...], i: int, term: Term) -> bool:
    """Whether the term's tokens follow each other from position i (the last one as a prefix for `word*`)."""
    window = tokens[i : i + len(term.tokens)]
    if len(window) != len(term.tokens) or window[:-1] != term.tokens[:-1]:
        return False
    return window[-1] == term.tokens[-1] or (term.prefix and window[-1].startswith(term.tokens[-1]))


@dataclass(frozen=True, slots=True)
class _Index:
    """A column's tokens and where each occurs, for word, phrase and prefix tests."""

    tokens: tuple[str, ...]
    where: dict[str, list[int]]

    def has(self, term: Term) -> bool:
        first = term.tokens[0]
        if len(term.tokens) == 1:
            return first in self.where or (term.prefix and any(t.startswith(first) for t in self.where))
        return any(_occurs_at(self.tokens, i, term) for i in self.where.get(first, ()))


_CACHE_TEXT_UP_TO = 5_000  # characters; keeps the cache small even if every post were 40,000 characters


def _index(text: str) -> _Index:
    # Cached by text: one post is tested against every column's query and every rule in turn.
    return _cached_index(text) if len(text) <= _CACHE_TEXT_UP_TO else _build_index(text)


@functools.lru_cache(maxsize=2048)
def _cached_index(text: str) -> _Index:
    return _build_index(text)


def _build_index(text: str) -> _Index:
    tokens = tuple(tokenize(text))
    where: dict[str, list[int]] = {}
    for i, token in enumerate(tokens):
        where.setdefault(token, []).append(i)
    return _Index(tokens, where)


def _eval(node: Node, post: Post, source_name: str | None) -> bool:
    if isinstance(node, Term):
        return _index(post.text).has(node) or _index(post.title).has(node)
    if isinstance(node, Field):
        return FIELDS[node.name].test(post, node.key, source_name)
    if isinstance(node, Not):
        return not _eval(node.child, post, source_name)
    if isinstance(node, And):
        return all(_eval(child, post, source_name) for child in node.children)
    return any(_eval(child, post, source_name) for child in node.children)


def _walk(node: Node, positive: bool = True) -> Iterator[tuple[Node, bool]]:
    """Every node with whether it counts for (True) or against (inside an odd number of exclusions)."""
    yield node, positive
    if isinstance(node, Not):
        yield from _walk(node.child, not positive)
    elif isinstance(node, (And, Or)):
        for child in node.children:
            yield from _walk(child, positive)


@dataclass(frozen=True)
class Query:
    """A parsed query: `text` as typed, `root` the syntax tree; `str(query)` is the normalised form."""

    text: str
    root: Node

    def __str__(self) -> str:
        return render(self.root)

    @property
    def is_empty(self) -> bool:
        """An empty query matches every post."""
        return self.root == MATCH_ALL

    def fields(self) -> frozenset[str]:
        return frozenset(node.name for node, _ in _walk(self.root) if isinstance(node, Field))

    def matches(self, post: Post, *, source_name: str | None = None) -> bool:
        """Whether `post` matches; `source_name` overrides post.source_name (a live post not yet stored)."""
        self._check_available(post)
        return _eval(self.root, post, source_name)

    @functools.cached_property
    def _needs(self) -> tuple[tuple[str, Field], ...]:
        """(Post attribute, field) for each field that reads an attribute posts may not have yet."""
        fields = [node for node, _ in _walk(self.root) if isinstance(node, Field)]
        return tuple((attr, f) for f in fields if (attr := FIELDS[f.name].attr) is not None)

    def _check_available(self, post: Post) -> None:
        for attr, node in self._needs:
            if not hasattr(post, attr):
                raise QueryError(f"`{node.name}:` is not available yet in this workspace", node.position, node.length)

    def words(self) -> tuple[str, ...]:
        """The full-text terms that count for a match (not excluded ones), as typed; prefixes end in *."""
        seen: dict[str, None] = {}
        for node, positive in _walk(self.root):
            if positive and isinstance(node, Term):
                seen[node.text + ("*" if node.prefix else "")] = None
        return tuple(seen)

    def highlight_spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) character ranges of `text` to highlight: where the positive terms occur."""
        terms = [node for node, positive in _walk(self.root) if positive and isinstance(node, Term)]
        spans = token_spans(text)
        tokens = tuple(t for _, _, t in spans)
        hits = [
            (spans[i][0], spans[i + len(term.tokens) - 1][1])
            for term in terms
            for i in range(len(tokens))
            if _occurs_at(tokens, i, term)
        ]
        return _merge(hits)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def parse(text: str, *, allow_empty: bool = True) -> Query:
    """Parse query text. Raises QueryError (message, position, length) for anything the user must fix."""
    root = parse_tree(text)
    if root == MATCH_ALL and not allow_empty:
        raise QueryError("The query is empty: type at least one word or filter", 0, max(1, len(text)))
    return Query(text, root)

"""A query turned into one Python function of a post, for testing many posts against many queries (business
rules at ingest): the same semantics as Query.matches, without walking the tree and dispatching on node types
for every post. Each post's text and title are indexed once (`Indexed`), however many queries test it."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scrm_desktop.core.post import Post
from scrm_desktop.core.query import And, Field, Node, Not, Or, Query, Term
from scrm_desktop.core.query import _index as index_of
from scrm_desktop.core.query_fields import FIELDS


@dataclass(frozen=True, slots=True)
class Indexed:
    """A post with its text and title indexed for word and phrase tests, and their distinct words sorted (a
    prefix is then one binary search instead of a pass over every word)."""

    post: Post
    text: Any
    title: Any
    words: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())

    @classmethod
    def of(cls, post: Post) -> Indexed:
        text, title = index_of(post.text), index_of(post.title)
        return cls(post, text, title, (tuple(sorted(text.where)), tuple(sorted(title.where))))

    def with_post(self, post: Post) -> Indexed:
        """The same text and title indexes for a changed post (a rule tagged it or opened its case)."""
        return Indexed(post, self.text, self.title, self.words)


def _has_prefix(words: tuple[str, ...], prefix: str) -> bool:
    i = bisect_left(words, prefix)
    return i < len(words) and words[i].startswith(prefix)


Test = Callable[[Indexed], bool]


def compile_query(query: Query) -> Test:
    """The query as a function of an Indexed post; agrees with `query.matches(post)` post for post."""
    return _compile(query.root)


def _compile(node: Node) -> Test:
    if isinstance(node, Term):
        if len(node.tokens) == 1 and not node.prefix:  # the common case: one whole word, a dict lookup
            word = node.tokens[0]
            return lambda p: word in p.text.where or word in p.title.where
        if len(node.tokens) == 1:
            start = node.tokens[0]
            return lambda p: _has_prefix(p.words[0], start) or _has_prefix(p.words[1], start)
        return lambda p: p.text.has(node) or p.title.has(node)
    if isinstance(node, Field):
        test, key = FIELDS[node.name].test, node.key
        return lambda p: test(p.post, key, None)
    if isinstance(node, Not):
        inner = _compile(node.child)
        return lambda p: not inner(p)
    parts = tuple(_compile(child) for child in node.children)
    if isinstance(node, And):
        return _all(parts)
    assert isinstance(node, Or)
    return _any(parts)


def _all(parts: tuple[Test, ...]) -> Test:
    if len(parts) == 1:
        return parts[0]
    if len(parts) == 2:
        a, b = parts
        return lambda p: a(p) and b(p)

    def every(p: Indexed) -> bool:  # a plain loop: all() over a generator costs a frame per post
        for part in parts:  # noqa: SIM110
            if not part(p):
                return False
        return True

    return every


def _any(parts: tuple[Test, ...]) -> Test:
    if len(parts) == 2:
        a, b = parts
        return lambda p: a(p) or b(p)

    def some(p: Indexed) -> bool:
        for part in parts:  # noqa: SIM110
            if part(p):
                return True
        return False

    return some

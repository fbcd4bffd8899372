"""A query turned into one Python function of a post, for testing many posts against many queries (business
rules and topics at ingest): the same semantics as Query.matches, without walking the tree and dispatching on
node types for every post. Each post's text and title are indexed once (`Indexed`), however many queries test it.

`compile_batch` goes further for a whole batch: a query becomes set operations over the batch's posts (`IndexedBatch`,
which finds each word's posts once), so fifty rules cost fifty set expressions, not fifty tests of every post.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from scrm_desktop.core.post import Post
from scrm_desktop.core.query import And, Field, Node, Not, Or, Query, Term
from scrm_desktop.core.query import _index as index_of
from scrm_desktop.core.query_fields import FIELDS
from scrm_desktop.core.tokens import token_re


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


def _word_test(word: str, prefix: bool) -> Test:
    """One word in the text or the title (the common case: a dict lookup), or with `prefix` a word starting so."""
    if prefix:
        return lambda p: _has_prefix(p.words[0], word) or _has_prefix(p.words[1], word)
    return lambda p: word in p.text.where or word in p.title.where


def _compile(node: Node) -> Test:
    if isinstance(node, Term):
        if len(node.tokens) == 1:
            return _word_test(node.tokens[0], node.prefix)
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


Matches = frozenset[int] | set[int]


class IndexedBatch:
    """Posts by id, for `compile_batch`'s functions: a word's posts, a prefix's, a field's, each found once
    however many queries ask. An ASCII post is never tokenized for a word: its tokens are its runs of letters
    and digits, so a regex finds the word between two non-tokens; other posts are tokenized (`Indexed`)."""

    def __init__(self, posts: Mapping[int, Post]) -> None:
        self.posts = posts
        self.all: frozenset[int] = frozenset(posts)
        self._indexed: dict[int, Indexed] = {}
        self._lowered: dict[int, str | None] | None = None
        self._words: dict[tuple[str, bool], frozenset[int]] = {}
        self._fields: dict[tuple[str, str], frozenset[int]] = {}

    def indexed(self, post_id: int) -> Indexed:
        if (found := self._indexed.get(post_id)) is None:
            found = self._indexed[post_id] = Indexed.of(self.posts[post_id])
        return found

    def word(self, word: str, prefix: bool = False) -> frozenset[int]:
        """The posts whose text or title has the word (with `prefix`, a word starting with it)."""
        if (ids := self._words.get((word, prefix))) is None:
            in_ascii, test = _ascii_word(word, prefix).search, _word_test(word, prefix)
            found = []
            for pid, low in self.lowered().items():
                if low is None:
                    if test(self.indexed(pid)):
                        found.append(pid)
                elif word in low and in_ascii(low):
                    found.append(pid)
            ids = self._words[word, prefix] = frozenset(found)
        return ids

    def lowered(self) -> dict[int, str | None]:
        """Each post's title and text in lower case when both are ASCII (its folded tokens are then its runs
        of token characters), else None."""
        if self._lowered is None:
            self._lowered = {}
            for pid, post in self.posts.items():
                both = f"{post.title}\n{post.text}"
                self._lowered[pid] = both.lower() if both.isascii() else None
        return self._lowered

    def field(self, name: str, key: str) -> frozenset[int]:
        """The posts passing `name:key`."""
        if (ids := self._fields.get((name, key))) is None:
            test = FIELDS[name].test
            ids = frozenset(pid for pid, post in self.posts.items() if test(post, key, None))
            self._fields[name, key] = ids
        return ids

    def where(self, ids: Iterable[int], test: Test) -> frozenset[int]:
        """Those of `ids` whose indexed post passes `test`."""
        return frozenset(pid for pid in ids if test(self.indexed(pid)))


@functools.cache
def _ascii_token_class() -> str:
    """The ASCII characters tokens are made of (core.tokens: letters and digits), as a regex class."""
    return "[" + re.escape("".join(c for c in map(chr, range(128)) if token_re().fullmatch(c))) + "]"


@functools.lru_cache(maxsize=1024)
def _ascii_word(word: str, prefix: bool) -> re.Pattern[str]:
    """The folded token `word` (or a token starting with it) in a lower-cased ASCII text."""
    chars = _ascii_token_class()
    return re.compile(f"(?<!{chars}){re.escape(word)}" + ("" if prefix else f"(?!{chars})"))


BatchTest = Callable[[IndexedBatch], Matches]


def compile_batch(query: Query) -> BatchTest:
    """The query as a function of an IndexedBatch, giving the ids of the posts that match: the same posts as
    `query.matches`, by sets (a word's posts, intersections for AND, unions for OR, the rest for an exclusion)."""
    return _compile_batch(query.root)


def _compile_batch(node: Node) -> BatchTest:
    if isinstance(node, Term):
        return _term_batch(node)
    if isinstance(node, Field):
        name, key = node.name, node.key
        return lambda b: b.field(name, key)
    if isinstance(node, Not):
        inner = _compile_batch(node.child)
        return lambda b: b.all - inner(b)
    parts = tuple(_compile_batch(child) for child in node.children)
    if isinstance(node, And):
        return _intersection(parts)
    assert isinstance(node, Or)
    return _union(parts)


def _term_batch(node: Term) -> BatchTest:
    *whole, last = node.tokens

    def candidates(b: IndexedBatch) -> Matches:  # posts with every word of the term (a phrase needs them in order too)
        found = b.word(last, node.prefix)
        for word in whole:
            if not found:
                break
            found = found & b.word(word)
        return found

    if not whole:
        return candidates
    test = _compile(node)
    return lambda b: b.where(candidates(b), test)


def _intersection(parts: tuple[BatchTest, ...]) -> BatchTest:
    if not parts:  # the empty query matches every post
        return lambda b: b.all

    def every(b: IndexedBatch) -> Matches:
        found = parts[0](b)
        for part in parts[1:]:
            if not found:
                break
            found = found & part(b)
        return found

    return every


def _union(parts: tuple[BatchTest, ...]) -> BatchTest:
    def some(b: IndexedBatch) -> Matches:
        found: set[int] = set()
        for part in parts:
            found.update(part(b))
        return found

    return some

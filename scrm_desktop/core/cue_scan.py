"""Case-insensitive cue patterns that find exactly what their regex finds, faster (the classifier's cue families).

A `CuePattern` is the regex `head(?:unit|unit|...)tail` ignoring case (`.pattern`); `finditer(body)` gives its
matches. Three things make it fast without changing one match:
- A `Body` keeps the text lower-cased. Where lower-casing maps each character to one character of the same kind
  (word, digit, space) and no character folds to ASCII in another way (no Turkish dotted I, long s, Kelvin sign,
  Greek capital sigma), the lower-case pattern matched case-sensitively on the lower-cased text finds the same
  spans as the pattern ignoring case on the text. Other texts are searched with the pattern itself.
- Every match of a unit contains one of a few literals (core/regex_parts.py: "refund" for `refund\\w*`). All the
  patterns' literals found in a body are looked up once, in one pass; a unit none of whose literals is there
  cannot match and is not searched. Leaving out units that match nowhere changes no match.
- The units are split into the alternatives tried in turn at a position, each compiled to start with its literal
  (`refund(?<![\\w@#]refund)\\w*`), which Python's regex engine finds with a fast string search. The matches of
  the units that can match are merged as the alternation's would be: the leftmost wins, at a tie the earlier
  unit, and the search goes on after it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from re import _parser  # type: ignore[attr-defined]

from scrm_desktop.core.regex_parts import alternatives, lower_case_only, min_width, prefixed, required_literals

_ASCII_FOLD = re.compile(r"[\x00-\x7f]", re.IGNORECASE)  # matches every character that folds to ASCII
_CONTEXT_LOWER = "\u03a3"  # str.lower() of a capital sigma depends on its neighbours
_safe_chars: set[str] = {chr(c) for c in range(128)}
_unsafe_chars: set[str] = set()


def _char_lowers_alone(c: str) -> bool:
    low = c.lower()
    return (
        len(low) == 1
        and c != _CONTEXT_LOWER
        and not _ASCII_FOLD.match(c)
        and not _ASCII_FOLD.match(low)
        and c.isalnum() == low.isalnum()
        and c.isdecimal() == low.isdecimal()
        and c.isspace() == low.isspace()
    )


def lowers_alone(text: str) -> bool:
    """Whether lower-casing `text` keeps every match (see the module's docstring): true for ASCII text."""
    if text.isascii():
        return True
    chars = set(text)
    if chars <= _safe_chars:
        return True
    if chars & _unsafe_chars:
        return False
    for c in chars - _safe_chars:
        (_safe_chars if _char_lowers_alone(c) else _unsafe_chars).add(c)
    return not chars & _unsafe_chars


_LOCK = threading.RLock()  # the patterns and the index are compiled on first use, once


class _Index:
    """Every cue pattern, and (compiled on first use) under each literal the units that need it, and one regex
    that finds which literals a lower-cased text holds."""

    def __init__(self) -> None:
        self.patterns: list[CuePattern] = []
        self.version = 0
        self._compiled: tuple[re.Pattern[str], dict[str, tuple[str, ...]], dict[str, list[tuple[int, int]]]] | None
        self._compiled = None

    def register(self, pattern: CuePattern) -> int:
        """The new pattern's id."""
        with _LOCK:
            self.patterns.append(pattern)
            self.version += 1
            self._compiled = None
            return len(self.patterns) - 1

    def _compile(self) -> tuple[re.Pattern[str], dict[str, tuple[str, ...]], dict[str, list[tuple[int, int]]]]:
        with _LOCK:
            if self._compiled is None:
                users: dict[str, list[tuple[int, int]]] = {}  # literal -> (pattern id, unit)
                for pattern_id, pattern in enumerate(self.patterns):
                    for lit, units in pattern.compiled().by_literal.items():
                        users.setdefault(lit, []).extend((pattern_id, unit) for unit in units)
                known = sorted(users)
                prefixes = {s: tuple(p for p in known if s.startswith(p) and p != s) for s in known}
                finder = re.compile(f"(?=({_trie(known)}))" if known else "(?!)")
                self._compiled = (finder, prefixes, users)
            return self._compiled

    def plan(self, low: str) -> dict[int, list[int]]:
        """Per pattern id, its units (some more than once, in no order) that need a literal found in `low`. The
        finder gives, at every position, the longest literal that starts there; the shorter ones that start
        there are its prefixes."""
        finder, prefixes, users = self._compiled or self._compile()
        found = set(finder.findall(low))
        for s in list(found):
            found.update(prefixes[s])
        plan: dict[int, list[int]] = {}
        for lit in found:
            for pattern, unit in users[lit]:
                plan.setdefault(pattern, []).append(unit)
        return plan


def _trie(words: Sequence[str]) -> str:
    """A regex that matches the longest of `words` at a position (a trie: shared prefixes tried once)."""
    root: dict[str, dict] = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        parts = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not parts:
            return ""
        body = parts[0] if len(parts) == 1 and "" not in node else f"(?:{'|'.join(parts)})"
        return body + ("?" if "" in node else "")

    return emit(root)


INDEX = _Index()


class Body:
    """A text as the cue patterns read it: the text, lower-cased, whether the lower-cased text serves, and then
    which units of which patterns need a literal the text holds (`units`, as of INDEX `version`)."""

    __slots__ = ("low", "lowered", "text", "units", "version")

    def __init__(self, text: str) -> None:
        self.text = text
        self.lowered = lowers_alone(text)
        self.low = text.lower() if self.lowered else text
        self.units: dict[int, list[int]] = {}
        self.version = -1
        if self.lowered:
            self.refresh()

    def refresh(self) -> None:
        self.units, self.version = INDEX.plan(self.low), INDEX.version


class _Compiled:
    """A cue pattern compiled: the plain regex, its units' regexes, whether they serve, and which units need
    which literals (none: `always`)."""

    __slots__ = ("always", "by_literal", "fast", "pattern", "units")

    def __init__(self, units: Sequence[str], head: str, tail: str) -> None:
        self.pattern = re.compile(head + "(?:" + "|".join(units) + ")" + tail, re.IGNORECASE)
        grouped = bool(self.pattern.groups)
        parts = list(units) if grouped else [a for u in units for a in alternatives(u)]
        self.units = [re.compile(prefixed(head, part, tail)) for part in parts]
        self.fast = (
            (len(units) == 1 or not grouped)  # a unit's groups are numbered as in the pattern
            and lower_case_only(_parser.parse(self.pattern.pattern, re.IGNORECASE))
            and all(min_width(u.pattern) > 0 for u in self.units)  # no empty match to step over
        )
        needs = [required_literals(part) for part in parts]
        self.always = tuple(i for i, lits in enumerate(needs) if lits is None)
        by_literal: dict[str, list[int]] = {}
        for i, lits in enumerate(needs):
            for lit in sorted(lits or ()):
                by_literal.setdefault(lit, []).append(i)
        self.by_literal = by_literal


class CuePattern:
    """`head(?:units[0]|units[1]|...)tail` ignoring case (`pattern`), searched fast (see the module's docstring).
    `finditer(body)` gives the same matches as `pattern.finditer(body.text)`, on `body.low` when it serves; a
    pattern with groups has one unit. Compiled on first use (making one costs nothing at import)."""

    def __init__(self, units: Sequence[str], head: str = "", tail: str = "") -> None:
        self._source = (tuple(units), head, tail)
        self._compiled: _Compiled | None = None
        self._id = INDEX.register(self)

    def compiled(self) -> _Compiled:
        with _LOCK:
            if self._compiled is None:
                self._compiled = _Compiled(*self._source)
            return self._compiled

    @property
    def pattern(self) -> re.Pattern[str]:
        """The plain regex, ignoring case."""
        return (self._compiled or self.compiled()).pattern

    @property
    def fast(self) -> bool:
        """Whether its units serve on lower-cased text (else every text is searched with `pattern`)."""
        return (self._compiled or self.compiled()).fast

    def finditer(self, body: Body) -> list[re.Match[str]]:
        c = self._compiled or self.compiled()
        if body.version != INDEX.version or not c.fast:
            if not (c.fast and body.lowered):
                return list(c.pattern.finditer(body.text))
            body.refresh()  # a pattern made after the body
        found = body.units.get(self._id)
        if found is None:
            units: Sequence[int] = c.always
        elif len(found) == 1 and not c.always:
            units = found
        else:
            units = sorted(set(found).union(c.always))
        if len(units) == 1:
            return list(c.units[units[0]].finditer(body.low))
        return _merged([c.units[i] for i in units], body.low) if units else []

    def search(self, body: Body) -> re.Match[str] | None:
        found = self.finditer(body)
        return found[0] if found else None


def _merged(units: list[re.Pattern[str]], text: str) -> list[re.Match[str]]:
    """What `finditer` of the alternation of `units` (in this order) finds in `text`, from each unit's matches: the
    leftmost match (the first unit's at a tie) wins, and the search goes on after it. Matches are never empty."""
    out: list[re.Match[str]] = []
    ahead = [rx.search(text) for rx in units]
    while True:
        best: re.Match[str] | None = None
        for m in ahead:
            if m is not None and (best is None or m.start() < best.start()):
                best = m
        if best is None:
            return out
        out.append(best)
        end = best.end()
        for i, m in enumerate(ahead):
            if m is not None and m.start() < end:
                ahead[i] = units[i].search(text, end)

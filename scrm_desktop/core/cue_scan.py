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
from collections.abc import Mapping, Sequence
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


class _Index:
    """Under each literal, the units of the cue patterns that need it; and one regex that finds which literals a
    lower-cased text holds."""

    def __init__(self) -> None:
        self.users: dict[str, list[tuple[int, int]]] = {}  # literal -> (pattern id, unit)
        self.patterns = 0
        self.version = 0
        self._finder: re.Pattern[str] | None = None
        self._prefixes: dict[str, tuple[str, ...]] = {}

    def register(self, by_literal: Mapping[str, Sequence[int]]) -> int:
        """A new pattern's id; `by_literal`: its units under each of their literals."""
        pattern, self.patterns = self.patterns, self.patterns + 1
        for lit, units in by_literal.items():
            self.users.setdefault(lit, []).extend((pattern, unit) for unit in units)
        self.version += 1
        self._finder = None
        return pattern

    def plan(self, low: str) -> dict[int, list[int]]:
        """Per pattern id, its units (some more than once, in no order) that need a literal found in `low`. The
        finder gives, at every position, the longest literal that starts there; the shorter ones that start
        there are its prefixes."""
        if self._finder is None:
            known = sorted(self.users)
            self._prefixes = {s: tuple(p for p in known if s.startswith(p) and p != s) for s in known}
            self._finder = re.compile(f"(?=({_trie(known)}))" if known else "(?!)")
        found = set(self._finder.findall(low))
        for s in list(found):
            found.update(self._prefixes[s])
        plan: dict[int, list[int]] = {}
        users = self.users
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


class CuePattern:
    """`head(?:units[0]|units[1]|...)tail` ignoring case (`pattern`), searched fast (see the module's docstring).
    `finditer(body)` gives the same matches as `pattern.finditer(body.text)`, on `body.low` when it serves; a
    pattern with groups has one unit."""

    def __init__(self, units: Sequence[str], head: str = "", tail: str = "") -> None:
        self.pattern = re.compile(head + "(?:" + "|".join(units) + ")" + tail, re.IGNORECASE)
        grouped = bool(self.pattern.groups)
        parts = list(units) if grouped else [a for u in units for a in alternatives(u)]
        self._units = [re.compile(prefixed(head, part, tail)) for part in parts]
        self._fast = (
            (len(units) == 1 or not grouped)  # a unit's groups are numbered as in the pattern
            and lower_case_only(_parser.parse(self.pattern.pattern, re.IGNORECASE))
            and all(min_width(u.pattern) > 0 for u in self._units)  # no empty match to step over
        )
        needs = [required_literals(part) for part in parts]
        self._always = tuple(i for i, lits in enumerate(needs) if lits is None)
        by_literal: dict[str, list[int]] = {}
        for i, lits in enumerate(needs):
            for lit in sorted(lits or ()):
                by_literal.setdefault(lit, []).append(i)
        self._id = INDEX.register(by_literal)

    def finditer(self, body: Body) -> list[re.Match[str]]:
        if body.version != INDEX.version or not self._fast:
            if not (self._fast and body.lowered):
                return list(self.pattern.finditer(body.text))
            body.refresh()  # a pattern made after the body
        found = body.units.get(self._id)
        if found is None:
            units: Sequence[int] = self._always
        elif len(found) == 1 and not self._always:
            units = found
        else:
            units = sorted(set(found).union(self._always))
        if len(units) == 1:
            return list(self._units[units[0]].finditer(body.low))
        return _merged([self._units[i] for i in units], body.low) if units else []

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

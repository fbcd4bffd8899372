"""Case-insensitive cue patterns that find exactly what their regex finds, faster (the classifier's cue families).

A `CuePattern` is the regex `head(?:unit|unit|...)tail` ignoring case (`.pattern`); `finditer(body)` gives its
matches. Four things make it fast without changing one match:
- A `Body` keeps the text lower-cased. Where lower-casing maps each character to one character of the same kind
  (word, digit, space) and no character folds to ASCII in another way (no Turkish dotted I, long s, Kelvin sign,
  Greek capital sigma), the lower-case pattern matched case-sensitively on the lower-cased text finds the same
  spans as the pattern ignoring case on the text. Other texts are searched with the pattern itself.
- Every match of a unit contains one of a few literals (core/regex_parts.py: "refund" for `refund\\w*`). A body's
  runs of word characters say which literals it may hold (a literal's run of word characters sits inside one of
  them, or ends, starts or is one, as the literal says), each distinct run worked out once; literals without such a
  run are looked for as they are (those without a space once per distinct space-separated run of the text, in which
  they sit whole). A unit none of whose literals can be there cannot match and is not searched;
  leaving out units that match nowhere, or searching a few in vain, changes no match.
- Most units need a second literal as well: each match of `can't (?:\\w+ )?work\\w*` holds "can't " and "work"
  (regex_parts.second_literals; or, for a unit's one literal "still no repl", its runs "no" and "still" both). Both
  are necessary, so a unit is searched only when its first and its second literal can be there: its bit for the
  second sits, in the same int, the number of units higher (one look-up per distinct run still finds both).
- The units are split into the alternatives tried in turn at a position, each compiled to start with its literal
  (`refund(?<![\\w@#]refund)\\w*`), which Python's regex engine finds with a fast string search. The matches of
  the units that can match are merged as the alternation's would be: the leftmost wins, at a tie the earlier
  unit, and the search goes on after it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from functools import reduce
from operator import or_
from re import _parser  # type: ignore[attr-defined]

from scrm_desktop.core.regex_parts import (
    after_non_word,
    alternatives,
    literal_start,
    lower_case_only,
    min_width,
    prefixed,
    required_literals,
    second_literals,
)

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


_WORD_RUN = re.compile(r"\w+")


class _Runs(dict[str, int]):
    """A run of word characters -> the units (bits, see `_Index`) needing a literal whose chosen run of word
    characters (its piece) can be in it, worked out once per run: a piece the literal has between two non-word
    characters must be the whole run, one before a non-word character must end it, after one start it."""

    def __init__(self, pieces: dict[tuple[str, int], int]) -> None:
        super().__init__()
        self.whole = {piece: bits for (piece, how), bits in pieces.items() if how == _WHOLE}
        self.pieces = tuple((piece, how, bits) for (piece, how), bits in pieces.items() if how != _WHOLE)

    def __missing__(self, run: str) -> int:
        if len(self) >= _MAX_RUNS:
            self.clear()
        bits = self.whole.get(run, 0)
        for piece, how, units in self.pieces:
            if piece in run and (how == _INSIDE or (run.endswith(piece) if how == _ENDS else run.startswith(piece))):
                bits |= units
        self[run] = bits
        return bits


_INSIDE, _ENDS, _STARTS, _WHOLE = range(4)


def _pieces(lit: str, anchored: bool = False) -> list[tuple[str, int]]:
    """The runs of word characters of a literal that say something about the runs of a text holding it, and how
    each sits in them, those that say most first; none for runs that say little (of two characters at most, not a
    whole run). A text holding the literal has every one of them."""
    ranked: list[tuple[int, int, str, int]] = []
    for m in _WORD_RUN.finditer(lit):
        how = (_STARTS if m.start() or anchored else _INSIDE) | (_ENDS if m.end() < len(lit) else _INSIDE)
        if len(m.group(0)) > 2 or how == _WHOLE:
            ranked.append((how.bit_count(), len(m.group(0)), m.group(0), how))
    return [(run, how) for _, _, run, how in sorted(set(ranked), reverse=True)]


def _piece(lit: str, anchored: bool = False) -> tuple[str, int] | None:
    """The run of word characters of a literal that says most about the runs of a text holding it, and how it sits
    in them; None for a literal whose runs say little (none, or of two characters at most, not a whole run)."""
    pieces = _pieces(lit, anchored)
    return pieces[0] if pieces else None


_MAX_RUNS = 50_000  # a few MB at most; past it the cache starts again


class _Tokens(dict[str, int]):
    """A run of non-space characters -> the units (bits) its runs of word characters need (`_Runs`) and those of the
    literals without a usable run and without a space it holds (`symbols`), worked out once per distinct run: neither
    a run of word characters nor such a literal holds a space, so a text's are those of its space-separated runs, and
    the text's units are theirs together."""

    def __init__(self, runs: _Runs, symbols: tuple[tuple[str, int], ...]) -> None:
        super().__init__()
        self.runs = runs
        self.symbols = symbols

    def __missing__(self, token: str) -> int:
        if len(self) >= _MAX_RUNS:
            self.clear()
        bits = reduce(or_, map(self.runs.__getitem__, _WORD_RUN.findall(token)), 0)
        for lit, units in self.symbols:
            if lit in token:
                bits |= units
        self[token] = bits
        return bits


class _Plan:
    """The index compiled: each pattern's units are bits `offset`.. of one int, and the same bits shifted by `size`
    (the number of units) say a unit's second literal set may be there (`single`: the units without one); `tokens`
    finds, from a text's runs of non-space characters (through `runs`, its runs of word characters), the units
    needing a literal with word characters and those without one but without a space; `symbols` are the literals
    with neither (looked for in the whole text)."""

    __slots__ = ("runs", "single", "size", "symbols", "tokens")

    def __init__(self, runs: _Runs, symbols: tuple[tuple[str, int], ...], size: int, single: int) -> None:
        self.runs = runs
        spaced = tuple((lit, units) for lit, units in symbols if any(map(str.isspace, lit)))
        self.tokens = _Tokens(runs, tuple(item for item in symbols if item not in spaced))
        self.symbols = spaced
        self.size = size
        self.single = single


class _Index:
    """Every cue pattern, and (compiled on first use) which units of which patterns need a literal a lower-cased
    text holds, as the bits of one int per text.

    A literal found in a text has its longest run of word characters inside one of the text's runs of word
    characters: the units of every literal whose run is in one of the text's (worked out once per distinct run), and
    of every literal without word characters that the text holds, are all the units that can match, and a few
    more (a unit searched in vain finds nothing, so no match changes). A unit with a second literal set
    (`_Compiled.seconds`) needs one of both: its bit is set when the first is there and, `size` bits higher, when
    the second is, and `plan` keeps the units that have both (or have no second set)."""

    def __init__(self) -> None:
        self.patterns: list[CuePattern] = []
        self.version = 0
        self._compiled: _Plan | None = None

    def register(self, pattern: CuePattern) -> int:
        """The new pattern's id."""
        with _LOCK:
            self.patterns.append(pattern)
            self.version += 1
            self._compiled = None
            return len(self.patterns) - 1

    def _compile(self) -> _Plan:
        with _LOCK:
            if self._compiled is None:
                pieces: dict[tuple[str, int], int] = {}  # a literal's piece (_piece) -> the units needing it
                symbols: dict[str, int] = {}  # a literal without word characters -> the units needing it
                compiled = [pattern.compiled() for pattern in self.patterns]
                size = sum(len(c.units) for c in compiled)  # the second sets' bits are this many higher
                single = 0  # the units without a second set
                offset = 0
                for c in compiled:
                    c.place(offset)
                    for (lit, anchored), units in c.by_literal.items():
                        bits = sum(1 << (offset + unit) for unit in set(units))
                        piece = _piece(lit, anchored)
                        if piece is not None:
                            pieces[piece] = pieces.get(piece, 0) | bits
                        else:
                            symbols[lit] = symbols.get(lit, 0) | bits
                    for unit in range(len(c.units)):
                        if unit not in c.seconds:
                            single |= 1 << (offset + unit)
                    for unit, needs in c.seconds.items():
                        bit = 1 << (size + offset + unit)
                        for key in needs:
                            if isinstance(key, tuple):  # a piece (_pieces)
                                pieces[key] = pieces.get(key, 0) | bit
                            else:  # a literal without one
                                symbols[key] = symbols.get(key, 0) | bit
                    offset += len(c.units)
                self._compiled = _Plan(_Runs(pieces), tuple(symbols.items()), size, single)
            return self._compiled

    def plan(self, low: str) -> int:
        """The units (bits) whose literals `low` may hold (one of the first set, and one of the second if any)."""
        plan = self._compiled or self._compile()
        bits = reduce(or_, map(plan.tokens.__getitem__, low.split()), 0)
        for lit, units in plan.symbols:
            if lit in low:
                bits |= units
        return bits & (bits >> plan.size | plan.single)


INDEX = _Index()


class Body:
    """A text as the cue patterns read it: the text, lower-cased, whether the lower-cased text serves, and then
    which units of which patterns may match (`units`, bits as INDEX places them, as of its `version`)."""

    __slots__ = ("low", "lowered", "text", "units", "version")

    def __init__(self, text: str) -> None:
        self.text = text
        self.lowered = lowers_alone(text)
        self.low = text.lower() if self.lowered else text
        self.units = 0
        self.version = -1
        if self.lowered:
            self.refresh()

    def refresh(self) -> None:
        self.units, self.version = INDEX.plan(self.low), INDEX.version


class _Compiled:
    """A cue pattern compiled: the plain regex, its units' regexes, whether they serve, which units need which
    literals (none: `always`), and for a unit with a second necessary condition (`seconds`, see `_second`) what it
    needs too: one of these pieces of literals, or literals."""

    __slots__ = ("always", "by_literal", "fast", "full", "offset", "pattern", "picks", "seconds", "units")

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
        needs = [required_literals(part) or required_literals(part, shortest=1) for part in parts]
        self.always = tuple(i for i, lits in enumerate(needs) if lits is None)
        # a literal the unit's every match starts with, after a head that rules out a word character before it, starts
        # a run of word characters (anchored): the runs a text must hold for it are fewer
        anchored = after_non_word(head)
        by_literal: dict[tuple[str, bool], list[int]] = {}  # (literal, anchored) -> the units needing it
        seconds: dict[int, tuple[str | tuple[str, int], ...]] = {}
        for i, (part, lits) in enumerate(zip(parts, needs, strict=True)):
            start = literal_start(part) if anchored else ""
            if _WORD_RUN.match(start) and (lits is None or len(start) >= min(3, *map(len, lits))):
                by_literal.setdefault((start, True), []).append(i)
                first, first_anchored = frozenset([start]), True
            elif lits is None:
                continue
            else:
                for lit in sorted(lits):
                    by_literal.setdefault((lit, False), []).append(i)
                first, first_anchored = lits, False
            second = _second(part, first, first_anchored)
            if second:
                seconds[i] = second
        self.by_literal = by_literal
        self.seconds = seconds
        self.place(0)

    def place(self, offset: int) -> None:
        """Its units are bits `offset`.. of a Body's `units`."""
        self.offset = offset
        self.full = (1 << len(self.units)) - 1
        # its bits -> the units to search, in order
        self.picks: dict[int, tuple[re.Pattern[str], ...]] = {0: tuple(self.units[i] for i in self.always)}

    def pick(self, bits: int) -> tuple[re.Pattern[str], ...]:
        found = sorted({i for i in range(len(self.units)) if bits >> i & 1}.union(self.always))
        units = self.picks[bits] = tuple(self.units[i] for i in found)
        return units


def _second(part: str, first: frozenset[str], anchored: bool) -> tuple[str | tuple[str, int], ...]:
    """What every match of `part` needs besides one of the literals `first` (indexed as `_Index` does, `anchored`
    as there), as the pieces (`_pieces`) or, for literals without one, the literals to look for: one of the best
    second set of literals of two characters or more (`second_literals`) whose literals each have a piece other
    than the first set's (or none); else, when `first` is one literal with more than one piece, its next piece;
    else such a set of literals of one character ("@"); () for nothing more."""
    firsts = {_piece(lit, anchored) or lit for lit in first}
    pieces = _pieces(next(iter(first)), anchored) if len(first) == 1 else []
    for lits in [*second_literals(part, first), None, *second_literals(part, first, shortest=1)]:
        if lits is None:
            if len(pieces) > 1:
                return (pieces[1],)
            continue
        keys: list[str | tuple[str, int]] = []
        for lit in sorted(lits):
            found = _pieces(lit)
            other = [piece for piece in found if piece not in firsts]
            if other or (not found and lit not in firsts):
                keys.append(other[0] if other else lit)
            else:
                break  # this literal says nothing the first set does not
        else:
            return tuple(keys)
    return ()


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
        bits = body.units >> c.offset & c.full
        units = c.picks.get(bits)
        if units is None:
            units = c.pick(bits)
        if len(units) == 1:
            return list(units[0].finditer(body.low))
        return _merged(units, body.low) if units else []

    def search(self, body: Body) -> re.Match[str] | None:
        found = self.finditer(body)
        return found[0] if found else None


class CueSet:
    """Several cue patterns searched at once: `finditer(body)` is `[p.finditer(body) for p in patterns]`, in one loop
    over the patterns whose units may match (`Body.units`) rather than one call per pattern, most finding nothing.
    When every pattern serves on lower-cased text, none has a unit searched whatever the text holds (`always`) and
    none comes twice, that loop visits only the patterns one of whose bits is set, found by a string search in the
    bits' digits."""

    def __init__(self, patterns: Sequence[CuePattern]) -> None:
        self.patterns = tuple(patterns)
        self._version = -1
        # per pattern, as INDEX placed it: (offset, full, picks, compiled), or None for one searched as it is
        self._entries: tuple[tuple[int, int, dict[int, tuple[re.Pattern[str], ...]], _Compiled] | None, ...] = ()
        # when the bits alone say which patterns to search: per unit (bit) of INDEX, the place of its pattern here
        # (-1: a pattern of another set), and per place where its pattern's bits end; else () and ()
        self._owner: tuple[int, ...] = ()
        self._ends: tuple[int, ...] = ()
        self._nothing: tuple[tuple[()], ...] = ((),) * len(self.patterns)

    def _place(self) -> None:
        with _LOCK:
            INDEX.plan("")  # the index compiled, its patterns placed (`_Compiled.place` makes their picks anew)
            version = INDEX.version
            compiled = [p.compiled() for p in self.patterns]
            self._entries = tuple((c.offset, c.full, c.picks, c) if c.fast else None for c in compiled)
            if all(c.fast and not c.always for c in compiled) and len(set(map(id, compiled))) == len(compiled):
                owner = [-1] * sum(len(p.compiled().units) for p in INDEX.patterns)
                for place, c in enumerate(compiled):
                    owner[c.offset : c.offset + len(c.units)] = [place] * len(c.units)
                self._owner, self._ends = tuple(owner), tuple(c.offset + len(c.units) for c in compiled)
            else:
                self._owner, self._ends = (), ()
            self._version = version

    def finditer(self, body: Body) -> list[list[re.Match[str]]]:
        if body.version != INDEX.version or not body.lowered:
            return [p.finditer(body) for p in self.patterns]
        if self._version != body.version:
            self._place()
            if self._version != body.version:
                return [p.finditer(body) for p in self.patterns]
        units, low = body.units, body.low
        if self._owner:
            return self._sparse(units, low)
        out: list[list[re.Match[str]]] = []
        for entry, pattern in zip(self._entries, self.patterns):  # noqa: B905 (same length)
            if entry is None:
                out.append(pattern.finditer(body))
                continue
            offset, full, picks, c = entry
            bits = units >> offset & full
            found = picks.get(bits)
            if found is None:
                found = c.pick(bits)
            if not found:
                out.append([])
            elif len(found) == 1:
                out.append(list(found[0].finditer(low)))
            else:
                out.append(_merged(found, low))
        return out

    def _sparse(self, units: int, low: str) -> list[list[re.Match[str]]]:
        """`finditer`'s loop visiting only the patterns with a unit's bit set (a pattern without one searches
        nothing: it has no `always` unit): the set bits are the "1" digits of the bits written out, lowest first."""
        out: list[list[re.Match[str]]] = list(map(list, self._nothing))
        if not units:
            return out
        digits = bin(units)[:1:-1]  # digit k is bit k
        owner, ends, entries = self._owner, self._ends, self._entries
        k = digits.find("1")
        while k >= 0:
            place = owner[k]
            if place < 0:  # a unit of a pattern of another set
                k = digits.find("1", k + 1)
                continue
            offset, full, picks, c = entries[place]  # type: ignore[misc]
            bits = units >> offset & full
            found = picks.get(bits)
            if found is None:
                found = c.pick(bits)
            if len(found) == 1:
                out[place] = list(found[0].finditer(low))
            elif found:
                out[place] = _merged(found, low)
            k = digits.find("1", ends[place])
        return out


def _merged(units: Sequence[re.Pattern[str]], text: str) -> list[re.Match[str]]:
    """What `finditer` of the alternation of `units` (in this order) finds in `text`, from each unit's matches: the
    leftmost match (the first unit's at a tie) wins, and the search goes on after it. Matches are never empty. A
    unit that finds nothing from a position finds nothing further on (a match does not depend on where the search
    began): once one unit is left, the rest are its own matches."""
    out: list[re.Match[str]] = []
    ahead = [(m, rx) for rx in units if (m := rx.search(text)) is not None]
    while len(ahead) > 1:
        best = ahead[0][0]
        for m, _ in ahead:
            if m.start() < best.start():
                best = m
        out.append(best)
        end = best.end()
        moved: list[tuple[re.Match[str], re.Pattern[str]]] = []
        for m, rx in ahead:
            if m.start() >= end:
                moved.append((m, rx))
            elif (after := rx.search(text, end)) is not None:
                moved.append((after, rx))
        ahead = moved
    if ahead:
        m, rx = ahead[0]
        out.append(m)
        out.extend(rx.finditer(text, m.end()))
    return out

"""What every match of a regex must contain, and rewrites of a regex that match exactly the same (core/cue_scan.py
uses them to search cue patterns fast).

Reading a regex: `required_literals` (from the parsed regex: "refund" for `refund\\w*`, one of {"an", "issue"}...
for `(?:an |the )?issues?` is just "issue"), `second_literals` (another set every match holds one of: "work" for
`can't (?:\\w+ )?work\\w*` besides "can't "), `lower_case_only` (whether the regex ignoring case finds on a text
what it finds case-sensitively on the lower-cased text). Rewriting its source: `alternatives` splits a regex into the
alternatives tried in turn at a position (`a|b` -> a, b; `(?:a|b)?c` -> ac, bc, c), and `prefixed` moves a leading
literal in front of the lookbehind (`(?<![\\w@#])refund\\w*` -> `refund(?<![\\w@#]refund)\\w*`), so that Python's
regex engine looks for the literal with its fast string search instead of trying every position.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from itertools import pairwise
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]

Literals = frozenset[str]  # every match contains at least one of these
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
_SPECIAL = frozenset("\\.^$*+?{}[]()|")  # characters that are not themselves in a regex's source
_QUANTIFIERS = frozenset("?*+{")
MAX_ALTERNATIVES = 64  # a regex that would split into more is left whole


# ---- what every match contains ---------------------------------------------------------------------------------


def _minimal(found: Iterable[str]) -> Literals:
    """Drop literals that contain another one: any-of-these holds whenever the shorter one is there."""
    keep: list[str] = []
    for s in sorted(set(found), key=len):
        if not any(k in s for k in keep):
            keep.append(s)
    return frozenset(keep)


def _quality(lits: Literals) -> tuple[int, int]:
    return min(map(len, lits)), -len(lits)


def _candidates(items: Iterable[tuple[object, object]]) -> list[Literals]:
    """Literal sets that every match of this sequence of parsed items contains (each one on its own)."""
    out: list[Literals] = []
    run: list[str] = []
    for op, av in items:
        if op is sre.LITERAL:
            run.append(chr(av))  # type: ignore[arg-type]
            continue
        if run:
            out.append(frozenset(["".join(run)]))
            run = []
        if op is sre.SUBPATTERN:
            _group, add, remove, sub = av  # type: ignore[misc]
            if not add and not remove and (best := _best(sub)):
                out.append(best)
        elif op is sre.BRANCH:
            alternatives = [_best(alt) for alt in av[1]]  # type: ignore[index]
            if all(alternatives):
                out.append(_minimal(s for lits in alternatives for s in lits))  # type: ignore[union-attr]
        elif op in _REPEATS and av[0] >= 1 and (best := _best(av[2])):  # type: ignore[index]
            out.append(best)
    if run:
        out.append(frozenset(["".join(run)]))
    return out


def _best(items: Iterable[tuple[object, object]]) -> Literals | None:
    found = _candidates(items)
    return max(found, key=_quality) if found else None


def required_literals(regex: str, shortest: int = 2) -> Literals | None:
    """Literals one of which every match of `regex` contains (the most selective such set found: longest
    literals, then fewest), or None when no set of literals of `shortest` characters or more is certain."""
    best = _best(_parser.parse(regex))
    return best if best and _quality(best)[0] >= shortest else None


def literal_sets(regex: str, shortest: int = 2) -> list[Literals]:
    """Every set of literals found that each match of `regex` holds one of (each on its own, so a match holds one of
    each), the most selective first (longest literals, then fewest), of literals of `shortest` characters or more."""
    found = {lits for lits in _candidates(_parser.parse(regex)) if _quality(lits)[0] >= shortest}
    return sorted(found, key=lambda lits: (_quality(lits), sorted(lits)), reverse=True)


def second_literals(regex: str, first: Literals, shortest: int = 2) -> list[Literals]:
    """The sets of `literal_sets(regex, shortest)` that say something beyond `first` (a set every match holds one
    of, or the literal every match starts with), best first: those `first` does not imply (a set is implied when
    each literal of `first` holds one of its literals). Every match holds one of `first` and one of each of them."""
    return [lits for lits in literal_sets(regex, shortest) if not all(any(s in f for s in lits) for f in first)]


def _plain(c: int) -> bool:
    ch = chr(c)
    return not ch.isupper() if ch.isascii() else ch.lower() == ch.upper() == ch


def lower_case_only(items: Iterable[tuple[object, object]]) -> bool:
    """Whether the parsed regex matches on lower-cased text as it does, ignoring case, on the text: its characters
    are ASCII but not upper case, or have no case at all; no inline flags, no back references."""
    for op, av in items:
        if op in (sre.LITERAL, sre.NOT_LITERAL):
            ok = _plain(av)  # type: ignore[arg-type]
        elif op is sre.IN:
            ok = lower_case_only(av)  # type: ignore[arg-type]
        elif op is sre.RANGE:
            lo, hi = av  # type: ignore[misc]
            ok = hi < 128 and (hi < ord("A") or lo > ord("Z"))
        elif op is sre.SUBPATTERN:
            ok = not av[1] and not av[2] and lower_case_only(av[3])  # type: ignore[index]
        elif op is sre.BRANCH:
            ok = all(lower_case_only(alt) for alt in av[1])  # type: ignore[index]
        elif op in _REPEATS:
            ok = lower_case_only(av[2])  # type: ignore[index]
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            ok = lower_case_only(av[1])  # type: ignore[index]
        else:
            ok = op not in (sre.GROUPREF, sre.GROUPREF_EXISTS, sre.ATOMIC_GROUP)
        if not ok:
            return False
    return True


# ---- rewriting the source -------------------------------------------------------------------------------------


def _top_level(src: str) -> tuple[list[int], dict[int, int]] | None:
    """Positions of src's top-level "|", and each group's "(" -> its ")"; None if unbalanced."""
    bars: list[int] = []
    closes: dict[int, int] = {}
    opened: list[int] = []
    i = 0
    while i < len(src):
        ch = src[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":  # a class, up to its "]" ("]" right after "[" or "[^" is a member)
            i += 2 if src[i + 1 : i + 2] == "^" else 1
            i += 1 if src[i : i + 1] == "]" else 0
            while i < len(src) and src[i] != "]":
                i += 2 if src[i] == "\\" else 1
        elif ch == "(":
            opened.append(i)
        elif ch == ")":
            if not opened:
                return None
            closes[opened.pop()] = i
        elif ch == "|" and not opened:
            bars.append(i)
        i += 1
    return (bars, closes) if not opened else None


def _split(src: str) -> list[str] | None:
    shape = _top_level(src)
    if shape is None:
        return None
    cuts = [-1, *shape[0], len(src)]
    return [src[a + 1 : b] for a, b in pairwise(cuts)]


def alternatives(src: str) -> list[str]:
    """The regex `src` as alternatives tried in this order at each position, so that `(?:a|b|...)` of them
    matches exactly what `src` matches: top-level `a|b` splits, and a leading group is distributed over what
    follows it (`(?:a|b)c` -> ac, bc; greedy optional `(?:a|b)?c` -> ac, bc, c). `[src]` when there is nothing
    to split, a capturing or flagged group comes first, or it would give more than MAX_ALTERNATIVES."""
    out: list[str] = []
    for alt in _split(src) or [src]:
        shape = _top_level(alt)
        if shape is None or not alt.startswith("(?:"):
            out.append(alt)
            continue
        end = shape[1][0]
        after = alt[end + 1 : end + 3]
        optional = after[:1] == "?" and after[1:2] not in ("?", "+")
        if after[:1] in _QUANTIFIERS and not optional:
            out.append(alt)
            continue
        rest = alt[end + 2 :] if optional else alt[end + 1 :]
        if rest[:1].isdigit() or rest[:1] in _QUANTIFIERS:  # "\\1" + "2" would read as another escape
            out.append(alt)
            continue
        inner = _split(alt[3:end]) or [alt[3:end]]
        out.extend(part for x in inner for part in alternatives(x + rest))
        if optional:
            out.extend(alternatives(rest))
    return out if len(out) <= MAX_ALTERNATIVES else [src]


def _literal_prefix(src: str) -> str:
    """The literal characters `src` starts with (none followed by a quantifier): "refund" for `refund\\w*`."""
    n = 0
    while n < len(src) and src[n] not in _SPECIAL:
        n += 1
    while n and src[n : n + 1] and src[n] in _QUANTIFIERS:
        n -= 1
    return src[:n]


def literal_start(src: str) -> str:
    """The literal characters every match of `src` starts with ("" for none, or when a top-level "|" splits it)."""
    return _literal_prefix(src) if len(_split(src) or ()) == 1 else ""


def after_non_word(head: str) -> bool:
    """Whether `head` is a one-character negative lookbehind that rules out every word character (`(?<![\\w@#])`):
    what follows it starts a run of word characters, or is not a word character."""
    behind = _one_char_lookbehind(head)
    return behind is not None and re.fullmatch(r"\[\\w[^\]^\\]*\]", behind) is not None


def _one_char_lookbehind(head: str) -> str | None:
    """X when head is `(?<!X)` and X matches exactly one character."""
    if not (head.startswith("(?<!") and head.endswith(")")):
        return None
    items = _parser.parse(head).data
    if len(items) != 1 or items[0][0] is not sre.ASSERT_NOT or items[0][1][1].getwidth() != (1, 1):
        return None
    return head[4:-1]


def prefixed(head: str, src: str, tail: str) -> str:
    """A regex that matches exactly what `head(?:src)tail` matches, starting with src's literal prefix where head
    is a one-character negative lookbehind (or empty): `(?<!X)lit...` -> `lit(?<!Xlit)...`. `src` must not be
    split by a top-level "|" (see `alternatives`)."""
    prefix = _literal_prefix(src) if len(_split(src) or ()) == 1 else ""
    behind = _one_char_lookbehind(head) if prefix else None
    if behind is None:
        return f"{head}(?:{src}){tail}"
    lit = re.escape(prefix)
    return f"{lit}(?<!{behind}{lit})(?:{src[len(prefix) :]}){tail}"


def min_width(regex: str | Sequence[tuple[object, object]]) -> int:
    parsed = _parser.parse(regex) if isinstance(regex, str) else regex
    return int(parsed.getwidth()[0])

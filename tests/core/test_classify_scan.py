"""The classifier's fast cue search (core/cue_scan.py, core/regex_parts.py) finds exactly what the plain regexes find,
on texts made of the cue families' own words in every case, with characters that lower-case unusually."""

from __future__ import annotations

import random
import re
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]

import pytest

from scrm_desktop.core import classify
from scrm_desktop.core.cue_scan import Body, CuePattern, CueSet, _piece, lowers_alone
from scrm_desktop.core.regex_parts import alternatives, prefixed, required_literals

CUES = {name: value for name, value in vars(classify).items() if isinstance(value, CuePattern)}
CUES.update({f"LEAD[{i}]": pattern for i, pattern in enumerate(classify.LEAD)})
ODD = ["\u0130", "\u0131", "\u017f", "\u212a", "\u03a3", "\u00e9", "\u00c9", "\u00df", "\U0001f643", "\u00a0"]
GLUE = [" ", " ", " ", ", ", ". ", "? ", "! ", "'", "-", "@", "#", "/", "\n", "  ", ""]
FILLER = ["my", "the", "it", "not", "never", "is", "so", "2", "10h", "days", "laptop", "Corvex", "or", "vs"]


def _sample(items: object, rng: random.Random) -> str:
    """A random string the parsed regex could match (assertions left out, so not every one does)."""
    out = []
    for op, av in items:  # type: ignore[attr-defined]
        if op is sre.LITERAL:
            out.append(chr(av))
        elif op is sre.NOT_LITERAL or op is sre.ANY:
            out.append(rng.choice("xy 1"))
        elif op is sre.IN:
            members = [chr(v) for o, v in av if o is sre.LITERAL] + ["a", "7", " "] * any(
                o is sre.CATEGORY for o, _ in av
            )
            out.append(rng.choice(members or ["z"]))
        elif op is sre.BRANCH:
            out.append(_sample(rng.choice(av[1]), rng))
        elif op is sre.SUBPATTERN:
            out.append(_sample(av[3], rng))
        elif op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            out.extend(_sample(av[2], rng) for _ in range(rng.randint(av[0], min(av[1], av[0] + 2))))
    return "".join(out)


def _text(rng: random.Random, parsed: object) -> str:
    """Pieces the family's regex could match, in any case, with ordinary words, punctuation and odd characters."""
    out = []
    for _ in range(rng.randint(1, 8)):
        word = _sample(parsed, rng) if rng.random() < 0.6 else rng.choice(FILLER)
        word = rng.choice([word, word, word.upper(), word.title()])
        if rng.random() < 0.1:
            word = word.replace(rng.choice("iskeau"), rng.choice(ODD), 1)
        out.append(word + rng.choice(GLUE))
    return "".join(out)


def _found(matches: list[re.Match[str]]) -> list[tuple]:
    return [(m.span(), m.group(0).lower(), [g.lower() if g else g for g in m.groups()]) for m in matches]


@pytest.mark.parametrize("name", sorted(CUES))
def test_every_cue_family_finds_what_its_regex_finds(name: str) -> None:
    cue = CUES[name]
    rng = random.Random(name)
    parsed = _parser.parse(cue.pattern.pattern)
    matched = 0
    for _ in range(1000):
        text = _text(rng, parsed)
        expected = _found(list(cue.pattern.finditer(text)))
        assert _found(cue.finditer(Body(text))) == expected, text
        matched += bool(expected)
    assert matched > 250  # the texts do exercise the family


def test_a_cue_set_finds_what_each_regex_finds() -> None:
    """CueSet.finditer visits only the patterns whose bits are set (the classifier's set), or every pattern (a set
    with a pattern twice): both find what each pattern's regex finds, in the set's order."""
    scan = classify._SCAN
    twice = CueSet((classify.PROBLEM, classify.HELP, classify.PROBLEM))
    rng = random.Random(14)
    parsed = {name: _parser.parse(cue.pattern.pattern) for name, cue in CUES.items()}
    for _ in range(1500):
        text = "".join(_text(rng, parsed[rng.choice(sorted(CUES))]) for _ in range(3))
        body = Body(text)
        for cues in (scan, twice):
            expected = [_found(list(p.pattern.finditer(text))) for p in cues.patterns]
            assert [_found(found) for found in cues.finditer(body)] == expected, text
    assert scan._owner and not twice._owner  # the two ways were both taken


def test_every_cue_family_is_searched_the_fast_way() -> None:
    """A unit that cannot be searched on lower-cased text (an upper-case letter, a back reference) would make its
    whole family slow again: none does today."""
    assert all(cue.fast for cue in CUES.values())


@pytest.mark.parametrize(
    ("text", "lowered"),
    [
        ("Refund please", True),
        ("caf\u00e9 CR\u00c8ME \U0001f643", True),  # accents and emoji lower-case one to one
        ("D\u0130SASTER", False),  # Turkish dotted I: two characters lower-cased, and it matches "i" ignoring case
        ("bu\u017fineſs", False),  # long s matches "s" ignoring case
        ("5\u212a run", False),  # Kelvin sign lower-cases to ASCII "k"
        ("\u039f\u03a3 \u03a3\u039f\u03a3", False),  # capital sigma lower-cases by its neighbours
    ],
)
def test_which_texts_are_searched_lower_cased(text: str, lowered: bool) -> None:
    assert lowers_alone(text) is lowered


@pytest.mark.parametrize(
    ("source", "split"),
    [
        ("refund\\w*", ["refund\\w*"]),
        ("pls|plz", ["pls", "plz"]),
        ("(?:an |the )?issues?", ["an issues?", "the issues?", "issues?"]),
        ("(?:is|are|'s) down", ["is down", "are down", "'s down"]),
        ("(?:(?:new|good) )?laptop", ["new laptop", "good laptop", "laptop"]),
        ("(?:a|b)+c", ["(?:a|b)+c"]),  # a repeated group stays whole
        ("(?:a|b)??c", ["(?:a|b)??c"]),  # so does a lazy one
        ("(a|b)c", ["(a|b)c"]),  # and a capturing one
        ("[|(]x|y", ["[|(]x", "y"]),  # "|" and "(" in a class split nothing
    ],
)
def test_a_regex_splits_into_the_alternatives_tried_in_turn(source: str, split: list[str]) -> None:
    assert alternatives(source) == split


def test_a_unit_starts_with_its_literal_and_finds_the_same() -> None:
    head, tail = r"(?<![\w@#])", r"(?![\w])"
    rewritten = prefixed(head, r"refund\w*", tail)
    assert rewritten.startswith("refund")
    plain = re.compile(f"{head}(?:refund\\w*){tail}")
    for text in ("refund", "my refunds!", "#refund", "arefund refund", "@refund x refunded"):
        assert [m.span() for m in re.finditer(rewritten, text)] == [m.span() for m in plain.finditer(text)]
    assert prefixed(head, "(?:is|are) down", tail) == f"{head}(?:(?:is|are) down){tail}"  # nothing to move


def test_what_every_match_must_contain() -> None:
    assert required_literals("refund\\w*") == {"refund"}
    assert required_literals("(?:\\d+ ?h|\\w+ hours?) late") == {" late"}
    assert required_literals("(?:won'?t|not) work") == {" work"}
    assert required_literals("\\w+") is None


@pytest.mark.parametrize(
    ("head", "unit", "second", "first_only", "both"),
    [
        # the literal start "can" is indexed (anchored after the head), "work" is its second literal
        (
            r"(?<![\w@#])",
            r"can't (?:\w+ )?work\w*",
            (("work", 0),),
            "I can't sleep, it wont",
            "CAN'T really work, can't working",
        ),
        # one literal "still no repl": its run "no" is indexed, and the run "still" (ending a run) is needed too
        (
            "",
            "still no (?:reply|replies)",
            (("still", 1),),
            "no reply, no replies",
            "Still no reply. unstill no replies",
        ),
    ],
)
def test_a_unit_is_searched_only_when_its_second_literal_may_be_there(
    head: str, unit: str, second: tuple, first_only: str, both: str
) -> None:
    cue = CuePattern([unit], head=head, tail=r"(?![\w])")
    c = cue.compiled()
    assert c.seconds == {0: second}
    for text, searched in ((first_only, False), (both, True)):
        body = Body(text)
        indexed = [_piece(lit, anchored) for lit, anchored in c.by_literal]
        assert all(piece and piece[0] in body.low for piece in indexed), text  # its first literal's run is there
        assert bool(body.units >> c.offset & c.full) is searched, text
        assert _found(cue.finditer(body)) == _found(list(cue.pattern.finditer(text))), text
    assert cue.finditer(Body(first_only)) == []
    assert len(cue.finditer(Body(both))) == 2

"""The word, emoticon, emoji and phrase ratings the rules read: VADER's lexicon plus our own additions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

from scrm_desktop.core.sentiment.cs_lexicon import CS_NEUTRAL, CS_PHRASES, CS_WORDS, NEGATED_ONLY
from scrm_desktop.core.sentiment.emoji_lexicon import EMOJI_VALENCE

# VADER (Hutto & Gilbert 2014, MIT): negations, degree adverbs and idioms, as published with its lexicon.
NEGATORS = frozenset(
    """aint arent cannot cant couldnt darent didnt doesnt ain't aren't can't couldn't daren't didn't
    doesn't dont hadnt hasnt havent isnt mightnt mustnt neither don't hadn't hasn't haven't isn't
    mightn't mustn't neednt needn't never none nope nor not nothing nowhere oughtnt shant shouldnt uhuh
    wasnt werent oughtn't shan't shouldn't uh-uh wasn't weren't without wont wouldnt won't wouldn't
    rarely seldom despite no nobody
    """.split()  # noqa: SIM905
)
_UP, _DOWN = 0.293, -0.293
BOOSTERS: dict[str, float] = {
    **dict.fromkeys(
        """absolutely amazingly awfully completely considerable considerably decidedly deeply effing
        enormous enormously entirely especially exceptional exceptionally extreme extremely fabulously
        flipping flippin frackin fracking fricking frickin frigging friggin fully fuckin fucking fuggin
        fugging greatly hella highly hugely incredible incredibly intensely major majorly more most
        particularly purely quite really remarkably so substantially thoroughly total totally tremendous
        tremendously uber unbelievably unusually utter utterly very super sooo
        """.split(),  # noqa: SIM905
        _UP,
    ),
    **dict.fromkeys(
        """almost barely hardly kinda kindof kind-of less little marginal marginally occasional
        occasionally partly scarce scarcely slight slightly somewhat sorta sortof sort-of
        """.split(),  # noqa: SIM905
        _DOWN,
    ),
}
# Two-word dampeners ("kind of good"): matched as phrases that carry no valence of their own.
BOOSTER_PHRASES: dict[str, float] = {"kind of": _DOWN, "sort of": _DOWN, "just enough": _DOWN}

# VADER's special cases and idioms: the phrase replaces the words' own valence.
IDIOMS: dict[str, float] = {
    "the shit": 3.0, "the bomb": 3.0, "bad ass": 1.5, "badass": 1.5, "bus stop": 0.0, "yeah right": -2.0,
    "kiss of death": -1.5, "to die for": 3.0, "beating heart": 3.5, "cut the mustard": 2.0,
    "hand to mouth": -2.0, "back handed": -2.0, "blow smoke": -2.0, "blowing smoke": -2.0,
    "upper hand": 1.0, "break a leg": 2.0, "cooking with gas": 2.0, "in the black": 2.0, "in the red": -2.0,
    "on the ball": 2.0, "under the weather": -2.0,
}  # fmt: skip

_WORD_RE = re.compile(r"[^\W\d_]+(?:['\-][^\W\d_]+)*")


@dataclass(frozen=True, slots=True)
class Phrase:
    words: tuple[str, ...]
    valence: float
    consumed: int  # leading words the phrase takes over
    kind: str  # "phrase" (customer-service), "idiom", or "booster"


@dataclass(frozen=True, slots=True)
class Lexicon:
    words: dict[str, float]
    emoticons: dict[str, float]
    emoji: dict[str, float]
    negated_only: dict[str, float]
    phrases: dict[str, tuple[Phrase, ...]]  # first word -> candidates, longest first


def _vader_entries() -> list[tuple[str, float]]:
    text = resources.files("vaderSentiment").joinpath("vader_lexicon.txt").read_text(encoding="utf-8")
    entries = []
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2:
            entries.append((parts[0], float(parts[1])))
    return entries


def _phrase_index(items: list[Phrase]) -> dict[str, tuple[Phrase, ...]]:
    index: dict[str, list[Phrase]] = {}
    for phrase in items:
        index.setdefault(phrase.words[0], []).append(phrase)
    return {k: tuple(sorted(v, key=lambda p: -len(p.words))) for k, v in index.items()}


def _phrases(vader_multiword: dict[str, float]) -> list[Phrase]:
    items = [Phrase(tuple(k.split()), v, len(k.split()), "idiom") for k, v in {**vader_multiword, **IDIOMS}.items()]
    items += [Phrase(tuple(k.split()), v, n, "phrase") for k, (v, n) in CS_PHRASES.items()]
    items += [Phrase(tuple(k.split()), v, len(k.split()), "booster") for k, v in BOOSTER_PHRASES.items()]
    return items


@cache
def load() -> Lexicon:
    """The merged lexicon (read once from the vaderSentiment package, then kept)."""
    words: dict[str, float] = {}
    emoticons: dict[str, float] = {}
    multiword: dict[str, float] = {}
    for entry, valence in _vader_entries():
        if " " in entry:
            multiword[entry] = valence
        elif _WORD_RE.fullmatch(entry):
            words[entry] = valence
        elif not entry.isalnum():  # numeric slang ("143", "86") reads as numbers in today's posts
            emoticons[entry] = valence
    words.update(CS_WORDS)
    for word in CS_NEUTRAL:
        words.pop(word, None)
    for word in BOOSTERS:
        words.pop(word, None)  # a booster modifies its neighbour; it is not a cue of its own
    return Lexicon(words, emoticons, dict(EMOJI_VALENCE), dict(NEGATED_ONLY), _phrase_index(_phrases(multiword)))

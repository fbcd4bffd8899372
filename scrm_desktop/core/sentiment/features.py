"""The features the learned sentiment model reads: words (negation-scoped), word pairs, emoji, emoticons, hashtags,
"!"/"?", links, and the lexicon's ratings of the words. Pure Python, one regex pass, no allocation per feature."""

from __future__ import annotations

import re
from collections.abc import Mapping

from scrm_desktop.core.sentiment.lexicon import NEGATORS
from scrm_desktop.core.sentiment.tokens import clean

# One pass, no named groups (the first character tells the kind): links, handles, hashtags, emoticons, words,
# emoji, "!"/"?" runs, clause punctuation. Simpler than the rules' tokenizer (which lists all of VADER's
# emoticons) and three times faster; the common emoticons are covered.
_TOKEN_RE = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|(?<![\w@])@\w+"
    r"|(?<![\w&])#\w+"
    r"|(?<!\w)(?:[:;=8][-'^o]?[)(\]\[dDpP/\\|*3$@oO]|<3+|</3|\^_*\^|[xX][dD](?!\w)|[)(][-']?[:;=])(?![\w)(])"
    r"|[^\W\d_]+(?:['’\-][^\W\d_]+)*"
    "|[\u2190-\u21ff\u2300-\u23ff\u2460-\u24ff\u25a0-\u27bf\u2900-\u297f\u2b00-\u2bff\u3030\u303d"
    "\U0001f000-\U0001f3fa\U0001f400-\U0001faff]"
    r"|[!?]+|[.,;:…]+"
)
_ELONGATED_RE = re.compile(r"(\w)\1{2,}")
_NEGATION_REACH = 3  # words after a negator that it turns ("not very good at all": very, good, at)
LINK = "<link>"
EXCLAIM = "!"
ASK = "?"
LEX_POS = "<lexicon +>"  # dense: sum of the lexicon's positive ratings of the post's words (/4)
LEX_NEG = "<lexicon ->"  # dense: sum of its negative ratings (/4), negated words flipped
RULES_POS = "<rules +>"  # dense, combined model only: SocialAnalyzer's evidence when it points up (/4)
RULES_NEG = "<rules ->"  # ...and when it points down
DENSE = (LEX_POS, LEX_NEG, RULES_POS, RULES_NEG)


def tokens(text: object) -> list[str]:
    """The post's tokens, as written (cleaned first: any input is accepted)."""
    return _TOKEN_RE.findall(clean(text))


def _norm(word: str) -> str:
    low = word.lower().replace("’", "'")
    if len(low) > 3 and _ELONGATED_RE.search(low):
        low = _ELONGATED_RE.sub(r"\1\1", low)
    return low


def extract(text: object, lexicon: Mapping[str, float]) -> tuple[dict[str, float], dict[str, float]]:
    """(features -> value, word -> its signed lexicon rating /4 as counted in LEX_POS/LEX_NEG).

    Words within three words after a negator (and before a clause break) become "not <word>"; pairs of adjacent
    words ("customer service", "not working") are features of their own; handles are never read (they name
    accounts, and which accounts a training set talks to says nothing about the next post).
    """
    feats: dict[str, float] = {}
    rated: dict[str, float] = {}
    prev = ""
    negated = 0
    for tok in tokens(text):
        first = tok[0]
        if first == "@" and len(tok) > 1:
            prev = ""
            continue
        if first in "!?":
            feats[EXCLAIM if "!" in tok else ASK] = 1.0
            if "?" in tok and "!" in tok:
                feats[ASK] = 1.0
            prev, negated = "", 0
            continue
        if first in ".,;:…":
            prev, negated = "", 0
            continue
        if tok.startswith(("http", "www.")):
            feats[LINK] = 1.0
            prev = ""
            continue
        if first == "#" and len(tok) > 1:
            feats[tok.lower()] = 1.0
            tok = tok[1:]
        if not tok[0].isalpha():  # emoji, emoticon
            feats[tok] = feats.get(tok, 0.0) + 1.0
            _rate(tok, lexicon.get(tok), feats, rated)
            prev = ""
            continue
        low = _norm(tok)
        if low in NEGATORS or low.endswith("n't"):
            feats[low] = feats.get(low, 0.0) + 1.0
            if prev:
                feats[prev + " " + low] = 1.0
            prev, negated = low, _NEGATION_REACH
            continue
        key = "not " + low if negated else low
        negated = max(0, negated - 1)
        feats[key] = feats.get(key, 0.0) + 1.0
        if prev:
            feats[prev + " " + low] = 1.0
        prev = low
        valence = lexicon.get(low)
        if valence:
            _rate(key, -valence if key[0:4] == "not " else valence, feats, rated)
    return feats, rated


def _rate(key: str, valence: float | None, feats: dict[str, float], rated: dict[str, float]) -> None:
    if valence:
        signed = valence / 4.0
        rated[key] = rated.get(key, 0.0) + signed
        dense = LEX_POS if signed > 0 else LEX_NEG
        feats[dense] = feats.get(dense, 0.0) + signed

"""The features the learned sentiment model reads: words (negation-scoped), word pairs, emoji, emoticons, hashtags,
"!"/"?", links, the lexicon's ratings of the words, the rules' own cues (customer-service phrases, verbs that
only complain when negated, hashtag verdicts) and the rule-based analyzer's whole evidence. Pure Python, one regex
pass, a cached class per distinct token (and the rules' own pass for their evidence)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING

from scrm_desktop.core.sentiment.lexicon import NEGATORS, load
from scrm_desktop.core.sentiment.tokens import clean

if TYPE_CHECKING:
    from scrm_desktop.core.sentiment.social import SocialAnalyzer

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
CUES_POS = "<rule cues +>"  # dense: the rules' own cues (phrases, negated-only verbs, hashtag verdicts) (/4)
CUES_NEG = "<rule cues ->"
RULES_POS = "<rules +>"  # dense: SocialAnalyzer's evidence z (/4) when it is positive (stacking the rules)
RULES_NEG = "<rules ->"  # ... when it is negative: each sign has its own weight
DENSE = (LEX_POS, LEX_NEG, CUES_POS, CUES_NEG, RULES_POS, RULES_NEG)

# Token classes, computed once per distinct token (a post's tokens are mostly ones seen before).
_SKIP, _EXCLAIM, _ASK, _BOTH, _BREAK, _LINK, _TAG, _SYMBOL, _NEGATOR, _WORD = range(10)
_CACHE_LIMIT = 200_000


def tokens(text: object) -> list[str]:
    """The post's tokens, as written (cleaned first: any input is accepted)."""
    return _TOKEN_RE.findall(clean(text))


def _norm(word: str) -> str:
    low = word.lower().replace("’", "'")
    if len(low) > 3 and _ELONGATED_RE.search(low):
        low = _ELONGATED_RE.sub(r"\1\1", low)
    return low


def _classify(tok: str) -> tuple[int, str]:
    first = tok[0]
    if first == "@" and len(tok) > 1:
        return _SKIP, ""
    if first in "!?":
        return (_BOTH if "?" in tok else _EXCLAIM) if "!" in tok else _ASK, ""
    if first in ".,;:…":
        return _BREAK, ""
    if tok.startswith(("http", "www.")):
        return _LINK, ""
    if first == "#" and len(tok) > 1:
        return _TAG, tok.lower()
    if not first.isalpha():
        return _SYMBOL, tok
    low = _norm(tok)
    if low in NEGATORS or low.endswith("n't"):
        return _NEGATOR, low
    return _WORD, low


_classes: dict[str, tuple[int, str]] = {}


def counts(text: object) -> dict[str, float]:
    """The post's sparse features: key -> value (words, emoji and negated words count; pairs, hashtags and the
    "!", "?", link flags are 0/1).

    Words within three words after a negator (and before a clause break) become "not <word>"; pairs of adjacent
    words ("customer service", "not working") are features of their own; handles are never read (they name
    accounts, and which accounts a training set talks to says nothing about the next post).
    """
    feats: dict[str, float] = {}
    prev = ""
    negated = 0
    classes = _classes
    if len(classes) > _CACHE_LIMIT:
        classes.clear()
    for tok in _TOKEN_RE.findall(clean(text)):
        found = classes.get(tok)
        if found is None:
            found = classes[tok] = _classify(tok)
        kind, low = found
        if kind == _WORD:
            if negated:
                key = "not " + low
                negated -= 1
            else:
                key = low
            feats[key] = feats.get(key, 0.0) + 1.0
            if prev:
                feats[prev + " " + low] = 1.0
            prev = low
        elif kind == _SKIP:
            prev = ""
        elif kind == _NEGATOR:
            feats[low] = feats.get(low, 0.0) + 1.0
            if prev:
                feats[prev + " " + low] = 1.0
            prev, negated = low, _NEGATION_REACH
        elif kind == _SYMBOL:
            feats[low] = feats.get(low, 0.0) + 1.0
            prev = ""
        elif kind == _TAG:
            feats[low] = 1.0
            word = low[1:]
            if word[0].isalpha():
                word = _norm(word)
                key = "not " + word if negated else word
                negated = max(0, negated - 1)
                feats[key] = feats.get(key, 0.0) + 1.0
                if prev:
                    feats[prev + " " + word] = 1.0
                prev = word
            else:
                feats[word] = feats.get(word, 0.0) + 1.0
                prev = ""
        elif kind == _BREAK:
            prev, negated = "", 0
        elif kind == _LINK:
            feats[LINK] = 1.0
            prev = ""
        else:
            if kind != _ASK:
                feats[EXCLAIM] = 1.0
            if kind != _EXCLAIM:
                feats[ASK] = 1.0
            prev, negated = "", 0
    return feats


@cache
def ratings() -> dict[str, tuple[str, float]]:
    """Feature key -> (dense feature, signed rating /4): what a key adds to the lexicon and rule-cue features.

    The lexicon's words, emoticons and emoji (a negated word flipped), and the rules' cues: customer-service
    phrases and idioms of two words ("still waiting", "on hold"), verbs that only complain when negated
    ("not working", "never arrived"), run-together hashtag verdicts ("#epicfail").
    """
    lex = load()
    out: dict[str, tuple[str, float]] = {}

    def put(key: str, dense_pos: str, dense_neg: str, valence: float) -> None:
        if valence:
            out[key] = (dense_pos if valence > 0 else dense_neg, valence / 4.0)

    for table in (lex.words, lex.emoticons, lex.emoji):
        for key, valence in table.items():
            put(key, LEX_POS, LEX_NEG, valence)
    for key, valence in lex.words.items():
        put("not " + key, LEX_POS, LEX_NEG, -valence)
    for key, valence in lex.negated_only.items():
        put("not " + key, CUES_POS, CUES_NEG, valence)
    for candidates in lex.phrases.values():
        for phrase in candidates:
            if len(phrase.words) == 2 and phrase.kind != "booster":
                put(" ".join(phrase.words), CUES_POS, CUES_NEG, phrase.valence)
    return out


def tag_rating(key: str) -> float:
    """A run-together hashtag's verdict ("#careerfail" -> the rules' rating of "fail"), 0 when none."""
    from scrm_desktop.core.sentiment.rules import _tag_suffix_valence

    return _tag_suffix_valence(key[1:]) / 4.0 if key[:1] == "#" else 0.0


@cache
def rules_analyzer() -> SocialAnalyzer:
    """The rule-based analyzer whose evidence the model reads (one per process, shipped weights)."""
    # Imported on first use (like tag_rating's import): importing the features does not load the rule engine.
    from scrm_desktop.core.sentiment.social import SocialAnalyzer

    return SocialAnalyzer()


def rule_evidence(text: object) -> list[tuple[str, float, str]]:
    """The rule-based analyzer's evidence for the post, /4 like the ratings: (cue, signed evidence, kind) of each
    cue and clause effect ("not working", "but: the later clause counts more"); they add up to its z/4."""
    return [(cue, weight / 4.0, kind) for cue, weight, kind in rules_analyzer().evidence(text)]


def extract(text: object, lexicon: Mapping[str, tuple[str, float]] | None = None) -> dict[str, float]:
    """`counts` plus the dense features (lexicon and rule-cue ratings summed, the rules' evidence by its sign):
    what the model is trained on."""
    rated = ratings() if lexicon is None else lexicon
    feats = counts(text)
    dense: dict[str, float] = {}
    for key, value in feats.items():
        found = rated.get(key)
        if found is not None:
            dense[found[0]] = dense.get(found[0], 0.0) + value * found[1]
        elif key[0] == "#" and (verdict := tag_rating(key)):
            name = CUES_POS if verdict > 0 else CUES_NEG
            dense[name] = dense.get(name, 0.0) + verdict
    z = sum(weight for _, weight, _ in rule_evidence(text))
    if z:
        dense[RULES_POS if z > 0 else RULES_NEG] = z
    feats.update(dense)
    return feats

"""The rules that turn tokens into sentiment cues: negation, intensifiers, caps, elongation, "but", questions."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from scrm_desktop.core.sentiment.lexicon import BOOSTERS, NEGATORS, Lexicon, Phrase
from scrm_desktop.core.sentiment.tokens import CLAUSE_PUNCT, Token, is_clause_break, split_camel

_ELONGATED_RE = re.compile(r"(\w)\1{2,}")
_PLAIN, _PHRASE_ONLY, _CUE = 0, 1, 2  # what a word can do (RuleEngine._role)...
_CONTRAST = 4  # ...plus this flag for "but", "however", "except"
# What a word does in the look-back window before a cue (RuleEngine._look_back): nothing, stop the window, maybe
# modify the cue (an intensifier or a negator), or depend on where it stands ("pretty", "real").
_INERT, _STOPS, _MODIFIER, _ADVERB = 1, 2, 3, 4
_CONTRASTS = frozenset({"but", "however", "except"})
# "like" is a verb of liking only after a subject or an adverb ("I like", "really like"); elsewhere it is
# a preposition or filler ("looks like rain", "like, whatever").
_LIKE_SUBJECTS = frozenset(
    """i we you they u ya really totally just would i'd we'd you'd they'd do does did don't dont didn't
    didnt doesn't doesnt also still all definitely kinda sorta so much def
    """.split()  # noqa: SIM905
)
# "I can't believe how bad ...", "couldn't believe how good ...": the words after "believe" are meant, not negated.
_DISBELIEF = frozenset({"can't", "cant", "cannot", "couldn't", "couldnt"})
# Laughter and exclamations keep their own sign: "not the latter lol" is not a negated laugh.
# Adjectives that act as intensifiers in front of another sentiment word.
_ADVERB_BEFORE_CUE = frozenset({"pretty", "real"})
_NO_HANDLES: frozenset[str] = frozenset()
_FILLERS = frozenset({"like", "well"})  # rated words that say nothing in some places (RuleEngine._is_filler)
_INTERJECTIONS = frozenset(
    """lol lmao lmfao rofl haha hahaha hehe yay wow ugh argh meh ha omg
    """.split()  # noqa: SIM905
)


# Sarcasm: praise words that people use ironically, the words that may stand beside them in an opening
# ("Oh just great,"), and the explicit markers.
_SARCASTIC_PRAISE = frozenset(
    """great perfect wonderful fantastic awesome brilliant lovely nice super terrific splendid excellent fabulous
    marvelous marvellous cool sweet yay thanks
    """.split()  # noqa: SIM905
)
_SARCASM_FILLERS = frozenset("oh just so wow well how yeah ah gee really real thanks thank you a lot".split())  # noqa: SIM905
_OPENING_WORDS = _SARCASTIC_PRAISE | _SARCASM_FILLERS
_SARCASM_TAGS = frozenset({"#not", "#sarcasm", "#sarcastic"})
_LOVE = frozenset({"love", "loving", "enjoy", "adore"})
_THANKS_FILLERS = frozenset({"you", "a", "lot", "so", "much", "very"})
_THANKS = frozenset({"thanks", "thank", "thx", "tx", "ty"})
# The only words whose praise _sarcastic can turn (or the courtesy rule can zero): without one, a post that is not
# marked keeps its praise as it is.
_TURNABLE = _SARCASTIC_PRAISE | _LOVE | _THANKS

# Run-together hashtags ("#epicfail", "#travelwoes") put their verdict last; only endings that cannot be part of
# a neutral word are read ("win" is #darwin, "rage" is #storage, "happy" is #unhappy).
_TAG_SUFFIXES: dict[str, float] = {
    "fail": -2.0,
    "fails": -2.0,
    "ftw": 2.0,
    "love": 2.6,
    "hate": -2.6,
    "sucks": -2.0,
    "blues": -1.2,
    "woes": -1.8,
    "awesome": 3.0,
    "fml": -2.4,
    "rocks": 1.8,
}


@dataclass(frozen=True, slots=True)
class RuleParams:
    """Rule strengths. Defaults are VADER's published constants; training may refine them (see weights.py)."""

    negation: float = -0.74  # a negated cue keeps 74% of its strength, flipped
    booster: float = 0.293  # per intensifier ("very"), fading with distance
    caps: float = 0.733  # an ALL-CAPS cue in mixed-case text
    elongation: float = 0.293  # "goooood"
    but_before: float = 0.5  # cues before "but" count half...
    but_after: float = 1.5  # ...and after it half again as much
    question: float = 1.0  # a word cue inside a question...
    question_only: float = 1.0  # ...in a post that only asks ("Is the new update any good?")
    name: float = 1.0  # a word inside a run of Title Case words (names, headlines: "Miracle Whip")
    link: float = 1.0  # every cue of a post that carries a link (headlines, promotions)
    sarcasm: float = -0.74  # praise read as sarcasm ("Great. Another delay.", "#not", "/s") turns, like a negation
    exclaim: float = 0.292  # per "!" (up to four)


@dataclass(slots=True)
class Cue:
    label: str  # what the user reads: "not bad", "😡", "#fail", "still waiting"
    valence: float  # after word-level rules (negation, intensifiers, caps, elongation)
    kind: str  # word, emoji, emoticon, hashtag, phrase, idiom, negation
    index: int
    but: float = 1.0  # clause-level factors, kept apart so each can be explained on its own
    question: float = 1.0
    context: float = 1.0  # inside a name/headline, or in a post that carries a link
    sarcasm: float = 1.0  # praise that the rest of the post shows to be sarcastic
    courtesy: float = 1.0  # thanks in a post that otherwise only complains: politeness, not praise

    @property
    def adjusted(self) -> float:
        return self.valence * self.but * self.question * self.context * self.sarcasm * self.courtesy


@dataclass(slots=True)
class Extraction:
    cues: list[Cue] = field(default_factory=list)
    emphasis: float = 0.0  # unsigned: "!!!" strengthens whichever way the cues point
    emphasis_label: str = ""


class RuleEngine:
    """Finds the cues in a token list. Stateless apart from its lexicon and parameters."""

    def __init__(self, lexicon: Lexicon, params: RuleParams) -> None:
        self.lex = lexicon
        self.p = params
        # What a word can do (_role): most words of a post carry nothing; many others ("the", "to") only start a
        # phrase. Remembered per distinct word so the loop skips them without a look-up chain.
        self._roles: dict[str, int] = {}
        self._looked_up: dict[str, tuple[float | None, bool]] = {}  # word -> _lookup's answer
        self._phrases_from = _phrases_by_first_two(lexicon.phrases)
        # extract() skips the later words of a phrase it has read: it looks for a contrast word among them only if a
        # phrase can hold one there (none does today).
        self._contrast_in_phrases = any(
            _CONTRASTS.intersection(p.words[1:]) for ps in lexicon.phrases.values() for p in ps
        )
        self._look_backs: dict[str, int] = {}  # word -> _look_back's answer

    def extract(self, tokens: list[Token], handles_possible: bool = True) -> Extraction:
        """One pass over the tokens finds the cues and, on the way, what the clause, sarcasm and punctuation rules
        ask of the whole post (a `_Shape`); those rules then reweigh the cues. `handles_possible=False`: the caller
        knows no token is an @handle (its text has no "@"), so the post's handles need not be looked for.

        This loop runs for every token of every ingested post, hence one long loop: a second pass over the tokens
        cost a tenth of the analyzer's time, and most words end at the `_PLAIN` check."""
        out = Extraction()
        skip_until = 0
        boosted: dict[int, float] = {}  # token index -> booster strength from a two-word dampener ("kind of")
        # A word that repeats an @handle of the same post names that account: "@united UNITED lost my bag".
        handles: frozenset[str] | set[str] = _NO_HANDLES  # gathered at the first word that is not plain
        cap_diff: _CapDifferential | None = None  # worked out only if a cue is in capitals
        # The post's shape: the first contrast, a link, the sentences that ask, a sarcasm marker, "!" and "?".
        contrast: int | None = None
        has_link = marked = False
        asked: list[bool] | None = None  # per token: in a sentence ending with "?" (made at the first)
        sentence = bangs = asks = 0  # where the sentence being read starts
        said = in_sentence = False  # a word outside any question / in the sentence being read
        roles = self._roles
        if len(roles) > 100_000:
            roles.clear()
            self._look_backs.clear()
        known = roles.get
        phrases_from = self._phrases_from
        for i, tok in enumerate(tokens):
            if i < skip_until:  # the later words of a phrase
                continue
            kind = tok.kind
            if kind == "word":
                in_sentence = True
                low = tok.low
                role = known(low)
                if role is None:
                    role = roles[low] = self._role(low)
                if role == _PLAIN:
                    continue
                if role & _CONTRAST:
                    if contrast is None:
                        contrast = i
                    role ^= _CONTRAST
                    if role == _PLAIN:
                        continue
                phrase = None
                if role == _PHRASE_ONLY:  # what _word does with it: a phrase that starts here, or nothing
                    longer, single = phrases_from[low]
                    if single is None and (i + 1 == len(tokens) or tokens[i + 1].low not in longer):
                        continue  # most words that start a phrase ("the", "to") are not followed by one
                    phrase = self._phrase_at(tokens, i)
                    if phrase is None:
                        continue
                if cap_diff is None:
                    if handles_possible:
                        handles = {t.low[1:] for t in tokens if t.kind == "handle"}
                    cap_diff = _CapDifferential(tokens)
                if low in handles:
                    continue
                if phrase is not None:
                    skip_until = self._phrase(tokens, i, phrase, cap_diff, boosted, out.cues)
                else:
                    skip_until = self._word(tokens, i, cap_diff, boosted, out.cues)
                if contrast is None and self._contrast_in_phrases:
                    contrast = next((j for j in range(i + 1, skip_until) if tokens[j].low in _CONTRASTS), None)
            elif kind == "punct":
                raw = tok.raw
                if raw[0] in "!?":
                    bangs += raw.count("!")
                    asks += raw.count("?")
                if raw[-1] in ".!?…":  # the end of a sentence
                    if "?" in raw:
                        if asked is None:
                            asked = [False] * len(tokens)
                        asked[sentence : i + 1] = [True] * (i + 1 - sentence)
                    else:
                        said = said or in_sentence
                    sentence, in_sentence = i + 1, False
            elif kind == "hashtag":
                marked = marked or tok.low in _SARCASM_TAGS
                self._hashtag(tok, i, out.cues)
            elif kind == "emoticon" or kind == "emoji":
                valence = self._symbol_valence(tok)
                if valence:
                    out.cues.append(Cue(tok.raw, valence, kind, i))
            elif kind == "url":
                has_link = True
            elif kind == "marker":
                marked = True
        if out.cues:  # the clause rules only reweigh cues; a post without any stays empty
            only_asks = asked is not None and not (said or in_sentence)
            shape = _Shape(contrast, has_link, asked, only_asks, marked, bangs, asks)
            self._clause_rules(tokens, out.cues, shape)
            self._sarcasm(tokens, out.cues, shape.marked)
            self._punctuation(out, shape.bangs, shape.asks)
        return out

    # --- words and phrases -------------------------------------------------------------------------------

    def _role(self, low: str) -> int:
        """_PLAIN: `_word` would do nothing with this word, wherever it stands; _PHRASE_ONLY: only a phrase starting
        with it can make a cue; _CUE: anything else (a rated or negated-only word). Plus _CONTRAST for a contrast
        word (the clause rules need the first)."""
        flag = _CONTRAST if low in _CONTRASTS else 0
        if low in self.lex.negated_only or self._lookup(low)[0] is not None:
            return _CUE | flag
        return (_PHRASE_ONLY if low in self.lex.phrases else _PLAIN) | flag

    def _word(
        self, toks: list[Token], i: int, cap_diff: _CapDifferential, boosted: dict[int, float], cues: list[Cue]
    ) -> int:
        low = toks[i].low
        if low in self._phrases_from:  # most rated words start no phrase
            phrase = self._phrase_at(toks, i)
            if phrase is not None:
                return self._phrase(toks, i, phrase, cap_diff, boosted, cues)
        valence, emphasised = self._looked_up.get(low) or self._lookup(low)
        if valence is None:
            self._negated_only(toks, i, cap_diff, boosted, cues)
            return i + 1
        if low == "no" and self._next_is_cue(toks, i):
            return i + 1  # "no problem": "no" negates its neighbour instead of being negative itself
        if (low in _FILLERS and self._is_filler(toks, i, low)) or (
            low in _ADVERB_BEFORE_CUE and self._next_is_cue(toks, i)
        ):
            return i + 1  # "pretty bad" is intensified "bad", not "pretty" plus "bad"
        if toks[i].raw.isupper() and len(low) > 1 and cap_diff:
            valence += self.p.caps if valence > 0 else -self.p.caps
        if emphasised:
            valence += self.p.elongation if valence > 0 else -self.p.elongation
        if low in _INTERJECTIONS:
            cues.append(Cue(toks[i].raw, valence, "word", i))
        else:
            self._add_modified(toks, i, i + 1, valence, "word", cap_diff, boosted, cues)
        return i + 1

    @staticmethod
    def _is_filler(toks: list[Token], i: int, low: str) -> bool:
        prev = toks[i - 1] if i else None
        if low == "like":
            return prev is None or prev.kind != "word" or prev.low not in _LIKE_SUBJECTS
        if low == "well":  # "Well, ..." and "as well" say nothing about quality
            nxt = toks[i + 1] if i + 1 < len(toks) else None
            at_start = prev is None or is_clause_break(prev)
            return (at_start and nxt is not None and nxt.raw == ",") or (prev is not None and prev.low == "as")
        return False

    def _lookup(self, low: str) -> tuple[float | None, bool]:
        found = self._looked_up.get(low)
        if found is None:
            if len(self._looked_up) > 100_000:
                self._looked_up.clear()
            found = self._looked_up[low] = self._lookup_uncached(low)
        return found

    def _lookup_uncached(self, low: str) -> tuple[float | None, bool]:
        valence = self.lex.words.get(low)
        if valence is not None or len(low) < 4:
            return valence, False
        if low.endswith("in") and len(low) > 4:  # "lovin", "rockin": the dropped g
            valence = self.lex.words.get(low + "g")
            if valence is not None:
                return valence, False
        if _ELONGATED_RE.search(low):
            for squeezed in (_ELONGATED_RE.sub(r"\1\1", low), _ELONGATED_RE.sub(r"\1", low)):
                valence = self.lex.words.get(squeezed)
                if valence is not None:
                    return valence, True
        return None, False

    def _phrase_at(self, toks: list[Token], i: int) -> Phrase | None:
        """The longest phrase that starts at word i. Most words that start a phrase ("the", "to") are not followed
        by one of its second words: two look-ups settle that."""
        found = self._phrases_from.get(toks[i].low)
        if found is None:
            return None
        longer, single = found
        if i + 1 < len(toks):
            nxt = toks[i + 1]
            candidates = longer.get(nxt.low) if nxt.kind == "word" else None
            if candidates:
                n = len(toks)
                for phrase in candidates:  # longest first
                    if i + len(phrase.words) > n:
                        continue
                    for k in range(2, len(phrase.words)):
                        tok = toks[i + k]
                        if tok.low != phrase.words[k] or tok.kind != "word":
                            break
                    else:
                        return phrase
        return single

    def _phrase(self, toks, i, phrase: Phrase, cap_diff, boosted, cues) -> int:
        end = i + len(phrase.words)
        if phrase.kind == "booster":
            boosted[end] = phrase.valence
            return end
        if phrase.valence:
            negates_itself = any(w in NEGATORS for w in phrase.words)
            self._add_modified(toks, i, end, phrase.valence, phrase.kind, cap_diff, boosted, cues, negates_itself)
        return i + phrase.consumed

    def _negated_only(self, toks, i, cap_diff, boosted, cues) -> None:
        valence = self.lex.negated_only.get(toks[i].low)
        if valence is None:
            return
        negator = self._negator_before(toks, i)
        if negator is not None:
            label = " ".join(t.raw for t in toks[negator : i + 1] if t.kind == "word")
            cues.append(Cue(label, valence, "negation", i))

    def _add_modified(self, toks, start, end, valence, kind, cap_diff, boosted, cues, no_negation=False) -> None:
        """Apply the three-word look-back (intensifiers, negation) and record the cue."""
        first = start
        negated = False
        for dist, j in enumerate(self._window(toks, start), start=1):
            low = toks[j].low
            if self._look_backs.get(low) == _INERT:  # _window has just classed it
                continue
            if low in _ADVERB_BEFORE_CUE and dist == 1:
                low = "very"
            booster = _booster(low)
            if booster is not None:
                scalar = booster * (1.0, 0.95, 0.9)[dist - 1]
                scalar *= self.p.booster / 0.293
                if toks[j].raw.isupper() and cap_diff:
                    scalar += self.p.caps if scalar > 0 else -self.p.caps
                valence += scalar if valence > 0 else -scalar
                first = j
            elif not no_negation and (low in NEGATORS or "n't" in low) and self._is_negator(toks, j, start):
                if dist >= 2 and self._never_so(toks, j, start):
                    valence *= 1.25
                else:
                    valence *= self.p.negation
                    negated = not negated
                first = j
        if start in boosted:
            damp = boosted[start] * self.p.booster / 0.293
            valence += damp if valence > 0 else -damp
            first = max(0, start - 2)
        if start and toks[start - 1].low == "least" and self._least_before(toks, start):
            valence *= self.p.negation
            negated = not negated
            first = start - 1
        if end - first == 1 and toks[first].kind == "word":  # a word on its own, the common case
            label = toks[first].raw
        else:
            label = " ".join(t.raw for t in toks[first:end] if t.kind in ("word", "hashtag"))
        cues.append(Cue(label, valence, "negation" if negated else kind, start))

    def _window(self, toks: list[Token], start: int) -> list[int]:
        """Up to three tokens before `start`, nearest first, without crossing a clause break or a "but"."""
        out: list[int] = []
        classes = self._look_backs
        j = start - 1
        left = 3  # places left in the window (a count, not len(out) called at every token)
        while j >= 0:
            tok = toks[j]
            kind = tok.kind
            if kind == "word":
                low = tok.low
                found = classes.get(low)
                if found is None:
                    found = classes[low] = self._look_back(low)
                if found == _STOPS or (found == _ADVERB and j != start - 1 and self._rated(low)):
                    break
                out.append(j)
                left -= 1
                if not left:
                    break
            elif kind == "punct" and tok.raw[0] in CLAUSE_PUNCT:  # is_clause_break, inlined
                break
            j -= 1
        return out

    def _look_back(self, low: str) -> int:
        """_STOPS: a "but" ends the window, and a negation or intensifier attaches to the nearest sentiment word
        only; _ADVERB: "pretty", "real" intensify the word right after them, elsewhere they are words of their own;
        _MODIFIER: an intensifier or a negator; _INERT: none of these (most words: `_add_modified` skips them)."""
        if low in _CONTRASTS:
            return _STOPS
        if low in _ADVERB_BEFORE_CUE:
            return _ADVERB
        if self._rated(low):
            return _STOPS
        if low in NEGATORS or "n't" in low or _booster(low) is not None:
            return _MODIFIER
        return _INERT

    def _rated(self, low: str) -> bool:
        return low in self.lex.words and low not in NEGATORS

    def _is_negator(self, toks: list[Token], j: int, start: int) -> bool:
        low = toks[j].low
        if low in _DISBELIEF and j + 1 < start and toks[j + 1].low == "believe":
            return False  # "can't believe how bad it is": astonishment, not a negation of "bad"
        if low in NEGATORS:
            if low == "without" and j + 1 < start and toks[j + 1].low == "doubt":
                return False
            return not (low == "no" and j + 1 < start)  # "no" reaches only the next word
        return "n't" in low

    def _negator_before(self, toks: list[Token], i: int) -> int | None:
        for j in self._window(toks, i):
            if self._is_negator(toks, j, i):
                return j
        return None

    @staticmethod
    def _never_so(toks: list[Token], j: int, start: int) -> bool:
        # "never so good", "never slept so well", "never been this happy": praise, not a negation
        return toks[j].low == "never" and any(t.low in ("so", "this") for t in toks[j + 1 : start])

    @staticmethod
    def _least_before(toks: list[Token], start: int) -> bool:
        if start < 1 or toks[start - 1].low != "least":
            return False
        return start < 2 or toks[start - 2].low not in ("at", "very")

    def _next_is_cue(self, toks: list[Token], i: int) -> bool:
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        return nxt is not None and nxt.kind == "word" and (nxt.low in self.lex.words or nxt.low in NEGATORS)

    def _hashtag(self, tok: Token, i: int, cues: list[Cue]) -> None:
        tag = tok.low[1:]
        valence = self.lex.words.get(tag)
        if valence is None:
            valence = self._camel_valence(tok.raw[1:]) or _tag_suffix_valence(tag)
        if valence:
            cues.append(Cue(tok.raw, valence, "hashtag", i))

    def _camel_valence(self, tag: str) -> float:
        parts = [p.lower() for p in split_camel(tag)]
        if len(parts) < 2:
            return 0.0
        total = sum(self.lex.words.get(p, 0.0) for p in parts)
        if any(p in NEGATORS for p in parts[:-1]):
            total = total * self.p.negation if total else self.lex.negated_only.get(parts[-1], 0.0)
        return total

    def _symbol_valence(self, tok: Token) -> float:
        if tok.kind == "emoji":
            return self.lex.emoji.get(tok.raw, 0.0)
        return self.lex.emoticons.get(tok.raw, self.lex.emoticons.get(tok.low, 0.0))

    # --- clause-level rules ----------------------------------------------------------------------------

    def _clause_rules(self, toks: list[Token], cues: list[Cue], shape: _Shape) -> None:
        contrast, asked, has_link = shape.contrast, shape.asked, shape.has_link
        damping = self.p.question_only if shape.only_asks else self.p.question
        name = self.p.name
        link = self.p.link if has_link else 1.0
        for cue in cues:
            if contrast is not None:
                cue.but = self.p.but_before if cue.index < contrast else self.p.but_after
            if asked is not None and asked[cue.index] and cue.kind != "phrase":
                cue.question = damping
            if name != 1.0 and toks[cue.index].raw[0].isupper() and _in_name(toks, cue.index):
                cue.context = link * name
            elif has_link:  # else the context stays 1.0
                cue.context = link

    # --- sarcasm ---------------------------------------------------------------------------------------------

    def _sarcasm(self, toks: list[Token], cues: list[Cue], marked: bool) -> None:
        """Praise that only sets up a complaint is read as sarcasm: marked ("#not", "#sarcasm", "/s"), standing
        alone before a complaint ("Great. Another delay."), "love" + a gerund in a complaint ("Love waiting on
        hold"), or thanks for a harm ("Thanks for cancelling my order")."""
        if self.p.sarcasm == 1.0:
            return
        praise: list[Cue] = []
        complains = turnable = False  # a negative cue; a praise word the rules below can turn
        for cue in cues:
            if cue.valence > 0:
                praise.append(cue)
                turnable = turnable or toks[cue.index].low in _TURNABLE
            elif cue.valence < 0:
                complains = True
        if not praise or not (marked or (complains and turnable)):
            return
        scene = None if marked else _Scene.of(toks, cues)
        for cue in praise:
            if scene is None or _sarcastic(toks, cue, scene):
                cue.sarcasm = self.p.sarcasm
        if scene is not None and all(toks[c.index].low in _THANKS or c.sarcasm != 1.0 for c in praise):
            # Thanks in a post that otherwise only complains is courtesy ("My bag is lost. Thanks @united",
            # "still haven't got through, thanks for responding"): it does not make the complaint milder.
            for cue in praise:
                if cue.sarcasm == 1.0:
                    cue.courtesy = 0.0

    def _punctuation(self, out: Extraction, bangs: int, asks: int) -> None:
        if not bangs and asks < 2:
            return  # no emphasis (most posts)
        amount = min(bangs, 4) * self.p.exclaim
        # "??" is exasperation, not delight: it strengthens a complaint, never praise ("ready??" asks).
        asks = asks if asks > 1 and sum(c.adjusted for c in out.cues) < 0 else 0
        if asks:
            amount += 0.96 if asks > 3 else asks * 0.18
        if amount and out.cues:
            out.emphasis = amount
            out.emphasis_label = "!" * min(bangs, 4) + "?" * min(asks, 3)


@dataclass(slots=True)
class _Shape:
    """What the clause, sarcasm and punctuation rules ask of the whole post, gathered by `RuleEngine.extract` in
    its pass over the tokens (those rules run only for posts with cues, after the word rules)."""

    contrast: int | None  # index of the first "but" / "however" / "except"
    has_link: bool
    asked: list[bool] | None  # per token: in a sentence ending with "?" (None: no such sentence)
    only_asks: bool  # every word is in such a sentence
    marked: bool  # "/s", "#not", "#sarcasm": the post says it is sarcastic
    bangs: int  # "!" in the post
    asks: int  # "?" in the post


class _CapDifferential:
    """Whether some but not all words of the post are in capitals (then a word in capitals is emphasised): true
    or false as a bool, worked out on first use (most posts have no cue in capitals to ask about)."""

    __slots__ = ("_tokens", "_value")

    def __init__(self, tokens: list[Token]) -> None:
        self._tokens = tokens
        self._value: bool | None = None

    def __bool__(self) -> bool:
        if self._value is None:
            words = [t for t in self._tokens if t.kind == "word"]
            caps = sum(1 for t in words if t.raw.isupper())
            self._value = 0 < caps < len(words)
        return self._value


@dataclass(slots=True)
class _Scene:
    """What the sarcasm rules ask about a post, computed once (linear time even for a post of 10,000 cues)."""

    clause: list[int]  # clause number of each token
    clause_end: list[int]  # index of the break that ends each token's clause (len(toks) if none)
    negative_at: set[int]  # token indices where a negative cue starts
    last_negative_in: dict[int, int]  # clause number -> index of its last negative cue
    last_positive: int
    last_negative: int
    last_contrast: int
    first_content: int  # first word that is neither praise nor filler ("Oh great," has none)

    @classmethod
    def of(cls, toks: list[Token], cues: list[Cue]) -> _Scene:
        # the clause breaks (is_clause_break, inlined); a break belongs to the clause it ends
        breaks = [i for i, tok in enumerate(toks) if tok.kind == "punct" and tok.raw[0] in CLAUSE_PUNCT]
        clause: list[int] = []
        clause_end: list[int] = []
        start = 0
        for number, end in enumerate(breaks):
            clause += [number] * (end + 1 - start)
            clause_end += [end] * (end + 1 - start)
            start = end + 1
        clause += [len(breaks)] * (len(toks) - start)
        clause_end += [len(toks)] * (len(toks) - start)
        negatives = [c.index for c in cues if c.valence < 0]
        last_in: dict[int, int] = {}
        for i in negatives:
            last_in[clause[i]] = max(i, last_in.get(clause[i], -1))
        content = (i for i, t in enumerate(toks) if t.kind == "word" and t.low not in _OPENING_WORDS)
        contrasts = [i for i, t in enumerate(toks) if t.low in _CONTRASTS]
        return cls(clause, clause_end, set(negatives), last_in,
                   max((c.index for c in cues if c.valence > 0), default=-1), max(negatives, default=-1),
                   max(contrasts, default=-1), next(content, len(toks)))  # fmt: skip


def _sarcastic(toks: list[Token], cue: Cue, scene: _Scene) -> bool:
    i, low = cue.index, toks[cue.index].low
    if low in _SARCASTIC_PRAISE and _alone_before_complaint(i, scene):
        return True
    complaint_follows = scene.last_negative_in.get(scene.clause[i], -1) > i
    nxt = next((t for t in toks[i + 1 : i + 3] if t.kind == "word"), None)
    if low in _LOVE and nxt is not None and nxt.low.endswith("ing") and complaint_follows:
        return True
    if low in ("thanks", "thank"):
        j = i + 1
        while j < len(toks) and toks[j].low in _THANKS_FILLERS:
            j += 1
        return j < len(toks) and toks[j].low == "for" and j + 1 in scene.negative_at and complaint_follows
    return False


def _alone_before_complaint(i: int, scene: _Scene) -> bool:
    """The praise fills its own opening clause ("Oh great,", "Just perfect.") and only complaints follow (a "but"
    after it makes a contrast, the "but" rule's business: "Nice! but the battery is bad")."""
    end = scene.clause_end[i]
    return (
        end < len(scene.clause)
        and scene.first_content > end
        and scene.last_contrast < end
        and scene.last_positive < end
        and scene.last_negative > end
    )


def _phrases_by_first_two(
    phrases: dict[str, tuple[Phrase, ...]],
) -> dict[str, tuple[dict[str, tuple[Phrase, ...]], Phrase | None]]:
    """first word -> (second word -> the phrases of two or more words starting so, longest first; the one-word
    phrase, if any). Same candidates in the same order as the lexicon's index, looked up by two words."""
    out: dict[str, tuple[dict[str, tuple[Phrase, ...]], Phrase | None]] = {}
    for first, candidates in phrases.items():
        longer: dict[str, list[Phrase]] = {}
        for phrase in candidates:
            if len(phrase.words) > 1:
                longer.setdefault(phrase.words[1], []).append(phrase)
        single = next((phrase for phrase in candidates if len(phrase.words) == 1), None)
        out[first] = ({second: tuple(found) for second, found in longer.items()}, single)
    return out


def _tag_suffix_valence(tag: str) -> float:
    """'#careerfail', '#mondayblues': a run-together tag that ends with a clear verdict."""
    for suffix, valence in _TAG_SUFFIXES.items():
        if len(tag) > len(suffix) + 2 and tag.endswith(suffix):
            return valence
    return 0.0


def _titled(tok: Token) -> bool:
    return tok.kind == "word" and tok.raw[0].isupper() and tok.raw[1:].islower()


def _in_name(toks: list[Token], i: int) -> bool:
    """Token i is a word in a run of two or more Title Case words: a name, a title, a headline."""
    return _titled(toks[i]) and ((i > 0 and _titled(toks[i - 1])) or (i + 1 < len(toks) and _titled(toks[i + 1])))


_BOOSTER_OF: dict[str, float | None] = {}  # word -> its booster strength (elongation squeezed out), or None


def _booster(low: str) -> float | None:
    found = _BOOSTER_OF.get(low, False)
    if found is False:
        if len(_BOOSTER_OF) > 100_000:
            _BOOSTER_OF.clear()
        found = _BOOSTER_OF[low] = BOOSTERS.get(low, BOOSTERS.get(_squeeze(low)))
    return found


def _squeeze(low: str) -> str:
    return _ELONGATED_RE.sub(r"\1", low) if len(low) > 3 else low

"""Customer trait, intent and sales-lead detection for one post: cue rules, then a learned model over them.

The cue rules (`classify_rules`) find cue phrases, each kept as a reason; negation ("I would never leave") and
sarcasm ("oh great, another outage") switch cues off, and switched-off cues are kept as "ignored: ...". The
learned model (core/classify_model.py) reads the rules' findings, the sentiment label and the words, and decides
with a confidence: the rules' answer stands unless it is very sure of another, a field it is unsure of is left
empty (unknown), and a workspace's agent corrections retrain it (`classify(..., corrections=...)`). Every decision
names what it rests on (Classification.*_cues), so an agent can see why a post was called "venting" and correct it.
The cue families are core/cue_scan.py patterns: each finds exactly what its regex (`.pattern`) finds, faster.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from functools import cache, partial
from operator import itemgetter
from typing import TYPE_CHECKING, Any, TypeVar

from scrm_desktop.core.cue_scan import Body, CuePattern, CueSet
from scrm_desktop.core.query_fields import INTENTS as INTENTS  # the values `trait:` and `intent:` accept
from scrm_desktop.core.query_fields import TRAITS as TRAITS
from scrm_desktop.core.reasons import own_reasons, own_text

if TYPE_CHECKING:
    from scrm_desktop.core.classify_model import ClassifyModel, Corrections

MAX_CHARS = 4000  # cues sit in the opening of a post; a 40,000-character email is judged on its start

_NEGATORS = r"(?:never|not|no|zero|don'?t|doesn'?t|didn'?t|won'?t|wouldn'?t|can'?t|cannot|isn'?t|ain'?t|hardly)"
_NEGATOR_WORD = re.compile(_NEGATORS + r"[,.]?")
# the words _NEGATOR_WORD matches whole, as a set: each negator with and without its apostrophe, then "", "," or "."
_NEGATOR_WORDS = frozenset(
    word + end
    for negator in _NEGATORS[3:-1].split("|")
    for word in {negator.replace("'?", "'"), negator.replace("'?", "")}
    for end in ("", ",", ".")
)


def _rx(*alternatives: str) -> CuePattern:
    """A cue family: any of the alternatives as whole words, ignoring case (`.pattern` is the plain regex)."""
    return CuePattern(alternatives, head=r"(?<![\w@#])", tail=r"(?![\w])")


# ---- cue families ---------------------------------------------------------------------------------------
PROBLEM = _rx(
    r"(?:won'?t|wont|doesn'?t|does not|can'?t|cannot|isn'?t|is not|not) (?:\w+ )?(?:work\w*|charg\w*|boot\w*|"
    r"turn on|start\w*|load\w*|connect\w*|wake|open\w*|sync\w*|play\w*|see|respond\w*|updat\w*)",
    r"stopped (?:working|charging)",
    r"keeps? (?:crashing|freezing|dropping|rebooting|restarting|disconnecting|shutting down)",
    r"broke(?:n)?",
    r"crash(?:es|ed|ing)?",
    r"freez(?:es|ing)|froze(?:n)?",
    r"dead",
    r"died",
    r"bricked",
    r"glitch\w*",
    r"bug(?:gy|s)?",
    r"error\w*",
    r"fault\w*",
    r"defective",
    r"overheat\w*",
    r"flicker\w*",
    r"outage",
    r"(?:is|are|'s) down",
    r"(?:an |the |this |same )?issues?",
    r"problems?",
    r"black screen",
    r"no (?:sound|signal|service|wifi|internet)",
    r"drains?",
    r"not ok",
    r"hasn'?t (?:arrived|come|shown up)",
    r"never (?:arrived|came|showed up|called back)",
    r"still (?:waiting|open|broken)",
    r"no[- ]show\w*",
    r"(?:didn'?t|never|not|doesn'?t) (?:show(?:ed)? up|come|came|comes|turn(?:ed)? up)",
    r"nobody (?:came|showed|called|answer\w*)",
    r"(?:\d+ ?h|\w+ hours?|\w+ days?) late",
    r"late again",
    r"waiting (?:on|for|by)",
    r"what am i paying",
    r"no call",
    r"cracked",
    r"shatter\w*",
    r"loose",
    r"(?:\w+ )?noise",
    # complaints about the service itself, as people write them to a support account
    r"(?:pathetic|poor|terrible|worst|awful|atrocious|bad|horrible|useless|unhelpful|lousy|shitty) (?:\w+ ){0,2}"
    r"(?:service|support|experience|cs|customer care)",
    r"sucks?",
    r"unhelpful",
    r"(?:still )?no (?:reply|replies|response|answer|solution|help|use)",
    r"lag(?:gy|ging|s)?",
    r"hangs",
    r"unstable",
    r"unresponsive",
    r"messed up",
    r"(?:is|so|are) (?:so )?(?:bad|garbage|awful|terrible|slow)",
)
HELP = _rx(
    r"help\w*",
    r"fix (?:it|this|my)",
    r"any (?:fix|update|idea)s?",
    r"what (?:do|should|can) i do",
    r"anyone there",
    r"can (?:someone|anyone|you)",
    r"who do i (?:talk|speak) to",
    r"dm me",
    r"please",
    r"pls|plz",
    r"how do i (?:fix|get|reset|stop)",
    r"is there a fix",
    r"sos",
    r"need (?:this|it|help|an answer|a fix)",
    r"warranty claim",
)
SUPPORT_HANDLE = CuePattern([r"@\w*(?:help|support|care|cares|service)\b"])
FLAW = _rx(
    r"except (?:the|for)",
    r"(?:the )?only (?:downside|complaint|gripe|issue)",
    r"downside",
    r"hate the",
    r"annoying",
    r"meh",
    r"disappoint\w*",
    r"(?:living|live) with it",
    r"not even mad",
    r"could be better",
    r"(?:too|so) (?:loud|dim|slow|heavy|hot|glossy|mushy)",
    r"ships with",
    r"flaw\w*",
    r"glare",
    r"coil whine",
    r"bloatware",
    r"wobbly",
    r"mushy",
    r"potato",
    r"oh well",
    r"lol",
)
LEAVING = _rx(
    r"switch(?:ing|ed)? (?:to|over)",
    r"moving to",
    r"going (?:back )?to (?:corvex|nimbly|\w+ instead)",
    r"done with",
    r"(?:i'?m|im|we'?re) (?:out|leaving|done)",
    r"leav(?:e|ing)",
    r"cancel(?:l)?(?:ed|ing)? my",
    r"returning (?:the|my|it)",
    r"sold my",
    r"goodbye",
    r"bye",
    r"last (?:time|\w+) i (?:buy|use|order)",
    r"never again",
    r"never (?:buying|buy|using|use|ordering) (?:\w+ ){0,3}again",
    r"just ordered an?",
    r"(?:not|never) renewing",
    r"for the last time",
    r"taking my (?:business|money)",
    r"getting an? (?:corvex|nimbly)\w*",
)
# Leaving cues a negation word before them turns off ("I would never leave", "not switching").
NEGATABLE_LEAVING = ("switch", "moving", "leav", "cancel", "done with", "going", "return", "sold")
SUGGEST = _rx(
    r"feature request",
    r"suggestion",
    r"idea for",
    r"would (?:be (?:great|nice|awesome|cool)|love it) if",
    r"it'?d be (?:great|nice) if",
    r"(?:please|pls) (?:add|put|bring|make|include|consider|let)",
    r"you should (?:add|make|offer|let|consider|really)",
    r"consider adding",
    r"why not (?:add|make|offer)",
    r"(?:if|wish) (?:the|it|you|your) \w+ (?:had|offered|could)",
    r"i wish (?:you|it|they|the)",
    r"could (?:brightwave|you|they) \w+",
    r"dear \w+ (?:designers|team|engineers)",
    r"next (?:model|version|gen\w*|release|update|aero|flux|vista)",
    r"i'?d (?:upgrade|buy|pay)",
)
PRAISE = _rx(
    r"love (?:my|it|this|the|how|that|you)",
    r"(?:the )?best (?:\w+ )?(?:laptop|phone|product|service|support|purchase|thing|app|one)s?",
    r"(?:highly |strongly )?recommend (?:the|it|them|this|my)",
    r"recommend (?:\w+ )?to (?:everyone|anyone|all)",
    r"thank(?:s| you)(?! in advance)",
    r"kudos",
    r"shout ?out",
    r"credit where",
    r"impress(?:ed|ive)",
    r"amazing",
    r"awesome",
    r"fantastic",
    r"excellent",
    r"brilliant",
    r"great (?:job|service|support|product|laptop|experience)",
    r"10/10",
    r"zero problems",
    r"never (?:let me down|had (?:a|any) (?:problem|issue)s?|crashed)",
    r"(?:builds|built like) (?:a )?tanks?",
    r"deserves a raise",
    r"on time",
    r"no questions asked",
    r"(?:sorted|fixed|solved) (?:it|in|my|the)",
    r"back to normal",
    r"just get the",
    r"gang",
)
SARCASM = _rx(
    r"oh (?:great|good|wonderful|perfect|joy|nice)",
    r"just (?:great|perfect|wonderful|fantastic|lovely)",
    r"(?:yeah|sure),? right",
    r"thanks for nothing",
    r"thanks a lot",
    r"love (?:how|that) (?:my|it|the|you|this) (?:\w+ ){0,3}(?:keeps|won'?t|doesn'?t|never|broke|crash\w*|"
    r"die[sd]?|stopped)",
    r"another (?:outage|update|crash|day|week|hour)",
    r"what a (?:joke|surprise)",
    r"/s",
    r"🙃|🙄",
)
CHOOSING = _rx(
    r"\bvs\.?|versus",
    r"torn between",
    r"(?:deciding|choosing) between",
    r"can'?t decide",
    r"help me (?:choose|decide|pick)",
    r"thinking (?:of|about) (?:getting|buying|switching)",
    r"(?:is|are) (?:the |it )?\S+(?: \S+){0,3} worth it",
    r"compar(?:ing|ed to)",
    r"anyone switched from",
)

# Buying questions: the capture is the product they want ("which laptop should I get" -> laptop).
_THING = r"((?:[\w\-+]+ ){0,2}[\w\-+]+?)"
_END = r"(?=[.,!?;:]| for| to| that| with| under| around| by| who| in| online|$)"
_LEAD_PATTERNS = (
    r"\bwhich (?:(?:new|good) )?" + _THING + r" (?:should|would|do you think|to) (?:i )?(?:get|buy|choose|pick)",
    r"\blooking (?:for|at) (?:a |an |some )?(?:new |good |decent |cheap |replacement )*" + _THING + _END,
    # asked for, not given: "can anyone recommend a ..." / "recommend me a ..." (never "I recommend the ...")
    r"\b(?:can|could|would|anyone|someone|pls|please|you) (?:\w+ )?recommend (?:me )?(?:a |an |some )"
    r"(?:good |decent |cheap |new )*" + _THING + _END,
    r"\brecommend me (?:a |an |some )?(?:good |decent |cheap |new )*" + _THING + _END,
    r"\bin the market for (?:a |an )?(?:new )?" + _THING + _END,
    r"\bneed (?:a |an )?new (?:work )?" + _THING + _END,
    r"\bwhat(?:'s| is) the best " + _THING + _END,
    r"\bwhat (?:\w+ )?should i (?:get|buy)\b()",
    r"\b(?:thinking of|planning on|want to|wanna) (?:getting|buying|buy|get) (?:a |an |the )?(?:new )?" + _THING + _END,
    r"\bwhere (?:can|do) i buy (?:a |an |the )?" + _THING + _END,
    r"\b(?:recommendations|suggestions) for (?:a |an )?(?:new |good )?" + _THING + _END,
    r"\bany (?:recommendations|recs|suggestions)\b()",
)
LEAD = [CuePattern([p]) for p in _LEAD_PATTERNS]
_NAME = r"([A-Z][\w\-]*(?: [A-Z0-9][\w\-]*){0,3})"
ALTERNATIVES = re.compile(_NAME + r",? (?:or|vs\.?|versus|and) (?:the |a )?" + _NAME)
EITHER = re.compile(_NAME + r" or (?:the |a )?" + _NAME)
_NOT_NAMES = {
    "i",
    "i'm",
    "is",
    "are",
    "should",
    "which",
    "what",
    "thoughts",
    "help",
    "can't",
    "anyone",
    "or",
    "comparing",
    "torn",
    "between",
    "the",
    "a",
    "an",
    "hey",
    "ok",
    "so",
    "my",
}
_NOT_PRODUCTS = {"one", "thing", "it", "something", "anything", "job", "way", "help", "fix", "answer", "reply"}
_LEAD_NEGATED = _rx(r"not (?:looking|in the market)", r"don'?t need a", r"no longer (?:looking|need)")

# ---- intent cues ----------------------------------------------------------------------------------------
TRANSACTION = _rx(
    r"refund\w*",
    r"return(?:s|ed|ing)?",
    r"order(?:s|ed)?",
    r"deliver\w*",
    r"shipp?\w*",
    r"tracking",
    r"invoice\w*",
    r"bill(?:ed|ing)?",
    r"charg(?:ed|es) (?:me|twice|my)",
    r"payment",
    r"subscription",
    r"warranty",
    r"replacement",
    r"ticket #?\d*",
    r"account",
    r"cancel\w*",
    r"appointment|booking|book a",
    r"package|parcel",
)
REQUEST = _rx(
    r"please",
    r"pls|plz",
    r"dm me",
    r"call me",
    r"fix (?:your|this|it|my)",
    r"help!?",
    r"can (?:someone|anyone|you) (?:help|fix|look|check|tell)",
    r"bring back",
    r"sign the",
    r"stop \w+ing",
    r"get back to me",
    r"respond|reply to me",
    r"any update",
    r"@\w*(?:help|support|care|cares|service)",
)
VENT = _rx(
    r"worst",
    r"hate",
    r"so (?:frustrat\w+|angry|annoyed|done|tired)",
    r"frustrat\w+",
    r"ugh+",
    r"fed up",
    r"sick of",
    r"ridiculous",
    r"unacceptable",
    r"useless",
    r"terrible",
    r"awful",
    r"joke",
    r"scam",
    r"wtf",
    r"not ok",
    r"😤|😡|🤬|😩|😭",
)
INFO = _rx(
    r"how (?:do|can|to|does|long|much)",
    r"does (?:the|it|anyone|brightwave|\w+ care)",
    r"(?:can|do) (?:you|i) (?:upgrade|use|get|install|change|connect)",
    r"is there (?:a|an|any)",
    r"what(?:'s| is| are) the",
    r"when (?:is|will|does)",
    r"where (?:is|can|do)",
    r"anyone know",
    r"does anyone",
    r"is it (?:possible|true|normal)",
    r"any (?:idea|info)",
    r"difference between",
)
ENGAGE = _rx(
    r"thank(?:s| you)",
    r"love",
    r"great",
    r"congrat\w*",
    r"well done",
    r"kudos",
    r"shout ?out",
    r"can'?t wait",
    r"excited",
    r"unboxing",
    r"first impressions",
    r"happy birthday",
    r"impress\w*",
    r"10/10",
)
COMMUNITY = _rx(
    r"anyone else",
    r"who'?s with me",
    r"fellow",
    r"we all",
    r"join (?:us|our|the)",
    r"meetup|meet-up",
    r"community",
    r"psa",
    r"pro tip|protip|tip:",
    r"fyi",
    r"owners here",
    r"gang",
    r"same \w+ as me",
    r"in shambles|ratio",
)


@dataclass(frozen=True, slots=True)
class Classification:
    """What we concluded about a post, and the words that made us conclude it."""

    trait: str = ""
    intent: str = ""
    is_lead: bool = False
    trait_cues: tuple[str, ...] = ()  # the reasons: cue words, "rules: ...", words the model weighs
    intent_cues: tuple[str, ...] = ()
    lead_products: tuple[str, ...] = ()
    trait_confidence: float = 0.0  # the model's probability of its best guess
    intent_confidence: float = 0.0
    lead_confidence: float = 0.0
    trait_guess: str = ""  # the best guess even when unsure ("none" = no trait); trait is "" when unsure
    intent_guess: str = ""

    @property
    def trait_unknown(self) -> bool:
        """Unsure: the model's guess was a trait, but below its confidence floor."""
        return not self.trait and self.trait_guess not in ("", "none")

    @property
    def intent_unknown(self) -> bool:
        return not self.intent and self.intent_guess not in ("", "none")

    def as_json(self) -> dict[str, Any]:
        if self.trait_guess or self.intent_guess:  # the model's answer (one dict made whole: the ingest's way)
            return {"trait_cues": list(self.trait_cues), "intent_cues": list(self.intent_cues),
                    "lead_products": list(self.lead_products), "trait_confidence": self.trait_confidence,
                    "intent_confidence": self.intent_confidence, "lead_confidence": self.lead_confidence,
                    "trait_guess": self.trait_guess, "intent_guess": self.intent_guess,
                    "lead_guess": "yes" if self.is_lead else "none"}  # fmt: skip
        return {"trait_cues": list(self.trait_cues), "intent_cues": list(self.intent_cues),
                "lead_products": list(self.lead_products)}  # fmt: skip


# A frozen dataclass's __init__ sets each field through object.__setattr__ (a slow call in CPython); the classifier
# builds two Classifications per post (the rules', the answer), so it sets their slots directly: the same objects, at
# a fraction of the cost (as core/sentiment/social.py builds its results). tests/core/test_classify.py checks they
# equal what the class builds.
_new = object.__new__
(_SET_TRAIT, _SET_INTENT, _SET_IS_LEAD, _SET_TRAIT_CUES, _SET_INTENT_CUES, _SET_LEAD_PRODUCTS, _SET_TRAIT_CONFIDENCE,
 _SET_INTENT_CONFIDENCE, _SET_LEAD_CONFIDENCE, _SET_TRAIT_GUESS, _SET_INTENT_GUESS) = (
    Classification.__dict__[f.name].__set__ for f in fields(Classification))  # fmt: skip


def _classification(
    trait: str,
    intent: str,
    is_lead: bool,
    trait_cues: tuple[str, ...],
    intent_cues: tuple[str, ...],
    lead_products: tuple[str, ...],
    trait_confidence: float = 0.0,
    intent_confidence: float = 0.0,
    lead_confidence: float = 0.0,
    trait_guess: str = "",
    intent_guess: str = "",
) -> Classification:
    """Classification(...) of these fields, built without the frozen __init__'s cost."""
    found = _new(Classification)
    _SET_TRAIT(found, trait)
    _SET_INTENT(found, intent)
    _SET_IS_LEAD(found, is_lead)
    _SET_TRAIT_CUES(found, trait_cues)
    _SET_INTENT_CUES(found, intent_cues)
    _SET_LEAD_PRODUCTS(found, lead_products)
    _SET_TRAIT_CONFIDENCE(found, trait_confidence)
    _SET_INTENT_CONFIDENCE(found, intent_confidence)
    _SET_LEAD_CONFIDENCE(found, lead_confidence)
    _SET_TRAIT_GUESS(found, trait_guess)
    _SET_INTENT_GUESS(found, intent_guess)
    return found


_SPACES = re.compile(r"\s+")


def _clean(text: str) -> str:
    text = text[:MAX_CHARS].replace("\u2019", "'").replace("\u2018", "'")
    # every whitespace character but " " is unprintable: a printable text without "  " has nothing to fold
    return text if text.isprintable() and "  " not in text else _SPACES.sub(" ", text)


def _negated(body: Body, start: int) -> bool:
    """A negation word among the three words before a cue ("would never leave", "not switching")."""
    before = body.low[max(0, start - 40) : start]
    # the last three words, as split()[-3:] gives them: rsplit leaves the rest in one piece
    return not _NEGATOR_WORDS.isdisjoint((before if body.lowered else before.lower()).rsplit(None, 3)[-3:])


def _words(matches: list[re.Match[str]], low: bool = False) -> list[str]:
    """The distinct words of the matches, lower-cased (`low`: found on the lower-cased text, so they are)."""
    if not matches:
        return []
    return list(dict.fromkeys(map(_WHOLE, matches) if low else (m.group(0).lower() for m in matches)))


_WHOLE = itemgetter(0)  # a match's whole text


def _product_name(name: str) -> str:
    words = name.split()
    if len(words) == 1 and len(name) <= 3 and name.isupper():
        return ""  # "US or EU plug": codes, not products
    while words and words[0].lower() in _NOT_NAMES:
        words.pop(0)
    return " ".join(words).lower()


def _alternatives(text: str) -> list[str]:
    """Named products weighed against each other: "Aero 16 vs Corvex Air vs Nimbly Book 15" -> all three."""
    names: list[str] = []
    pos = 0
    while m := ALTERNATIVES.search(text, pos):
        names.extend(n for n in map(_product_name, m.groups()) if n)
        pos = m.start(2)
    return names


def _choosing(body: Body, matches: list[re.Match[str]]) -> list[str]:
    """Cues that the author is weighing brands: "torn between", "vs", or a question "Brightwave or Corvex?"
    (`matches`: CHOOSING's)."""
    words = _words(matches, body.lowered)
    text = body.text
    # EITHER needs " or ": most questions have none, and its search costs more than a look for it
    if "?" in text and " or " in text and (m := EITHER.search(text)) and all(map(_product_name, m.groups())):
        words.append(m.group(0).lower() + "?")
    return words


def lead_products(text: str, choosing: bool = False) -> tuple[str, ...]:
    """The product words of a buying question ("looking for a new laptop" -> ("laptop",)); () when none.
    `choosing`: the post weighs brands against each other, so named alternatives ("Aero 14 or Corvex Air")
    are the products."""
    body = Body(text)
    negated, *leads = _LEAD_SCAN.finditer(body)
    return _lead_products(body, choosing, negated, leads)


_LEAD_SCAN = CueSet((_LEAD_NEGATED, *LEAD))


def _lead_products(
    body: Body, choosing: bool, negated: list[re.Match[str]], leads: list[list[re.Match[str]]]
) -> tuple[str, ...]:
    """`lead_products` from the matches of _LEAD_NEGATED (`negated`) and of each LEAD pattern (`leads`)."""
    if negated or not (choosing or any(leads)):
        return ()
    found: list[str] = []
    if choosing:
        found.extend(_alternatives(body.text))
    for matches in leads:
        for m in matches:
            thing = (m.group(1) or "").strip(" -").lower()
            if thing.split()[-1:] and thing.split()[-1] not in _NOT_PRODUCTS:
                found.append(thing)
            elif not found:
                found.append("")  # a buying question whose product is not named ("what should I get?")
    return tuple(dict.fromkeys(found))


@dataclass(slots=True)
class _Cues:
    problem: list[str]
    help: list[str]
    flaw: list[str]
    leaving: list[str]
    ignored: list[str]
    suggest: list[str]
    praise: list[str]
    sarcasm: list[str]
    choosing: list[str]


# every cue pattern the rules read, searched at once (`_rules` reads their matches by these places)
_SCAN_FAMILIES = (PROBLEM, HELP, SUPPORT_HANDLE, FLAW, LEAVING, SUGGEST, PRAISE, SARCASM, CHOOSING)
_LEADS_AT = len(_SCAN_FAMILIES)  # 9; then _LEAD_SCAN's patterns, then the intent families'


def _cues(body: Body, hits: list[list[re.Match[str]]]) -> _Cues:
    """The trait cues from the matches of _SCAN_FAMILIES' patterns (`hits`, in that order)."""
    problem_hits, help_hits, handles, flaw_hits, leaving_hits, suggest, praise_hits, sarcasm, choosing = hits[:9]
    low = body.lowered
    ignored: list[str] = []
    leaving: list[str] = []
    for m in leaving_hits:
        word = m.group(0) if low else m.group(0).lower()
        if word.startswith(NEGATABLE_LEAVING) and _negated(body, m.start()):
            ignored.append(f"ignored: {word} (negated)")
        else:
            leaving.append(word)
    praise: list[str] = []
    flaw = _words(flaw_hits, low)
    for m in praise_hits:
        word = m.group(0) if low else m.group(0).lower()
        if _negated(body, m.start()) and not word.startswith("never"):
            flaw.append(f"not {word}")  # "I don't love the keyboard" names a flaw
        else:
            praise.append(word)
    problem: list[str] = []
    for m in problem_hits:
        word = m.group(0) if low else m.group(0).lower()
        if _negated(body, m.start()):  # "has never crashed once", "zero problems"
            ignored.append(f"ignored: {word} (negated)")
        else:
            problem.append(word)
    question = ["?"] if "?" in body.text else []
    return _Cues(
        problem=list(dict.fromkeys(problem)) if problem else problem,
        help=_words(help_hits, low) + _words(handles, low) + question,
        flaw=flaw,
        leaving=leaving,
        ignored=ignored,
        suggest=_words(suggest, low),
        praise=list(dict.fromkeys(praise)) if praise else praise,
        sarcasm=_words(sarcasm, low),
        choosing=_choosing(body, choosing),
    )


def _trait(c: _Cues, products: tuple[str, ...]) -> tuple[str, list[str]]:
    """The trait and its cues; the order settles posts with several (leaving beats venting, etc.)."""
    if c.leaving:
        return "past", c.leaving
    if products:  # a buying question outranks the flaw it asks about ("any owners with the coil whine issue?")
        return "future", [f"buying: {p}" for p in products if p] + c.choosing or ["buying question"]
    if c.problem and c.help and not c.suggest:
        return "venting", c.problem + c.help
    if c.suggest:
        return "collaborative", c.suggest
    if c.choosing:
        return "future", c.choosing
    if c.problem or c.flaw:
        return "passive", c.problem + c.flaw
    if c.praise and c.sarcasm:
        return "", [f"ignored: {p} (sarcasm: {c.sarcasm[0]})" for p in c.praise]
    if c.praise:
        return "advocate", c.praise
    return "", []


_INTENT_ORDER = (
    ("transactional", TRANSACTION),
    ("request", REQUEST),
    ("information", INFO),
    ("venting", VENT),
    ("community", COMMUNITY),
    ("engaged", ENGAGE),
)


_INTENT_FAMILIES = tuple(f"intent {name}" for name, _ in _INTENT_ORDER)  # their keys among the model's cues


_SCAN = CueSet(_SCAN_FAMILIES + _LEAD_SCAN.patterns + tuple(pattern for _, pattern in _INTENT_ORDER))
_INTENTS_AT = _LEADS_AT + len(_LEAD_SCAN.patterns)
_INTENT_NAMES = tuple(name for name, _ in _INTENT_ORDER)


_VENTING_AT = _INTENT_NAMES.index("venting")


def _intent(
    body: Body,
    products: tuple[str, ...],
    sarcasm: list[str],
    hits: list[list[re.Match[str]]],
    words: list[list[str]],
) -> tuple[str, list[str]]:
    """The intent and its cues, from every intent family's matches (`hits`, in _INTENT_ORDER) and their words
    (`words`: `_words` of each), and the sarcasm cues (`sarcasm`)."""
    if products:
        return "purchase", ["buying question"] + [p for p in products if p]
    if sarcasm and (problem := words[_VENTING_AT] or list(sarcasm)):
        return "venting", problem
    sarcastic = bool(sarcasm)
    for name, matches, found in zip(_INTENT_NAMES, hits, words):  # noqa: B905 (same length)
        if name == "engaged":
            if sarcastic:
                continue  # "oh great, thanks a lot" is not engagement
            # "I don't love it" is not engagement
            found = _words([m for m in matches if not _negated(body, m.start())], body.lowered)
        if found:
            return name, found
    if "?" in body.text:
        return "information", ["?"]
    return "", []


def _rules(text: str) -> tuple[Classification, dict[str, list[str]]]:
    """Today's cue rules on a cleaned body: their Classification, and every cue family's hits (the learned
    model's features)."""
    body = Body(text)
    found_hits = _SCAN.finditer(body)
    cues = _cues(body, found_hits)
    products = _lead_products(body, bool(cues.choosing) and not cues.leaving, found_hits[_LEADS_AT],
                              found_hits[_LEADS_AT + 1 : _INTENTS_AT])  # fmt: skip
    trait, trait_cues = _trait(cues, products)
    hits = found_hits[_INTENTS_AT:]
    low = body.lowered
    words = [_words(matches, low) for matches in hits]
    intent, intent_cues = _intent(body, products, cues.sarcasm, hits, words)
    found = _classification(
        trait,
        intent,
        bool(products),
        tuple(trait_cues + [i for i in cues.ignored if i not in trait_cues]) if cues.ignored else tuple(trait_cues),
        tuple(intent_cues),
        tuple(p for p in products if p) if products else (),
    )
    families = {"problem": cues.problem, "help": cues.help, "flaw": cues.flaw, "leaving": cues.leaving,
                "suggest": cues.suggest, "praise": cues.praise, "sarcasm": cues.sarcasm,
                "choosing": cues.choosing}  # fmt: skip
    families.update(zip(_INTENT_FAMILIES, words))  # noqa: B905 (same length)
    families["lead"] = ["buying question"] if products else []
    return found, families


def post_body(text: str, title: str = "") -> str:
    """The text the classifier reads: the title (when not already in the text), then the text, cleaned."""
    return _clean(f"{title}. {text}" if title and title not in text else text)


def classify_rules(text: str, title: str = "") -> Classification:
    """The cue rules alone (the classifier before issue #16; kept for comparison and as the model's features)."""
    body = post_body(text, title)
    return _rules(body)[0] if body.strip() else Classification()


def post_features(text: str, title: str = "", sentiment: str = "") -> dict[str, float]:
    """The learned model's features for a post (classify_model.features over the rules' cues and decisions)."""
    from scrm_desktop.core.classify_model import features

    body = post_body(text, title)
    if not body.strip():
        return {}
    found, families = _rules(body)
    return features(body, families, _decisions(found, body, sentiment))


def _decisions(found: Classification, body: str, sentiment: str) -> dict[str, str]:
    return {"trait": found.trait, "intent": found.intent, "lead": "yes" if found.is_lead else "",
            "sentiment": sentiment or _sentiment(body)}  # fmt: skip


@cache
def _analyzer() -> Any:
    from scrm_desktop.core.sentiment import default_analyzer

    return default_analyzer()


def _sentiment(body: str) -> str:
    """The post's sentiment label when the caller has none (the pipeline passes the one it scored)."""
    return _analyzer().analyze(body).label


def classify(text: str, title: str = "", corrections: Corrections | None = None, sentiment: str = "") -> Classification:
    """Trait, intent and lead for a post's text (and title), each with a confidence and the reasons behind it.

    The learned model (core/classify_model.py) decides, over the cue rules' findings and the post's words; a
    field it is unsure of is left empty ("unknown") with its best guess in `*_guess`. `corrections` are a
    workspace's agent corrections: the corrected post gets the agent's value and similar posts lean to it.
    `sentiment`: the post's sentiment label if already scored (else the default analyzer scores it)."""
    return classify_many([(text, title, sentiment)], corrections)[0]


def classify_many(
    posts: Sequence[tuple[str, str, str]], corrections: Corrections | None = None
) -> list[Classification]:
    """`classify` of each (text, title, sentiment label), with the same answers: the model's decisions for posts
    without corrections' weights are worked out for the whole batch at once (ClassifyModel.decide_many), the
    rest post by post. The ingest's enrich stage classifies a batch so."""
    from scrm_desktop.core.classify_model import ClassifyModel

    model = ClassifyModel.shipped()
    read = [_read(text, title, sentiment) for text, title, sentiment in posts]
    extras = {name: corrections.extra(model, name) for name in _FIELDS} if corrections is not None else {}
    present = [r for r in read if r is not None]
    plain: list[Any] = [()] * len(present)
    if not extras or not all(extras.values()):  # every feature has the value 1: the weight rows count as they are
        if len(present) > 1:
            plain = model.decide_many([(r[3], r[4]) for r in present], _EXPLAINED)
        elif present:
            plain = [model.decide_keys(present[0][3], present[0][4], present[0][5], _EXPLAINED)]
    answers = iter(map(partial(_answer, model, corrections, extras), present, plain))
    return [Classification() if r is None else next(answers) for r in read]


_Read = tuple[str, Classification, dict[str, list[str]], list[str], tuple[str, str, str], int]


def _read(text: str, title: str, sentiment: str) -> _Read | None:
    """What the model decides on: the body, the rules' Classification and cue families, the features (the
    decisions' and cue families' first, `head` of them), the rules' values; None for an empty post."""
    from scrm_desktop.core.classify_model import feature_parts

    body = post_body(text, title)
    if not body.strip():
        return None
    found, families = _rules(body)
    named, words = feature_parts(body, families, _decisions(found, body, sentiment))
    rules = (found.trait, found.intent, "yes" if found.is_lead else "")
    return body, found, families, named + words, rules, len(named)


def _answer(
    model: ClassifyModel, corrections: Corrections | None, extras: dict[str, Any], read: _Read, plain: Sequence[Any]
) -> Classification:
    """The Classification of a read post from the model's plain decisions (`plain`: decide_keys' answers, or ()
    when the corrections' weights count), the corrections' weights (`extras`) and the agents' own values."""
    body, found, families, keys, rules, _head = read
    out: dict[str, Any] = {}
    ignored = [c for c in found.trait_cues if c.startswith("ignored")]
    said = own_text(body, cleaned=True)
    verdicts: dict[str, bool] = {}  # own_reasons' verdicts on `said`, shared by the fields it explains
    agents = corrections.agent_values(body) if corrections is not None else {}
    x = dict.fromkeys(keys, 1.0) if extras else {}
    for i, name in enumerate(_FIELDS):
        extra = extras.get(name)
        rule = rules[i]
        if extra:
            decision = model.fields[name].decide(x, extra, rule)
            value, guess, confidence, reasons = decision.value, decision.guess, decision.confidence, decision.reasons
        else:
            value, guess, confidence, reasons = plain[i]
        agent = agents.get(name)
        if agent is not None:
            value = "" if agent == "none" else agent
            out[name] = (value, value or "none", 1.0, ("agent correction",))
        elif name not in _EXPLAINED:
            out[name] = (value, guess, confidence, ())
        else:
            own = _RULE_CUES[name](found) if value and value == rule else ()
            reasons = _explain(own, reasons, families, ignored, extra, found, said, verdicts)
            out[name] = (value, guess, confidence, reasons)
    trait, intent, lead = out["trait"], out["intent"], out["lead"]
    is_lead = lead[0] == "yes"
    return _classification(trait[0], intent[0], is_lead, trait[3], intent[3], found.lead_products if is_lead else (),
                           trait[2], intent[2], lead[2], trait[1], intent[1])  # fmt: skip


_FIELDS = ("trait", "intent", "lead")  # classify_model.FIELDS, in the order decide_present answers
_EXPLAINED = ("trait", "intent")  # the fields whose reasons a Classification shows (it has no lead cues)
_RULE_CUES = {
    "trait": lambda c: [x for x in c.trait_cues if not x.startswith("ignored")],
    "intent": lambda c: list(c.intent_cues),
    "lead": lambda c: [f"buying: {p}" for p in c.lead_products] or ["buying question"],
}


def _explain(
    own: Iterable[str],
    keys: tuple[str, ...],
    families: dict[str, list[str]],
    ignored: list[str],
    extra: Any,
    found: Classification,
    said: str,
    verdicts: dict[str, bool] | None = None,
) -> tuple[str, ...]:
    """The reasons in words: the rules' cues when their answer stands, then the model's top features (a cue
    family as the cue words the rules found, a rule decision as the cues behind it, the sentiment not at all, a
    word as itself; a word the workspace's corrections moved says so), then the cues the rules ignored; kept to the
    post's own words (`said`: core/reasons.own_reasons, `verdicts` its verdicts on `said` so far)."""
    out: list[str] = list(own)
    kinds = _KINDS
    for key in keys:
        kind, name = kinds.get(key) or _kind(key)
        if kind == _CUE:
            out.extend(families.get(name, [])[:2])
        elif kind == _RULE:
            out.extend(_RULE_CUES[name](found)[:2])
        elif kind == _WORD:
            out.append(f"{key} (agents' corrections)" if extra and key in extra else key)
    if ignored:
        out += ignored
    return own_reasons(out, said, verdicts)


_WORD, _CUE, _RULE, _SKIP = range(4)
_KINDS: dict[str, tuple[int, str]] = {}  # a feature -> how a reason names it (`_kind`), worked out once


def _kind(key: str) -> tuple[int, str]:
    """A cue family's feature ("cue problem") -> _CUE and the family; a rule decision's ("rule trait=venting") ->
    _RULE and the field, or _SKIP for "=none" (no cues behind it); the sentiment's -> _SKIP (a verdict, not the
    post's words: core/reasons.py); else a word (_WORD)."""
    if key.startswith("cue "):
        kind = (_CUE, key[4:])
    elif key.startswith("rule "):
        name, _, value = key[5:].partition("=")
        kind = (_RULE, name) if value != "none" else (_SKIP, "")
    elif key.startswith("sentiment "):
        kind = (_SKIP, "")
    else:
        kind = (_WORD, key)
    if len(_KINDS) >= 50_000:  # the model's features, and the words of a workspace's corrections
        _KINDS.clear()
    _KINDS[key] = kind
    return kind


P = TypeVar("P", bound=Any)


def enrich(post: P, corrections: Corrections | None = None) -> P:
    """Ingest enricher: the post (any dataclass with text, title, trait, intent, is_lead, classification)
    with its classification filled in. A rule or an agent may still change it later. `corrections`: the
    workspace's agent corrections (features.py passes them)."""
    found = classify(post.text, post.title, corrections, getattr(post, "sentiment_label", "") or "")
    return replace(
        post,
        trait=found.trait,
        intent=found.intent,
        is_lead=found.is_lead,
        classification=found.as_json(),
    )

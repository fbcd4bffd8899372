"""Which running incident a post is about, and why: the incident's keywords (phrases people use for it, such as
"no-show" or "didn't show up") said in the post, or the content words of its title shared with the post. Pure: the
case service links a new case to the match (engage/cases.py) and the decision tree's `incident_match` fact reads
the same answer (engage/decision_facts.py), so both say the same thing for the same reason."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from scrm_desktop.core.post import Post
from scrm_desktop.core.query import Query, QueryError, parse
from scrm_desktop.core.query_ast import quote
from scrm_desktop.store.cases import Incident

MAX_KEYWORDS = 40
_WORD = re.compile(r"[a-z][a-z'\-]{2,}")
# words every complaint shares: they say nothing about which incident a post is about
_GENERIC_TEXT = """
    the and for but not nor you your yours our ours they them their this that these those with from have has had
    was were are been being will would could should can cannot can't won't don't didn't doesn't isn't still again
    just really very any all some more most much many people today yesterday now here there what when where why
    how who which then than also too into onto about after before over under out off one two three lot lots
    issue issues problem problems help support customer customers service please thanks thank hey anyone else
    laptop laptops work working works worked get got getting make made take took come came coming arrive arrived
    arriving arrives go going gone went say said know want need use used try tried wait waiting waited day days
    hour hours week weeks time times
    """
GENERIC = frozenset(_GENERIC_TEXT.split())


def stems(text: str, ignore: Iterable[str] = ()) -> set[str]:
    """Content words of `text`, lower case, with plural and -ing/-ed endings cut (technicians -> technician)."""
    ignored = {w.lower() for w in ignore}
    skip = GENERIC | ignored
    out = set()
    for word in _WORD.findall(text.lower()):
        word = word.strip("'-")
        word = next((word[len(b) :] for b in ignored if word.startswith(b) and len(word) > len(b) + 2), word)
        if word in skip or len(word) < 3:  # a handle like BrightwaveCare counts as "care"
            continue
        for suffix in ("'s", "ing", "ed", "es", "s"):
            if word.endswith(suffix) and len(word) - len(suffix) >= 4:
                word = word[: -len(suffix)]
                break
        out.add(word)
    return out


def shared(a: set[str], b: set[str]) -> list[str]:
    """Stems of `a` that `b` has too, or that one of them begins (tech ~ technician)."""

    def alike(x: str, y: str) -> bool:
        return x == y or (min(len(x), len(y)) >= 4 and (x.startswith(y) or y.startswith(x)))

    return sorted(x for x in a if any(alike(x, y) for y in b))


def brand_words(brand: str) -> set[str]:
    """The brand's own words are in every post about it: "Brightwave" says nothing about which incident."""
    words = {w.lower() for w in re.findall(r"\w+", brand)}
    return words | {"".join(words)} if words else set()


# ---- keywords ---------------------------------------------------------------------------------------------------
def keyword_list(text: str) -> tuple[str, ...]:
    """The phrases of an incident's keywords, as typed: one per line or between commas, quotes around one taken
    off, a trailing * kept (a prefix: `no-show*` also finds "no-showed"); duplicates and empty ones dropped."""
    found: dict[str, None] = {}
    for part in re.split(r"[,\n;]", text or ""):
        phrase = " ".join(part.split()).strip('"“”')
        if phrase and phrase.lower() not in {p.lower() for p in found}:
            found[phrase] = None
    return tuple(found)


def check_keywords(text: str) -> str:
    """The keywords tidied (one phrase a line), or ValueError naming the phrase that cannot be searched for."""
    phrases = keyword_list(text)
    if len(phrases) > MAX_KEYWORDS:
        raise ValueError(f"an incident takes up to {MAX_KEYWORDS} keywords, not {len(phrases)}")
    for phrase in phrases:
        try:
            _query(phrase)
        except QueryError:
            raise ValueError(f"the keyword {phrase!r} has no letters or digits to look for") from None
    return "\n".join(phrases)


@functools.lru_cache(maxsize=512)
def _query(phrase: str) -> Query:
    """A keyword as a search phrase: the streams' own words (case, accents and punctuation as search reads them)."""
    prefix = phrase.endswith("*")
    return parse(quote(phrase.rstrip("*").strip()) + ("*" if prefix else ""), allow_empty=False)


def said(post: Post, keywords: str) -> list[str]:
    """The incident's keywords the post says, as the incident lists them (one of two that search the same words,
    like "no-show" and "no show")."""
    out, seen = [], set()
    for phrase in keyword_list(keywords):
        try:
            query = _query(phrase)
        except QueryError:  # a keyword stored before it was checked: it finds nothing
            continue
        if query.root not in seen and query.matches(post):
            out.append(phrase)
        seen.add(query.root)
    return out


# ---- the match --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class IncidentMatch:
    """A post is about `incident`: the keywords it says, or the title's words it shares (either explains it)."""

    incident: Incident
    keywords: tuple[str, ...] = ()
    title_words: tuple[str, ...] = ()

    @property
    def words(self) -> str:
        return ", ".join(self.title_words)

    @property
    def because(self) -> str:
        """Why, in words for the case history: 'the post says “no-show”'."""
        if self.keywords:
            return "the post says " + ", ".join(f"“{k.rstrip('*')}”" for k in self.keywords[:3])
        return f"the post shares words of its title ({self.words})"

    def detail(self) -> dict[str, object]:
        """The history entry of an automatic link (kind "linked_incident")."""
        return {"incident_id": self.incident.id, "title": self.incident.title, "auto": True, "because": self.because}


def _title_words(post: Post, incident: Incident, brand: str) -> list[str]:
    words = stems(f"{post.title} {post.text}", brand_words(brand))
    title = stems(incident.title, brand_words(brand))
    found = shared(title, words)
    # a short title's one word is enough ("Technicians not arriving"); a longer one needs two of its words,
    # or "booked" and "care" alone would tie every complaint to "Care technicians not arriving for booked visits"
    return found if found and len(found) >= min(2, len(title) - 1) else []


def match_incident(post: Post, incidents: Sequence[Incident], brand: str = "") -> IncidentMatch | None:
    """The first of `incidents` (the store lists them most severe first) the post is about: one of its keywords
    said in the post, else its title's words shared (see _title_words); None when none is."""
    for incident in incidents:
        if keywords := said(post, incident.keywords):
            return IncidentMatch(incident, keywords=tuple(keywords))
    for incident in incidents:
        if words := _title_words(post, incident, brand):
            return IncidentMatch(incident, title_words=tuple(words))
    return None


def auto_link(post: Post, incidents: Sequence[Incident], at: datetime, brand: str = "") -> IncidentMatch | None:
    """The running incident a case opened on `post` at `at` joins by itself: one open (not resolved) since before
    `at` that the post matches. A positive post (thanks, praise) joins none: an incident gathers the people it
    hurt, and a post praising the technician is not one of them."""
    if post.sentiment_label == "positive":
        return None
    running = [i for i in incidents if i.status != "resolved" and i.created_at <= at]
    return match_incident(post, running, brand) if running else None

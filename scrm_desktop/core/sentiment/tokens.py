"""Splits a post into the tokens sentiment rules look at: words, emoticons, emoji, hashtags and punctuation."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# Longer than any social post; a 10,000-character email is still scored whole, a pasted novel is cut.
MAX_CHARS = 20_000

# C0/C1 controls and bidi/zero-width format characters become spaces so they can neither glue words
# together nor hide a negation.
_CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")

# Emoji: the pictographic blocks, minus skin-tone modifiers (they only tint the emoji before them).
_EMOJI = (
    "\u2190-\u21ff\u2300-\u23ff\u2460-\u24ff\u25a0-\u27bf\u2900-\u297f\u2b00-\u2bff\u3030\u303d"
    "\U0001f000-\U0001f3fa\U0001f400-\U0001faff"
)
CLAUSE_PUNCT = ".,;:!?…"  # a punctuation token starting with one of these ends a clause


@dataclass(frozen=True, slots=True)
class Token:
    """One token. Frozen: a Tokenizer shares the tokens of a chunk between all the posts it appears in. Slots: the
    rules read these fields a hundred times a post, and a slot is read faster than a named tuple's field."""

    kind: str  # word, emoticon, emoji, hashtag, punct, url, handle, marker ("/s": sarcasm)
    raw: str  # as written (case kept for ALL-CAPS emphasis)
    low: str  # casefolded, curly apostrophes straightened


def _emoticon_alternation(emoticons: Iterable[str]) -> str:
    """The emoticons as one prefix tree ("(?::(?:-(?:\\)|\\()|\\)|...))"): the regex engine reads each character once
    instead of trying a few hundred alternatives in turn. Longer emoticons still win (a child is tried before its
    end), so it matches exactly what the longest-first alternation did."""
    tree: dict[str, dict] = {}
    for emoticon in set(emoticons):
        node = tree
        for ch in emoticon:
            node = node.setdefault(ch, {})
        node[""] = {}
    return _trie(tree)


def _trie(node: dict[str, dict]) -> str:
    alternatives = [re.escape(ch) + _trie(child) for ch, child in sorted(node.items()) if ch]
    if not alternatives:
        return ""
    body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
    return f"(?:{body})?" if "" in node else body


def build_tokenizer(emoticons: Iterable[str]) -> re.Pattern[str]:
    """The token pattern for a given emoticon inventory (emoticons must stand alone, as people type them)."""
    alternation = _emoticon_alternation(emoticons)
    return re.compile(
        rf"""
        (?P<url>(?:https?://|www\.)\S+)
        |(?P<handle>(?<![\w@])@\w+(?:@[\w.-]+\w)?)
        |(?P<hashtag>(?<![\w&])\#\w+)
        |(?P<emoticon>(?<!\S)(?:{alternation})(?=[\s!?.,]|$)|(?<=[^\W\d_])[:;=][-']?[)(DPp](?!\w))
        |(?P<marker>(?<!\S)/s(?!\S))
        |(?P<word>[^\W\d_]+(?:['’\-][^\W\d_]+)*)
        |(?P<emoji>[{_EMOJI}])
        |(?P<punct>[!?]+|[.,;:…]+)
        """,
        re.VERBOSE,
    )


def clean(text: object) -> str:
    """Text safe to scan: a str, bounded, entities decoded, NFC, controls turned into spaces."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = text[:MAX_CHARS]
    if "&" in text and ";" in text:
        text = html.unescape(text)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    if text.isprintable():  # every character _CONTROL_RE replaces is unprintable: nothing to replace (most posts)
        return text
    return _CONTROL_RE.sub(" ", text)


class Tokenizer:
    """Cleaned text -> its tokens with one token pattern (`build_tokenizer`'s), chunk by chunk.

    No token spans whitespace, and at a chunk's edges every look-around of the pattern sees the same thing as at the
    text's edges (whitespace is not a word character, not "@", "&", nor anything but whitespace; an emoticon's
    look-ahead accepts both), so tokenizing each whitespace-separated chunk on its own gives exactly the tokens of
    the whole text. Most chunks of a post ("the", "@united", "thanks!") were seen before: their tokens are
    remembered, one dict look-up each instead of the regex trying its alternatives at every character. A new chunk
    is mostly made of tokens seen before ("thanks!!" of "thanks" and "!!"): those are reused, not built again.
    """

    CACHE_LIMIT = 100_000  # chunks (and tokens) remembered, then forgotten all at once (about 35 MB when full)
    CACHED_CHARS = 64  # longer chunks and tokens (pasted links, base64) are rare and would only fill the caches

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self._chunks: dict[str, tuple[Token, ...]] = {}
        self._tokens: dict[str, Token] = {}  # raw text -> its last token

    def __call__(self, text: str) -> list[Token]:
        chunks = self._chunks
        if len(chunks) > self.CACHE_LIMIT or len(self._tokens) > self.CACHE_LIMIT:
            chunks.clear()
            self._tokens.clear()
        known = chunks.get
        tokens: list[Token] = []
        for chunk in text.split():
            found = known(chunk)
            if found is None:
                found = self._scan(chunk)
                if len(chunk) <= self.CACHED_CHARS:
                    chunks[chunk] = found
            tokens += found
        return tokens

    def _scan(self, chunk: str) -> tuple[Token, ...]:
        seen = self._tokens
        found = []
        for match in self.pattern.finditer(chunk):
            raw, kind = match.group(), match.lastgroup or "punct"
            token = seen.get(raw)
            if token is None or token.kind != kind:  # the same characters may be another kind elsewhere
                token = Token(kind, raw, raw.lower().replace("’", "'"))
                if len(raw) <= self.CACHED_CHARS:
                    seen[raw] = token
            found.append(token)
        return tuple(found)


def is_clause_break(token: Token) -> bool:
    return token.kind == "punct" and token.raw[0] in CLAUSE_PUNCT


def split_camel(tag: str) -> list[str]:
    """'EpicFail' -> ['Epic', 'Fail']; 'epicfail' stays whole (we do not guess word boundaries)."""
    return re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+", tag)

"""The sentiment tokenizer's shortcuts give exactly the tokens of one regex scan over the whole text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scrm_desktop.core.sentiment.lexicon import load
from scrm_desktop.core.sentiment.social import _pattern
from scrm_desktop.core.sentiment.tokens import _CONTROL_RE, Token, Tokenizer, clean

# Pieces that sit on the pattern's edges: look-behinds for handles and hashtags, emoticons that must stand alone
# (or follow a letter), links that run to the next space, letters that are not ASCII, digits that are not
# decimal, and whitespace that is not a plain space.
_PIECES = [
    *"aZé’'-_@#&:;=()DPp/.,!?…<3^*xX0²½",
    *(" ", "  ", "\n", "\t", "\xa0", "\u2003", "\u3000", "\u0301"),
    *("😀", "👍🏽", "❤️", "→", "☺"),
    *("http://", "https://", "www.", "/s", "@united", "#fail", "#not", "don't", "e-mail", "it’s"),
    *("good", "GOOD", "Good", "not", "but", "very", "kind of", "thanks", "lol", "goooood"),
    *sorted(load().emoticons)[::40],
]
_TOKENIZE = Tokenizer(_pattern())  # one for the whole module: later examples meet chunks the earlier ones cached


def _whole_text_scan(text: str) -> list[Token]:
    """The definition: one scan of the pattern over the whole text."""
    return [
        Token(m.lastgroup or "punct", m.group(), m.group().lower().replace("’", "'")) for m in _pattern().finditer(text)
    ]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
def test_tokens_are_those_of_one_scan_over_the_whole_text(text: str) -> None:
    cleaned = clean(text)
    assert _TOKENIZE(cleaned) == _whole_text_scan(cleaned)
    assert _TOKENIZE(cleaned) == _whole_text_scan(cleaned)  # again, from the cache


def test_a_long_chunk_is_tokenized_whole() -> None:
    text = "great:)" + "x" * 200 + " https://example.com/" + "a" * 100 + " bad"
    assert _TOKENIZE(text) == _whole_text_scan(text)


def test_printable_text_has_no_control_characters_to_replace() -> None:
    # clean() returns printable text as it is: that is only right if the pattern never matches a printable character
    replaced = [chr(c) for c in range(0x110000) if _CONTROL_RE.fullmatch(chr(c))]
    assert len(replaced) > 60
    assert not [c for c in replaced if c.isprintable()]


def test_the_caches_stay_bounded_on_text_never_seen_twice() -> None:
    # Long chunks are not remembered, and neither are their long tokens (a feed of unique links or pasted base64).
    tokenize = Tokenizer(_pattern())
    tokenize.CACHE_LIMIT = 50  # a small limit, to reach it quickly
    for n in range(400):
        tokenize(f"word{n}x{'y' * 70} see https://example.com/{n}/{'z' * 80} 甲{n}乙丙丁戊己{n}")
        assert len(tokenize._chunks) <= 51 and len(tokenize._tokens) <= 51

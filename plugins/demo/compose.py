"""Turning templates into posts that read like people: slots filled, openers, long versions, typos, tags, emoji."""

from __future__ import annotations

import random
import re

from .phrases import ELABORATIONS, HASHTAGS, MOOD, OPENERS, SLOTS

_SLOT_RE = re.compile(r"\{(\w+)\}")
_EMOJI_SLOTS = {"negative": "emoji_bad", "positive": "emoji_good", "neutral": "emoji_think", "crisis": "emoji_bad"}


class Filler:
    """Fills {slots}; a slot used twice in one post gets the same word both times ("my Aero 14 ... the Aero 14"),
    and a second slot of a kind ("{product2}") never repeats the first ("the Aero 14 and the Aero 14")."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.chosen: dict[str, str] = {}

    @classmethod
    def following(cls, rng: random.Random, text: str) -> Filler:
        """A filler that keeps to the words a post's text already chose: a mail's subject names the laptop its body
        is about ("Help with my Aero 14" over a mail about an Aero 14), whatever the subject's template says."""
        fill = cls(rng)
        for name, words in SLOTS.items():
            found = [w for w in words if w in text]
            if found:
                fill.chosen[name] = max(found, key=len)  # "Flux Pro 15" in a text also holds "Flux 1"...
        return fill

    def knows(self, template: str, slots: tuple[str, ...]) -> bool:
        """Whether every one of these slots the template uses is already chosen."""
        return all(name in self.chosen for name in _SLOT_RE.findall(template) if name in slots)

    def __call__(self, template: str) -> str:
        return _SLOT_RE.sub(self._word, template)

    def _word(self, match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in self.chosen:
            first = self.chosen.get(name[:-1]) if name.endswith("2") else None
            words = [w for w in SLOTS[name] if w != first] or SLOTS[name]
            self.chosen[name] = self.rng.choice(words)
        return self.chosen[name]


def compose(rng: random.Random, template: str, kind: str, long: bool) -> str:
    """One post's text from a template, varied the way people vary what they type."""
    fill = Filler(rng)
    mood = MOOD.get(kind, "neutral")
    text = fill(template)
    if rng.random() < 0.1:
        text = rng.choice(OPENERS) + _lower_first(text)
    more = ELABORATIONS.get(kind, ())
    if long and more:
        text = text if text[-1:] in ".?!" or _has_emoji(text[-1:]) else text + "."
        extra = rng.sample(more, k=min(len(more), rng.randint(1, 2)))
        text = " ".join([text, *(fill(e) for e in extra)])
    return decorate(rng, text, mood)


def decorate(rng: random.Random, text: str, mood: str, tags: bool = True) -> str:
    """Typos, all-lowercase, hashtags and emoji, each now and then."""
    if rng.random() < 0.1:
        text = typo(rng, text)
    if rng.random() < 0.15:
        text = text.lower()
    if tags and rng.random() < 0.22:
        tags = rng.sample(HASHTAGS[mood], k=rng.randint(1, 2))
        text = f"{text} {' '.join(t for t in tags if t.lower() not in text.lower())}".rstrip()
    if rng.random() < 0.18 and not _has_emoji(text):
        text = f"{text} {rng.choice(SLOTS[_EMOJI_SLOTS[mood]])}"
    return text


def typo(rng: random.Random, text: str) -> str:
    """One slip of the finger in an ordinary word: swapped, dropped or doubled letter."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not candidates:
        return text
    i = rng.choice(candidates)
    w = words[i]
    j = rng.randrange(1, len(w) - 1)
    slip = rng.randrange(3)
    if slip == 0:
        w = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
    elif slip == 1:
        w = w[:j] + w[j + 1 :]
    else:
        w = w[:j] + w[j] + w[j:]
    words[i] = w
    return " ".join(words)


def first_sentence(text: str, limit: int = 90) -> str:
    """A title made from a post's opening, as people title their own Reddit or Hacker News posts."""
    cut = re.split(r"(?<=[.?!])\s", text, maxsplit=1)[0]
    if len(cut) <= limit:
        return cut
    return cut[:limit].rsplit(" ", 1)[0] + "…"


def _lower_first(text: str) -> str:
    # "PSA: my laptop" but never "PSA: brightwave" ("Brightwave" is a name) or "@brightwave" handles.
    if text[:1].isupper() and not text.startswith(("Brightwave", "I ", "I'm", "I've")):
        return text[0].lower() + text[1:]
    return text


def _has_emoji(text: str) -> bool:
    return any(ord(ch) > 0x2500 for ch in text)

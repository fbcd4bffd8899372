"""The reasons shown beside a post's trait, intent and lead: the post's own words and phrases that drove the label.

Handles, links, e-mail addresses and domain names say who wrote and where ("rosa@mastodon.example" is no reason to
call a post venting), and the rules' or the sentiment's verdicts ("rules: none", "sentiment: negative") are not
words of the post: neither is shown as a reason. The classifier keeps its reasons to these (core/classify.py), and
the views filter reasons stored before it did the same way, so an older post reads like a new one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_ELSEWHERE = re.compile(
    r"(?:https?://|www\.)\S+"  # links
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail addresses and fediverse handles (rosa@mastodon.example)
    r"|@[\w.-]*\w"  # handles (@BrightwaveCare, @tomas.bsky.social)
    r"|\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b",  # domains (status.brightwave.example, bsky.social)
    re.IGNORECASE,
)
NOT_WORDS = ("rules:", "sentiment:")  # verdicts the model weighs, not words of the post
NO_QUOTE = ("agent correction", "buying question")  # reasons that stand for the post as a whole
_MARKED = re.compile(r"(?:buying|ignored): (.*?)(?: \((?:negated|sarcasm: .*)\))?")
_MOVED = " (agents' corrections)"


def own_text(text: str) -> str:
    """The post's text as its author wrote it to be read: handles, links, e-mail addresses and domains taken out,
    apostrophes straight and spaces single (as the classifier reads it), lower case."""
    straight = text.replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(_ELSEWHERE.sub(" ", straight).split()).lower()


def _quoted(reason: str) -> str | None:
    """The words of the post a reason quotes: "" for one that stands for the whole post ("buying question"),
    None for one that is not about its words at all ("rules: none")."""
    if not reason or reason.startswith(NOT_WORDS):
        return None
    if reason in NO_QUOTE:
        return ""
    if marked := _MARKED.fullmatch(reason):
        reason = marked.group(1)
    reason = reason.removesuffix(_MOVED).removeprefix("not ")  # "not love the": the post says "love the"
    return reason.rstrip("?") or reason  # "brightwave or corvex?": the question mark may come later


def _says(own: str, phrase: str) -> bool:
    """Whether `own` (own_text) has `phrase` as whole words (a phrase of symbols, like "?", anywhere)."""
    phrase = " ".join(phrase.lower().split())
    start = own.find(phrase)
    while start >= 0:
        end = start + len(phrase)
        cut_before = phrase[0].isalnum() and start > 0 and (own[start - 1].isalnum() or own[start - 1] == "_")
        cut_after = phrase[-1].isalnum() and end < len(own) and (own[end].isalnum() or own[end] == "_")
        if not cut_before and not cut_after:
            return True
        start = own.find(phrase, start + 1)
    return False


def own_reasons(reasons: Iterable[str], own: str) -> tuple[str, ...]:
    """The reasons (as the classifier words them) that are the post's own words: `own` is own_text(post body).
    Order kept, duplicates dropped."""
    out: dict[str, None] = {}
    for reason in reasons:
        quoted = _quoted(str(reason).strip())
        if quoted is not None and (not quoted or _says(own, quoted)):
            out[str(reason).strip()] = None
    return tuple(out)

"""The reasons shown beside a post's trait, intent and lead: the post's own words and phrases that drove the label.

Handles, links, e-mail addresses and domain names say who wrote and where ("rosa@mastodon.example" is no reason to
call a post venting), and the rules' or the sentiment's verdicts ("rules: none", "sentiment: negative") are not
words of the post: neither is shown as a reason. The classifier keeps its reasons to these (core/classify.py), and
the views filter reasons stored before it did the same way, so an older post reads like a new one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# what marks a word as someone's address rather than what they said: a handle or e-mail (@), a link (://), a domain
# (a dot between a letter or digit and a letter: mastodon.example, www.brightwave.example, bsky.social)
_ELSEWHERE = re.compile(r"@|://|[^\W_]\.[^\W\d_]")
NOT_WORDS = ("rules:", "sentiment:")  # verdicts the model weighs, not words of the post
NO_QUOTE = ("agent correction", "buying question")  # reasons that stand for the post as a whole
_MARKED = re.compile(r"(?:buying|ignored): (.*?)(?: \((?:negated|sarcasm: .*)\))?")
_MOVED = " (agents' corrections)"


def own_text(text: str) -> str:
    """The post's text as its author wrote it to be read: every word (a run between spaces) holding a handle, an
    e-mail address, a link or a domain taken out, apostrophes straight and spaces single (as the classifier reads
    it), lower case."""
    straight = text.replace("\u2019", "'").replace("\u2018", "'")
    if _ELSEWHERE.search(straight) is None:  # most posts: nothing to take out
        return " ".join(straight.split()).lower()
    return " ".join(w for w in straight.split() if _ELSEWHERE.search(w) is None).lower()


def _quoted(reason: str) -> str | None:
    """The words of the post a reason quotes: "" for one that stands for the whole post ("buying question"),
    None for one that is not about its words at all ("rules: none")."""
    if not reason or reason.startswith(NOT_WORDS):
        return None
    if reason in NO_QUOTE:
        return ""
    if reason.startswith(("buying: ", "ignored: ")) and (marked := _MARKED.fullmatch(reason)):
        reason = marked.group(1)
    reason = reason.removesuffix(_MOVED).removeprefix("not ").lower()  # "not love the": the post says "love the"
    return reason.rstrip("?") or reason  # "brightwave or corvex?": the question mark may come later


def _says(own: str, phrase: str) -> bool:
    """Whether `own` (own_text) has `phrase` (lower case) as whole words (a phrase of symbols, like "?",
    anywhere)."""
    start = own.find(phrase)
    while start >= 0:
        end = start + len(phrase)
        cut_before = start > 0 and phrase[0].isalnum() and (own[start - 1].isalnum() or own[start - 1] == "_")
        cut_after = end < len(own) and phrase[-1].isalnum() and (own[end].isalnum() or own[end] == "_")
        if not cut_before and not cut_after:
            return True
        start = own.find(phrase, start + 1)
    return False


def own_reasons(reasons: Iterable[str], own: str) -> tuple[str, ...]:
    """The reasons (as the classifier words them) that are the post's own words: `own` is own_text(post body).
    Order kept, duplicates dropped. (Run for every post at ingest: a bare word, the usual reason, costs one
    substring test.)"""
    out: dict[str, None] = {}
    for reason in reasons:
        if reason in out:
            continue
        quoted = reason.lower() if reason.isalpha() else _quoted(reason)
        if quoted is not None and (not quoted or (quoted in own and _says(own, quoted))):
            out[reason] = None
    return tuple(out)

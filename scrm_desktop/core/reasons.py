"""The reasons shown beside a post's trait, intent and lead: the post's own words and phrases that drove the label.

Handles, links, e-mail addresses and domain names say who wrote and where ("rosa@mastodon.example" is no reason to
call a post venting), and the rules' or the sentiment's verdicts ("rules: none", "sentiment: negative") are not
words of the post: neither is shown as a reason. The classifier keeps its reasons to these (core/classify.py), and
the views filter reasons stored before it did the same way, so an older post reads like a new one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

NOT_WORDS = ("rules:", "sentiment:")  # verdicts the model weighs, not words of the post
NO_QUOTE = ("agent correction", "buying question")  # reasons that stand for the post as a whole
_MARKED = re.compile(r"(?:buying|ignored): (.*?)(?: \((?:negated|sarcasm: .*)\))?")
_MOVED = " (agents' corrections)"


def _elsewhere(text: str) -> bool:
    """Whether `text` holds an address rather than words: a handle or e-mail (@), a link (://), a domain (a dot
    between a letter or digit and a letter: mastodon.example, www.brightwave.example, bsky.social). Plain string
    searches: this runs on every post at ingest, and a regex takes ten times as long."""
    if "@" in text or "://" in text:
        return True
    last = len(text) - 1
    dot = text.find(".", 1)
    while 0 < dot < last:
        if text[dot + 1].isalpha() and text[dot - 1].isalnum():
            return True
        dot = text.find(".", dot + 1)
    return False


def own_text(text: str, cleaned: bool = False) -> str:
    """The post's text as its author wrote it to be read: every word (a run between spaces) holding a handle, an
    e-mail address, a link or a domain taken out, apostrophes straight and spaces single (as the classifier reads
    it), lower case. `cleaned`: the text is already so (classify.post_body's: straight apostrophes, no space but
    single " "s), so that much need not be looked at again."""
    straight = text if cleaned else text.replace("\u2019", "'").replace("\u2018", "'")
    if not _elsewhere(straight):  # most posts: nothing to take out
        if cleaned or ("  " not in straight and straight.isprintable()):  # its only spaces are single " "
            return straight.strip(" ").lower()
        return " ".join(straight.split()).lower()
    return " ".join(w for w in straight.split() if not _elsewhere(w)).lower()


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


def own_reasons(reasons: Iterable[str], own: str, verdicts: dict[str, bool] | None = None) -> tuple[str, ...]:
    """The reasons (as the classifier words them) that are the post's own words: `own` is own_text(post body).
    Order kept, duplicates dropped. `verdicts`: each reason's verdict on this `own`, kept across calls (the
    classifier's three fields share most of their reasons)."""
    out: dict[str, None] = {}
    if verdicts is None:
        verdicts = {}
    for reason in reasons:
        ok = verdicts.get(reason)
        if ok is None:
            ok = verdicts[reason] = _is_own(reason, own)
        if ok:
            out[reason] = None
    return tuple(out)


def _is_own(reason: str, own: str) -> bool:
    """Whether one reason is the post's own words (a reason quoted as it stands, the usual case, costs a substring
    search and a look at the characters on either side)."""
    low = reason.lower()
    at = own.find(low)
    if at >= 0:
        end = at + len(low)
        if (at == 0 or not low[0].isalnum() or not own[at - 1].isalnum()) and (
            end == len(own) or not low[-1].isalnum() or not own[end].isalnum()
        ):
            return True  # the first place it occurs is whole words
        if _says(own, low):
            return True
    quoted = _quoted(reason)
    return quoted is not None and (not quoted or (quoted in own and _says(own, quoted)))

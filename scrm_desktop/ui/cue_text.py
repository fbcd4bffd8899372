"""A label's cues as an agent reads them: the words of the post that counted, and apart from them the ones the
classifier saw and switched off ("ignored: no call (negated)" in the stored reasons), which are no reason for
the label and must not read as one."""

from __future__ import annotations

import re
from collections.abc import Iterable

from scrm_desktop.core.reasons import own_reasons

_IGNORED = re.compile(r"ignored: (.*?)(?: \((negated|sarcasm: .*)\))?")
# Words that carry no meaning of their own: the model weighs them ("am" leans to venting in "I am very
# disappointed"), but beside a real cue ("call me", "cancelled") they read as a mistake, so they are shown only
# when they are all there is.
FUNCTION_WORDS = frozenset({
    "a", "an", "the", "i", "i'm", "im", "me", "my", "we", "our", "you", "your", "it", "it's", "its", "is", "am",
    "are", "was", "were", "be", "been", "do", "does", "did", "have", "has", "had", "this", "that", "these", "those",
    "to", "of", "in", "on", "at", "for", "and", "or", "so", "just",
})  # fmt: skip


def quoted_cues(reasons: Iterable[str], said: str, limit: int) -> tuple[list[str], list[str]]:
    """(the cues that counted, the ones switched off with why), each quoted, at most `limit` of each, only the
    post's own words (`said`: core.reasons.own_text of the post); function words only when no other cue counted."""
    counted: list[str] = []
    ignored: list[str] = []
    weak: list[str] = []
    for cue in own_reasons(reasons, said):
        if not cue.startswith("ignored: "):
            (weak if cue.lower() in FUNCTION_WORDS else counted).append(f"“{cue}”")
        elif (m := _IGNORED.fullmatch(cue)) is not None:
            ignored.append(f"“{m.group(1)}” ({m.group(2)})" if m.group(2) else f"“{m.group(1)}”")
    return (counted or weak)[:limit], ignored[:limit]


def cue_line(reasons: Iterable[str], said: str, limit: int) -> str:
    """The cues that counted, comma-separated, then "not counted: ..." for the switched-off ones ("" for none)."""
    counted, ignored = quoted_cues(reasons, said, limit)
    line = ", ".join(counted)
    if ignored:
        line += ("; " if line else "") + "not counted: " + ", ".join(ignored)
    return line

"""Text normalisation at ingest: HTML to plain text, control characters out, whitespace folded, NFC."""

from __future__ import annotations

import re
import unicodedata

# C0/C1 controls except tab/newline; bidi embeddings/overrides/isolates are removed so a post cannot reorder
# the text around it on screen (the characters are kept out, their letters stay).
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff\u200b\u2060]")
_SPACES_RE = re.compile(r"[ \t\f\v\u00a0\u2000-\u200a\u3000]+")
_NEWLINES_RE = re.compile(r"\n{3,}")


def html_to_text(markup: str) -> str:
    """Visible text of an HTML fragment; scripts and styles dropped, entities decoded."""
    from scrm_desktop.core.html_text import html_to_text as visible_text  # the HTML parser: only for HTML posts

    return visible_text(markup)


def normalize_text(text: str, *, is_html: bool = False, max_len: int = 40_000) -> str:
    """Plain, NFC, single-spaced text with paragraph breaks kept and no control or bidi characters."""
    if not is_html and text.isascii() and text.isprintable():  # one line of plain ASCII: only spaces to fold
        return (_SPACES_RE.sub(" ", text) if "  " in text else text).strip()[:max_len]
    if is_html:
        text = html_to_text(text)
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CONTROL_RE.sub("", text)
    lines = [_SPACES_RE.sub(" ", line).strip() for line in text.split("\n")]
    text = _NEWLINES_RE.sub("\n\n", "\n".join(lines)).strip()
    return text[:max_len]


def one_line(text: str, limit: int = 280) -> str:
    """A single-line preview, cut at a word boundary."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0]
    return cut + "…"


def spreadsheet_safe(text: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula (a leading =, +, -, tab or CR, or @ with a call, gets ')."""
    risky = text[:1] in ("=", "+", "-", "\t", "\r") or (text[:1] == "@" and "(" in text)
    return "'" + text if risky else text

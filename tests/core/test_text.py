"""Text normalisation at ingest: plain one-line ASCII (the quick path) and everything else give the documented text."""

from __future__ import annotations

import pytest

from scrm_desktop.core.text import normalize_text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  my   order  is late ", "my order is late"),  # one line of ASCII: spaces folded, ends trimmed
        ("user00042", "user00042"),
        ("tab\there", "tab here"),
        ("two\r\nlines\n\n\n\nand a gap", "two\nlines\n\nand a gap"),
        ("bell\x07 and\x7f delete", "bell and delete"),
        ("caf\u0065\u0301 \u00a0 \u202eevil", "caf\u00e9 evil"),  # NFC, no-break space folded, bidi override out
    ],
)
def test_ingested_text_is_plain_and_single_spaced(raw: str, clean: str) -> None:
    assert normalize_text(raw) == clean


def test_a_long_line_is_capped_after_folding() -> None:
    assert normalize_text("a  b  c  d", max_len=3) == "a b"
    assert normalize_text("  abcdef", max_len=3) == "abc"

"""Builds resources/fonts/SymbolaEmoji.ttf: the emoji and pictographic symbols of Symbola (George Douros, "free
for any use; may be opened, edited, modified, regenerated, packaged and redistributed"), subset so the app ships
under 1 MB instead of 3 MB. A developer tool: needs fontTools (`.venv/bin/pip install fonttools`) and the font,
e.g. from Debian's fonts-symbola package:

    apt-get download fonts-symbola && dpkg -x fonts-symbola_*.deb symbola
    .venv/bin/python scripts/subset_emoji_font.py symbola/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "resources" / "fonts" / "SymbolaEmoji.ttf"
# Emoji live here (Unicode's emoji-data, by block): arrows and dingbats used as emoji, the pictographs, the joiners.
RANGES = [
    (0x203C, 0x2049),
    (0x2122, 0x2139),
    (0x2194, 0x21AA),
    (0x231A, 0x23FF),
    (0x24C2, 0x24C2),
    (0x25AA, 0x25FE),
    (0x2600, 0x27BF),
    (0x2934, 0x2935),
    (0x2B05, 0x2B55),
    (0x3030, 0x303D),
    (0x3297, 0x3299),
    (0x1F000, 0x1FAFF),
    (0x200D, 0x200D),
    (0xFE0E, 0xFE0F),
    (0x20E3, 0x20E3),
]


def main() -> int:
    from fontTools import subset

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("font", type=Path, help="Symbola_hint.ttf (or Symbola.ttf)")
    args = parser.parse_args()
    options = subset.Options()
    options.hinting = False  # smaller; Qt renders outlines well without the hints
    options.name_IDs = ["*"]  # keep the family name and the licence text in the font
    options.layout_features = ["*"]
    font = subset.load_font(str(args.font), options)
    keep = [cp for lo, hi in RANGES for cp in range(lo, hi + 1)]
    sub = subset.Subsetter(options)
    sub.populate(unicodes=keep)
    sub.subset(font)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    subset.save_font(font, str(OUT), options)
    digest = hashlib.sha256(args.font.read_bytes()).hexdigest()
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes) from {args.font.name} sha256 {digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

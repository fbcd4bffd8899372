"""Reading an existing customer list (CSV): the usual columns, comma/semicolon/tab separated, with or without a
BOM. Pure: turns text into rows to import and the problems found, each with its line number."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from scrm_desktop.core.profiles import split_handles

# header (normalised) -> field
ALIASES = {
    "name": "name",
    "full name": "name",
    "customer": "name",
    "email": "email",
    "e-mail": "email",
    "mail": "email",
    "phone": "phone",
    "telephone": "phone",
    "tier": "tier",
    "vip": "vip",
    "tags": "tags",
    "tag": "tags",
    "notes": "note",
    "note": "note",
    "handles": "handles",
    "profiles": "handles",
}
# a column named after one of these channels holds that channel's handle(s)
CHANNELS = ("mastodon", "reddit", "twitter", "x", "bluesky", "youtube", "hackernews", "rss", "imap")
TRUE = {"1", "yes", "y", "true", "x", "vip", "ja", "oui", "sí", "si"}
MAX_BYTES = 20_000_000


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    name: str
    email: str = ""
    phone: str = ""
    tier: str = ""
    tags: tuple[str, ...] = ()
    note: str = ""
    handles: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Problem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class CsvError(ValueError):
    """The file cannot be read as a customer list at all (no header we understand, not text)."""


def decode(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise CsvError(f"The file is larger than {MAX_BYTES // 1_000_000} MB")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise CsvError("The file is not text (neither UTF-8 nor Windows-1252)")


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _field(header: str) -> str | None:
    key = " ".join(header.strip().lower().replace("_", " ").split())
    if key in ALIASES:
        return ALIASES[key]
    return f"channel:{key}" if key in CHANNELS else None


def parse(text: str) -> tuple[list[Row], list[Problem], list[str]]:
    """(rows, problems, ignored column names). Raises CsvError when there is no usable header."""
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        header = next(reader)
    except StopIteration:
        raise CsvError("The file is empty") from None
    fields = [_field(h) for h in header]
    if "name" not in fields and "email" not in fields:
        raise CsvError("No 'name' or 'email' column in the first line (columns: " + ", ".join(header)[:200] + ")")
    ignored = [h for h, f in zip(header, fields, strict=True) if f is None and h.strip()]
    rows: list[Row] = []
    problems: list[Problem] = []
    line = 1
    for record in reader:
        line_start = line + 1
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        try:
            rows.append(_row(line_start, fields, record))
        except ValueError as exc:
            problems.append(Problem(line_start, str(exc)))
    return rows, problems, ignored


def _row(line: int, fields: list[str | None], record: list[str]) -> Row:
    if len(record) > len(fields) and any(c.strip() for c in record[len(fields) :]):
        raise ValueError(f"{len(record)} values but the header has {len(fields)} columns")
    values: dict[str, str] = {}
    handles: list[tuple[str, str]] = []
    for f, cell in zip(fields, record, strict=False):
        cell = cell.strip()
        if f is None or not cell:
            continue
        if f.startswith("channel:"):
            handles += [(f[8:], h.strip()) for h in re.split(r"[;|,]", cell) if h.strip()]
        elif f == "handles":
            handles += split_handles(cell)
        else:
            values[f] = cell
    email = values.get("email", "")
    if email and ("@" not in email or any(c.isspace() for c in email)):
        raise ValueError(f"{email!r} is not an e-mail address")
    name = " ".join(values.get("name", "").split()) or email.split("@", 1)[0]
    if not name:
        raise ValueError("needs a name or an e-mail")
    tier = values.get("tier", "").lower()
    if tier in TRUE or values.get("vip", "").lower() in TRUE:
        tier = "vip"
    elif tier in ("regular", "standard", "normal", "none", "-", "no"):
        tier = ""
    if tier not in ("", "vip"):
        raise ValueError(f"tier {values['tier']!r} is not understood (use vip or leave it empty)")
    tags = tuple(t.strip() for t in re.split(r"[,;|]", values.get("tags", "")) if t.strip())
    return Row(line, name, email, values.get("phone", ""), tier, tags, values.get("note", ""), tuple(handles))

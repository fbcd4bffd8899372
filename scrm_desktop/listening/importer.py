"""Backfill posts from a CSV or JSONL file (keys: text required; external_id, author, created_at, channel, url,
lang optional). Idempotent: a row without an id gets one derived from its content."""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from scrm_desktop.listening.api import PostIn

DEFAULT_CHANNEL = "import"
CHUNK = 5000  # posts per ingest call: five batches, so a big import prepares them in worker processes


class ImportFileError(ValueError):
    """The file as a whole cannot be read (missing, wrong format, no `text` column, rows that cannot be parsed)."""


class MalformedFile(ImportFileError):
    """Rows that cannot be parsed at all: nothing was imported. `where` names the first of them by line; the
    readable rows can be imported on purpose (`skip_bad`)."""

    def __init__(self, message: str, where: str) -> None:
        super().__init__(message)
        self.where = where


class Stopped(Exception):
    """The import was stopped by its user between two chunks (each chunk stored whole); `report` so far."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(f"stopped after {report.rows} row(s)")
        self.report = report


class Unparsable(str):
    """A row that could not be parsed at all (an open quote, a line that is not JSON): the file is malformed there.
    Other problems (an empty text, a time that cannot be read) are about one row's content."""


@dataclass
class ImportReport:
    rows: int = 0
    inserted: int = 0
    duplicates: int = 0
    rejected: int = 0
    problems: list[str] = field(default_factory=list)

    def note(self, line: int, why: str) -> None:
        self.rejected += 1
        if len(self.problems) < 20:
            self.problems.append(f"line {line}: {why}")


_TWITTER_FORMAT = "%a %b %d %H:%M:%S %z %Y"


def parse_time(value: Any) -> datetime | None:
    """ISO 8601, RFC 2822, Twitter's 'Tue Oct 31 22:10:47 +0000 2017', or a Unix timestamp; None if empty."""
    if value is None or str(value).strip() == "":
        return None
    text = str(value).strip()
    if text.replace(".", "", 1).isdigit():
        number = float(text)
        return datetime.fromtimestamp(number / 1000 if number > 1e11 else number, UTC)
    for parse in (
        lambda t: datetime.fromisoformat(t.replace("Z", "+00:00")),
        lambda t: datetime.strptime(t, _TWITTER_FORMAT),
        parsedate_to_datetime,
    ):
        try:
            when = parse(text)
        except (ValueError, TypeError, IndexError):
            continue
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    raise ValueError(f"cannot read the time {text[:40]!r}")


def _sniff_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    with path.open("rb") as fh:
        head = fh.read(64).lstrip()
    return "jsonl" if head.startswith(b"{") else "csv"


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, row) pairs; a row that cannot be read is yielded as an error string."""
    if not path.is_file():
        raise ImportFileError(f"{path}: {'a folder, not a file' if path.is_dir() else 'no such file'}")
    if _sniff_format(path) == "jsonl":
        yield from _read_jsonl(path)
    else:
        yield from _read_csv(path)


def _read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    with path.open("r", encoding="utf-8-sig", errors="replace") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                yield n, Unparsable(f"not valid JSON ({exc.args[0] if exc.args else exc})")
                continue
            yield n, row if isinstance(row, dict) else Unparsable("a JSON line must be an object")


def _read_csv(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    with path.open("r", encoding="utf-8-sig", errors="replace", newline="") as fh:
        sample = fh.read(65536)
        fh.seek(0)
        try:
            dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
        # strict: a quote left open is an error, not the rest of the file read as one field
        reader = csv.DictReader(fh, dialect=dialect, strict=True)
        fields = [f.strip().lower() for f in (reader.fieldnames or [])]
        if "text" not in fields:
            raise ImportFileError(f"{path.name}: no `text` column (columns found: {', '.join(fields) or 'none'})")
        reader.fieldnames = fields
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if "unexpected end of data" in str(exc):
                    # the rest of the file was read into that field: say so, or --skip-bad looks as if only the
                    # one row was left out
                    end = _last_line(path)  # (the reader's line_num stops at the row before)
                    rest = f" (lines {start}-{end}, the end of the file, were read into it)" if end > start else ""
                    yield start, Unparsable(f"a quoted field opens here and is never closed{rest}")
                else:
                    yield start, Unparsable(f"unreadable CSV ({exc})")
                continue
            yield reader.line_num, {k: v for k, v in row.items() if k is not None}


def row_to_post(row: dict[str, Any]) -> PostIn:
    """One file row as a post; ValueError says what is wrong with it."""
    text = row.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError("empty or missing `text`")
    created = parse_time(row.get("created_at")) or datetime.now(UTC)
    author = str(row.get("author") or row.get("author_id") or "").strip()
    channel = str(row.get("channel") or DEFAULT_CHANNEL).strip().lower() or DEFAULT_CHANNEL
    external_id = str(row.get("external_id") or row.get("id") or row.get("tweet_id") or "").strip()
    if not external_id:
        basis = f"{author}\x1f{row.get('created_at') or ''}\x1f{text}"
        external_id = "sha256:" + hashlib.sha256(basis.encode("utf-8", "replace")).hexdigest()[:32]
    return PostIn(
        channel=channel,
        external_id=external_id,
        text=text,
        created_at=created,
        author_handle=author,
        author_name=str(row.get("author_name") or "").strip(),
        url=str(row.get("url") or "").strip(),
        lang=str(row.get("lang") or "").strip(),
        reply_to=str(row.get("in_reply_to") or row.get("in_response_to_tweet_id") or "").strip(),
    )


def import_file(
    path: Path,
    ingest: Callable[[list[PostIn]], tuple[int, int]],
    progress: Callable[[int, int], None] | None = None,
    *,
    skip_bad: bool = False,
    stop: Callable[[], bool] | None = None,
) -> ImportReport:
    """Read `path` and pass posts to `ingest` in chunks (it returns (inserted, duplicates)).

    A file with rows that cannot be parsed is refused before anything is stored (MalformedFile naming the
    lines), unless `skip_bad`: then the readable rows are imported and the others reported. `stop()` is asked
    before each chunk; when it says so, Stopped is raised with the report so far (the chunks before are stored
    whole: the same import run again adds only the rest)."""
    total = _count_lines(path)
    if progress:
        progress(0, total)
    if not skip_bad:
        _refuse_malformed(path)
    report = ImportReport()
    chunk: list[PostIn] = []

    def flush() -> None:
        if stop is not None and stop():
            raise Stopped(report)
        inserted, dupes = ingest(chunk)
        report.inserted += inserted
        report.duplicates += dupes
        chunk.clear()

    for line, row in read_rows(path):
        report.rows += 1
        if isinstance(row, str):
            report.note(line, row)
            continue
        try:
            chunk.append(row_to_post(row))
        except ValueError as exc:
            report.note(line, str(exc))
        if len(chunk) >= CHUNK:
            flush()
            if progress:
                progress(min(line, total), total)
    if chunk:
        flush()
    if progress:
        progress(total, total)
    return report


def _refuse_malformed(path: Path, shown: int = 5) -> None:
    bad = [(line, row) for line, row in read_rows(path) if isinstance(row, Unparsable)]
    if not bad:
        return
    where = "; ".join(f"line {line}: {why}" for line, why in bad[:shown])
    more = f" (and {len(bad) - shown} more)" if len(bad) > shown else ""
    raise MalformedFile(
        f"{path.name} is malformed at {where}{more}; nothing was imported (fix the file, or import the readable "
        "rows with --skip-bad)",
        f"{where}{more}",
    )


def _last_line(path: Path) -> int:
    """The number of the file's last line (a last line without its newline counts)."""
    newlines, last = 0, b"\n"
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            newlines += block.count(b"\n")
            last = block[-1:]
    return newlines + (last != b"\n")


def _count_lines(path: Path) -> int:
    if not path.is_file():
        raise ImportFileError(f"{path}: {'a folder, not a file' if path.is_dir() else 'no such file'}")
    count = 0
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            count += block.count(b"\n")
    return max(count, 1)

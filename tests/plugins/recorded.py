"""Recorded real API responses (../shared/data/api/<channel>/) served from a pytest-httpserver.

`load_manifest(dir)` reads a channel's manifest.csv; `serve(httpserver, rec)` registers one recorded body with
its status and kept headers (absolute URLs of the recorded host, as in Link headers, are rewritten to point at
the local server, so paging follows them there). `silent_server()` gives a URL that accepts connections but
never answers, for timeout tests without sleeping.
"""

from __future__ import annotations

import csv
import json
import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pytest_httpserver import HTTPServer
from werkzeug import Response

# Framing headers describe the original transfer, not the body we replay.
_NOT_REPLAYED = {"content-length", "content-encoding", "transfer-encoding", "connection"}

__all__ = ["Recorded", "find", "load_manifest", "response_for", "serve", "silent_server"]


@dataclass(frozen=True)
class Recorded:
    """One recorded exchange: the request as it was made and the response the service gave."""

    file: Path
    method: str
    url: str
    status: int
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.url).query, keep_blank_values=True)

    @property
    def origin(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    def body(self) -> bytes:
        return self.file.read_bytes()

    def json(self) -> Any:
        return json.loads(self.body())


def load_manifest(directory: Path) -> list[Recorded]:
    """Every row of `directory/manifest.csv` whose body file exists. Manifests without a kept_headers column
    (hackernews_algolia) get the JSON content type their .json bodies had."""
    rows: list[Recorded] = []
    with (directory / "manifest.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            body = directory / row["file"]
            if not body.is_file():
                continue
            kept = row.get("kept_headers") or '{"content-type": "application/json; charset=utf-8"}'
            rows.append(Recorded(body, row["method"].upper(), row["uri"], int(row["status"]), json.loads(kept)))
    return rows


def find(recorded: list[Recorded], name_part: str) -> Recorded:
    """The one recording whose file name contains `name_part` (a test names exactly what it serves)."""
    hits = [r for r in recorded if name_part in r.file.name]
    if len(hits) != 1:
        raise LookupError(f"{len(hits)} recordings match {name_part!r}: {[h.file.name for h in hits]}")
    return hits[0]


def response_for(
    httpserver: HTTPServer,
    rec: Recorded,
    *,
    body: bytes | str | None = None,
    status: int | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The werkzeug response replaying `rec` (optionally with another body, status or extra headers)."""
    local = httpserver.url_for("/").rstrip("/")
    kept = {k: str(v).replace(rec.origin, local) for k, v in rec.headers.items() if k.lower() not in _NOT_REPLAYED}
    kept.update(headers or {})
    data = rec.body() if body is None else body
    return Response(data, status=status or rec.status, headers=kept)


def serve(
    httpserver: HTTPServer,
    rec: Recorded,
    *,
    path: str | None = None,
    method: str | None = None,
    query_string: Mapping[str, str] | str | None = None,
    body: bytes | str | None = None,
    status: int | None = None,
    headers: Mapping[str, str] | None = None,
    once: bool = False,
) -> None:
    """Answer requests for `path` (default: the recorded path) with the recording. With `query_string`
    only matching requests are answered; with `once` the answer is given a single time."""
    expect = httpserver.expect_oneshot_request if once else httpserver.expect_request
    handler = expect(path or rec.path, method=method or rec.method, query_string=query_string)
    handler.respond_with_response(response_for(httpserver, rec, body=body, status=status, headers=headers))


@contextmanager
def silent_server() -> Iterator[str]:
    """A base URL whose server accepts connections (the kernel's backlog does) but never answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        host, port = sock.getsockname()
        yield f"http://{host}:{port}"
    finally:
        sock.close()

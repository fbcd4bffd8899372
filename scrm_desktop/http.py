"""The one place httpx clients are made: timeouts, user agent, redirects, connection limits, and bounds on what a
server can make us hold: a body larger than MAX_BODY_BYTES (after decompression: a gzip bomb is cut where it
crosses the line, never inflated whole) or one that trickles in for longer than MAX_RESPONSE_SECONDS."""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Iterator

import httpx

from scrm_desktop import __version__

USER_AGENT = f"scrm-desktop/{__version__} (+https://github.com/scrm-desktop/scrm-desktop)"
DEFAULT_TIMEOUT = httpx.Timeout(20.0, connect=10.0)
MAX_BODY_BYTES = 32 * 1024 * 1024
MAX_RESPONSE_SECONDS = 120.0
_STEP = 256 * 1024  # the most a compressed chunk is inflated at a time


class ResponseTooLarge(httpx.TransportError):
    """A server sent more than we accept (a transport problem to the sources: recorded, backed off)."""


def make_client(
    timeout: float | httpx.Timeout | None = None,
    *,
    max_bytes: int = MAX_BODY_BYTES,
    max_seconds: float = MAX_RESPONSE_SECONDS,
) -> httpx.Client:
    """A synchronous client for worker threads. A hung server is cut by the timeout, a slow or endless body by
    `max_seconds`, a large (or inflating) one at `max_bytes`."""
    return httpx.Client(
        timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},  # the encodings we bound
        follow_redirects=True,
        limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
        event_hooks={"response": [bounded(max_bytes, max_seconds)]},
    )


def bounded(max_bytes: int, max_seconds: float) -> Callable[[httpx.Response], None]:
    """A response hook (it runs before the body is read): the body is inflated here, in bounded steps, and cut
    at a size and a deadline. A hook rather than a transport keeps httpx's proxy settings from the environment."""
    mb = max_bytes / 2**20
    limit = f"{mb:.0f} MB" if mb >= 1 else f"{max_bytes} bytes"

    def hook(response: httpx.Response) -> None:
        where = response.request.url.host or "the server"
        length = response.headers.get("content-length", "")
        if length.isdigit() and int(length) > max_bytes:
            response.close()
            raise ResponseTooLarge(
                f"the response from {where} is larger than {limit} (it announced {int(length) // 2**20} MB)",
                request=response.request,
            )
        inner = response.stream
        chunks: Iterator[bytes] = iter(inner)  # type: ignore[call-overload]
        if response.headers.get("content-encoding", "").strip().lower() in ("gzip", "x-gzip", "deflate"):
            chunks = _inflate(chunks)
            del response.headers["content-encoding"]  # inflated here: httpx must not inflate it again
        response.stream = _BoundedStream(
            chunks, inner, max_bytes, time.monotonic() + max_seconds, f"the response from {where}", limit
        )
        response.stream.request = response.request  # type: ignore[attr-defined]

    return hook


def _inflate(chunks: Iterator[bytes]) -> Iterator[bytes]:
    """gzip or zlib-wrapped deflate, inflated at most _STEP bytes at a time (the caller counts and stops)."""
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)
    for chunk in chunks:
        data = chunk
        while data:
            try:
                out = inflater.decompress(data, _STEP)
            except zlib.error as exc:
                raise httpx.DecodingError(f"the compressed response is damaged ({exc})") from None
            if out:
                yield out
            data = inflater.unconsumed_tail
    tail = inflater.flush()
    if tail:
        yield tail


class _BoundedStream(httpx.SyncByteStream):
    request: httpx.Request

    def __init__(
        self, chunks: Iterator[bytes], inner: object, max_bytes: int, deadline: float, what: str, limit: str
    ) -> None:
        self._chunks, self._inner, self._max_bytes = chunks, inner, max_bytes
        self._deadline, self._what, self._limit = deadline, what, limit

    def __iter__(self) -> Iterator[bytes]:
        size = 0
        for chunk in self._chunks:
            size += len(chunk)
            if size > self._max_bytes:
                raise ResponseTooLarge(f"{self._what} is larger than {self._limit}", request=self.request)
            if time.monotonic() > self._deadline:
                raise httpx.ReadTimeout(f"{self._what} was still arriving when its time ran out", request=self.request)
            yield chunk

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            close()

"""When to run a source next: its interval with jitter, or an exponential backoff after failures."""

from __future__ import annotations

import random

BASE_BACKOFF_S = 30.0
MAX_BACKOFF_S = 6 * 3600.0


def jittered(interval_s: float, rng: random.Random, fraction: float = 0.1) -> float:
    """The interval give or take `fraction`, so many sources do not fire in lockstep."""
    return max(1.0, interval_s * rng.uniform(1 - fraction, 1 + fraction))


def backoff_delay(failures: int, interval_s: float, rng: random.Random, retry_after: float | None = None) -> float:
    """Seconds to wait after the `failures`-th failure in a row. A server's Retry-After comes first."""
    if retry_after is not None and retry_after >= 0:
        return min(max(retry_after, 1.0), MAX_BACKOFF_S)
    cap = max(MAX_BACKOFF_S / 6, min(MAX_BACKOFF_S, interval_s * 8))
    exp = min(cap, BASE_BACKOFF_S * 2 ** max(0, failures - 1))
    # never hammer more often than the normal schedule would
    delay = max(exp, min(interval_s, cap)) if failures > 3 else exp
    return delay * rng.uniform(0.8, 1.2)


def parse_interval(text: str) -> int:
    """'90', '90s', '10m', '2h', '1d' -> seconds. Raises ValueError with the reason."""
    raw = text.strip().lower()
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    number, unit = (raw[:-1], raw[-1]) if raw and raw[-1] in units else (raw, "s")
    try:
        value = float(number)
    except ValueError:
        raise ValueError(f"not an interval: {text!r} (use e.g. 30s, 10m, 2h)") from None
    seconds = int(value * units[unit])
    if seconds < 5:
        raise ValueError(f"interval {text!r} is too short (at least 5s)")
    if seconds > 7 * 86400:
        raise ValueError(f"interval {text!r} is too long (at most 7d)")
    return seconds


def format_interval(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0 and seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"

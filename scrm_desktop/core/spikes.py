"""Spike detection on hourly counts (baseline band, threshold, merged spike windows) and a spike's top terms."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from scrm_desktop.core.tokens import tokenize

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class SpikeRule:
    """mean + `sigmas` sd of the same hour of day over the last `days` days (the previous 24 hours while the
    archive is younger than `same_hour_days` days); never below `min_count`, so a quiet night does not alert."""

    sigmas: float = 3.0
    min_count: int = 5
    days: int = 14
    same_hour_days: int = 5
    min_history: int = 6  # hours of history needed before anything can alert


@dataclass(frozen=True)
class Band:
    """One hour: its count, the expected count and the alert threshold (None while history is too short)."""

    bucket: datetime
    value: int
    baseline: float | None
    threshold: float | None

    @property
    def is_spike(self) -> bool:
        return self.threshold is not None and self.value >= self.threshold


@dataclass(frozen=True)
class Spike:
    """Consecutive spiking hours [start, end): the peak hour's count, baseline and threshold, and the total."""

    start: datetime
    end: datetime
    value: int
    baseline: float
    threshold: float
    total: int


def hour_of(when: datetime) -> datetime:
    return when.replace(minute=0, second=0, microsecond=0)


def _stats(values: list[int], rule: SpikeRule) -> tuple[float, float]:
    mean = sum(values) / len(values)
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    # Counts are Poisson-like: a history that happened to be flat must not make a few extra posts a spike,
    # and the normal tail is too thin for small counts. sqrt(mean) + 1.5 gave 6 false alerts in 38,400 hours
    # of noisy day/night series (tests/core/test_spikes.py's generator).
    sd = max(sd, math.sqrt(mean) + 1.5)
    return mean, max(mean + rule.sigmas * sd, float(rule.min_count))


def _history(t: datetime, known: Mapping[datetime, int], first: datetime, rule: SpikeRule) -> list[int]:
    same_hour = [t - k * 24 * HOUR for k in range(1, rule.days + 1)]
    values = [known[h] for h in same_hour if h >= first and h in known]
    if len(values) >= rule.same_hour_days:
        return values
    return [known[h] for h in (t - k * HOUR for k in range(1, 25)) if h >= first and h in known]


def bands(
    series: Mapping[datetime, int],
    start: datetime,
    end: datetime,
    rule: SpikeRule = SpikeRule(),
    first: datetime | None = None,
) -> list[Band]:
    """Every hour in [start, end) with its baseline and threshold. `series` maps hour buckets to counts from
    the archive's `first` hour on (default: its first counted hour; missing hours count 0); it should reach
    `rule.days` days before `start`.
    Hours that spiked are left out of later baselines, so a long crisis does not raise its own bar."""
    counts: dict[datetime, int] = {}
    for when, n in series.items():
        counts[hour_of(when)] = counts.get(hour_of(when), 0) + n
    if first is None and not counts:
        return [Band(t, 0, None, None) for t in _hours(hour_of(start), end)]
    first = hour_of(first) if first is not None else min(counts)
    known: dict[datetime, int] = {}  # hours usable as history (spikes removed)
    out: list[Band] = []
    for t in _hours(min(first, hour_of(start)), end):
        value = counts.get(t, 0)
        history = _history(t, known, first, rule) if t >= first else []
        baseline, threshold = _stats(history, rule) if len(history) >= rule.min_history else (None, None)
        band = Band(t, value, baseline, threshold)
        if t >= first and not band.is_spike:
            known[t] = value
        if t >= hour_of(start):
            out.append(band)
    return out


def _hours(start: datetime, end: datetime) -> Iterable[datetime]:
    t = start
    while t < end:
        yield t
        t += HOUR


def spikes(band_list: Iterable[Band]) -> list[Spike]:
    """Merge consecutive spiking hours into spike windows."""
    out: list[Spike] = []
    run: list[Band] = []
    for band in [*band_list, None]:
        if band is not None and band.is_spike and (not run or band.bucket == run[-1].bucket + HOUR):
            run.append(band)
            continue
        if run:
            peak = max(run, key=lambda b: b.value)
            assert peak.baseline is not None and peak.threshold is not None
            total = sum(b.value for b in run)
            out.append(Spike(run[0].bucket, run[-1].bucket + HOUR, peak.value, peak.baseline, peak.threshold, total))
        run = [band] if band is not None and band.is_spike else []
    return out


def detect(
    series: Mapping[datetime, int],
    start: datetime,
    end: datetime,
    rule: SpikeRule = SpikeRule(),
    first: datetime | None = None,
) -> list[Spike]:
    """Spike windows in [start, end); `first` as for `bands`."""
    return spikes(bands(series, start, end, rule, first))


# ---- what a spike is about --------------------------------------------------------------------------------------
_STOP_TEXT = """
a about after again all also am an and any are as at be because been before being but by can could did do does
doing don down for from get got had has have having he her here hers him his how i if in into is it its just
me more most my no nor not now of off on once only or other our out over own same she should so some such than
that the their them then there these they this those through to too under until up very was we were what when
where which while who whom why will with would you your yours im ive its dont cant wont didnt isnt s t re ll
ve d m amp https http www com co
"""
STOPWORDS = frozenset(_STOP_TEXT.split())
# Who a post is addressed to and where it links say nothing about what happened: @mentions (also
# @user@instance), e-mail addresses and links are left out of the terms (hashtags stay).
_ADDRESSES_RE = re.compile(r"https?://\S+|www\.\S+|@?[\w.+-]+@[\w-]+(?:\.[\w-]+)+|@\w[\w.]*")


def top_terms(window: Iterable[str], baseline: Iterable[str], exclude: Iterable[str] = (), limit: int = 8) -> list[str]:
    """Words more frequent in the window's posts than in the baseline's (document frequency, smoothed).
    Stopwords, numbers, one-letter tokens, @mentions, e-mail addresses, links and `exclude` (the topic's own
    words) are left out."""
    skip = STOPWORDS | {t for word in exclude for t in tokenize(word)}

    def doc_freq(texts: Iterable[str]) -> tuple[Counter[str], int]:
        freq: Counter[str] = Counter()
        n = 0
        for text in texts:
            n += 1
            words = _ADDRESSES_RE.sub(" ", text[:5000])
            freq.update({t for t in tokenize(words) if len(t) > 1 and not t.isdigit() and t not in skip})
        return freq, n

    now, n_now = doc_freq(window)
    before, n_before = doc_freq(baseline)

    def lift(term: str) -> float:
        return ((now[term] + 1) / (n_now + 2)) / ((before[term] + 1) / (n_before + 2))

    candidates = [t for t, n in now.items() if n >= 2 and lift(t) > 1.0]
    candidates.sort(key=lambda t: (-lift(t) * math.log1p(now[t]), t))
    return candidates[:limit]

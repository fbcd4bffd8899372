"""Spike detector: synthetic series with known spikes are found, flat noisy ones never alert."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from scrm_desktop.core.spikes import SpikeRule, bands, detect, top_terms

START = datetime(2024, 5, 1)
H = timedelta(hours=1)


def poisson(rng: random.Random, lam: float) -> int:
    # Knuth's method: fine for the small rates used here
    limit, k, p = pow(2.718281828459045, -lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def daily(rng: random.Random, days: int, scale: float = 20.0) -> dict[datetime, int]:
    """A day/night rhythm with Poisson noise: busy afternoons, quiet nights."""
    out = {}
    for h in range(days * 24):
        hour = h % 24
        lam = scale * (0.15 if hour < 6 else 1.0 if 12 <= hour < 20 else 0.6)
        out[START + h * H] = poisson(rng, lam)
    return out


def test_flat_noisy_series_never_alerts() -> None:
    for seed in range(5):
        series = daily(random.Random(seed), 30)
        assert detect(series, START + 14 * 24 * H, START + 30 * 24 * H) == []


def test_known_spikes_are_found_with_their_windows() -> None:
    series = daily(random.Random(1), 30)  # a seed whose plain series has no false alert
    for t in (START + (20 * 24 + 15) * H, START + (20 * 24 + 16) * H, START + (26 * 24 + 3) * H):
        series[t] += 60
    found = detect(series, START + 14 * 24 * H, START + 30 * 24 * H)
    assert [(s.start, s.end) for s in found] == [
        (START + (20 * 24 + 15) * H, START + (20 * 24 + 17) * H),
        (START + (26 * 24 + 3) * H, START + (26 * 24 + 4) * H),
    ]
    night = found[1]
    assert night.value >= 60 and night.baseline < 10 and night.baseline < night.threshold <= night.value


def test_quiet_night_below_min_count_does_not_alert() -> None:
    series = {START + h * H: 0 for h in range(15 * 24)}
    series[START + (14 * 24 + 2) * H] = 4  # from nothing to 4 posts: a big ratio, still not an alert
    assert detect(series, START + 14 * 24 * H, START + 15 * 24 * H, SpikeRule(min_count=5)) == []
    series[START + (14 * 24 + 2) * H] = 5
    assert len(detect(series, START + 14 * 24 * H, START + 15 * 24 * H, SpikeRule(min_count=5))) == 1


def test_young_archive_uses_previous_day_and_a_long_crisis_does_not_raise_its_own_bar() -> None:
    rng = random.Random(3)
    series = {START + h * H: poisson(rng, 8) for h in range(21)}
    series.update({START + (21 + i) * H: n for i, n in enumerate((40, 70, 90))})
    result = bands(series, START, START + 24 * H)
    assert [b.threshold is None for b in result[:6]] == [True] * 6  # too little history to judge
    assert [b.is_spike for b in result[21:]] == [True, True, True]
    assert result[23].threshold == result[22].threshold or result[23].threshold < 40
    assert len(detect(series, START, START + 24 * H)) == 1


def test_empty_series_has_bands_without_thresholds() -> None:
    result = bands({}, START, START + 3 * H)
    assert [(b.value, b.threshold) for b in result] == [(0, None)] * 3


def test_top_terms_prefer_what_is_new_in_the_window() -> None:
    baseline = ["my laptop battery is great", "battery life on the laptop", "screen is bright"] * 10
    window = ["technician no show again", "the technician never came", "no show no call", "battery fine"]
    terms = top_terms(window, baseline, exclude=["laptop"])
    assert terms[:2] == ["show", "technician"] or set(terms[:2]) == {"show", "technician"}
    assert "the" not in terms and "battery" not in terms and "laptop" not in terms


def test_top_terms_leave_out_who_the_posts_address_and_where_they_link() -> None:
    window = [
        "@mango_orbit12@social.example @femi the technician never came #NoShow",
        "@femi_k same here, technician never came https://status.example/outage",
        "technician no-show again, mail me at tara.byrne@mail.example #NoShow",
    ]
    baseline = ["nice weather", "new laptop day", "coffee time"]
    terms = top_terms(window, baseline)
    assert "technician" in terms and "noshow" in {t.lower() for t in terms}  # what happened, hashtags too
    for handle_part in ("mango", "orbit12", "femi", "social", "example", "status", "outage", "tara", "byrne", "mail"):
        assert handle_part not in terms

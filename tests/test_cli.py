"""The command line as a user types it: help everywhere, one-line errors with exit code 2, sources, listen."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

from scrm_desktop.cli import build_parser, main

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Brightwave blog</title><link>https://blog.example/</link>
<item><title>New laptops</title><link>https://blog.example/new</link><guid>post-1</guid>
<description>&lt;p&gt;We love our &lt;b&gt;customers&lt;/b&gt;&lt;/p&gt;</description>
<pubDate>Mon, 23 Nov 2026 09:00:00 GMT</pubDate></item>
<item><title>Outage report</title><link>https://blog.example/outage</link><guid>post-2</guid>
<description>The outage is over.</description><pubDate>Mon, 23 Nov 2026 10:00:00 GMT</pubDate></item>
</channel></rss>"""


def cli(tmp_path, *args: str) -> int:
    return main(["--basedir", str(tmp_path / "home"), *args])


def all_command_paths():
    parser = build_parser()
    yield []
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, p in sub.choices.items():
        yield [name]
        for action in p._actions:
            if getattr(action, "choices", None) and isinstance(action.choices, dict):
                for inner in action.choices:
                    yield [name, inner]


@pytest.mark.parametrize("path", list(all_command_paths()), ids=lambda p: " ".join(p) or "top")
def test_every_command_has_help(path, capsys):
    with pytest.raises(SystemExit) as exc:
        main([*path, "--help"])
    assert exc.value.code == 0
    assert "usage:" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["frobnicate"], "invalid choice"),
        (["snapshot", "--out", "x.png", "--size", "big"], "WIDTHxHEIGHT"),
        (["sources"], "required"),
        (["listen", "--bogus"], "unrecognized arguments"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args, fragment, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert fragment in err and len(err.splitlines()) == 1


def test_sources_lifecycle(tmp_path, capsys):
    assert (
        cli(
            tmp_path,
            "sources",
            "add",
            "rss",
            "--name",
            "Dell blog",
            "--url",
            "https://example.com/feed",
            "--every",
            "10m",
        )
        == 0
    )
    assert cli(tmp_path, "sources", "list") == 0
    out = capsys.readouterr().out
    assert "Dell blog\trss\tevery 10m\tenabled" in out
    assert cli(tmp_path, "sources", "disable", "Dell blog") == 0
    assert cli(tmp_path, "sources", "list") == 0
    assert "disabled" in capsys.readouterr().out
    assert cli(tmp_path, "sources", "remove", "Dell blog") == 0
    assert cli(tmp_path, "sources", "remove", "Dell blog") == 1
    assert "no source named 'Dell blog'" in capsys.readouterr().err


def test_sources_add_rejects_bad_options(tmp_path, capsys):
    assert cli(tmp_path, "sources", "add", "rss", "--name", "X", "--url", "ftp://nope") == 1
    assert "http(s) URL" in capsys.readouterr().err
    assert cli(tmp_path, "sources", "add", "rss", "--name", "X", "--colour", "red") == 2
    assert "no option --colour" in capsys.readouterr().err
    assert cli(tmp_path, "sources", "add", "nosuch", "--name", "X") == 1
    assert "no plugin named 'nosuch'" in capsys.readouterr().err
    assert cli(tmp_path, "sources", "add", "rss", "--name", "X", "--url", "https://a.example", "--every", "1y") == 1


def test_listen_once_fetches_from_a_real_server(tmp_path, capsys, httpserver):
    httpserver.expect_request("/feed.xml").respond_with_data(FEED, content_type="application/rss+xml")
    url = httpserver.url_for("/feed.xml")
    assert cli(tmp_path, "sources", "add", "rss", "--name", "Blog", "--url", url) == 0
    assert cli(tmp_path, "listen", "--once") == 0
    assert "Blog: 2 new post(s)" in capsys.readouterr().out
    assert cli(tmp_path, "listen", "--once") == 0
    assert "Blog: 0 new post(s)" in capsys.readouterr().out


def test_listen_once_reports_a_dead_server_and_exits_0(tmp_path, capsys):
    assert cli(tmp_path, "sources", "add", "rss", "--name", "Dead", "--url", "http://127.0.0.1:9/feed") == 0
    assert cli(tmp_path, "listen", "--once") == 0
    out = capsys.readouterr().out
    assert "Dead: FAILED (transient)" in out


def test_set_secret_goes_to_the_keyring_only(tmp_path, capsys, monkeypatch, memory_keyring):
    assert (
        cli(
            tmp_path,
            "sources",
            "add",
            "mastodon",
            "--name",
            "Masto",
            "--instance-url",
            "https://social.example",
            "--hashtags",
            "brightwave",
        )
        == 0
    )
    assert "set-secret 'Masto' access_token" in capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", io.StringIO("s3cret-token\n"))
    assert cli(tmp_path, "sources", "set-secret", "Masto", "access_token") == 0
    assert "s3cret-token" in memory_keyring.store.values()
    for path in (tmp_path / "home").rglob("*"):
        if path.is_file():
            assert b"s3cret-token" not in path.read_bytes(), path


def test_python_dash_m_works(tmp_path):
    result = subprocess.run([sys.executable, "-m", "scrm_desktop", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and "scrm-desktop" in result.stdout


def test_set_secret_without_a_usable_keyring_says_so(tmp_path, capsys, monkeypatch, memory_keyring):
    import keyring.errors

    assert (
        cli(
            tmp_path,
            "sources",
            "add",
            "mastodon",
            "--name",
            "M",
            "--instance-url",
            "https://s.example",
            "--hashtags",
            "x",
        )
        == 0
    )

    def refuse(*_args):
        raise keyring.errors.NoKeyringError("no backend")

    monkeypatch.setattr(memory_keyring, "set_password", refuse)
    monkeypatch.setattr(sys, "stdin", io.StringIO("tok\n"))
    assert cli(tmp_path, "sources", "set-secret", "M", "access_token") == 1
    assert "No usable system keyring" in capsys.readouterr().err
    assert memory_keyring.store == {}


def test_headless_listener_runs_until_interrupted(tmp_path, httpserver):
    import signal
    import time

    httpserver.expect_request("/feed.xml").respond_with_data(FEED, content_type="application/rss+xml")
    base = ["--basedir", str(tmp_path / "home")]
    assert main([*base, "sources", "add", "rss", "--name", "Blog", "--url", httpserver.url_for("/feed.xml")]) == 0
    proc = subprocess.Popen(
        [sys.executable, "-m", "scrm_desktop", *base, "listen"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert "listening (sources: Blog)" in proc.stdout.readline()
        deadline = time.monotonic() + 30
        while main([*base, "sources", "list"]) == 0 and time.monotonic() < deadline:
            from scrm_desktop.workspace import Workspace

            ws = Workspace.open(str(tmp_path / "home"))
            total = ws.db.sources.get("Blog").items_total
            ws.close()
            if total == 2:
                break
            time.sleep(0.2)
        assert total == 2
    finally:
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err


def test_the_gui_start_reads_only_the_options_and_a_command_gets_the_whole_parser() -> None:
    from scrm_desktop.cli import _gui_start

    args = _gui_start(["--basedir", "/tmp/x", "--demo", "-v"])
    assert args is not None and (args.basedir, args.demo, args.verbose, args.command) == ("/tmp/x", True, True, None)
    assert _gui_start(["--basedir", "/tmp/x", "sources", "list"]) is None  # a command: parsed in full
    assert _gui_start(["gui"]) is None and _gui_start(["--help"]) is None

"""Before Qt starts: missing system libraries named with the install line, no display told in one line, snapshot
offscreen by itself, a hint for a missing emoji font."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scrm_desktop.platform_check import (
    XCB_LIBRARIES,
    display_problem,
    emoji_font_hint,
    local_display_socket,
    os_family,
    prepare_platform,
)

DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\n'
UBUNTU = "ID=ubuntu\nID_LIKE=debian\n"
FEDORA = "ID=fedora\nVERSION_ID=40\n"
ARCH = "ID=arch\n"
MANJARO = "ID=manjaro\nID_LIKE=arch\n"
EVERYTHING = {lib.soname for lib in XCB_LIBRARIES}
WITHOUT_XCB_UTIL = EVERYTHING - {"libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1"}


def test_os_families():
    assert os_family(DEBIAN) == os_family(UBUNTU) == "debian"
    assert os_family(FEDORA) == "fedora"
    assert os_family(ARCH) == os_family(MANJARO) == "arch"
    assert os_family("ID=gentoo\n") is None


@pytest.mark.parametrize(
    "release, line",
    [
        (DEBIAN, "sudo apt install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1"),
        (UBUNTU, "sudo apt install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1"),
        (FEDORA, "sudo dnf install xcb-util-cursor xcb-util-wm xcb-util-keysyms"),
        (ARCH, "sudo pacman -S --needed xcb-util-cursor xcb-util-wm xcb-util-keysyms"),
    ],
)
def test_missing_xcb_libraries_are_named_with_the_install_line(release, line):
    env = {"DISPLAY": "otherhost:0"}  # a remote display: no local socket to look for
    problem = display_problem("gui", env, known=WITHOUT_XCB_UTIL, os_release=release, platform="linux")
    assert problem is not None
    assert "libxcb-cursor.so.0, libxcb-icccm.so.4, libxcb-keysyms.so.1" in problem
    assert problem.splitlines()[-1].strip() == line


def test_nothing_is_checked_where_qt_does_not_load_xcb():
    for env in ({"QT_QPA_PLATFORM": "offscreen"}, {"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"}):
        assert display_problem("gui", env, known=set(), os_release=DEBIAN, platform="linux") is None
    assert display_problem("gui", {"DISPLAY": ":0"}, known=set(), os_release=DEBIAN, platform="darwin") is None


def test_a_complete_machine_has_no_problem():
    env = {"DISPLAY": "otherhost:0"}  # a remote display: no local socket to look for
    assert display_problem("gui", env, known=EVERYTHING, os_release=DEBIAN, platform="linux") is None


def test_no_display_is_one_line_pointing_to_snapshot():
    problem = display_problem("wall", {}, known=EVERYTHING, os_release=DEBIAN, platform="linux")
    assert problem is not None and "DISPLAY is not set" in problem and "snapshot" in problem
    assert len(problem.splitlines()) == 1


def test_a_local_display_nobody_serves_is_named():
    n = next(n for n in range(90, 200) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    problem = display_problem("gui", {"DISPLAY": f":{n}"}, known=EVERYTHING, os_release=DEBIAN, platform="linux")
    assert problem == f"cannot connect to the display :{n} (no X server listens at /tmp/.X11-unix/X{n})"


def test_local_display_sockets(tmp_path):
    assert local_display_socket(":1", tmp_path) == tmp_path / "X1"
    assert local_display_socket("unix:2.0", tmp_path) == tmp_path / "X2"
    assert local_display_socket("remote:0", tmp_path) is None


def test_snapshot_chooses_offscreen_only_when_nothing_is_chosen():
    env: dict[str, str] = {}
    prepare_platform("snapshot", env)
    assert env == {"QT_QPA_PLATFORM": "offscreen"}
    env = {"QT_QPA_PLATFORM": "minimal"}
    prepare_platform("snapshot", env)
    assert env["QT_QPA_PLATFORM"] == "minimal"
    env = {}
    prepare_platform("gui", env)
    assert env == {}


def test_emoji_font_hint():
    assert emoji_font_hint(["DejaVu Sans", "Noto Color Emoji"], DEBIAN) is None
    assert emoji_font_hint(["DejaVu Sans"], DEBIAN).endswith("sudo apt install fonts-noto-color-emoji")
    assert emoji_font_hint(["DejaVu Sans"], FEDORA).endswith("sudo dnf install google-noto-color-emoji-fonts")
    assert emoji_font_hint(["DejaVu Sans"], ARCH).endswith("sudo pacman -S --needed noto-fonts-emoji")


def test_snapshot_without_a_display_renders_offscreen_by_itself(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    out = tmp_path / "shot.png"
    args = ["--basedir", str(tmp_path / "home"), "--demo", "snapshot", "--out", str(out), "--size", "800x500"]
    result = subprocess.run(
        [sys.executable, "-m", "scrm_desktop", *args], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert out.read_bytes().startswith(b"\x89PNG")


def test_make_run_check_passes_or_names_the_fix():
    result = subprocess.run(
        [sys.executable, "-m", "scrm_desktop.platform_check"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode in (0, 1)
    if result.returncode:
        assert result.stderr.startswith("scrm-desktop: ") and result.stdout == ""

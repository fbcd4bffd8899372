"""Before Qt starts: the system libraries its X11 (xcb) platform needs, named with the install line for this
distribution, and the platform a command needs (snapshot renders offscreen). No Qt import here: the point is to
answer before Qt aborts."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Library:
    soname: str  # as `ldconfig -p` lists it
    debian: str
    fedora: str
    arch: str

    @property
    def name(self) -> str:  # what ctypes.util.find_library takes: libxcb-cursor.so.0 -> xcb-cursor
        return self.soname.removeprefix("lib").split(".so")[0]


# What Qt 6's xcb platform plugin loads (doc.qt.io/qt-6/linux-requirements.html), the ones a desktop install
# most often lacks first: the xcb-util family is not pulled in by a GNOME or KDE desktop on every distribution.
XCB_LIBRARIES = (
    Library("libxcb-cursor.so.0", "libxcb-cursor0", "xcb-util-cursor", "xcb-util-cursor"),
    Library("libxcb-icccm.so.4", "libxcb-icccm4", "xcb-util-wm", "xcb-util-wm"),
    Library("libxcb-keysyms.so.1", "libxcb-keysyms1", "xcb-util-keysyms", "xcb-util-keysyms"),
    Library("libxcb-image.so.0", "libxcb-image0", "xcb-util-image", "xcb-util-image"),
    Library("libxcb-render-util.so.0", "libxcb-render-util0", "xcb-util-renderutil", "xcb-util-renderutil"),
    Library("libxcb-shape.so.0", "libxcb-shape0", "libxcb", "libxcb"),
    Library("libxcb-randr.so.0", "libxcb-randr0", "libxcb", "libxcb"),
    Library("libxcb-xkb.so.1", "libxcb-xkb1", "libxcb", "libxcb"),
    Library("libxkbcommon-x11.so.0", "libxkbcommon-x11-0", "libxkbcommon-x11", "libxkbcommon-x11"),
    Library("libX11-xcb.so.1", "libx11-xcb1", "libX11-xcb", "libx11"),
    Library("libEGL.so.1", "libegl1", "libglvnd-egl", "libglvnd"),
    Library("libfontconfig.so.1", "libfontconfig1", "fontconfig", "fontconfig"),
    Library("libdbus-1.so.3", "libdbus-1-3", "dbus-libs", "dbus"),
)

EMOJI_FONT_PACKAGES = {"debian": "fonts-noto-color-emoji", "fedora": "google-noto-color-emoji-fonts",
                       "arch": "noto-fonts-emoji"}  # fmt: skip


def os_family(os_release: str) -> str | None:
    """debian, fedora or arch from the text of /etc/os-release (ID and ID_LIKE), None for anything else."""
    ids: list[str] = []
    for line in os_release.splitlines():
        key, _, value = line.partition("=")
        if key in ("ID", "ID_LIKE"):
            ids += value.strip().strip('"').lower().split()
    for family, members in (
        ("debian", {"debian", "ubuntu", "linuxmint", "pop", "raspbian"}),
        ("fedora", {"fedora", "rhel", "centos", "rocky", "almalinux"}),
        ("arch", {"arch", "manjaro", "endeavouros"}),
    ):
        if members & set(ids):
            return family
    return None


def install_line(family: str | None, packages: Iterable[str]) -> str:
    """The command that installs `packages` on this family of distributions."""
    names = " ".join(dict.fromkeys(packages))
    if family == "fedora":
        return f"sudo dnf install {names}"
    if family == "arch":
        return f"sudo pacman -S --needed {names}"
    return f"sudo apt install {names}"


def packages_for(libraries: Iterable[Library], family: str | None) -> list[str]:
    return [getattr(lib, family if family in ("fedora", "arch") else "debian") for lib in libraries]


def installed_sonames() -> set[str] | None:
    """Every shared library the dynamic loader knows (`ldconfig -p`), or None when ldconfig cannot be run."""
    import subprocess  # only where an X11 window is to be opened (not offscreen, Wayland, macOS, Windows)

    for ldconfig in ("/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig"):
        try:
            out = subprocess.run([ldconfig, "-p"], capture_output=True, text=True, timeout=10, check=True).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        return {line.split()[0] for line in out.splitlines()[1:] if line.strip()}
    return None


def missing_libraries(
    known: set[str] | None, libraries: Iterable[Library] = XCB_LIBRARIES, extra_dirs: Iterable[Path] = ()
) -> list[Library]:
    """The libraries neither the loader (`known`, else ctypes.util.find_library) nor `extra_dirs` has."""
    import ctypes.util

    dirs = [Path(d) for d in extra_dirs]
    missing = []
    for lib in libraries:
        found = lib.soname in known if known is not None else ctypes.util.find_library(lib.name) is not None
        if not found and not any((d / lib.soname).exists() for d in dirs):
            missing.append(lib)
    return missing


def qt_platform(env: Mapping[str, str]) -> str:
    """The platform Qt will pick: QT_QPA_PLATFORM, else wayland in a Wayland session, else xcb."""
    chosen = env.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if chosen:
        return chosen
    return "wayland" if env.get("WAYLAND_DISPLAY") else "xcb"


def _read_os_release() -> str:
    for path in ("/etc/os-release", "/usr/lib/os-release"):
        try:
            return Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
    return ""


def display_problem(
    command: str,
    env: Mapping[str, str] | None = None,
    known: set[str] | None = None,
    os_release: str | None = None,
    platform: str | None = None,
) -> str | None:
    """Why a window cannot open here (the message to print, with the install line), or None when it can.

    Checked only where Qt would load its xcb plugin: Linux, the xcb platform, DISPLAY set."""
    env = os.environ if env is None else env
    if (platform or sys.platform) != "linux" or qt_platform(env) != "xcb":
        return None
    if not env.get("DISPLAY"):
        return (
            f"there is no display for `{command}` (DISPLAY is not set); start it in a desktop session, "
            "or render without one: scrm-desktop snapshot --out shot.png"
        )
    socket = local_display_socket(env["DISPLAY"])
    if socket is not None and not socket.exists():
        return f"cannot connect to the display {env['DISPLAY']} (no X server listens at {socket})"
    missing = missing_libraries(installed_sonames() if known is None else known, extra_dirs=_bundled_lib_dirs())
    if not missing:
        return None
    family = os_family(_read_os_release() if os_release is None else os_release)
    names = ", ".join(lib.soname for lib in missing)
    return (
        f"Qt needs system libraries this machine lacks ({names}); install them with:\n"
        f"  {install_line(family, packages_for(missing, family))}"
    )


def local_display_socket(display: str, root: Path = Path("/tmp/.X11-unix")) -> Path | None:
    """The Unix socket of a local X display (":1", "unix:1.0"), None for a remote or unusual one."""
    host, _, rest = display.partition(":")
    number = rest.split(".")[0]
    if host not in ("", "unix") or not number.isdigit():
        return None
    return root / f"X{number}"


def _bundled_lib_dirs() -> list[Path]:
    """A frozen app may carry libraries beside itself."""
    if getattr(sys, "frozen", False):
        base = Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent))
        return [base, base / "PySide6" / "Qt" / "lib"]
    return []


def prepare_platform(command: str, env: dict[str, str] | None = None) -> None:
    """`snapshot` renders offscreen by itself: choose Qt's offscreen platform before any QApplication exists."""
    env = os.environ if env is None else env  # type: ignore[assignment]
    if command == "snapshot" and not env.get("QT_QPA_PLATFORM"):
        env["QT_QPA_PLATFORM"] = "offscreen"


def emoji_font_hint(families: Iterable[str], os_release: str | None = None) -> str | None:
    """A hint to install a colour emoji font when none of `families` is one (emoji would draw as boxes)."""
    if any("emoji" in f.lower() for f in families):
        return None
    family = os_family(_read_os_release() if os_release is None else os_release)
    package = EMOJI_FONT_PACKAGES.get(family or "debian", EMOJI_FONT_PACKAGES["debian"])
    line = install_line(family, [package])
    return f"no emoji font is installed, so emoji show as empty boxes; install one with: {line}"


def main() -> int:
    """`python -m scrm_desktop.platform_check`: what `make run` checks before starting the app."""
    problem = display_problem("gui")
    if problem:
        print(f"scrm-desktop: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

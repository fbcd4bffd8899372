"""Child process: seconds from the parent's spawn (its time.time()) to the main window's first painted rows.

It starts the app the way a user does (`scrm_desktop.cli.main`, the default `gui` command: platform checks,
logging, the workspace, the window, then listening and the backup) and notes, through an event filter on the
first stream column's viewport, its first paint with rows; then it quits the event loop, and the app shuts down as
on any quit. Qt is patched only as the app itself imports it, so the app's import order and costs stay its own."""

from __future__ import annotations

import argparse
import json
import sys
import time

T_START = time.time()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--t0", type=float, required=True, help="the parent's time.time() just before spawning us")
    ap.add_argument("--basedir", required=True)
    ap.add_argument("--demo", action="store_true", help="start the demo workspace (seeded on its first start)")
    ap.add_argument("--give-up-s", type=float, default=60.0)
    args = ap.parse_args()

    import importlib.util

    from scrm_desktop import cli

    marks: dict[str, float] = {}
    found: dict[str, object] = {}

    def watch(widgets) -> None:  # type: ignore[no-untyped-def]
        """Once PySide6.QtWidgets is loaded (by the app, in its own order): note when the QApplication is made,
        and when the main window is shown watch its first column's viewport (only it: a Python filter on every
        event of the application would add its own cost to the start)."""
        from PySide6.QtCore import QEvent, QObject, QTimer

        class FirstRowsPainted(QObject):
            def eventFilter(self, obj: QObject, event: QEvent) -> bool:
                if "painted" not in marks and event.type() == QEvent.Type.Paint:
                    model = found["window"].columns[0].model
                    if model.rowCount() > 0:
                        marks["painted"] = time.time()
                        marks["cpu"] = time.process_time()
                        found["rows"] = model.rowCount()
                        QTimer.singleShot(0, widgets.QApplication.instance().quit)
                return False

        probe = found["probe"] = FirstRowsPainted()
        make_app, show = widgets.QApplication.__init__, widgets.QMainWindow.show

        def init_then_mark(self, *a, **kw) -> None:  # type: ignore[no-untyped-def]
            make_app(self, *a, **kw)
            marks["qapp"] = time.time()
            QTimer.singleShot(int(args.give_up_s * 1000), self.quit)  # never hang the benchmark

        def show_watched(self) -> None:  # type: ignore[no-untyped-def]
            if "shown" not in marks and getattr(self, "columns", None):
                marks["shown"] = time.time()
                found["window"] = self
                self.columns[0].view.viewport().installEventFilter(probe)
            show(self)

        widgets.QApplication.__init__ = init_then_mark
        widgets.QMainWindow.show = show_watched

    class WhenQtWidgetsLoads:
        """A meta-path finder that changes nothing but runs `watch` right after PySide6.QtWidgets executes:
        importing Qt here first would change what the app pays for its own imports."""

        def find_spec(self, name, path, target=None):  # type: ignore[no-untyped-def]
            if name != "PySide6.QtWidgets":
                return None
            sys.meta_path.remove(self)
            spec = importlib.util.find_spec(name)
            execute = spec.loader.exec_module

            def exec_then_watch(module) -> None:  # type: ignore[no-untyped-def]
                execute(module)
                watch(module)

            spec.loader.exec_module = exec_then_watch
            return spec

    sys.meta_path.insert(0, WhenQtWidgetsLoads())
    argv = ["--basedir", args.basedir] + (["--demo"] if args.demo else [])
    code = cli.main(argv)
    if "painted" not in marks:
        print(json.dumps({"error": f"no rows painted within {args.give_up_s:.0f} s (exit {code})"}))
        return 1
    print(
        json.dumps(
            {
                "seconds": marks["painted"] - args.t0,
                "cpu_s": marks["cpu"],
                "interpreter_s": T_START - args.t0,
                "to_qapp_s": marks["qapp"] - T_START,
                "qapp_to_show_s": marks["shown"] - marks["qapp"],
                "show_to_paint_s": marks["painted"] - marks["shown"],
                "rows": found["rows"],
                "exit": code,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

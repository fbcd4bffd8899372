"""Child process: seconds from the parent's spawn (its time.time()) to the main window's first painted rows."""

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
    ap.add_argument("--give-up-s", type=float, default=60.0)
    args = ap.parse_args()

    from PySide6.QtCore import QEvent, QObject, QTimer

    from scrm_desktop.app import build_window, ensure_app
    from scrm_desktop.workspace import Workspace

    t_imported = time.time()
    app = ensure_app()
    ws = Workspace.open(basedir=args.basedir)
    t_opened = time.time()
    window, bridge = build_window(ws)
    t_built = time.time()
    model = window.columns[0].model

    class FirstRowsPainted(QObject):
        at: float | None = None

        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if self.at is None and event.type() == QEvent.Type.Paint and model.rowCount() > 0:
                self.at = time.time()
                QTimer.singleShot(0, app.quit)
            return False

    probe = FirstRowsPainted()
    window.columns[0].view.viewport().installEventFilter(probe)
    window.show()
    QTimer.singleShot(int(args.give_up_s * 1000), app.quit)  # never hang the benchmark
    app.exec()
    rows = model.rowCount()
    bridge.close()
    window.close()
    ws.close()
    if probe.at is None:
        print(json.dumps({"error": f"no rows painted within {args.give_up_s:.0f} s ({rows} rows loaded)"}))
        return 1
    print(
        json.dumps(
            {
                "seconds": probe.at - args.t0,
                "interpreter_s": T_START - args.t0,
                "imports_s": t_imported - T_START,
                "workspace_open_s": t_opened - t_imported,
                "build_window_s": t_built - t_opened,
                "show_to_paint_s": probe.at - t_built,
                "rows": rows,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

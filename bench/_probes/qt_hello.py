"""Child process: seconds from the parent's spawn to the first paint of a bare PySide6 QLabel window."""

from __future__ import annotations

import argparse
import json
import sys
import time


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--t0", type=float, required=True, help="the parent's time.time() just before spawning us")
    ap.add_argument("--give-up-s", type=float, default=60.0)
    args = ap.parse_args()

    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication(sys.argv[:1])
    label = QLabel("hello")

    class FirstPaint(QObject):
        at: float | None = None

        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if self.at is None and event.type() == QEvent.Type.Paint:
                self.at = time.time()
                self.cpu = time.process_time()
                QTimer.singleShot(0, app.quit)
            return False

    probe = FirstPaint()
    label.installEventFilter(probe)
    label.show()
    QTimer.singleShot(int(args.give_up_s * 1000), app.quit)
    app.exec()
    if probe.at is None:
        print(json.dumps({"error": f"the label was not painted within {args.give_up_s:.0f} s"}))
        return 1
    print(json.dumps({"seconds": probe.at - args.t0, "cpu_s": probe.cpu}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

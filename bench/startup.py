"""startup: from process start to the first live price painted in the watchlist, median of 5.

    .venv/bin/python -m bench.startup [--runs 5]

Each run starts a fresh Python process (``python -m bench.startup --child``) that does
what ``tradedash`` does with no arguments (embedded mock exchange, default
config in a throw-away directory) on Qt's offscreen platform, and reports when
the window was shown and when the watchlist's viewport painted a row that has a
live price. The baseline, measured in the same run, is a bare process that
imports PySide6 and shows an empty window. Printed as a table and written to
``bench/results/startup.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def child(started: float, bare: bool) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import tempfile

    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication(sys.argv[:1])
    if bare:
        window = QMainWindow()
        window.show()
        QTimer.singleShot(0, app.quit)
        app.exec()
        print(json.dumps({"shown": time.time() - started}))
        return

    import asyncio

    import qasync

    from tradedash.app import AppOptions, Dashboard

    marks: dict[str, float] = {"imported": time.time() - started}
    painted = asyncio.Event()

    class FirstPricePaint(QObject):
        def __init__(self, model) -> None:
            super().__init__()
            self.model = model

        def eventFilter(self, _watched, event) -> bool:
            if event.type() == QEvent.Type.Paint and self.model.rowCount() and self.model.index(0, 1).data() not in (None, "—"):
                marks.setdefault("first_price_painted", time.time() - started)
                painted.set()
            return False

    async def main() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            dashboard = Dashboard(AppOptions(config_path=Path(tmp) / "config.toml", log_path=Path(tmp) / "log"))
            await dashboard.start(show=False)
            watcher = FirstPricePaint(dashboard.window.watchlist_model)
            dashboard.window.watchlist.table.viewport().installEventFilter(watcher)
            dashboard.window.show()
            marks["window_shown"] = time.time() - started
            await asyncio.wait_for(painted.wait(), 30)
            await dashboard.stop()

    app.setQuitOnLastWindowClosed(False)
    qasync.run(main())
    print(json.dumps(marks))


def measure(bare: bool) -> dict[str, float]:
    started = time.time()
    command = [sys.executable, "-m", "bench.startup", "--child", repr(started)] + (["--bare"] if bare else [])
    output = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60, env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    if output.returncode != 0:
        raise SystemExit(output.stderr)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, args.bare)
        return
    bare = [measure(bare=True)["shown"] for _ in range(args.runs)]
    runs = [measure(bare=False) for _ in range(args.runs)]
    results = {
        "runs": args.runs,
        "bare_qt_window_shown_s": statistics.median(bare),
        "imported_s": statistics.median(r["imported"] for r in runs),
        "window_shown_s": statistics.median(r["window_shown"] for r in runs),
        "first_price_painted_s": statistics.median(r["first_price_painted"] for r in runs),
        "first_price_painted_all_s": [round(r["first_price_painted"], 3) for r in runs],
    }
    results["load_average_1min"] = os.getloadavg()[0]
    results["ratio_to_bare_window"] = results["first_price_painted_s"] / results["bare_qt_window_shown_s"]
    print(f"startup, median of {args.runs} runs (offscreen)")
    print(f"{'stage':<40}{'seconds':>10}")
    for label, key in (
        ("bare PySide6 process, window shown", "bare_qt_window_shown_s"),
        ("tradedash imported", "imported_s"),
        ("window shown", "window_shown_s"),
        ("first live price painted", "first_price_painted_s"),
    ):
        print(f"{label:<40}{results[key]:>10.3f}")
    print(f"machine load average (1 min): {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"first price / bare window: {results['ratio_to_bare_window']:.1f}x (goal: first price <= 1.5 s)")
    out = ROOT / "bench" / "results" / "startup.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(f"written {out}")


if __name__ == "__main__":
    main()

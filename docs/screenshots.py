"""Take the README's screenshots: the whole window on live data, dark and light.

    Xvfb :99 & DISPLAY=:99 /work/main/.venv/bin/python docs/screenshots.py

Starts the app on its embedded mock exchange with a throw-away config, waits
until every panel has live data, and saves ``docs/screenshot-dark.png`` and
``docs/screenshot-light.png`` with ``QWidget.grab()``.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import qasync  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from tradedash.app import AppOptions, Dashboard  # noqa: E402


async def take(seconds: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.toml"
        config.write_text('theme = "dark"\n[[feeds]]\nname = "demo"\nsymbols = ["BTC-USD", "ETH-USD", "SOL-USD", "DOGE-USD", "ADA-USD"]\n'
                          'channels = ["ticker", "trades", "book", "candles:1s"]\n')
        dashboard = Dashboard(AppOptions(config_path=config, log_path=Path(tmp) / "log.txt", exchange_rate=5.0))
        await dashboard.start(show=False)
        window = dashboard.window
        window.resize(1600, 900)
        window.show()
        try:
            await asyncio.sleep(seconds)
            for theme in ("dark", "light"):
                window.choose_theme(theme)
                await asyncio.sleep(1.0)
                path = ROOT / "docs" / f"screenshot-{theme}.png"
                window.grab().save(str(path))
                print("saved", path)
        finally:
            await dashboard.stop()


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("tradedash-screenshots")
    app.setQuitOnLastWindowClosed(False)
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 95.0
    qasync.run(take(seconds))


if __name__ == "__main__":
    main()

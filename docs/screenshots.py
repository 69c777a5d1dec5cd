"""Take the README's screenshots: the whole window on live data, dark and light, at two sizes.

    Xvfb :99 -screen 0 1440x900x24 & DISPLAY=:99 .venv/bin/python docs/screenshots.py [seconds]

Starts the app on its embedded mock exchange with a throw-away config, waits
``seconds`` (default 95) for every panel to have live data, and saves with
``QWidget.grab()``, in the default layout for each size:
``docs/screenshot-dark.png`` and ``docs/screenshot-light.png`` at 1440x900 (a
common laptop), and ``docs/screenshot-1024x700-dark.png`` at 1024x700 (the
smallest window the layout is made for).
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
        window.resize(1440, 900)
        window.show()
        try:
            await asyncio.sleep(seconds)
            for size, themes, name in (((1440, 900), ("dark", "light"), "screenshot-{theme}.png"), ((1024, 700), ("dark",), "screenshot-1024x700-{theme}.png")):
                window.resize(*size)
                await asyncio.sleep(0.5)
                window.reset_layout()
                for theme in themes:
                    window.choose_theme(theme)
                    await asyncio.sleep(1.5)
                    path = ROOT / "docs" / name.format(theme=theme)
                    window.grab().save(str(path))
                    print("saved", path, window.width(), "x", window.height())
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

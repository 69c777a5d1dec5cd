"""Take docs/alerts.png: the window on live data just after an alert fired (banner, history row, chart marker).

    Xvfb :99 & DISPLAY=:99 /work/main/.venv/bin/python docs/alerts_screenshot.py

Starts the app on its embedded mock exchange with a throw-away config
directory, adds a few rules (two of them a tick either side of the current
BTC-USD price, so one fires at the next move), waits for a firing and saves the
window with ``QWidget.grab()``.
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
from tradedash.core.alerts.rules import FeedCondition, PercentChange, PriceCross, PriceRange, new_rule_id  # noqa: E402

FEED, SYMBOL = "demo", "BTC-USD"


async def until(predicate, timeout: float = 60.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise TimeoutError("the condition was not met in time")
        await asyncio.sleep(0.05)


async def take(warmup: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.toml"
        config.write_text(f'theme = "dark"\n[[feeds]]\nname = "{FEED}"\nsymbols = ["BTC-USD", "ETH-USD", "SOL-USD"]\n'
                          'channels = ["ticker", "trades", "book", "candles:1s"]\n')
        dashboard = Dashboard(AppOptions(config_path=config, log_path=Path(tmp) / "log.txt", exchange_rate=10.0))
        await dashboard.start(show=False)
        window, alerts = dashboard.window, dashboard.alerts
        window.resize(1440, 900)
        window.show()
        await asyncio.sleep(0.5)
        window.reset_layout()
        try:
            market = dashboard.feeds[0].market
            await until(lambda: SYMBOL in market.symbols and market.symbols[SYMBOL].ticker is not None)
            await asyncio.sleep(warmup)
            last = market.symbols[SYMBOL].ticker.last
            alerts.put_rule(PercentChange(id=new_rule_id(), feed=FEED, symbol="ETH-USD", percent=1.0, window=300.0,
                                          name="ETH 1 % in 5 min"))
            alerts.put_rule(FeedCondition(id=new_rule_id(), feed=FEED, condition="stale", seconds=10.0,
                                          name="feed stale 10 s"))
            alerts.put_rule(PriceRange(id=new_rule_id(), feed=FEED, symbol=SYMBOL, event="leaves",
                                       low=round(last * 0.995, 2), high=round(last * 1.005, 2), name="BTC ±0.5 %"))
            for direction, level in (("above", last + 5.0), ("below", last - 5.0)):
                alerts.put_rule(PriceCross(id=new_rule_id(), feed=FEED, symbol=SYMBOL, direction=direction,
                                           level=round(level, 2), name=f"BTC {direction} {level:,.2f}"))
            await until(lambda: alerts.history_model.rowCount() >= 1)
            await asyncio.sleep(4.0)  # let a few more candles form after the marker
            path = ROOT / "docs" / "alerts.png"
            window.grab().save(str(path))
            print("saved", path)
        finally:
            await dashboard.stop()


def main() -> None:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("tradedash-screenshots")
    app.setQuitOnLastWindowClosed(False)
    qasync.run(take(float(sys.argv[1]) if len(sys.argv) > 1 else 15.0))


if __name__ == "__main__":
    main()

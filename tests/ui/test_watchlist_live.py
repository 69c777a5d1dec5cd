"""End to end: the watchlist fills with live rows from a real mock exchange, inside a qasync loop."""

from __future__ import annotations

import asyncio

from tradedash.app import AppOptions, Dashboard
from tradedash.core.lifecycle import FeedState
from tradedash.ui.watchlist_model import COLUMNS, WatchlistModel


async def _until(predicate, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def test_watchlist_fills_with_live_moving_rows(qt_async, qtmodeltester):
    dashboard = Dashboard(AppOptions(symbols=["BTC-USD", "ETH-USD", "SOL-USD"]))

    async def scenario():
        await dashboard.start(show=False)
        try:
            model: WatchlistModel = dashboard.window.watchlist
            await _until(lambda: model.rowCount() == 3 and dashboard.feed.state is FeedState.LIVE)
            await _until(lambda: all(model.index(r, 1).data() != "—" for r in range(3)))
            qtmodeltester.check(model)
            symbols = {model.index(r, 0).data() for r in range(3)}
            first = [model.index(r, 1).data() for r in range(3)]
            await _until(lambda: [model.index(r, 1).data() for r in range(3)] != first)
            assert "reconnecting" not in dashboard.window.state_label.text()
            assert "live" in dashboard.window.state_label.text()
            return symbols
        finally:
            await dashboard.stop()

    assert qt_async.run(scenario()) == {"BTC-USD", "ETH-USD", "SOL-USD"}
    assert len(COLUMNS) == dashboard.window.watchlist.columnCount()

"""End to end with the window: the real app (a real QApplication) on the mock exchange's Binance dialect
through the fault proxy, with faults injected (withheld depth updates, dropped connections), never shows
a wrong book, and after each recovery the window's book is the server's again."""

from __future__ import annotations

import asyncio
from pathlib import Path

from mock_exchange.proxy import FaultProxy
from mock_exchange.server import ExchangeConfig, ExchangeServer
from tests.support.waiting import wait_for as until
from tradedash.app import AppOptions, Dashboard
from tradedash.core.feed.lifecycle import FeedState

SYMBOL, VENUE_SYMBOL = "BTC-USD", "BTCUSD"


class ShownBook:
    """Compares, as often as it is called, the book the window shows with the server's.

    Only a ladder painted from the book as it is now, not greyed out as resyncing, and at the
    update id the server is at right now is compared (the server moves on every 100 ms).
    """

    def __init__(self, server: ExchangeServer, dashboard: Dashboard) -> None:
        self.server, self.dashboard = server, dashboard
        self.equal = self.unequal = 0
        self.wrong: list[str] = []

    def check(self) -> None:
        model = self.dashboard.window.book.model
        feed = self.dashboard.feeds[0]
        state = feed.symbol_state(VENUE_SYMBOL)
        if model.symbol != VENUE_SYMBOL or state is None or not model.has_book or model.resyncing:
            return
        if model._painted != state.version:  # the window has not repainted since the book changed
            return
        server = self.server.binance.market.depth_snapshot(SYMBOL, model.depth)
        if server.last_update_id != state.book.seq:
            return
        shown = ([(p, s) for p, s in model._bids], [(p, s) for p, s in model._asks])
        expected = ([(float(p), float(q)) for p, q in server.bids], [(float(p), float(q)) for p, q in server.asks])
        if shown == expected:
            self.equal += 1
        else:
            self.unequal += 1
            self.wrong.append(f"at {server.last_update_id}: shown {shown[0][:3]} / {shown[1][:3]}, server {expected[0][:3]} / {expected[1][:3]}")


def test_the_window_never_shows_a_wrong_binance_book_through_faults(qt_async, tmp_path: Path):
    async def scenario():
        server = ExchangeServer(ExchangeConfig(port=0, rate=50.0, symbols=[SYMBOL, "ETH-USD"], history_days=0.05))
        await server.start()
        proxy = FaultProxy(("127.0.0.1", server.port), seed=5)
        await proxy.start()
        base = f"127.0.0.1:{proxy.port}/binance"
        config = tmp_path / "config.toml"
        config.write_text(
            f'[[feeds]]\nname = "binance"\nvenue = "binance"\nurl = "ws://{base}"\nrest_url = "http://{base}"\n'
            f'symbols = ["{VENUE_SYMBOL}"]\nchannels = ["ticker", "trades", "book"]\n'
        )
        dashboard = Dashboard(AppOptions(config_path=config, log_path=tmp_path / "tradedash.log"))
        await dashboard.start(show=False)
        watch = ShownBook(server, dashboard)
        stop = asyncio.Event()

        async def keep_checking() -> None:
            while not stop.is_set():
                watch.check()
                await asyncio.sleep(0.005)

        checker = asyncio.ensure_future(keep_checking())
        client = dashboard.feeds[0].client

        async def recovered(what: str) -> None:
            before = watch.equal
            await until(lambda: client.state is FeedState.LIVE and watch.equal >= before + 10, timeout=30, what=what)

        try:
            await recovered("the window's book equal to the server's")
            await server.faults.skip_book_seq(SYMBOL, 3)  # withheld diff-depth updates: a gap, a resync over REST
            await until(lambda: client.stats.gaps >= 1, what="the gap noticed (feed health's Gaps)")
            await recovered("the book after withheld updates")
            assert client.stats.resyncs >= 1
            proxy.reset_all()  # every connection through the proxy reset: reconnect, every book over
            await until(lambda: client.stats.reconnects >= 1, what="a reconnect")
            await recovered("the book after the proxy's reset")
            proxy.set_slicing(5)  # frames in 5-byte pieces, then a drop by the exchange
            await server.faults.drop_all()
            await until(lambda: client.stats.reconnects >= 2, what="a second reconnect")
            await recovered("the book after a drop, through a slicing proxy")
            proxy.clear_faults()
        finally:
            stop.set()
            await checker
            await dashboard.stop()
            await proxy.stop()
            await server.stop()
        return watch

    watch = qt_async.run(scenario(), timeout=120)
    assert watch.unequal == 0, watch.wrong[:3]
    assert watch.equal >= 40
    assert qt_async.errors == []

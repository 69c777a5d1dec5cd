"""Feeds ▸ Subscriptions offers a venue's symbols before any feed of it connected: the real app (a real
QApplication, its embedded exchange on port 0) reads Binance's exchangeInfo in the background when the
venue or its REST URL is chosen, and says plainly when the list cannot be read."""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path

from PySide6.QtCore import Qt

from tests.support.waiting import wait_for as until
from tradedash.app import AppOptions, Dashboard
from tradedash.core.venues.registry import venue_of

CONFIG = """\
[[feeds]]
name = "demo"
symbols = ["BTC-USD"]
channels = ["ticker"]
"""


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _shown(dialog) -> list[str]:
    return [dialog.symbol_list.item(i).text() for i in range(dialog.symbol_list.count())]


def test_choosing_binance_offers_its_symbols_before_any_binance_feed_connected(qt_async, tmp_path: Path):
    config = tmp_path / "config.toml"
    config.write_text(CONFIG)

    async def scenario():
        dashboard = Dashboard(AppOptions(config_path=config, log_path=tmp_path / "tradedash.log"))
        await dashboard.start(show=False)
        try:
            dialog = dashboard.window.open_subscriptions()
            dialog.add_feed()
            dialog.name_edit.setText("binance")
            index = dialog.venue_box.findData("binance")
            dialog.venue_box.setCurrentIndex(index)
            dialog.venue_box.activated.emit(index)  # as a click on it does: Binance's public URLs go in
            assert dialog.rest_edit.text() == "https://api.binance.com"
            # Not reachable from here (nor, in a test, from anywhere): a clear message, the dialog usable.
            dialog.rest_edit.setText(f"http://127.0.0.1:{_closed_port()}/binance")
            dialog.rest_edit.editingFinished.emit()
            assert dialog.symbols_status.text().startswith("Reading Binance's symbol list from http://127.0.0.1:")
            await until(lambda: dialog.symbols_status.text().startswith("Could not read"), what="the failure said")
            status = dialog.symbols_status.text()
            assert "Binance's symbol list" in status and "/api/v3/exchangeInfo" in status and "refused" in status
            assert _shown(dialog) == []
            # The embedded exchange's Binance dialect: its exchangeInfo lists the symbols.
            rest = dashboard.exchange.url.replace("ws", "http", 1) + "/binance"
            dialog.rest_edit.setText(rest)
            dialog.rest_edit.editingFinished.emit()
            dialog.symbol_edit.setText("btc-usd")  # typed meanwhile: the dialog is not blocked
            dialog.symbol_edit.returnPressed.emit()
            await until(lambda: "listed by Binance" in dialog.symbols_status.text(), what="the list read")
            listed = [s.replace("-", "") for s in dashboard.exchange.symbols]
            assert set(_shown(dialog)) == set(listed) and dialog.symbols_status.text() == f"{len(listed)} symbols listed by Binance."
            item = next(dialog.symbol_list.item(i) for i in range(dialog.symbol_list.count()) if dialog.symbol_list.item(i).text() == "BTCUSD")
            assert item.checkState() == Qt.CheckState.Checked  # what was typed stays chosen
            budget = venue_of("binance").rest_budget(rest, dashboard._rest_budgets)  # the feeds' budget of that host
            assert budget.used(time.monotonic()) >= 20  # the read spent exchangeInfo's weight from it
            dialog.symbol_edit.setText("NOPEUSD")
            dialog.symbol_edit.returnPressed.emit()
            assert "NOPEUSD  (not listed)" in _shown(dialog)
            assert any("NOPEUSD" in problem for problem in dialog.problems())  # checked against the list read
            dialog.done(0)
            await asyncio.sleep(0)
        finally:
            await dashboard.stop()

    qt_async.run(scenario(), timeout=60)
    assert qt_async.errors == []


def test_the_list_is_read_with_the_feeds_token_and_ca_file(qt_async, tmp_path: Path):
    """A protected exchange over TLS from a private CA: the dialog reads its exchangeInfo as the feed would."""
    from mock_exchange.config import ExchangeConfig
    from mock_exchange.server import ExchangeServer
    from tests.support.certificates import server_certificate
    from tradedash.config import Config, FeedConfig
    from tradedash.net.symbol_list import fetch_symbol_list
    from tradedash.ui.dialogs.subscriptions import SubscriptionDialog

    certfile, keyfile, ca = server_certificate(tmp_path)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(ca_file)

    async def scenario():
        server = ExchangeServer(ExchangeConfig(port=0, token="s3cret", certfile=certfile, keyfile=keyfile))
        await server.start()
        ws, rest = venue_of("binance").mock_urls(server.url)
        feed = FeedConfig(name="lab", venue="binance", url=ws, rest_url=rest, token="s3cret", ca_file=str(ca_file), symbols=[])
        dialog = SubscriptionDialog(Config(feeds=[feed]), lambda name: None, fetch_symbols=fetch_symbol_list)
        try:
            await until(lambda: "listed by Binance" in dialog.symbols_status.text() or "Could not" in dialog.symbols_status.text(),
                        what="the list read")
            return dialog.symbols_status.text(), _shown(dialog)
        finally:
            dialog.done(0)
            dialog.deleteLater()
            await server.stop()

    status, shown = qt_async.run(scenario(), timeout=30)
    assert status == f"{len(shown)} symbols listed by Binance." and "BTCUSD" in shown
    assert qt_async.errors == []

"""The trades panel: newest first, bounded, buys and sells coloured."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.support.builders import T0, trade
from tradedash.ui.panels.trades import TRADE_ROWS, TradesPanel


def test_newest_first_bounded_and_coloured(feed, theme, qtbot, qtmodeltester):
    view = TradesPanel(theme)
    qtbot.addWidget(view)
    model = view.trades_model
    view.trades_model.set_symbol(feed, "BTC-USD")
    feed.market.apply(trade("BTC-USD", 100.0, "buy", ts=T0))
    feed.market.apply(trade("BTC-USD", 99.5, "sell", ts=T0 + 1_000_000))
    model.refresh()
    qtmodeltester.check(model)
    assert [model.index(r, 2).data() for r in range(2)] == ["99.50", "100.00"]
    assert model.index(0, 1).data() == "sell"
    assert model.index(0, 1).data(Qt.ItemDataRole.ForegroundRole).name() == theme.down
    assert model.index(1, 2).data(Qt.ItemDataRole.ForegroundRole).name() == theme.up
    for i in range(TRADE_ROWS * 2):
        feed.market.apply(trade("BTC-USD", 100.0 + i, ts=T0 + i))
    with qtbot.waitSignal(model.dataChanged):
        model.refresh()
    assert model.rowCount() == TRADE_ROWS
    assert model.index(0, 2).data() == f"{100.0 + TRADE_ROWS * 2 - 1:,.2f}"
    qtmodeltester.check(model)


def test_other_symbol_starts_empty(feed, theme, qtbot):
    view = TradesPanel(theme)
    qtbot.addWidget(view)
    feed.market.apply(trade("BTC-USD", 100.0))
    view.trades_model.set_symbol(feed, "BTC-USD")
    assert view.trades_model.rowCount() == 1
    view.trades_model.set_symbol(feed, "SOL-USD")
    assert view.trades_model.rowCount() == 0

"""The default layout at the smallest window it is made for (1024x700): every shown column fits its
panel (none behind a scrollbar), and the alert rules table shows several rows."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from ui_helpers import make_feed

from tests.support.builders import T0, ticker, trade
from tradedash.config import Config
from tradedash.core.alerts.store import AlertStore
from tradedash.ui.alerts.center import AlertCenter
from tradedash.ui.main_window import MainWindow


@pytest.mark.parametrize("size", [(1024, 700), (1440, 900)])
def test_every_shown_column_fits_and_the_rules_table_shows_rows(qtbot, tmp_path, size):
    feed = make_feed()
    window = MainWindow([feed], Config(), QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.repaint_timer.stop()
    alerts = AlertCenter(AlertStore(tmp_path), window)
    for second in range(30):  # wide numbers: a big price, volumes in the millions
        feed.market.apply(ticker("BTC-USD", 63_450.54 + second, ts=T0 + second * 10**9, open_24h=64_000.0))
        feed.market.apply(ticker("SOL-USD", 146.897, ts=T0 + second * 10**9))
        feed.market.apply(trade("BTC-USD", 63_450.54, ts=T0 + second * 10**9, size=0.0487))
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    window.reset_layout()
    qtbot.wait(50)
    window.refresh()
    window.fit_columns()
    for table in (window.watchlist.table, window.trades, window.health.table, window.book.table):
        header = table.horizontalHeader()
        shown = [c for c in range(header.count()) if not header.isSectionHidden(c)]
        used = sum(header.sectionSize(c) for c in shown[:-1])  # the last one stretches into what is left
        assert used + header.minimumSectionSize() <= table.viewport().width(), (type(table).__name__, size)
        assert not table.horizontalScrollBar().isVisible()
    watchlist = window.watchlist.table.horizontalHeader()
    shown_names = [window.watchlist_model.columns[c] for c in range(watchlist.count()) if not watchlist.isSectionHidden(c)]
    assert {"Symbol", "Last", "Chg %", "Spread", "Trend"} <= set(shown_names)
    trades = window.trades.horizontalHeader()
    assert not trades.isSectionHidden(3)  # Size
    rules = alerts.panel.rules_table
    assert rules.viewport().height() >= 3.5 * rules.verticalHeader().defaultSectionSize()
    alerts.close()

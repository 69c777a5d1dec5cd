"""Well-typed but extreme values from an exchange (1.7e308, its negative, the smallest float) are
shown or refused, never a traceback or a numpy warning."""

from __future__ import annotations

import sys
import warnings

import pytest
from PySide6.QtCore import QSettings
from ui_helpers import make_feed

from tests.support.builders import T0, ticker, trade
from tradedash.config import Config
from tradedash.core import wire
from tradedash.ui import guard
from tradedash.ui.main_window import MainWindow

EXTREMES = [100.0, 1.7e308, 1.7e308, -1.7e308, 5e-324, 1.7e308, 101.0]


@pytest.mark.parametrize("mode", ["candles", "line"])
def test_extreme_prices_and_sizes_are_shown_or_refused_without_a_traceback(qtbot, tmp_path, capfd, monkeypatch, mode):
    escaped: list[str] = []
    monkeypatch.setattr(sys, "excepthook", lambda kind, exc, tb: escaped.append(f"{kind.__name__}: {exc}"))
    failures_before = dict(guard.failures)
    feed = make_feed()
    window = MainWindow([feed], Config(), QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.repaint_timer.stop()
    window.show()
    qtbot.waitExposed(window)
    window.chart.set_mode(mode)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for second, value in enumerate(EXTREMES):
            feed.market.apply(ticker("BTC-USD", value, ts=T0 + second * 10**9, open_24h=1e-300))
            feed.market.apply(trade("BTC-USD", value, ts=T0 + second * 10**9, size=value))
            feed.market.apply(wire.Book(symbol="BTC-USD", seq=second + 1, ts=T0, kind="snapshot",
                                        bids=[(abs(value), 1.7e308), (1.0, 1.0)], asks=[(1.7e308, 1.7e308)]))
            window.refresh()
            window.fit_columns()
            window.repaint()
            qtbot.wait(5)
    assert [str(w.message) for w in caught] == [] and escaped == []
    assert "Traceback" not in capfd.readouterr().err
    assert guard.failures == failures_before  # nothing needed the guard either
    row = [window.watchlist_model.index(0, column).data() for column in range(4)]
    assert row[1] == "101.00" or row[1].startswith("1")
    texts = [window.watchlist_model.index(0, c).data() for c in range(8)]
    assert not any(len(text) > 20 for text in texts if text)  # 1.7e308 reads "1.7e+308", not 300 digits
    if mode == "candles":
        assert window.chart.undrawn > 0 and "out of range not drawn" in window.chart.readout.text().replace("&nbsp;", " ")

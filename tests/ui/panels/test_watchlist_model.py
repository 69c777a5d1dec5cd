"""The watchlist model: rows per symbol, one dataChanged per tick, price flash, sorting by value."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt

from tests.support.builders import T0, ticker
from tradedash.ui.panels.watchlist_model import COLUMNS, FLASH_SECONDS, SORT_ROLE, TREND_COLUMN, TREND_POINTS, TREND_ROLE, WatchlistModel

from ui_helpers import make_feed


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_rows_values_and_one_data_changed_per_refresh(feed, theme, qtmodeltester, qtbot):
    clock = Clock()
    model = WatchlistModel([feed], theme, clock)
    feed.market.apply(ticker("BTC-USD", 64000.0, open_24h=63000.0))
    feed.market.apply(ticker("SOL-USD", 145.0, open_24h=150.0))
    model.refresh()
    qtmodeltester.check(model)
    assert model.rowCount() == 2 and model.columnCount() == len(COLUMNS)
    row = [model.index(0, c).data() for c in range(len(COLUMNS))]
    assert row == ["BTC-USD", "64,000.00", "+1,000.00", "+1.59 %", "63,999.50", "64,000.50", "1.00", "1.23 k", ""]
    assert model.index(1, 1).data() == "145.000"  # SOL's tick is 0.001
    assert model.index(1, 2).data() == "\u22125.000"  # a true minus: as wide as the plus sign
    assert model.index(1, 2).data(Qt.ItemDataRole.ForegroundRole).name() == theme.down
    for _ in range(50):
        feed.market.apply(ticker("BTC-USD", 64001.0))
        feed.market.apply(ticker("SOL-USD", 146.0))
    with qtbot.waitSignal(model.dataChanged) as blocker:
        model.refresh()
    top, bottom = blocker.args[0], blocker.args[1]
    assert (top.row(), bottom.row()) == (0, 1)
    clock.now += FLASH_SECONDS + 0.1
    model.refresh()  # the last flash fades out
    changes = []
    model.dataChanged.connect(lambda *args: changes.append(args))
    model.refresh()
    assert changes == []  # nothing changed since: no signal


def test_price_flash_fades(feed, theme):
    clock = Clock()
    model = WatchlistModel([feed], theme, clock)
    feed.market.apply(ticker("BTC-USD", 100.0))
    model.refresh()
    feed.market.apply(ticker("BTC-USD", 101.0))
    model.refresh()
    flash = model.index(0, 1).data(Qt.ItemDataRole.BackgroundRole)
    assert flash is not None and flash.name() == theme.up_flash
    feed.market.apply(ticker("BTC-USD", 99.0))
    model.refresh()
    assert model.index(0, 1).data(Qt.ItemDataRole.BackgroundRole).name() == theme.down_flash
    clock.now += FLASH_SECONDS + 0.1
    model.refresh()
    assert model.index(0, 1).data(Qt.ItemDataRole.BackgroundRole) is None


def test_sorting_by_value_not_text(feed, theme, qtmodeltester):
    model = WatchlistModel([feed], theme)
    feed.market.apply(ticker("BTC-USD", 9.0, open_24h=9.0))
    feed.market.apply(ticker("SOL-USD", 10.0, open_24h=10.0))
    model.refresh()
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setSortRole(SORT_ROLE)
    proxy.sort(1, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(proxy)
    assert [proxy.index(r, 0).data() for r in range(2)] == ["SOL-USD", "BTC-USD"]  # "9.00" > "10.000" as text


def test_rows_of_several_feeds_and_removed_feed(theme, qtmodeltester):
    first, second = make_feed("a"), make_feed("b")
    feeds = [first, second]
    model = WatchlistModel(feeds, theme)
    first.market.apply(ticker("BTC-USD", 1.0))
    second.market.apply(ticker("BTC-USD", 2.0))
    model.refresh()
    assert [model.index(r, 0).data() for r in range(2)] == ["BTC-USD  ·  a", "BTC-USD  ·  b"]
    feeds.remove(first)
    model.refresh()
    qtmodeltester.check(model)
    assert model.rowCount() == 1 and model.ref_at(0).feed == "b"


def test_rows_keep_the_config_order_whichever_symbol_has_data_first(theme, qtmodeltester):
    """A venue's symbols start in any order (a Binance feed's books and tickers come as they come)."""
    first, second = make_feed("a"), make_feed("b")
    model = WatchlistModel([first, second], theme)
    second.market.apply(ticker("SOL-USD", 2.0))
    first.market.apply(ticker("SOL-USD", 1.0))
    model.refresh()
    second.market.apply(ticker("BTC-USD", 3.0))
    model.refresh()
    first.market.apply(ticker("BTC-USD", 4.0))
    model.refresh()
    qtmodeltester.check(model)
    refs = [model.ref_at(row) for row in range(model.rowCount())]
    assert refs == [("a", "BTC-USD"), ("a", "SOL-USD"), ("b", "BTC-USD"), ("b", "SOL-USD")]
    assert model.index(0, 1).data() == "4.00" and model.index(3, 1).data() == "2.000"


def test_trend_sparkline_of_the_last_two_minutes(feed, theme, qtbot):
    from tradedash.ui.panels.watchlist import WatchlistPanel

    model = WatchlistModel([feed], theme)
    for second in range(600):  # ten minutes falling, then two rising
        price = 1000.0 - second if second < 479 else 600.0 + second
        feed.market.apply(ticker("BTC-USD", price, ts=T0 + second * 1_000_000_000))
    model.refresh()
    points = model.index(0, TREND_COLUMN).data(TREND_ROLE)
    assert len(points) == TREND_POINTS and points[0] == 0.0 and points[-1] == 1.0
    assert list(points) == sorted(points)  # only the last two minutes: rising
    assert model.index(0, TREND_COLUMN).data(Qt.ItemDataRole.ForegroundRole).name() == theme.up
    panel = WatchlistPanel(model)
    qtbot.addWidget(panel)
    panel.resize(900, 200)
    assert not panel.grab().isNull()  # the sparkline delegate paints

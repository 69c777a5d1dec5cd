"""A live line chart of one symbol's last price, with a time axis."""

from __future__ import annotations

import pyqtgraph as pg

from tradedash.core.market import MarketState

__all__ = ["PriceChart"]


class PriceChart(pg.PlotWidget):
    """Plots the last-price history of the selected symbol.

    Contract: the plot item is created once; ``refresh()`` (on the repaint timer)
    hands it the symbol's ring-buffer window with ``setData()`` only when the
    symbol's state changed. The window is copied (a few hundred KB at most):
    the ring overwrites its oldest slot on the next append, and a paint that
    came between would draw that slot at the wrong time.
    """

    def __init__(self, market: MarketState) -> None:
        super().__init__(axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
        self._market = market
        self._symbol: str | None = None
        self._painted_version = -1
        self.setMenuEnabled(False)
        self.showGrid(x=True, y=True, alpha=0.15)
        self.getPlotItem().setLabel("right", "")
        self.getPlotItem().showAxis("right")
        self.getPlotItem().hideAxis("left")
        self._curve = self.plot(pen=pg.mkPen("#42a5f5", width=1.5))
        self._curve.setClipToView(True)
        self._curve.setDownsampling(auto=True, method="peak")
        self.repaints = 0

    @property
    def symbol(self) -> str | None:
        return self._symbol

    def set_symbol(self, symbol: str) -> None:
        if symbol != self._symbol:
            self._symbol = symbol
            self._painted_version = -1
            self.setTitle(symbol, color="#cfd8dc", size="11pt")
            self.refresh()

    def refresh(self) -> None:
        state = self._market.symbols.get(self._symbol) if self._symbol else None
        if state is None or state.version == self._painted_version:
            return
        self._painted_version = state.version
        times, prices = state.prices.view()
        self._curve.setData(times.copy(), prices.copy())
        self.repaints += 1

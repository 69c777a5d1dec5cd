"""A Binance server's book of one symbol, for tests that play the venue's side of the diff-depth stream."""

from __future__ import annotations

from tradedash.core import wire
from tradedash.core.venues.binance.messages import DepthSnapshot, DepthUpdate


class DepthServer:
    """The venue's book: it applies level changes and publishes them as Binance does.

    Contract: ``update()`` applies the changes (quantity 0 removes a level), consumes
    ``ids`` update ids (an event covers every update of its 100 ms) and returns the
    ``depthUpdate`` with ``U`` the first and ``u`` the last of them; ``snapshot()`` is the
    ``GET /api/v3/depth`` body at the current update id.
    """

    def __init__(self, symbol: str = "BNBBTC", *, update_id: int = 100) -> None:
        self.symbol = symbol
        self.bids: dict[float, float] = {}
        self.asks: dict[float, float] = {}
        self.update_id = update_id
        self.time_ms = 1_672_515_782_136

    def levels(self) -> tuple[list[wire.Level], list[wire.Level]]:
        return sorted(self.bids.items(), reverse=True), sorted(self.asks.items())

    def snapshot(self) -> DepthSnapshot:
        bids, asks = self.levels()
        return DepthSnapshot(self.update_id, bids, asks)

    def update(self, bids: list[wire.Level], asks: list[wire.Level], ids: int = 1) -> DepthUpdate:
        for side, changes in ((self.bids, bids), (self.asks, asks)):
            for price, size in changes:
                if size:
                    side[price] = size
                else:
                    side.pop(price, None)
        first = self.update_id + 1
        self.update_id += ids
        self.time_ms += 100
        return DepthUpdate(self.time_ms, self.symbol, first, self.update_id, list(bids), list(asks))

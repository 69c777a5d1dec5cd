"""The exchange's market: simulators turned into protocol messages with sequence numbers.

Pure: no sockets and no clock of its own. The server calls :meth:`Market.step`
with the time to stamp, and fans out what comes back.
"""

from __future__ import annotations

from collections.abc import Iterable

from tradedash.core.wire import SymbolInfo, Ticker, Trade

from .simulator import SymbolSimulator, SymbolSpec

__all__ = ["Market"]


class _SymbolMarket:
    """One symbol's simulator, sequence counters and rolling session statistics."""

    def __init__(self, spec: SymbolSpec, seed: int) -> None:
        self.sim = SymbolSimulator(spec, seed)
        self.seq: dict[str, int] = {"ticker": 0, "trades": 0}
        self.trade_id = 0
        self.open = spec.start_price
        self.high = spec.start_price
        self.low = spec.start_price
        self.volume = 0.0
        self.last_ticker: Ticker | None = None

    def next_seq(self, channel: str) -> int:
        self.seq[channel] += 1
        return self.seq[channel]


class Market:
    """Every listed symbol's simulated market.

    Contract: ``step(symbol, ts)`` returns the ``trades`` message and then the
    ``ticker`` message that one simulator step produced, each with a ``seq`` one
    higher than the previous message of its symbol and channel.
    """

    def __init__(self, specs: Iterable[SymbolSpec], seed: int) -> None:
        self._symbols = {spec.symbol: _SymbolMarket(spec, seed) for spec in specs}

    @property
    def symbols(self) -> list[str]:
        return list(self._symbols)

    def symbol_infos(self) -> list[SymbolInfo]:
        return [
            SymbolInfo(m.sim.spec.symbol, m.sim.spec.tick_size, m.sim.spec.lot_size)
            for m in self._symbols.values()
        ]

    def last_ticker(self, symbol: str) -> Ticker | None:
        return self._symbols[symbol].last_ticker

    def step(self, symbol: str, ts: int) -> tuple[Trade, Ticker]:
        m = self._symbols[symbol]
        sim_trade = m.sim.step()
        m.trade_id += 1
        m.high = max(m.high, sim_trade.price)
        m.low = min(m.low, sim_trade.price)
        m.volume += sim_trade.size
        trade = Trade(
            symbol=symbol,
            seq=m.next_seq("trades"),
            ts=ts,
            trade_id=m.trade_id,
            price=sim_trade.price,
            size=sim_trade.size,
            side=sim_trade.side,  # type: ignore[arg-type]
        )
        ticker = Ticker(
            symbol=symbol,
            seq=m.next_seq("ticker"),
            ts=ts,
            bid=sim_trade.bid,
            bid_size=sim_trade.bid_size,
            ask=sim_trade.ask,
            ask_size=sim_trade.ask_size,
            last=sim_trade.price,
            open_24h=m.open,
            high_24h=m.high,
            low_24h=m.low,
            volume_24h=round(m.volume, 8),
            change_24h=sim_trade.price - m.open,
        )
        m.last_ticker = ticker
        return trade, ticker

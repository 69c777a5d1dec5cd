"""A recorded session (docs/protocol.md, "Replay"), read back. Pure but for reading the file.

The file is JSON lines: ``{"ts": <receive time, ns since the epoch>, "frame": <the
frame as received: one message or an array of them>}``. :func:`read_recording` yields
each valid line's market messages; non-market messages (hello, ack, error, heartbeat,
shutdown) are skipped, and a line that is not valid is logged (at most ten times) and
skipped. :class:`ReplayMarket` stands in for the simulated market: it lists the
recorded symbols and keeps the replayed books so that a ``snapshot`` request can be
answered. The server paces the lines (:mod:`mock_exchange.server.streams`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import msgspec

from tradedash.core import wire

from .simulator import SymbolSpec

__all__ = ["ReplayLine", "read_recording", "ReplayMarket"]

log = logging.getLogger("mock_exchange.replay")

_MARKET_TYPES = (wire.Ticker, wire.Trade, wire.Book, wire.Candle)


class ReplayLine(msgspec.Struct):
    """One line of a recording."""

    ts: int
    frame: msgspec.Raw


_line_decoder = msgspec.json.Decoder(ReplayLine)


def read_recording(path: str, *, log_bad: bool = True) -> Iterator[tuple[int, list[wire.MarketMessage]]]:
    """Yield ``(ts, market messages)`` per valid line of ``path``, in file order."""
    bad = 0
    with open(path, "rb") as file:
        for number, line in enumerate(file, 1):
            if not line.strip():
                continue
            try:
                record = _line_decoder.decode(line)
                messages = wire.decode_server_frame(record.frame)
            except (msgspec.DecodeError, wire.WireError) as exc:
                bad += 1
                if log_bad and bad <= 10:
                    log.warning("%s line %d skipped: %s", path, number, exc)
                continue
            yield record.ts, [m for m in messages if isinstance(m, _MARKET_TYPES)]  # type: ignore[misc]


class ReplayMarket:
    """The recorded symbols and their books as replayed so far (same interface the server uses of Market)."""

    def __init__(self, path: str, known: dict[str, SymbolSpec]) -> None:
        self._known = known
        symbols: dict[str, None] = {}
        for _, messages in read_recording(path, log_bad=False):
            for message in messages:
                symbols.setdefault(message.symbol)
        self._books: dict[str, tuple[int, dict[float, float], dict[float, float]]] = {
            symbol: (0, {}, {}) for symbol in symbols
        }

    @property
    def symbols(self) -> list[str]:
        return list(self._books)

    def symbol_infos(self) -> list[wire.SymbolInfo]:
        infos = []
        for symbol in self._books:
            spec = self._known.get(symbol)
            infos.append(wire.SymbolInfo(symbol, spec.tick_size if spec else 0.0, spec.lot_size if spec else 0.0))
        return infos

    def set_book_depths(self, symbol: str, depths: set[int]) -> None:
        pass

    def apply(self, message: wire.MarketMessage) -> None:
        """Follow a replayed book message so that snapshots match the stream."""
        if not isinstance(message, wire.Book):
            return
        _, bids, asks = self._books[message.symbol]
        if message.kind == "snapshot":
            bids, asks = {}, {}
        for side, levels in ((bids, message.bids), (asks, message.asks)):
            for price, size in levels:
                if size == 0:
                    side.pop(price, None)
                else:
                    side[price] = size
        self._books[message.symbol] = (message.seq, bids, asks)

    def book_snapshot(self, symbol: str, depth: int, ts: int) -> wire.Book:
        seq, bid_map, ask_map = self._books[symbol]
        bids = sorted(bid_map.items(), reverse=True)[:depth]
        asks = sorted(ask_map.items())[:depth]
        return wire.Book(symbol, seq, ts, "snapshot", bids, asks, None, wire.book_checksum(bids, asks))

    def history(self, symbol: str, interval: str, end: int | None, count: int) -> tuple[list[wire.Bar], int | None]:
        """A recording has no past: every page is empty and the last one."""
        return [], None

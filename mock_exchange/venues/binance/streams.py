"""The streams the mock serves in Binance's dialect: names, what each carries, and how often.

A stream is ``<symbol>@<kind>`` with the symbol in lower case, as "WebSocket Streams for
Binance" names them. The mock's symbols are named the Binance way by dropping the hyphen
(``BTC-USD`` -> ``BTCUSD``, base ``BTC``, quote ``USD``).

Kinds served (:func:`parse_stream` accepts these and no others):

- ``trade``, ``aggTrade``, ``bookTicker``: real time, one event per simulated trade;
- ``ticker``, ``miniTicker``, the rolling windows ``ticker_1h``, ``ticker_4h``, ``ticker_1d``,
  ``avgPrice`` (5 minutes): every 1000 ms;
- ``kline_<interval>`` for every interval of :data:`.klines.INTERVALS`: every 1000 ms
  (``1s``) or 2000 ms (the others);
- ``depth`` (1000 ms) and ``depth@100ms``: diff depth;
- ``depth5``, ``depth10``, ``depth20``, each also ``@100ms``: partial depth (1000 ms default);
- the all-market streams (:data:`ALL_MARKET`, no symbol): ``!miniTicker@arr``,
  ``!ticker_1h@arr``, ``!ticker_4h@arr``, ``!ticker_1d@arr`` and the retired ``!ticker@arr``
  (Binance removed it on 2026-03-26; served for clients written before): every 1000 ms, an
  array of the symbol streams' events of every symbol whose ticker changed since the last one.

Depth streams are also accepted with ``@1000ms`` spelled out (Binance's own Python connector
subscribes so); the events go out under the name subscribed to.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .klines import INTERVALS

__all__ = ["Stream", "SymbolNames", "parse_stream", "PARTIAL_LEVELS", "ALL_MARKET"]

PARTIAL_LEVELS = (5, 10, 20)
#: The all-market streams: name -> the per-symbol kind whose events each array holds.
ALL_MARKET: dict[str, str] = {
    "!miniTicker@arr": "miniTicker",
    "!ticker@arr": "ticker",
    "!ticker_1h@arr": "ticker_1h",
    "!ticker_4h@arr": "ticker_4h",
    "!ticker_1d@arr": "ticker_1d",
}
_SIMPLE = frozenset({"trade", "aggTrade", "bookTicker", "ticker", "miniTicker", "ticker_1h", "ticker_4h", "ticker_1d", "avgPrice"})


@dataclass(frozen=True, slots=True)
class Stream:
    """One stream: its name, the mock's symbol (None for a symbol the mock does not list: such
    a stream is accepted, as Binance accepts it, and never carries anything), its kind
    (``trade``, ``kline``, ``depth``, ``partial``, ``all`` for an all-market stream, ...), and the
    interval or levels it has."""

    name: str
    symbol: str | None
    kind: str
    interval: str = ""
    levels: int = 0


class SymbolNames:
    """The mock's symbols and their Binance names (``BTC-USD`` <-> ``BTCUSD``)."""

    def __init__(self, symbols: Iterable[str]) -> None:
        self.venue_of: dict[str, str] = {s: s.replace("-", "").replace("/", "").upper() for s in symbols}
        self.mock_of: dict[str, str] = {v: s for s, v in self.venue_of.items()}

    @staticmethod
    def assets(symbol: str) -> tuple[str, str]:
        """Base and quote asset of a mock symbol (``BTC-USD`` -> ``("BTC", "USD")``)."""
        base, _, quote = symbol.replace("/", "-").partition("-")
        return base.upper(), quote.upper()


def parse_stream(name: str, names: SymbolNames) -> Stream | None:
    """The stream ``name`` stands for, or None if it is not a stream name Binance knows (no
    ``@``, a symbol not in lower case letters and digits, an unknown kind)."""
    if name in ALL_MARKET:
        return Stream(name, None, "all")
    venue, at, kind = name.partition("@")
    if not at or not venue or not (venue.isascii() and venue.isalnum()) or venue != venue.lower():
        return None
    symbol = names.mock_of.get(venue.upper())
    if kind in _SIMPLE:
        return Stream(name, symbol, kind)
    if kind.startswith("kline_"):
        interval = kind[len("kline_"):]
        if interval not in INTERVALS:
            return None
        return Stream(name, symbol, "kline", interval=interval)
    base, _, speed = kind.partition("@")
    if speed not in ("", "100ms", "1000ms"):
        return None
    if base == "depth":
        return Stream(name, symbol, "depth")
    if base.startswith("depth") and base[5:] in {str(n) for n in PARTIAL_LEVELS}:
        return Stream(name, symbol, "partial", levels=int(base[5:]))
    return None

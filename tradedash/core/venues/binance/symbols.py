"""Binance symbols: ``exchangeInfo`` to a symbol list with tick and lot sizes, and their names.

A symbol has the venue's name (``BTCUSDT``, what Binance's REST API and stream payloads
use; streams use it in lower case, see :mod:`.streams`) and one display form for people,
base and quote joined by a hyphen (``BTC-USDT``), shown with the venue beside it
(``BTC-USDT · Binance``). TradeDash's messages from Binance carry the venue's name, so a
subscription, a stream and a message name the same thing; the display form is for the
screen. Tick and lot sizes are kept exact (``Decimal`` from Binance's decimal strings):
they decide how many decimals a price or size is shown with.

Used by the Binance session to come and the app's symbol lists (the subscriptions dialog,
``tape --venue binance --symbols BTCUSDT``): what to offer, how to show it, and what a
user typed (``btcusdt``, ``BTC-USDT``, ``BTC/USDT``) means.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

import msgspec

from tradedash.core import wire

from .messages import ErrorBody, ExchangeInfo, SymbolRecord, decode_exchange_info

__all__ = ["VENUE", "VENUE_LABEL", "VenueSymbol", "symbols_of", "listed_symbols", "SymbolDirectory"]

#: The venue's key in TradeDash (feeds, config) and the name shown beside its symbols.
VENUE = "binance"
VENUE_LABEL = "Binance"


class VenueSymbol(msgspec.Struct, frozen=True, gc=False):
    """One Binance symbol: its name, base and quote assets, status, and exact tick and lot sizes
    (``PRICE_FILTER.tickSize`` and ``LOT_SIZE.stepSize``; 0 where the filter is absent or off)."""

    name: str
    base: str
    quote: str
    status: str
    tick_size: Decimal
    lot_size: Decimal

    @property
    def display(self) -> str:
        """The display form: ``BTC-USDT``."""
        return f"{self.base}-{self.quote}"

    @property
    def label(self) -> str:
        """The display form with the venue beside it: ``BTC-USDT · Binance``."""
        return f"{self.display} · {VENUE_LABEL}"

    @property
    def trading(self) -> bool:
        """True when the symbol trades (status ``TRADING``; not ``HALT`` or ``BREAK``)."""
        return self.status == "TRADING"

    @property
    def price_decimals(self) -> int:
        """How many decimals a price needs: those of the tick size (``0.01000000`` -> 2)."""
        return _decimals(self.tick_size)

    @property
    def size_decimals(self) -> int:
        """How many decimals a size needs: those of the lot size (``0.00100000`` -> 3)."""
        return _decimals(self.lot_size)

    def info(self) -> wire.SymbolInfo:
        """The symbol as TradeDash lists symbols (venue name, tick and lot size as floats)."""
        return wire.SymbolInfo(self.name, float(self.tick_size), float(self.lot_size))


def _decimals(step: Decimal) -> int:
    exponent = step.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _exact(text: str | None) -> Decimal:
    try:
        value = Decimal(text) if text else Decimal(0)
    except InvalidOperation:
        return Decimal(0)
    return value if value.is_finite() and value > 0 else Decimal(0)


def _symbol(record: SymbolRecord) -> VenueSymbol:
    tick = lot = None
    for entry in record.filters:
        if entry.filter_type == "PRICE_FILTER":
            tick = entry.tick_size
        elif entry.filter_type == "LOT_SIZE":
            lot = entry.step_size
    return VenueSymbol(record.symbol, record.base_asset, record.quote_asset, record.status, _exact(tick), _exact(lot))


def symbols_of(info: ExchangeInfo, *, trading_only: bool = False) -> list[VenueSymbol]:
    """The symbols of an ``exchangeInfo`` body, in its order (only those trading if ``trading_only``)."""
    symbols = [_symbol(record) for record in info.symbols]
    return [s for s in symbols if s.trading] if trading_only else symbols


class SymbolDirectory:
    """The venue's symbols by name, and what a user's text names.

    Contract: :meth:`resolve` accepts the venue name in any case (``BTCUSDT``, ``btcusdt``)
    or the display form with ``-``, ``/`` or ``_`` between base and quote, in any case
    (``BTC-USDT``, ``btc/usdt``), and returns the symbol, or None if the venue lists none such.
    """

    def __init__(self, symbols: Iterable[VenueSymbol]) -> None:
        self.symbols: dict[str, VenueSymbol] = {s.name: s for s in symbols}
        self._by_pair = {(s.base.upper(), s.quote.upper()): s for s in self.symbols.values()}

    def resolve(self, text: str) -> VenueSymbol | None:
        text = text.strip().upper()
        found = self.symbols.get(text)
        if found is not None:
            return found
        for separator in "-/_":
            base, sep, quote = text.partition(separator)
            if sep:
                return self._by_pair.get((base, quote))
        return None


def listed_symbols(body: bytes | str) -> list[wire.SymbolInfo]:
    """The symbols a ``GET /api/v3/exchangeInfo`` body lists, with their tick and lot sizes.
    Raises ``ValueError`` saying why for an error body (``{"code", "msg"}``) or one that is not exchangeInfo."""
    info = decode_exchange_info(body)
    if isinstance(info, ErrorBody):
        raise ValueError(f"error {info.code}: {info.msg}")
    return [symbol.info() for symbol in symbols_of(info)]

"""The mock exchange's Binance Spot dialect: the same simulated market, as Binance serves it. Pure.

Rooms: :mod:`.streams` (stream names and what each carries), :mod:`.klines` (bars of every
interval), :mod:`.market` (events, diff-depth ids, REST snapshots), :mod:`.session` (one
stream connection's control messages), :mod:`.rest` (REST routes, errors, weights). No
sockets here: :mod:`mock_exchange.server.binance` serves them under ``/binance``. Payloads
are encoded with the Structs of :mod:`tradedash.core.venues.binance.messages`, the ones the
dashboard decodes with.
"""

from .market import BinanceMarket
from .rest import RestApi
from .session import StreamSession
from .streams import Stream, SymbolNames, parse_stream

__all__ = ["BinanceMarket", "RestApi", "Stream", "StreamSession", "SymbolNames", "parse_stream"]

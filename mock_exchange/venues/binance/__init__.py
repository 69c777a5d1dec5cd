"""The mock exchange's Binance Spot dialect: the same simulated market, as Binance serves it.

Rooms: :mod:`.streams` (stream names and what each carries), :mod:`.klines` (bars of every
interval), :mod:`.market` (events, diff-depth ids, REST snapshots; pure), :mod:`.session`
(one stream connection's control messages; pure), :mod:`.rest` (REST routes, errors,
weights; pure), :mod:`.server` (sockets: stream connections, HTTP, the 100 ms clock).
Payloads are encoded with the Structs of :mod:`tradedash.core.venues.binance.messages`, the
ones the dashboard decodes with.
"""

from .server import PREFIX, BinanceEndpoint, FanoutPair, serves

__all__ = ["PREFIX", "BinanceEndpoint", "FanoutPair", "serves"]

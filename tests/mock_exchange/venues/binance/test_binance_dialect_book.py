"""The documented local-order-book procedure against the mock's Binance dialect: the rebuilt book
equals the server's, also across withheld updates (the skip fault), and on the 1000 ms stream."""

from __future__ import annotations

import asyncio

import msgspec
from websockets.asyncio.client import connect

from mock_exchange.server import ExchangeServer
from tests.mock_exchange.venues.binance.helpers import rest_get, ws_base
from tradedash.core import wire
from tradedash.core.venues.binance import messages as m
from tradedash.core.venues.binance.book_sync import RESYNC_CAUSES, BookSync, FetchDepth, SyncOutcome


class LocalBook:
    """A client's book of one symbol, kept by the dashboard's :class:`BookSync` from the mock's stream and REST."""

    def __init__(self, server: ExchangeServer, venue_symbol: str) -> None:
        self.server = server
        self.sync = BookSync(venue_symbol, limit=1000)
        self.bids: dict[float, float] = {}
        self.asks: dict[float, float] = {}
        self.outcomes: list[SyncOutcome] = []

    async def feed(self, event: m.DepthUpdate) -> None:
        self.outcomes.append(self.sync.apply_event(event))
        await self._carry_out()

    async def _carry_out(self) -> None:
        for action in self.sync.take():
            if isinstance(action, FetchDepth):
                _, _, body = await rest_get(self.server, action.request.path)
                snapshot = m.decode_depth(msgspec.json.encode(body))
                assert isinstance(snapshot, m.DepthSnapshot)
                self.outcomes.append(self.sync.apply_snapshot(snapshot, action.ticket))
                await self._carry_out()
            else:
                self._apply(action)

    def _apply(self, book: wire.Book) -> None:
        if book.kind == "snapshot":
            self.bids, self.asks = {}, {}
        for side, levels in ((self.bids, book.bids), (self.asks, book.asks)):
            for price, size in levels:
                if size == 0:
                    side.pop(price, None)
                else:
                    side[price] = size


def _server_book(server: ExchangeServer, symbol: str) -> tuple[int, dict[float, float], dict[float, float]]:
    snapshot = server.binance.market.depth_snapshot(symbol, 1000)
    decoded = m.decode_depth(msgspec.json.encode(snapshot))
    assert isinstance(decoded, m.DepthSnapshot)
    return decoded.last_update_id, dict(decoded.bids), dict(decoded.asks)


async def _follow(server: ExchangeServer, ws, book: LocalBook, events: int) -> int:
    """Feed ``events`` diff events; returns how many times the local book was compared with the server's."""
    compared = 0
    for _ in range(events):
        stream, event = m.decode_event(await asyncio.wait_for(ws.recv(), 5))
        assert isinstance(event, m.DepthUpdate)
        await book.feed(event)
        if book.sync.synced:
            update_id, bids, asks = _server_book(server, "BTC-USD")
            if update_id == book.sync.update_id:  # no publish since this event: the books must be equal
                assert (book.bids, book.asks) == (bids, asks)
                compared += 1
    return compared


async def test_local_book_from_depth_100ms_and_rest_snapshot_equals_the_servers(make_exchange):
    server = await make_exchange(rate=50.0)
    async with connect(f"{ws_base(server)}/ws/btcusd@depth@100ms") as ws:
        book = LocalBook(server, "BTCUSD")
        compared = await _follow(server, ws, book, 25)
    assert compared >= 10
    assert book.outcomes.count(SyncOutcome.SYNCED) == 1 and not RESYNC_CAUSES & set(book.outcomes)
    assert book.sync.applied >= 20


async def test_local_book_from_the_1000ms_diff_stream_equals_the_100ms_one_at_the_same_update_id(make_exchange):
    server = await make_exchange(rate=50.0)
    fast_books: dict[int, tuple[dict[float, float], dict[float, float]]] = {}
    async with connect(f"{ws_base(server)}/ws/btcusd@depth@100ms") as fast_ws, connect(f"{ws_base(server)}/stream?streams=btcusd@depth") as slow_ws:
        fast, slow = LocalBook(server, "BTCUSD"), LocalBook(server, "BTCUSD")

        async def follow_fast() -> None:
            while True:
                await fast.feed(m.decode_event(await fast_ws.recv())[1])  # type: ignore[arg-type]
                if fast.sync.synced:
                    fast_books[fast.sync.update_id] = (dict(fast.bids), dict(fast.asks))

        task = asyncio.create_task(follow_fast())
        compared = 0
        try:
            for _ in range(5):
                stream, event = m.decode_event(await asyncio.wait_for(slow_ws.recv(), 5))
                assert stream == "btcusd@depth"
                await slow.feed(event)  # type: ignore[arg-type]
                for _ in range(100):  # until the fast client has read this far
                    if slow.sync.update_id in fast_books:
                        break
                    await asyncio.sleep(0.01)
                if slow.sync.synced and slow.sync.update_id in fast_books:
                    assert (slow.bids, slow.asks) == fast_books[slow.sync.update_id]
                    compared += 1
        finally:
            task.cancel()
    assert compared >= 2 and not RESYNC_CAUSES & set(slow.outcomes)
    assert slow.sync.applied >= 2


async def test_skipped_depth_updates_show_as_a_gap_and_the_resync_rebuilds_the_book(make_exchange):
    server = await make_exchange(rate=50.0)
    async with connect(f"{ws_base(server)}/ws/btcusd@depth@100ms") as ws:
        book = LocalBook(server, "BTCUSD")
        await _follow(server, ws, book, 5)
        assert book.sync.synced
        await server.faults.skip_book_seq("BTC-USD", 2)
        for _ in range(40):
            if SyncOutcome.GAP in book.outcomes:
                break
            await _follow(server, ws, book, 1)
        assert SyncOutcome.GAP in book.outcomes
        assert server.counters.book_updates_skipped >= 2
        compared = await _follow(server, ws, book, 15)
    assert book.sync.synced and book.sync.snapshots == 2 and compared >= 5

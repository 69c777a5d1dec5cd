"""The feed client against a real mock exchange on port 0: data, errors, reconnection."""

from __future__ import annotations

import asyncio

from mock_exchange.server import ExchangeConfig, ExchangeServer
from tradedash.core import wire
from tradedash.core.backoff import ReconnectPolicy
from tradedash.core.lifecycle import FeedState
from tradedash.net.feed_client import FeedClient


async def _wait_for(predicate, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def test_client_goes_live_and_delivers_subscribed_messages(exchange):
    received: list[wire.MarketMessage] = []
    client = FeedClient(
        exchange.url,
        subscriptions=[wire.Subscription("ticker", "BTC-USD"), wire.Subscription("trades", "ETH-USD")],
        on_message=received.append,
    )
    task = asyncio.create_task(client.run())
    await _wait_for(lambda: client.state is FeedState.LIVE and len(received) >= 10)
    assert {(type(m).__name__, m.symbol) for m in received} <= {("Ticker", "BTC-USD"), ("Trade", "ETH-USD")}
    assert [s.symbol for s in client.symbols] == ["BTC-USD", "ETH-USD", "SOL-USD"]
    await client.close()
    await asyncio.wait_for(task, 2)
    assert client.state is FeedState.CLOSED


async def test_client_reconnects_and_resubscribes_after_server_restart():
    first = ExchangeServer(ExchangeConfig(port=0, rate=50.0))
    await first.start()
    port = first.port
    received: list[wire.MarketMessage] = []
    states: list[FeedState] = []
    client = FeedClient(
        first.url,
        subscriptions=[wire.Subscription("ticker", s) for s in ("BTC-USD", "SOL-USD")],
        on_message=received.append,
        policy=ReconnectPolicy(initial=0.05, cap=0.2),
    )
    client.lifecycle.add_listener(lambda old, new: states.append(new))
    task = asyncio.create_task(client.run())
    try:
        await _wait_for(lambda: client.state is FeedState.LIVE)
        await first.stop()
        await _wait_for(lambda: client.state is FeedState.BACKING_OFF)
        await asyncio.sleep(0.5)  # a few failed attempts while the port is closed
        assert client.state in (FeedState.BACKING_OFF, FeedState.CONNECTING)

        second = ExchangeServer(ExchangeConfig(port=port, rate=50.0))
        await second.start()
        try:
            received.clear()
            await _wait_for(lambda: client.state is FeedState.LIVE and len(received) >= 4)
            assert {m.symbol for m in received} == {"BTC-USD", "SOL-USD"}
            session = next(iter(second._sessions.values()))
            assert session.subscriptions == client.subscriptions
        finally:
            await client.close()
            await asyncio.wait_for(task, 2)
            await second.stop()
    finally:
        if not task.done():
            task.cancel()
    assert FeedState.BACKING_OFF in states and states[-1] is FeedState.CLOSED
    assert client.stats.reconnects >= 2


async def test_subscriptions_change_while_connected(exchange):
    received: list[wire.MarketMessage] = []
    client = FeedClient(exchange.url, subscriptions=[wire.Subscription("ticker", "BTC-USD")], on_message=received.append)
    task = asyncio.create_task(client.run())
    await _wait_for(lambda: client.state is FeedState.LIVE)
    await client.subscribe(["trades"], ["SOL-USD"])
    await _wait_for(lambda: any(isinstance(m, wire.Trade) and m.symbol == "SOL-USD" for m in received))
    await client.unsubscribe(["ticker"], ["BTC-USD"])
    await asyncio.sleep(0.1)  # let in-flight BTC tickers land
    received.clear()
    await _wait_for(lambda: len(received) >= 5)
    assert all(m.symbol == "SOL-USD" for m in received)
    await client.close()
    await asyncio.wait_for(task, 2)

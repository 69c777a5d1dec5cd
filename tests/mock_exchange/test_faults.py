"""Every fault, from Python, from the admin op and from the start-up schedule, seen by plain websockets clients."""

from __future__ import annotations

import asyncio
import json
import logging
import time

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidMessage

from mock_exchange.faults import FaultInjector, parse_fault
from mock_exchange.server import ExchangeConfig, ExchangeServer

from tests.mock_exchange.raw_client import recv_json, recv_until, request
from tests.support.waiting import wait_for


async def _subscribed(exchange, channels=("trades",), symbols=("BTC-USD",), **extra):
    ws = await connect(exchange.url, max_size=2**20, close_timeout=0.2)
    await recv_json(ws)  # hello
    ack = await request(ws, {"op": "subscribe", "id": 1, "channels": list(channels), "symbols": list(symbols), **extra})
    assert ack["type"] == "ack"
    return ws


async def _closed(ws, timeout: float = 5.0) -> ConnectionClosed:
    with pytest.raises(ConnectionClosed) as info:
        await asyncio.wait_for(_drain(ws), timeout)
    return info.value


async def _connect_when_listening(url: str):
    async def attempt():
        while True:
            try:
                return await connect(url, open_timeout=2)
            except (OSError, InvalidMessage):
                await asyncio.sleep(0.05)

    return await asyncio.wait_for(attempt(), 10)


async def _drain(ws) -> None:
    while True:
        await ws.recv()


async def test_drop_all_aborts_every_socket_without_a_close_frame(make_exchange, caplog):
    exchange = await make_exchange()
    clients = [await _subscribed(exchange) for _ in range(3)]
    await wait_for(lambda: exchange.connection_count == 3)
    with caplog.at_level(logging.WARNING, "mock_exchange.faults"):
        assert await exchange.faults.drop_all() == 3
    for ws in clients:
        closed = await _closed(ws)
        assert closed.rcvd is None  # no close frame: an abrupt drop (1006)
    assert "fault drop_all" in caplog.text
    assert [r.name for r in exchange.faults.history] == ["drop_all"]


async def test_drop_one_drops_the_chosen_connection_only(make_exchange):
    exchange = await make_exchange()
    first, second = await _subscribed(exchange), await _subscribed(exchange)
    await wait_for(lambda: exchange.connection_count == 2)
    victim = next(c for c in exchange.connections if c.remote_address == second.local_address)
    assert await exchange.faults.drop_one(victim)
    await _closed(second)
    await recv_until(first, lambda m: m["type"] == "trades")  # the other one still flows
    assert await exchange.faults.drop_one()  # the oldest
    await _closed(first)


async def test_half_open_stops_data_and_pongs_but_keeps_the_socket(make_exchange):
    exchange = await make_exchange()
    ws = await _subscribed(exchange)
    await recv_until(ws, lambda m: m["type"] == "trades")
    assert await exchange.faults.half_open() == 1
    await asyncio.sleep(0.1)  # frames already in flight may still arrive
    while True:
        try:
            await asyncio.wait_for(ws.recv(), 0.5)
        except TimeoutError:
            break
    pong = await ws.ping()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(pong, 0.5)
    assert ws.state.name == "OPEN"
    await ws.close(code=1000)  # returns after the close timeout: nobody answers


async def test_skip_book_seq_leaves_a_gap_a_snapshot_repairs(make_exchange):
    exchange = await make_exchange()
    ws = await _subscribed(exchange, channels=["book"])
    snapshot = await recv_until(ws, lambda m: m["type"] == "book")
    assert snapshot["kind"] == "snapshot"
    first = await recv_until(ws, lambda m: m["type"] == "book")
    assert first["prev_seq"] == snapshot["seq"]
    await exchange.faults.skip_book_seq("BTC-USD")
    last = first["seq"]
    while True:
        update = await recv_until(ws, lambda m: m["type"] == "book")
        if update["prev_seq"] != last:
            break
        last = update["seq"]
    assert update["prev_seq"] == last + 1 and update["seq"] == last + 2
    assert exchange.counters.book_updates_skipped == 1
    await ws.close()


@pytest.mark.parametrize("fault", ["send_malformed", "send_unknown_type"])
async def test_bad_messages_reach_the_client_and_the_connection_stays(make_exchange, fault):
    exchange = await make_exchange()
    ws = await connect(exchange.url)
    await recv_json(ws)
    await wait_for(lambda: exchange.connection_count == 1)
    await getattr(exchange.faults, fault)()
    while True:
        frame = await asyncio.wait_for(ws.recv(), 5)
        if fault == "send_malformed":
            try:
                json.loads(frame)
            except json.JSONDecodeError:
                break
        elif json.loads(frame)["type"] == "gossip":
            break
    assert (await request(ws, {"op": "list", "id": 2}))["type"] == "ack"
    await ws.close()


async def test_oversized_message_trips_the_clients_size_limit(make_exchange):
    exchange = await make_exchange()
    ws = await connect(exchange.url, max_size=2**20)
    await recv_json(ws)
    await wait_for(lambda: exchange.connection_count == 1)
    await exchange.faults.send_oversized()
    closed = await _closed(ws)
    assert closed.sent is not None and closed.sent.code == 1009


async def test_delay_holds_market_frames_back_in_order(make_exchange):
    exchange = await make_exchange(rate=100.0)
    ws = await _subscribed(exchange)
    await recv_until(ws, lambda m: m["type"] == "trades")
    await exchange.faults.delay(0.4, duration=0.6)
    await asyncio.sleep(0.05)
    seqs, lags = [], []
    while len(seqs) < 30:
        message = await recv_until(ws, lambda m: m["type"] == "trades")
        seqs.append(message["seq"])
        lags.append(time.time_ns() - message["ts"])
    assert max(lags) >= 0.35e9  # stamped when made, received at least ~0.4 s later
    assert seqs == list(range(seqs[0], seqs[0] + 30))
    assert exchange.counters.frames_delayed > 0
    await wait_for(lambda: exchange.faults.delay_seconds == 0)
    await ws.close()


async def test_shutdown_announces_then_closes_1001(make_exchange):
    exchange = await make_exchange()
    ws = await _subscribed(exchange)
    task = asyncio.create_task(exchange.faults.shutdown("upgrade", grace=0.05))
    announced = await recv_until(ws, lambda m: m["type"] == "shutdown")
    assert announced["reason"] == "upgrade"
    closed = await _closed(ws)
    assert closed.rcvd.code == 1001
    assert await task == 1


def test_settings_that_cannot_work_are_refused_with_their_name():
    with pytest.raises(ValueError, match="rate must be > 0"):
        ExchangeServer(ExchangeConfig(rate=0))
    with pytest.raises(ValueError, match="keyfile given without certfile"):
        ExchangeServer(ExchangeConfig(keyfile="k.pem"))


async def test_refuse_twice_keeps_one_listener_and_reopens_after_the_later(make_exchange):
    exchange = await make_exchange()
    await exchange.faults.refuse(0.05)
    await exchange.faults.refuse(0.2)
    ws = await _connect_when_listening(exchange.url)
    assert (await recv_json(ws))["type"] == "hello"
    await ws.close()
    assert len(exchange.listening_addresses) == 1


async def test_refuse_closes_the_port_for_a_while_then_listens_again(make_exchange):
    exchange = await make_exchange()
    kept = await _subscribed(exchange)
    await exchange.faults.refuse(0.5)
    with pytest.raises(OSError):
        await connect(exchange.url, open_timeout=2)
    await recv_until(kept, lambda m: m["type"] == "trades")  # open connections are untouched
    again = await _connect_when_listening(exchange.url)
    assert (await recv_json(again))["type"] == "hello"
    await again.close()
    await kept.close()


async def test_restart_closes_with_1012_and_comes_back_on_the_same_port(make_exchange):
    exchange = await make_exchange()
    port = exchange.port
    ws = await _subscribed(exchange)
    await exchange.faults.restart(down_seconds=0.2)
    closed = await _closed(ws)
    assert closed.rcvd.code == 1012
    again = await _connect_when_listening(exchange.url)
    assert exchange.port == port
    await again.close()


async def test_admin_op_needs_the_token_and_spares_the_asker(make_exchange):
    exchange = await make_exchange(admin_token="s3cret")
    victim = await _subscribed(exchange)
    admin = await connect(exchange.url)
    await recv_json(admin)
    error = await request(admin, {"op": "admin", "id": 5, "token": "guess", "fault": "drop_all"})
    assert (error["id"], error["code"]) == (5, "forbidden")
    error = await request(admin, {"op": "admin", "id": 6, "token": "s3cret", "fault": "explode"})
    assert error["code"] == "bad_request"
    error = await request(admin, {"op": "admin", "id": 61, "token": "s3cret", "fault": "delay", "args": {"seconds": 1, "secs": 1}})
    assert error["code"] == "bad_request" and "secs" in error["message"]
    error = await request(admin, {"op": "admin", "id": 62, "token": "s3cret", "fault": "skip_book_seq", "args": {"symbol": "NOPE"}})
    assert error["code"] == "unknown_symbol"
    ack = await request(admin, {"op": "admin", "id": 7, "token": "s3cret", "fault": "drop_all"})
    assert ack == {"type": "ack", "id": 7, "op": "admin", "subscriptions": None, "symbols": None}
    await _closed(victim)
    assert (await request(admin, {"op": "list", "id": 8}))["type"] == "ack"
    ack = await request(admin, {"op": "admin", "id": 9, "token": "s3cret", "fault": "skip_book_seq", "args": {"symbol": "BTC-USD", "count": 2}})
    assert ack["type"] == "ack"
    await wait_for(lambda: exchange.faults.book_skips.get("BTC-USD") == 0)
    await request(admin, {"op": "admin", "id": 10, "token": "s3cret", "fault": "send_unknown_type", "target": "self"})
    await recv_until(admin, lambda m: m["type"] == "gossip")
    await admin.close()


async def test_admin_op_is_refused_when_no_admin_token_is_set(exchange):
    async with connect(exchange.url) as ws:
        await recv_json(ws)
        error = await request(ws, {"op": "admin", "id": 1, "token": "", "fault": "drop_all"})
        assert error["code"] == "forbidden" and "--admin-token" in error["message"]


async def test_start_up_schedule_applies_faults_when_due(make_exchange):
    exchange = await make_exchange(faults=[parse_fault("send_unknown_type@0.1"), parse_fault("skip_book_seq:symbol=ETH-USD@every=0.1")])
    async with connect(exchange.url) as ws:
        await recv_until(ws, lambda m: m["type"] == "gossip")
    await wait_for(lambda: sum(r.name == "skip_book_seq" for r in exchange.faults.history) >= 2)
    assert exchange.faults.history[0].args.get("symbol", "ETH-USD") == "ETH-USD"


def test_fault_specs_parse_or_explain_what_is_wrong():
    assert parse_fault("drop_all@5").at == 5.0
    fault = parse_fault("delay:seconds=0.5,duration=3@every=10")
    assert (fault.name, fault.args, fault.every) == ("delay", {"seconds": 0.5, "duration": 3}, 10.0)
    assert parse_fault("drop_one@p=0.25").probability == 0.25
    bad_specs = [
        ("explode@1", "unknown fault"), ("drop_all", "expected"), ("drop_all@p=2", "WHEN"), ("delay:x@1", "key=value"),
        ("delay:seconds=1,secs=1@1", "unknown arguments"), ("refuse:seconds=1e308@1", "from 0 to 3600"), ("drop_one:spare=1@1", "only be given from Python"),
    ]
    for bad, words in bad_specs:
        with pytest.raises(ValueError, match=words):
            parse_fault(bad)


@pytest.mark.parametrize(
    ("fault", "args"),
    [
        ("delay", {"seconds": [1]}),
        ("delay", {"seconds": 61}),
        ("delay", {}),
        ("refuse", {"seconds": 1e308}),
        ("restart", {"down_seconds": -5}),
        ("skip_book_seq", {"count": 10**18}),
        ("skip_book_seq", {"count": True}),
        ("skip_book_seq", {"symbol": 5}),
        ("send_oversized", {"size": 0.5}),
        ("shutdown", {"reason": "x" * 124}),
        ("drop_all", {"extra": 1}),
    ],
)
async def test_admin_fault_arguments_are_checked_for_type_and_range(make_exchange, fault, args):
    exchange = await make_exchange(admin_token="adm")
    async with connect(exchange.url) as ws:
        await recv_json(ws)
        reply = await request(ws, {"op": "admin", "id": 4, "token": "adm", "fault": fault, "args": args})
        assert (reply["type"], reply["id"], reply["code"]) == ("error", 4, "bad_request")
        assert reply["message"].startswith(fault) and "None" not in reply["message"]
    assert exchange.faults.history == []


class _Listing:
    """The part of the server skip_book_seq reads: the listed symbols."""

    symbols = ["BTC-USD", "ETH-USD", "SOL-USD"]


async def test_skip_book_seq_without_a_symbol_skips_every_symbol():
    injector = FaultInjector(_Listing())  # type: ignore[arg-type]
    await injector.skip_book_seq(count=2)
    for _ in range(2):
        assert all(injector.take_book_skip(symbol) for symbol in _Listing.symbols)
    assert not any(injector.take_book_skip(symbol) for symbol in _Listing.symbols)

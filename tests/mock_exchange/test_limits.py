"""Limits and security of the exchange: each refusal is the documented close code, HTTP status or error."""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from mock_exchange.server.limits import RequestBudget
from tests.mock_exchange.raw_client import masked_text, raw_websocket, read_close, recv_json, recv_until, request
from tests.support.certificates import server_certificate
from tests.support.waiting import wait_for


async def test_binds_loopback_by_default(exchange):
    assert exchange.config.host == "127.0.0.1"
    assert exchange.listening_addresses[0][0] == "127.0.0.1"


async def test_a_request_above_the_size_limit_closes_1009(make_exchange):
    exchange = await make_exchange(max_message_size=1024)
    async with connect(exchange.url) as ws:
        await recv_json(ws)
        await ws.send('{"op": "list", "id": 1, "pad": "' + "x" * 2000 + '"}')
        with pytest.raises(ConnectionClosed) as info:
            await recv_until(ws, lambda m: False)
        assert info.value.rcvd.code == 1009


async def test_too_many_requests_per_second_closes_1008(make_exchange):
    exchange = await make_exchange(max_requests_per_second=5, max_request_burst=10)
    async with connect(exchange.url) as ws:
        await recv_json(ws)
        for i in range(30):
            await ws.send(f'{{"op": "list", "id": {i}}}')
        with pytest.raises(ConnectionClosed) as info:
            await recv_until(ws, lambda m: False)
        assert info.value.rcvd.code == 1008 and "request rate limit" in info.value.rcvd.reason
    assert exchange.counters.rate_limited == 1


def test_the_request_budget_allows_a_burst_then_the_rate():
    budget = RequestBudget(rate=2, burst=3)
    assert [budget.take(0.0) for _ in range(4)] == [True, True, True, False]
    assert budget.take(0.5) and not budget.take(0.5)  # 0.5 s refills one request
    assert RequestBudget(rate=0, burst=1).take(0.0)


async def test_subscriptions_per_connection_are_capped_with_an_error(make_exchange):
    exchange = await make_exchange(max_subscriptions=4)
    async with connect(exchange.url) as ws:
        await recv_json(ws)
        await request(ws, {"op": "subscribe", "id": 1, "channels": ["ticker", "trades"], "symbols": ["BTC-USD", "ETH-USD"]})
        error = await request(ws, {"op": "subscribe", "id": 2, "channels": ["book"], "symbols": ["BTC-USD"]})
        assert (error["id"], error["code"]) == (2, "limit") and "5 > 4" in error["message"]
        assert len((await request(ws, {"op": "list", "id": 3}))["subscriptions"]) == 4


async def test_connections_per_address_are_capped_with_429(make_exchange):
    exchange = await make_exchange(max_connections_per_address=2)
    first, second = await connect(exchange.url), await connect(exchange.url)
    with pytest.raises(InvalidStatus) as info:
        await connect(exchange.url)
    assert info.value.response.status_code == 429
    assert b"too many connections" in info.value.response.body
    await first.close()
    await wait_for(lambda: exchange.connection_count == 1)
    third = await connect(exchange.url)
    await second.close()
    await third.close()


async def test_token_in_header_or_query_else_401(make_exchange):
    exchange = await make_exchange(token="t0ken")
    with pytest.raises(InvalidStatus) as info:
        await connect(exchange.url)
    assert info.value.response.status_code == 401
    with pytest.raises(InvalidStatus):
        await connect(exchange.url, additional_headers={"Authorization": "Bearer wrong"})
    async with connect(exchange.url, additional_headers={"Authorization": "Bearer t0ken"}) as ws:
        assert (await recv_json(ws))["type"] == "hello"
    async with connect(exchange.url + "/?token=t0ken") as ws:
        assert (await recv_json(ws))["type"] == "hello"
    assert exchange.counters.handshakes_refused == 2


async def test_origin_allow_list_refuses_other_browsers_with_403(make_exchange):
    exchange = await make_exchange(origins=["https://dash.example"])
    async with connect(exchange.url, origin="https://dash.example") as ws:
        await recv_json(ws)
    async with connect(exchange.url) as ws:  # no Origin: not a browser
        await recv_json(ws)
    with pytest.raises(InvalidStatus) as info:
        await connect(exchange.url, origin="https://evil.example")
    assert info.value.response.status_code == 403


async def test_tls_serves_wss_that_verifies_against_the_certificate(make_exchange, tmp_path):
    certfile, keyfile, ca = server_certificate(tmp_path)
    exchange = await make_exchange(certfile=certfile, keyfile=keyfile)
    assert exchange.url.startswith("wss://127.0.0.1:")
    context = ssl.create_default_context()
    ca.configure_trust(context)
    async with connect(exchange.url, ssl=context) as ws:
        assert (await recv_json(ws))["type"] == "hello"
        await request(ws, {"op": "subscribe", "id": 1, "channels": ["trades", "ticker"], "symbols": ["BTC-USD", "ETH-USD"]})
        trade = await recv_until(ws, lambda m: m.get("type") == "trades")  # market frames go out over TLS too
        assert trade["symbol"] in ("BTC-USD", "ETH-USD")
    with pytest.raises(ssl.SSLCertVerificationError):
        await connect(exchange.url, ssl=ssl.create_default_context())


async def test_a_slow_client_is_dropped_with_a_reason_and_counted(make_exchange):
    exchange = await make_exchange(rate=500.0, max_send_buffer=64 * 1024, slow_client_timeout=0.2)
    fast = await connect(exchange.url)
    tiny = socket.socket()
    tiny.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # little room in the kernel: the server's buffer fills
    tiny.connect(("127.0.0.1", exchange.port))
    slow = await connect(exchange.url, sock=tiny, max_queue=1, close_timeout=0.5)
    for ws in (fast, slow):
        await recv_json(ws)
        await request(ws, {"op": "subscribe", "id": 1, "channels": ["book", "trades", "ticker"], "symbols": ["BTC-USD", "ETH-USD", "SOL-USD"], "depth": 50})
    received = 0

    async def read_fast() -> None:
        nonlocal received
        async for _ in fast:
            received += 1

    reader = asyncio.create_task(read_fast())
    slow.transport.pause_reading()  # stop reading: the server's buffer for it fills up
    await wait_for(lambda: exchange.counters.slow_clients_dropped == 1, timeout=20)
    before = received
    await wait_for(lambda: received > before + 10)  # the fast one still flows
    slow.transport.resume_reading()
    with pytest.raises(ConnectionClosed) as info:
        await recv_until(slow, lambda m: False, timeout=30)
    assert info.value.rcvd.code == 1008 and "slow consumer" in info.value.rcvd.reason
    assert exchange.counters.slow_clients_dropped == 1
    await fast.close()
    await reader


@pytest.mark.parametrize("limit", ["size", "rate"])
async def test_closes_the_server_starts_are_logged_with_their_code_when_the_client_just_drops(make_exchange, caplog, limit):
    exchange = await make_exchange(max_message_size=1024, max_requests_per_second=1, max_request_burst=1)
    caplog.set_level(logging.INFO, "mock_exchange")
    reader, writer = await raw_websocket(exchange.port)
    if limit == "size":
        writer.write(masked_text(b'{"op": "list", "id": 1, "x": "' + b"x" * 2000 + b'"}'))
    else:
        writer.write(masked_text(b'{"op": "list", "id": 1}') * 5)
    expected = 1009 if limit == "size" else 1008
    assert (await read_close(reader))[0] == expected
    writer.transport.abort()  # no close frame back: the socket just goes
    await wait_for(lambda: exchange.connection_count == 0)
    closed = [r.getMessage() for r in caplog.records if "closed" in r.getMessage()]
    assert closed and f"closed by the server: {expected}" in closed[-1]


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback here")
async def test_an_ipv6_host_is_written_in_brackets_and_the_url_connects(make_exchange, caplog):
    caplog.set_level(logging.INFO, "mock_exchange")
    exchange = await make_exchange(host="::1")
    assert exchange.url == f"ws://[::1]:{exchange.port}"
    assert f"listening on ws://[::1]:{exchange.port}" in caplog.text
    async with connect(exchange.url) as ws:
        assert (await recv_json(ws))["type"] == "hello"


def test_the_readme_certificate_names_localhost_too():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    command = readme[readme.index("openssl req -x509") :].split("`")[0]
    assert "subjectAltName=IP:127.0.0.1,DNS:localhost" in command

"""The exchange's faults, token, TLS and fault proxy on the Binance dialect, as on protocol v1."""

from __future__ import annotations

import asyncio
import json
import ssl
import time

import aiohttp
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from mock_exchange.proxy import FaultProxy
from tests.mock_exchange.venues.binance.helpers import reply_to, rest_base, rest_get, ws_base
from tests.support.certificates import server_certificate
from tradedash.core.venues.binance import messages as m


async def _until_closed(ws) -> None:
    with pytest.raises(ConnectionClosed):
        while True:
            await asyncio.wait_for(ws.recv(), 5)


async def test_drop_all_cuts_binance_connections_without_a_close_frame(make_exchange):
    server = await make_exchange()
    async with connect(f"{ws_base(server)}/ws/btcusd@trade") as ws:
        await asyncio.wait_for(ws.recv(), 3)
        assert len(server.connections) == 1
        assert await server.faults.drop_all() == 1
        await _until_closed(ws)
        assert ws.close_code == 1006


async def test_half_open_stops_the_binance_stream_but_keeps_the_socket(make_exchange):
    server = await make_exchange()
    async with connect(f"{ws_base(server)}/ws/btcusd@trade", ping_interval=None, close_timeout=0.5) as ws:
        await asyncio.wait_for(ws.recv(), 3)
        assert await server.faults.half_open() == 1
        late = 0
        while True:  # frames already on their way may still arrive; then nothing
            try:
                await asyncio.wait_for(ws.recv(), 0.5)
            except asyncio.TimeoutError:
                break
            late += 1
            assert late < 20, "the stream goes on after half_open"
        assert len(server.connections) == 1 and ws.state.name == "OPEN"  # the socket stays


async def test_delay_holds_binance_frames_back(make_exchange):
    server = await make_exchange()
    async with connect(f"{ws_base(server)}/ws/btcusd@trade") as ws:
        await asyncio.wait_for(ws.recv(), 3)
        await server.faults.delay(0.6)
        await asyncio.sleep(0.8)  # frames made before the delay have gone
        lags = []
        for _ in range(5):
            event = json.loads(await asyncio.wait_for(ws.recv(), 3))
            lags.append(time.time() * 1000 - event["E"])
        assert min(lags) >= 500
        assert server.counters.frames_delayed > 0


@pytest.mark.parametrize("combined", [False, True])
async def test_shutdown_sends_server_shutdown_then_closes_1001(make_exchange, combined):
    server = await make_exchange()
    url = f"{ws_base(server)}/stream?streams=btcusd@aggTrade" if combined else f"{ws_base(server)}/ws/btcusd@aggTrade"
    async with connect(url) as ws, connect(server.url) as v1:
        await asyncio.wait_for(ws.recv(), 3)
        task = asyncio.create_task(server.faults.shutdown("maintenance", grace=0.2))
        notices = []
        with pytest.raises(ConnectionClosed):
            while True:
                stream, event = m.decode_event(await asyncio.wait_for(ws.recv(), 3))
                if isinstance(event, m.ServerShutdown):
                    notices.append(stream)
        assert notices == (["!serverShutdown"] if combined else [None])
        assert ws.close_code == 1001
        v1_types = []
        with pytest.raises(ConnectionClosed):
            while True:
                v1_types.append(json.loads(await asyncio.wait_for(v1.recv(), 3))["type"])
        assert "shutdown" in v1_types
        assert await task == 2


async def test_restart_closes_1012_and_the_dialect_is_back_on_the_same_port(make_exchange):
    server = await make_exchange()
    async with connect(f"{ws_base(server)}/ws/btcusd@trade") as ws:
        await asyncio.wait_for(ws.recv(), 3)
        await server.faults.restart(down_seconds=0.3)
        await _until_closed(ws)
        assert ws.close_code == 1012
    for _ in range(100):  # refused while down, then back
        try:
            ws = await connect(f"{ws_base(server)}/ws/btcusd@trade")
            break
        except OSError:
            await asyncio.sleep(0.05)
    async with ws:
        assert json.loads(await asyncio.wait_for(ws.recv(), 3))["e"] == "trade"
    assert (await rest_get(server, "/api/v3/ping"))[0] == 200


async def test_token_guards_streams_and_rest(make_exchange):
    server = await make_exchange(token="s3cret")
    with pytest.raises(InvalidStatus) as refused:
        await connect(f"{ws_base(server)}/ws/btcusd@trade")
    assert refused.value.response.status_code == 401
    async with connect(f"{ws_base(server)}/ws/btcusd@trade?token=s3cret") as ws:
        assert json.loads(await asyncio.wait_for(ws.recv(), 3))["e"] == "trade"
    async with connect(f"{ws_base(server)}/ws/btcusd@trade", additional_headers={"Authorization": "Bearer s3cret"}) as ws:
        assert json.loads(await asyncio.wait_for(ws.recv(), 3))["e"] == "trade"
    async with aiohttp.ClientSession() as session:
        async with session.get(rest_base(server) + "/api/v3/ping") as response:
            assert response.status == 401
        async with session.get(rest_base(server) + "/api/v3/ping", headers={"Authorization": "Bearer s3cret"}) as response:
            assert response.status == 200 and await response.json() == {}


async def test_tls_serves_wss_streams_and_https_rest(make_exchange, tmp_path):
    certfile, keyfile, ca = server_certificate(tmp_path)
    server = await make_exchange(certfile=certfile, keyfile=keyfile)
    context = ssl.create_default_context()
    ca.configure_trust(context)
    assert ws_base(server).startswith("wss://") and rest_base(server).startswith("https://")
    async with connect(f"{ws_base(server)}/stream?streams=btcusd@trade", ssl=context) as ws:
        stream, event = m.decode_event(await asyncio.wait_for(ws.recv(), 3))
        assert stream == "btcusd@trade" and isinstance(event, m.TradeEvent)
    status, _, body = await rest_get(server, "/api/v3/depth?symbol=BTCUSD&limit=5", ssl=context)
    assert status == 200 and len(body["bids"]) == 5
    with pytest.raises(aiohttp.ClientConnectorCertificateError):
        await rest_get(server, "/api/v3/ping")


async def test_fault_proxy_in_front_of_the_binance_dialect(make_exchange):
    server = await make_exchange()
    proxy = FaultProxy(("127.0.0.1", server.port), seed=3)
    await proxy.start()
    try:
        proxy.set_slicing(7)  # frames arrive in 7-byte pieces
        async with connect(f"ws://127.0.0.1:{proxy.port}/binance/ws") as ws:
            assert await reply_to(ws, {"method": "SUBSCRIBE", "params": ["btcusd@trade"], "id": 1}) == {"result": None, "id": 1}
            stream, event = m.decode_event(await asyncio.wait_for(ws.recv(), 3))
            assert isinstance(event, m.TradeEvent)
            proxy.reset_all()
            await _until_closed(ws)
        proxy.clear_faults()
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{proxy.port}/binance/api/v3/time") as response:
                assert response.status == 200 and "serverTime" in await response.json()
    finally:
        await proxy.stop()


async def test_the_v1_admin_op_acts_on_binance_connections(make_exchange):
    server = await make_exchange(admin_token="adm1n")
    async with connect(f"{ws_base(server)}/ws/btcusd@trade") as ws, connect(server.url) as admin:
        await asyncio.wait_for(ws.recv(), 3)
        await admin.send(json.dumps({"op": "admin", "id": 1, "token": "adm1n", "fault": "drop_all", "args": {}}))
        await _until_closed(ws)
        assert ws.close_code == 1006
        while True:  # the admin's own connection is spared and gets its ack
            message = json.loads(await asyncio.wait_for(admin.recv(), 3))
            if message["type"] == "ack":
                break

"""Helpers for tests of the mock's Binance dialect: its URLs, REST calls and frames read with the dashboard's decoder."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from mock_exchange.server import ExchangeServer
from tradedash.core.venues.binance import messages as m


def ws_base(server: ExchangeServer) -> str:
    """``ws://host:port/binance`` (``wss://`` with TLS)."""
    return f"{server.url}/binance"


def rest_base(server: ExchangeServer) -> str:
    """``http://host:port/binance`` (``https://`` with TLS)."""
    return server.url.replace("ws", "http", 1) + "/binance"


async def rest_get(server: ExchangeServer, path: str, **kwargs: Any) -> tuple[int, dict[str, str], Any]:
    """GET ``/binance<path>``: (status, headers, decoded JSON body)."""
    async with aiohttp.ClientSession() as session:
        async with session.get(rest_base(server) + path, **kwargs) as response:
            return response.status, dict(response.headers), json.loads(await response.read())


async def next_event(ws: Any, timeout: float = 3.0) -> tuple[str | None, Any]:
    """The next frame, decoded by the dashboard's decoder: (stream or None, event or reply)."""
    return m.decode_event(await asyncio.wait_for(ws.recv(), timeout))


async def reply_to(ws: Any, request: dict[str, Any] | str, timeout: float = 3.0) -> dict[str, Any]:
    """Send a control message and return the first reply or error (events in between are skipped)."""
    await ws.send(request if isinstance(request, str) else json.dumps(request))
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if "result" in frame or "error" in frame:
            return frame

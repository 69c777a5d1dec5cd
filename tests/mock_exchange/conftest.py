"""Fixtures for mock exchange tests: exchanges on port 0 with any config."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from mock_exchange.server import ExchangeConfig, ExchangeServer


@pytest.fixture
async def make_exchange() -> AsyncIterator[Callable[..., Awaitable[ExchangeServer]]]:
    """Start exchanges with ``ExchangeConfig(port=0, rate=50, heartbeat_interval=0.2, **overrides)``; stops them after."""
    servers: list[ExchangeServer] = []

    async def start(**overrides: Any) -> ExchangeServer:
        settings: dict[str, Any] = {"port": 0, "rate": 50.0, "heartbeat_interval": 0.2, **overrides}
        server = ExchangeServer(ExchangeConfig(**settings))
        await server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.stop()

"""Per-connection and handshake limits of the mock exchange.

:class:`RequestBudget` is a token bucket of client requests (pure, time passed in).
:class:`HandshakeGuard` refuses handshakes before a connection opens: a missing or
wrong token (HTTP 401) and too many connections from one address (HTTP 429).
Tokens are compared in constant time and never logged.
"""

from __future__ import annotations

import hmac
import logging
from collections import Counter
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection
from websockets.http11 import Request, Response

if TYPE_CHECKING:
    from ..config import ExchangeConfig, ServerCounters

__all__ = ["RequestBudget", "HandshakeGuard"]

log = logging.getLogger("mock_exchange")


class RequestBudget:
    """A token bucket allowing ``rate`` requests per second after a first burst of ``burst``.

    Contract: ``take(now)`` spends one request and returns False once more than the
    budget has been asked for; ``now`` is a monotonic time in seconds. A rate of 0
    or less means no limit.
    """

    def __init__(self, rate: float, burst: int) -> None:
        self._rate = rate
        self._burst = float(max(burst, 1))
        self._tokens = self._burst
        self._last: float | None = None

    def take(self, now: float) -> bool:
        if self._rate <= 0:
            return True
        if self._last is not None:
            self._tokens = min(self._burst, self._tokens + (now - self._last) * self._rate)
        self._last = now
        if self._tokens < 1.0:
            return False
        self._tokens -= 1.0
        return True


class HandshakeGuard:
    """Checks each opening handshake: bearer token (401) and connections per address (429).

    Contract: ``process_request`` (websockets' hook) returns None to accept or an
    HTTP response whose body says why; ``opened``/``closed`` keep the per-address count.
    """

    def __init__(self, config: ExchangeConfig, counters: ServerCounters) -> None:
        self._config = config
        self._counters = counters
        self._per_address: Counter[str] = Counter()

    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        token = self._config.token
        if token is not None and not _presented_token_matches(request, token):
            return self._refuse(connection, HTTPStatus.UNAUTHORIZED, "missing or wrong token: send 'Authorization: Bearer <token>' or ?token=<token>\n")
        limit = self._config.max_connections_per_address
        address = _host(connection)
        if limit > 0 and self._per_address[address] >= limit:
            return self._refuse(connection, HTTPStatus.TOO_MANY_REQUESTS, f"too many connections from {address}: the limit is {limit}\n")
        return None

    def opened(self, connection: ServerConnection) -> None:
        self._per_address[_host(connection)] += 1

    def closed(self, connection: ServerConnection) -> None:
        address = _host(connection)
        self._per_address[address] -= 1
        if self._per_address[address] <= 0:
            del self._per_address[address]

    def _refuse(self, connection: ServerConnection, status: HTTPStatus, text: str) -> Response:
        self._counters.handshakes_refused += 1
        log.warning("refused handshake from %s: %d %s", _host(connection), status.value, status.phrase)
        response = connection.respond(status, text)
        if status is HTTPStatus.UNAUTHORIZED:
            response.headers["WWW-Authenticate"] = 'Bearer realm="mock-exchange"'
        return response


def _presented_token_matches(request: Request, token: str) -> bool:
    expected = token.encode()
    scheme, _, credentials = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(credentials.strip().encode(), expected):
        return True
    for value in parse_qs(urlsplit(request.path).query).get("token", []):
        if hmac.compare_digest(value.encode(), expected):
            return True
    return False


def _host(connection: ServerConnection) -> str:
    address = connection.remote_address
    return str(address[0]) if address else "?"


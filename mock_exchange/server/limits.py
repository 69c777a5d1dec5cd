"""Per-connection and handshake limits of the mock exchange.

:class:`RequestBudget` is a token bucket of client requests (pure, time passed in).
:class:`HandshakeGuard` refuses handshakes before a connection opens: oversized headers
(HTTP 431), a browser page from an origin not allowed (403), a missing or wrong token (401),
a full exchange (503) and too many connections from one address (429).
Tokens are compared in constant time and never logged.
"""

from __future__ import annotations

import hmac
import logging
import weakref
from http import HTTPStatus
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection
from websockets.http11 import Request, Response

from .origins import OriginPolicy

if TYPE_CHECKING:
    from ..config import ExchangeConfig, ServerCounters

__all__ = ["RequestBudget", "HandshakeGuard", "MAX_HEADER_BYTES"]

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


#: Most bytes of request headers (names and values) a handshake may carry.
MAX_HEADER_BYTES = 16 * 1024


class HandshakeGuard:
    """Checks each opening handshake: header size (431), Origin (403), bearer token (401), connections in
    all (503) and per address (429).

    Contract: ``process_request`` (websockets' hook) returns None to admit the connection
    or an HTTP response whose body says why not; an admitted connection counts against
    the limits until ``closed`` (or until it is gone, if its handshake failed after all).
    :meth:`set_limits` sets the limits in force (None: no limit).
    """

    def __init__(self, config: ExchangeConfig, counters: ServerCounters) -> None:
        self._config = config
        self._counters = counters
        #: Admitted connections and the address of each.
        self._admitted: weakref.WeakKeyDictionary[ServerConnection, str] = weakref.WeakKeyDictionary()
        self._origins = OriginPolicy(config.origins)
        self.max_connections: int | None = None
        self.max_per_address: int | None = None

    def set_limits(self, max_connections: int | None, max_per_address: int | None) -> None:
        self.max_connections, self.max_per_address = max_connections, max_per_address

    def process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        header_bytes = sum(len(name) + len(value) for name, value in request.headers.raw_items())
        if header_bytes > MAX_HEADER_BYTES:
            text = f"request headers of {header_bytes} bytes: the limit is {MAX_HEADER_BYTES}\n"
            return self._refuse(connection, HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, text)
        origin = request.headers.get("Origin")
        if not self._origins.allows(origin):
            text = f"Origin {origin} is not allowed: start the exchange with --origin {origin} (or --origin '*')\n"
            return self._refuse(connection, HTTPStatus.FORBIDDEN, text, f" (Origin {origin})")
        token = self._config.token
        if token is not None and not _presented_token_matches(request, token):
            return self._refuse(connection, HTTPStatus.UNAUTHORIZED, "missing or wrong token: send 'Authorization: Bearer <token>' or ?token=<token>\n")
        if self.max_connections is not None and len(self._admitted) >= self.max_connections:
            text = f"the exchange is at capacity: {self.max_connections} connections; try again later\n"
            return self._refuse(connection, HTTPStatus.SERVICE_UNAVAILABLE, text)
        address = _host(connection)
        limit = self.max_per_address
        if limit is not None and sum(1 for a in self._admitted.values() if a == address) >= limit:
            return self._refuse(connection, HTTPStatus.TOO_MANY_REQUESTS, f"too many connections from {address}: the limit is {limit}\n")
        self._admitted[connection] = address
        return None

    def closed(self, connection: ServerConnection) -> None:
        self._admitted.pop(connection, None)

    def _refuse(self, connection: ServerConnection, status: HTTPStatus, text: str, detail: str = "") -> Response:
        self._counters.handshakes_refused += 1
        log.warning("refused handshake from %s: %d %s%s", _host(connection), status.value, status.phrase, detail)
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


"""The REST requests of a Binance market-data client, and the request weight they spend.

"Public Rest API for Binance", "LIMITS": every route has a weight; an IP may spend the
``REQUEST_WEIGHT`` limit a minute (6000 in the "Rate limiters" example, and what
``exchangeInfo``'s ``rateLimits`` says); each response's ``X-MBX-USED-WEIGHT-1M`` header
says what the IP has spent this minute; a 429 (over the limit) or 418 (banned for going on)
comes with ``Retry-After`` seconds to wait.

Used by :mod:`.book_sync` (the depth request of each :class:`~.book_sync.FetchDepth`) and
the Binance session to come: ``exchangeInfo`` at start, klines for history, and a
:class:`WeightBudget` that says when each request may go.
"""

from __future__ import annotations

from collections import deque
from urllib.parse import quote

import msgspec

from .messages import ExchangeInfo

__all__ = [
    "RestRequest",
    "depth_weight",
    "depth_request",
    "exchange_info_request",
    "klines_request",
    "weight_limit",
    "WeightBudget",
]

#: ``GET /api/v3/depth`` request weight by limit: (largest limit, weight), as documented.
_DEPTH_WEIGHTS = ((100, 5), (500, 25), (1000, 50), (5000, 250))
#: The ``REQUEST_WEIGHT`` limit a minute when ``exchangeInfo`` says none.
DEFAULT_WEIGHT_LIMIT = 6000


class RestRequest(msgspec.Struct, frozen=True, gc=False):
    """A GET to make: ``path`` (with its query) after the REST base URL, and its request weight."""

    path: str
    weight: int


def depth_weight(limit: int) -> int:
    """The request weight of ``GET /api/v3/depth`` with this ``limit`` (above 5000 counts as 5000)."""
    for largest, weight in _DEPTH_WEIGHTS:
        if limit <= largest:
            return weight
    return _DEPTH_WEIGHTS[-1][1]


def depth_request(symbol: str, limit: int) -> RestRequest:
    """``GET /api/v3/depth?symbol=<symbol>&limit=<limit>``: the book snapshot."""
    return RestRequest(f"/api/v3/depth?symbol={quote(symbol)}&limit={limit}", depth_weight(limit))


def exchange_info_request(symbols: list[str] | None = None) -> RestRequest:
    """``GET /api/v3/exchangeInfo`` (weight 20), of every symbol or of ``symbols`` (a JSON array)."""
    if not symbols:
        return RestRequest("/api/v3/exchangeInfo", 20)
    listed = quote(msgspec.json.encode(symbols).decode(), safe=",")
    return RestRequest(f"/api/v3/exchangeInfo?symbols={listed}", 20)


def klines_request(symbol: str, interval: str, limit: int = 500) -> RestRequest:
    """``GET /api/v3/klines`` (weight 2): the newest ``limit`` bars (at most 1000) of one interval."""
    return RestRequest(f"/api/v3/klines?symbol={quote(symbol)}&interval={interval}&limit={min(limit, 1000)}", 2)


def weight_limit(info: ExchangeInfo) -> int:
    """The request weight an IP may spend a minute, as ``exchangeInfo``'s ``rateLimits`` says
    (a limit over N minutes counts as its share of one); :data:`DEFAULT_WEIGHT_LIMIT` if it says nothing."""
    for rule in info.rate_limits:
        if rule.rate_limit_type == "REQUEST_WEIGHT" and rule.interval == "MINUTE" and rule.limit > 0:
            return rule.limit // max(1, rule.interval_num)
    return DEFAULT_WEIGHT_LIMIT


class WeightBudget:
    """The request weight spent in the last minute, and when the next request fits.

    Contract:

    - :meth:`ready_at` is the earliest time (``now`` or later) a request of ``weight`` may go
      so that no 60 s window holds more than ``limit`` (a sliding window: every clock minute
      Binance counts lies inside one). :meth:`spend` counts a request that went.
    - :meth:`observe` takes the ``X-MBX-USED-WEIGHT-1M`` of a response: for the next 60 s
      the weight spent is taken to be at least that (other programs on the IP spend too).
    - :meth:`back_off` takes a 429's or 418's ``Retry-After``: nothing fits before it ends.
    - ``now`` is a monotonic clock in seconds that never goes back.
    """

    def __init__(self, limit: int = DEFAULT_WEIGHT_LIMIT) -> None:
        self.limit = limit
        self._spent: deque[tuple[float, int]] = deque()  # (when, weight), oldest first
        self._in_window = 0
        self._reported = (0, float("-inf"))  # (weight the server reported, until when it holds)
        self._blocked_until = float("-inf")

    def used(self, now: float) -> int:
        """The weight taken as spent in the 60 s before ``now``."""
        self._expire(now)
        reported, until = self._reported
        return max(self._in_window, reported if now < until else 0)

    def ready_at(self, weight: int, now: float) -> float:
        at = max(now, self._blocked_until)
        self._expire(now)
        reported, until = self._reported
        if now < until and reported + weight > self.limit:
            at = max(at, until)
        excess = self._in_window + weight - self.limit
        for when, spent in self._spent:  # the window frees as the oldest spends leave it
            if excess <= 0:
                break
            excess -= spent
            at = max(at, when + 60.0)
        return at

    def spend(self, weight: int, now: float) -> None:
        self._spent.append((now, weight))
        self._in_window += weight

    def observe(self, used: int, now: float) -> None:
        self._reported = (used, now + 60.0)

    def back_off(self, retry_after: float, now: float) -> None:
        self._blocked_until = max(self._blocked_until, now + retry_after)

    def _expire(self, now: float) -> None:
        spent = self._spent
        while spent and spent[0][0] + 60.0 <= now:
            self._in_window -= spent.popleft()[1]

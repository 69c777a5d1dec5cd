"""The REST requests of a Binance market-data client, and the request weight they spend.

"Public Rest API for Binance", "LIMITS": every route has a weight; an IP may spend the
``REQUEST_WEIGHT`` limit a minute (6000 in the "Rate limiters" example, and what
``exchangeInfo``'s ``rateLimits`` says); each response's ``X-MBX-USED-WEIGHT-1M`` header
says what the IP has spent this minute; a 429 (over the limit) or 418 (banned for going on)
comes with ``Retry-After`` seconds to wait.

Used by :mod:`.book_sync` (the depth request of each :class:`~.book_sync.FetchDepth`) and
the Binance session: ``exchangeInfo`` at start, klines for history, and a :class:`RestQueue`
over a :class:`WeightBudget` (shared by every feed on the address) that says when each request may go.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from urllib.parse import quote

import msgspec

from .messages import ExchangeInfo

__all__ = [
    "RestRequest",
    "rest_base",
    "depth_weight",
    "depth_request",
    "exchange_info_request",
    "klines_request",
    "weight_limit",
    "WeightBudget",
    "RestQueue",
    "KLINES_WEIGHT",
    "EXCHANGE_INFO_WEIGHT",
]

#: ``GET /api/v3/depth`` request weight by limit: (largest limit, weight), as documented.
_DEPTH_WEIGHTS = ((100, 5), (500, 25), (1000, 50), (5000, 250))
#: ``GET /api/v3/klines`` and ``GET /api/v3/exchangeInfo`` request weights, as documented.
KLINES_WEIGHT, EXCHANGE_INFO_WEIGHT = 2, 20
#: The ``REQUEST_WEIGHT`` limit a minute when ``exchangeInfo`` says none.
DEFAULT_WEIGHT_LIMIT = 6000
#: Requests in flight at once on an address whose spending is known. Requests that reach the server
#: after it answered a 429 count as not backing off (and that brings the 418 ban): fewer under way at
#: once, fewer arrive late.
MAX_IN_FLIGHT = 4


class RestRequest(msgspec.Struct, frozen=True, gc=False):
    """A GET to make: ``path`` (with its query) after the REST base URL, and its request weight."""

    path: str
    weight: int


def rest_base(url: str) -> str:
    """The REST base the requests' paths follow, from what a user gave: ``https://api.binance.com/api/v3``
    (the base with the API's path, as many clients write it) is ``https://api.binance.com``."""
    base = url.strip().rstrip("/")
    return base[: -len("/api/v3")] if base.endswith("/api/v3") else base


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
        return RestRequest("/api/v3/exchangeInfo", EXCHANGE_INFO_WEIGHT)
    listed = quote(msgspec.json.encode(symbols).decode(), safe=",")
    return RestRequest(f"/api/v3/exchangeInfo?symbols={listed}", EXCHANGE_INFO_WEIGHT)


def klines_request(symbol: str, interval: str, limit: int = 500) -> RestRequest:
    """``GET /api/v3/klines`` (weight 2): the newest ``limit`` bars (at most 1000) of one interval."""
    return RestRequest(f"/api/v3/klines?symbol={quote(symbol)}&interval={interval}&limit={min(limit, 1000)}", KLINES_WEIGHT)


def weight_limit(info: ExchangeInfo, default: int = DEFAULT_WEIGHT_LIMIT) -> int:
    """The request weight an IP may spend a minute, as ``exchangeInfo``'s ``rateLimits`` says
    (a limit over N minutes counts as its share of one); ``default`` if it says nothing."""
    for rule in info.rate_limits:
        if rule.rate_limit_type == "REQUEST_WEIGHT" and rule.interval == "MINUTE" and rule.limit > 0:
            return rule.limit // max(1, rule.interval_num)
    return default


class WeightBudget:
    """The request weight an address spent in the last minute, and when the next request fits.

    Contract:

    - :meth:`ready_at` is the earliest time (``now`` or later) a request of ``weight`` may go
      so that no 60 s window holds more than ``limit`` (a sliding window: every clock minute
      Binance counts lies inside one). :meth:`spend` counts a request that went.
    - :meth:`observe` takes the ``X-MBX-USED-WEIGHT-1M`` of a response: for the next 60 s
      the weight spent is taken to be at least that plus what this budget spent since (other
      programs on the address spend too).
    - :meth:`back_off` takes a 429's or 418's ``Retry-After``: nothing fits before it ends.
    - :attr:`in_flight` counts requests sent and not answered (kept by whoever sends them);
      :meth:`knows_the_address` is True while a response of the last 60 s said what the address
      spent: until then a careful client sends one request at a time, and then at most
      :attr:`max_in_flight` (another program on the address may bring a 429 at any time, and
      every request still under way then arrives as one that did not back off).
    - One budget is meant to be shared by every feed that uses the same address and REST host.
    - ``now`` is a monotonic clock in seconds that never goes back.
    """

    def __init__(self, limit: int = DEFAULT_WEIGHT_LIMIT, max_in_flight: int = MAX_IN_FLIGHT) -> None:
        self.limit = limit
        self.max_in_flight = max_in_flight
        self.in_flight = 0
        self._spent: deque[tuple[float, int]] = deque()  # (when, weight), oldest first
        self._reported = (0, float("-inf"))  # (weight the server reported, when)
        self._blocked_until = float("-inf")

    @property
    def blocked_until(self) -> float:
        """Until when (clock seconds) a 429's or 418's ``Retry-After`` holds every request back."""
        return self._blocked_until

    def knows_the_address(self, now: float) -> bool:
        return now < self._reported[1] + 60.0

    def may_send_another(self, now: float) -> bool:
        """Whether one more request may be under way now (weight aside)."""
        if not self.in_flight:
            return True
        return self.in_flight < self.max_in_flight and self.knows_the_address(now)

    def used(self, now: float) -> int:
        """The weight taken as spent in the 60 s before ``now``."""
        self._expire(now)
        return self._used_at(now)

    def ready_at(self, weight: int, now: float) -> float:
        self._expire(now)
        at = max(now, self._blocked_until)
        # The estimate only falls when a spend leaves the window or the server's report expires.
        moments = sorted({at, self._reported[1] + 60.0, *(when + 60.0 for when, _ in self._spent)})
        for moment in moments:
            if moment >= at and self._used_at(moment) + weight <= self.limit:
                return moment
        return max(moments)

    def spend(self, weight: int, now: float) -> None:
        self._spent.append((now, weight))

    def observe(self, used: int, now: float) -> None:
        self._reported = (used, now)

    def back_off(self, retry_after: float, now: float) -> None:
        self._blocked_until = max(self._blocked_until, now + retry_after)

    def _used_at(self, moment: float) -> int:
        own = sum(weight for when, weight in self._spent if when + 60.0 > moment)
        reported, when_reported = self._reported
        if moment >= when_reported + 60.0:
            return own
        since = sum(weight for when, weight in self._spent if when > when_reported)
        return max(own, reported + since)

    def _expire(self, now: float) -> None:
        spent = self._spent
        while spent and spent[0][0] + 60.0 <= now:
            spent.popleft()


class RestQueue:
    """REST requests waiting for their turn under a shared :class:`WeightBudget`, in order.

    Contract:

    - :meth:`submit` queues an action (whatever the pump is to carry out) of a request weight.
    - :meth:`release` returns the actions whose turn has come, oldest first: each then counts
      as spent and in flight. A request never overtakes an earlier one; while the budget does
      not know what the address spent (no response in the last 60 s), one is in flight at a time,
      and at most the budget's ``max_in_flight`` once it knows.
    - :meth:`answered` is called once for every released action, when it ended: ``status`` the
      HTTP status (None: no response, e.g. a network error) and ``headers`` the response's, names
      in lower case. It reads ``x-mbx-used-weight-1m``; a 429 or 418 holds every request back for
      its ``retry-after`` (60 s without one) and returns what to tell the user; else None.
    - :meth:`next_release` is when :meth:`release` may give something (None: nothing queued, or
      waiting for an answer); :meth:`clear` drops what is queued (what is in flight stays counted),
      :meth:`withdraw` one action still queued.
    """

    def __init__(self, budget: WeightBudget) -> None:
        self.budget = budget
        self._queue: deque[tuple[object, int]] = deque()
        self._now = 0.0

    def __len__(self) -> int:
        return len(self._queue)

    def submit(self, action: object, weight: int) -> None:
        self._queue.append((action, weight))

    def release(self, now: float) -> list[object]:
        self._now = now
        budget, queue, out = self.budget, self._queue, []
        while queue:
            action, weight = queue[0]
            if not budget.may_send_another(now):
                break
            if budget.ready_at(weight, now) > now:
                break
            queue.popleft()
            budget.spend(weight, now)
            budget.in_flight += 1
            out.append(action)
        return out

    def next_release(self) -> float | None:
        if not self._queue:
            return None
        budget, now = self.budget, self._now
        if not budget.may_send_another(now):
            return None  # an answer under way wakes the pump
        return budget.ready_at(self._queue[0][1], now)

    def answered(self, status: int | None, headers: Mapping[str, str], now: float) -> str | None:
        budget = self.budget
        budget.in_flight = max(0, budget.in_flight - 1)
        used = headers.get("x-mbx-used-weight-1m", "")
        if used.isdigit():
            budget.observe(int(used), now)
        if status not in (418, 429):
            return None
        try:
            retry_after = max(0.0, float(headers.get("retry-after", "")))
        except ValueError:
            retry_after = 60.0
        budget.back_off(retry_after, now)
        if status == 418:
            return (
                f"the REST API banned this address for {retry_after:g} s (HTTP 418) for going on after a 429:"
                " no book snapshot, symbol list or history is fetched until the ban ends"
            )
        return f"REST request weight over the limit (HTTP 429): no REST request for {retry_after:g} s"

    def clear(self) -> None:
        self._queue.clear()

    def withdraw(self, action: object) -> bool:
        """Drop ``action`` if it is still queued; False if it was released (or never submitted)."""
        for index, (queued, _weight) in enumerate(self._queue):
            if queued is action:
                del self._queue[index]
                return True
        return False

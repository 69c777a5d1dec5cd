"""A venue's symbol list read over REST before any feed connects (Binance: ``GET /api/v3/exchangeInfo``)."""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Callable

from tradedash.core.venues.binance.rest import RestQueue, WeightBudget
from tradedash.core.venues.registry import venue_of
from tradedash.core.wire import SymbolInfo

from .http import HttpReply, http_get, no_answer_reason

__all__ = ["SymbolListError", "fetch_symbol_list"]


class SymbolListError(Exception):
    """The symbol list could not be read; the message says why, in one line for the user."""


async def fetch_symbol_list(
    venue: str,
    rest_url: str,
    *,
    timeout: float = 10.0,
    budgets: dict[tuple[str, str], object] | None = None,
    clock: Callable[[], float] = time.monotonic,
    token: str = "",
    ca_file: str = "",
) -> list[SymbolInfo]:
    """The symbols venue ``venue`` lists at its REST base ``rest_url``, read in a thread (the event loop
    goes on). Raises :class:`SymbolListError` naming the URL and the reason: no such list for this
    venue or URL, no answer, an HTTP error, or a body that is not the list.

    With ``budgets`` (the feeds' request-weight budgets, see
    :meth:`~tradedash.core.venues.registry.Venue.session`) the read spends the venue's weight from
    its host's budget like a feed's request: it waits its turn, its answer's used weight and a 429's
    or 418's ``Retry-After`` count for every feed, and while such a hold lasts it is not sent at all
    (a request during a ban lengthens it) but fails at once, saying until when.

    ``token`` and ``ca_file`` are the feed's, as its own REST requests send and trust them.
    """
    spec = venue_of(venue)
    url = spec.symbol_list_url(rest_url)
    if url is None:
        raise SymbolListError(f"{spec.label} has no symbol list at {rest_url or 'an empty REST URL'!r}")
    headers = {"Authorization": f"Bearer {token}"} if token else None
    try:
        context = ssl.create_default_context(cafile=ca_file) if ca_file else None
    except (OSError, ssl.SSLError) as exc:
        raise SymbolListError(f"{url}: cannot use the CA file {ca_file}: {exc}") from None
    budget = spec.rest_budget(rest_url, budgets)
    queue = RestQueue(budget) if isinstance(budget, WeightBudget) else None
    if queue is not None:
        await _wait_turn(queue, url, spec.symbol_list_weight, clock)
    try:
        reply = await asyncio.to_thread(http_get, url, timeout, headers=headers, context=context)
    except (OSError, ValueError) as exc:
        _answered(queue, HttpReply(None, {}, b""), clock)
        raise SymbolListError(f"{url}: {no_answer_reason(exc)}") from None
    except asyncio.CancelledError:
        _answered(queue, HttpReply(None, {}, b""), clock)
        raise
    refusal = _answered(queue, reply, clock)
    if reply.failure is not None:
        raise SymbolListError(f"{url}: {refusal or reply.failure}")
    try:
        return spec.parse_symbol_list(reply.body)
    except ValueError as exc:
        raise SymbolListError(f"{url} did not answer with a symbol list: {exc}") from None


async def _wait_turn(queue: RestQueue, url: str, weight: int, clock: Callable[[], float]) -> None:
    """Wait until ``weight`` fits in the budget (then it counts as spent and in flight); a 429's or
    418's hold fails at once instead."""
    held = queue.budget.blocked_until - clock()
    if held > 0:
        raise SymbolListError(
            f"{url}: not asked: the REST API holds every request from this address back for {held:.0f} s more"
            " (HTTP 429 or 418 to a feed); try again then"
        )
    queue.submit(url, weight)
    while not queue.release(clock()):
        release = queue.next_release()  # None: a feed's request under way says what the address spent
        await asyncio.sleep(0.1 if release is None else min(1.0, max(0.01, release - clock())))


def _answered(queue: RestQueue | None, reply: HttpReply, clock: Callable[[], float]) -> str | None:
    return queue.answered(reply.status, reply.headers, clock()) if queue is not None else None

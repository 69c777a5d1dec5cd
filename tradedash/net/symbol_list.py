"""A venue's symbol list read over REST before any feed connects (Binance: ``GET /api/v3/exchangeInfo``)."""

from __future__ import annotations

import asyncio

from tradedash.core.venues.registry import venue_of
from tradedash.core.wire import SymbolInfo

from .http import http_get, no_answer_reason

__all__ = ["SymbolListError", "fetch_symbol_list"]


class SymbolListError(Exception):
    """The symbol list could not be read; the message says why, in one line for the user."""


async def fetch_symbol_list(venue: str, rest_url: str, *, timeout: float = 10.0) -> list[SymbolInfo]:
    """The symbols venue ``venue`` lists at its REST base ``rest_url``, read in a thread (the event loop
    goes on). Raises :class:`SymbolListError` naming the URL and the reason: no such list for this
    venue or URL, no answer, an HTTP error, or a body that is not the list."""
    spec = venue_of(venue)
    url = spec.symbol_list_url(rest_url)
    if url is None:
        raise SymbolListError(f"{spec.label} has no symbol list at {rest_url or 'an empty REST URL'!r}")
    try:
        reply = await asyncio.to_thread(http_get, url, timeout)
    except (OSError, ValueError) as exc:
        raise SymbolListError(f"{url}: {no_answer_reason(exc)}") from None
    if reply.failure is not None:
        raise SymbolListError(f"{url}: {reply.failure}")
    try:
        return spec.parse_symbol_list(reply.body)
    except ValueError as exc:
        raise SymbolListError(f"{url} did not answer with a symbol list: {exc}") from None

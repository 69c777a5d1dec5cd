"""Quick symbol search: which symbols match what the user typed, best first (pure, no Qt)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

__all__ = ["match_score", "search"]

T = TypeVar("T")


def match_score(query: str, text: str) -> int | None:
    """How well ``text`` matches ``query``, ignoring case, dashes, slashes and spaces; lower is better,
    None when it does not match.

    0: ``text`` starts with the query; 1: contains it; 2 + gaps: holds its characters in order
    (a fuzzy match, "btcusd" in "BTC-USD", "bu" in "BTC-USD"), the fewer characters skipped
    between them the better. An empty query matches everything with 0.
    """
    wanted, hay = _plain(query), _plain(text)
    if not wanted:
        return 0
    if hay.startswith(wanted):
        return 0
    if wanted in hay:
        return 1
    gaps, position = 0, -1
    for char in wanted:
        found = hay.find(char, position + 1)
        if found < 0:
            return None
        if position >= 0:
            gaps += found - position - 1
        position = found
    return 2 + gaps


def search(query: str, items: Iterable[T], key=str, limit: int | None = None) -> list[T]:
    """The ``items`` whose ``key(item)`` matches ``query``, best score first, then by key; at most ``limit``."""
    scored = [(score, key(item), index, item) for index, item in enumerate(items) if (score := match_score(query, key(item))) is not None]
    scored.sort(key=lambda entry: entry[:3])
    found = [item for *_, item in scored]
    return found if limit is None else found[:limit]


def _plain(text: str) -> str:
    return "".join(char for char in text.casefold() if char not in "-/_ .")

"""One HTTP GET of a venue's REST API, its answer whatever its status (a blocking call: run it in a thread)."""

from __future__ import annotations

import urllib.error
import urllib.request
from dataclasses import dataclass

__all__ = ["HttpReply", "http_get", "no_answer_reason"]


@dataclass(frozen=True, slots=True)
class HttpReply:
    """What a GET got: the status (None: no response), the headers (names in lower case), the body,
    and why it failed (None for a 2xx answer)."""

    status: int | None
    headers: dict[str, str]
    body: bytes
    failure: str | None = None


def http_get(url: str, timeout: float = 10.0) -> HttpReply:
    """GET ``url``: any HTTP answer, 4xx and 5xx included, as an :class:`HttpReply`. Raises ``OSError``
    when no answer came (network, timeout, TLS) and ``ValueError`` for a URL urllib refuses."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - a venue's https URL
            return HttpReply(response.status, _lower(response.headers), response.read())
    except urllib.error.HTTPError as exc:  # an answer all the same: its headers and body count
        body = exc.read() if exc.fp is not None else b""
        failure = f"HTTP Error {exc.code}: {exc.reason}" + (f": {body[:200].decode(errors='replace')}" if body else "")
        return HttpReply(exc.code, _lower(exc.headers), body, failure)


def _lower(headers: object) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()} if headers is not None else {}  # type: ignore[attr-defined]


def no_answer_reason(exc: BaseException) -> str:
    """Why a GET got no answer, in one line for the user: the OS's words for a network failure
    (``Connection refused``, ``timed out``), not urllib's ``<urlopen error ...>`` wrapper."""
    reason = getattr(exc, "reason", None)  # (a URLError's reason is the OS error itself)
    return getattr(reason, "strerror", None) or getattr(exc, "strerror", None) or str(reason or exc) or type(exc).__name__

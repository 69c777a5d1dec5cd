"""One HTTP GET of a venue's REST API, its answer whatever its status (a blocking call: run it in a thread)."""

from __future__ import annotations

import ssl
import urllib.error
import urllib.request
from collections.abc import Mapping
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


def http_get(
    url: str, timeout: float = 10.0, *, headers: Mapping[str, str] | None = None, context: ssl.SSLContext | None = None,
) -> HttpReply:
    """GET ``url`` with ``headers`` (a feed's ``Authorization``), trusting what ``context`` trusts for
    https (a feed's CA file; None: the system's): any HTTP answer, 4xx and 5xx included, as an
    :class:`HttpReply`. Raises ``OSError`` when no answer came (network, timeout, TLS) and
    ``ValueError`` for a URL urllib refuses."""
    request = urllib.request.Request(url, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:  # noqa: S310 - a venue's https URL
            return HttpReply(response.status, _lower(response.headers), response.read())
    except urllib.error.HTTPError as exc:  # an answer all the same: its headers and body count
        body = exc.read() if exc.fp is not None else b""
        return HttpReply(exc.code, _lower(exc.headers), body, _failure(exc.code, exc.reason, body))


def _failure(status: int, reason: str, body: bytes) -> str:
    """One line: the status, then the start of the body (a venue's JSON error, or the lines of an HTML
    page or of another server's text run together)."""
    text = " ".join(body[:400].decode(errors="replace").split())
    if len(text) > 200:
        text = text[:199] + "…"
    return f"HTTP Error {status}: {reason}" + (f": {text}" if text else "")


def _lower(headers: object) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()} if headers is not None else {}  # type: ignore[attr-defined]


def no_answer_reason(exc: BaseException) -> str:
    """Why a GET got no answer, in one line for the user: the OS's words for a network failure
    (``Connection refused``, ``timed out``), not urllib's ``<urlopen error ...>`` wrapper; a TLS
    handshake that failed for another reason than the certificate asks whether the server speaks TLS."""
    reason = getattr(exc, "reason", None)  # (a URLError's reason is the OS error itself)
    said = getattr(reason, "strerror", None) or getattr(exc, "strerror", None) or str(reason or exc) or type(exc).__name__
    if isinstance(reason or exc, ssl.SSLError) and not isinstance(reason or exc, ssl.SSLCertVerificationError):
        said += " (an https:// URL: does the server speak TLS?)"  # a plain HTTP server's answer breaks the handshake
    return said

"""Which browser pages may connect: the ``Origin`` header policy of the handshake. Pure.

Clients that send no ``Origin`` (not browsers) and local pages (``localhost``,
``127.0.0.1``, ``[::1]`` on any port, and ``null``: a page opened from a file) are
always accepted; other origins only if allowed (``*`` allows every origin).
"""

from __future__ import annotations

from urllib.parse import urlsplit

__all__ = ["OriginPolicy", "normalise_origin"]

_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_origin(text: str) -> str:
    """The comparable form of an origin: ``scheme://host[:port]`` lower case, default port and trailing
    slash dropped, local hosts written ``localhost``; ``null`` and ``*`` stay as they are.

    Raises ValueError for anything else (a path, no scheme, no host).
    """
    text = text.strip()
    if text.lower() in ("null", "*"):
        return text.lower()
    parts = urlsplit(text.rstrip("/"))
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname or parts.path or parts.query or parts.fragment:
        raise ValueError(f"origin {text!r}: expected scheme://host[:port] (http or https), 'null' or '*'")
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"origin {text!r}: the port is not a number from 0 to 65535") from None
    scheme, host = parts.scheme.lower(), parts.hostname.lower()
    if host in _LOCAL_HOSTS:
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}" + ("" if port in (None, _DEFAULT_PORTS[scheme]) else f":{port}")


class OriginPolicy:
    """Decides whether a handshake's ``Origin`` may connect.

    Contract: ``allows(None)`` (no header) and ``allows`` of a local page or ``null``
    are True; any other origin is allowed only if it equals, once normalised, one of
    ``allowed`` (also normalised, so ``https://a.example/`` allows ``https://A.example``),
    or ``allowed`` holds ``*``. The constructor raises ValueError for an entry that is
    not an origin.
    """

    def __init__(self, allowed: list[str] | None = None) -> None:
        self.allowed = frozenset(normalise_origin(origin) for origin in allowed or ())

    def allows(self, origin: str | None) -> bool:
        if origin is None or "*" in self.allowed:
            return True
        try:
            key = normalise_origin(origin)
        except ValueError:
            return False
        return key == "null" or urlsplit(key).hostname == "localhost" or key in self.allowed

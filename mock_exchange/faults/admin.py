"""The admin op: faults at run time, for whoever holds the admin token.

``{"op": "admin", "id": 1, "token": "...", "fault": "drop_all", "args": {...}}``
(:class:`tradedash.core.wire.AdminRequest`) applies one fault of
:class:`~mock_exchange.faults.injector.FaultInjector` and is acked at once (the fault
runs right after the ack). Faults that act on connections spare the connection that
asked, unless ``"target": "self"`` aims them at it alone.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Coroutine, Iterable
from typing import Any

import msgspec
from websockets.asyncio.server import ServerConnection

from tradedash.core import wire

from .injector import FaultInjector, check_fault_args

__all__ = ["CONNECTION_FAULTS", "check_admin", "admin_fault"]

log = logging.getLogger("mock_exchange")

#: Faults that act on connections, and the keyword each takes for "the connection that asked".
CONNECTION_FAULTS: dict[str, str] = {
    "drop_all": "",
    "drop_one": "connection",
    "half_open": "connections",
    "send_malformed": "connections",
    "send_unknown_type": "connections",
    "send_oversized": "connections",
    "shutdown": "",
}


def check_admin(request: wire.AdminRequest, admin_token: str | None, symbols: Iterable[str]) -> wire.Error | None:
    """The error to answer ``request`` with, or None when its token and fault arguments are good.

    - ``forbidden``: the exchange has no admin token, or the request's does not match it
      (compared in constant time);
    - ``bad_request``: an unknown fault, or arguments it does not take;
    - ``unknown_symbol``: ``args.symbol`` is not listed.
    """
    if admin_token is None:
        return wire.Error(request.id, "forbidden", "the admin op is disabled: start the exchange with --admin-token")
    if not hmac.compare_digest(request.token.encode(), admin_token.encode()):
        return wire.Error(request.id, "forbidden", "wrong admin token")
    try:
        check_fault_args(request.fault, request.args)
    except ValueError as exc:
        return wire.Error(request.id, "bad_request", str(exc))
    symbol = request.args.get("symbol")
    listed = list(symbols)
    if symbol is not None and symbol not in listed:
        return wire.Error(request.id, "unknown_symbol", f"unknown symbol {_json(symbol)}; listed: {_json(listed)}")
    return None


def admin_fault(injector: FaultInjector, connection: ServerConnection, request: wire.AdminRequest) -> Coroutine[Any, Any, Any]:
    """The coroutine that applies a checked admin request's fault, aimed as its ``target`` says."""
    kwargs = dict(request.args)
    if request.fault in CONNECTION_FAULTS:
        keyword = CONNECTION_FAULTS[request.fault]
        if request.target == "self" and keyword:
            kwargs[keyword] = connection if keyword == "connection" else [connection]
        elif request.target == "others":
            kwargs["spare"] = [connection]
    log.warning("admin op from %s: %s %s", connection.remote_address, request.fault, request.args)
    return getattr(injector, request.fault)(**kwargs)  # type: ignore[no-any-return]


def _json(value: object) -> str:
    return msgspec.json.encode(value).decode()

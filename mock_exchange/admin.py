"""The admin control op: faults at run time, for whoever holds the admin token.

``{"op": "admin", "id": 1, "token": "...", "fault": "drop_all", "args": {...}}``
applies one fault of :class:`~mock_exchange.faults.FaultInjector` and is acked at
once (the fault runs right after the ack). Faults that act on connections spare the
connection that asked, unless ``"target": "self"`` aims them at it alone.
"""

from __future__ import annotations

import hmac
import logging
from typing import TYPE_CHECKING, Any, Literal

import msgspec
from websockets.asyncio.server import ServerConnection

from tradedash.core import wire

from .faults import check_fault_args

if TYPE_CHECKING:
    from .server import ExchangeServer

__all__ = ["AdminRequest", "apply_admin", "CONNECTION_FAULTS"]

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


class AdminRequest(msgspec.Struct, tag_field="op", tag="admin", forbid_unknown_fields=True):
    """Apply one fault now; needs the admin token the exchange was started with."""

    id: int
    token: str
    fault: str
    args: dict[str, Any] = {}
    target: Literal["others", "self"] = "others"


def apply_admin(server: ExchangeServer, connection: ServerConnection, request: AdminRequest) -> wire.Ack | wire.Error:
    """Check the token and the fault, start the fault, and return the reply to send first."""
    admin_token = server.config.admin_token
    if admin_token is None:
        return wire.Error(request.id, "forbidden", "the admin op is disabled: start the exchange with --admin-token")
    if not hmac.compare_digest(request.token.encode(), admin_token.encode()):
        log.warning("admin op with a wrong token from %s", connection.remote_address)
        return wire.Error(request.id, "forbidden", "wrong admin token")
    try:
        check_fault_args(request.fault, request.args)
    except ValueError as exc:
        return wire.Error(request.id, "bad_request", str(exc))
    symbol = request.args.get("symbol")
    if symbol is not None and symbol not in server.symbols:
        return wire.Error(request.id, "unknown_symbol", f"unknown symbol {symbol!r}; listed: {server.symbols}")
    kwargs = dict(request.args)
    if request.fault in CONNECTION_FAULTS:
        keyword = CONNECTION_FAULTS[request.fault]
        if request.target == "self" and keyword:
            kwargs[keyword] = connection if keyword == "connection" else [connection]
        elif request.target == "others":
            kwargs["spare"] = [connection]
    coroutine = getattr(server.faults, request.fault)(**kwargs)
    log.warning("admin op from %s: %s %s", connection.remote_address, request.fault, request.args)
    server.spawn_fault(coroutine, request.fault)
    return wire.Ack(request.id, "admin")

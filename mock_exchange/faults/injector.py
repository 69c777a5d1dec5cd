"""Fault injection: the mock exchange misbehaving on command.

:class:`FaultInjector` is reachable as ``ExchangeServer.faults``. Every method is a
coroutine that applies one fault, logs it at WARNING on the ``mock_exchange.faults``
logger and appends it to :attr:`FaultInjector.history`. Faults that act on
connections take ``connections``: ``None`` means every open connection (less the
ones in ``spare``, which the admin op uses so that the connection asking is not hit).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any, Protocol

import msgspec
from websockets.asyncio.server import ServerConnection, broadcast


__all__ = ["FaultTarget", "FaultInjector", "FaultRecord", "FAULTS", "OVERSIZED_DEFAULT", "check_fault_args"]

log = logging.getLogger("mock_exchange.faults")

#: Size of the frame ``send_oversized`` sends unless told otherwise: 2 MiB, above
#: websockets' default 1 MiB ``max_size``.
OVERSIZED_DEFAULT = 2 * 1024 * 1024

#: Arguments that name server-side objects: Python callers only.
_PYTHON_ONLY_ARGS = frozenset({"connection", "connections", "spare"})


@dataclass(frozen=True)
class _Arg:
    """One argument a fault takes from text or JSON: its kind and its range (both ends included)."""

    kind: str  # "number" (int or float), "integer" or "text"
    low: float = 0.0
    high: float = 0.0
    #: Whether null (None) is accepted: the fault's default meaning (every symbol, no end).
    nullable: bool = False

    def check(self, fault: str, name: str, value: Any) -> None:
        if value is None and self.nullable:
            return
        if self.kind == "text":
            if not isinstance(value, str) or not 0 < len(value.encode()) <= self.high:
                raise ValueError(f"{fault}: {name} must be text of 1 to {_bound(self.high)} bytes, got {_json(value)}")
            return
        kinds = (int,) if self.kind == "integer" else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds) or not self.low <= value <= self.high:
            what = "a whole number" if self.kind == "integer" else "a number"
            raise ValueError(f"{fault}: {name} must be {what} from {_bound(self.low)} to {_bound(self.high)}, got {_json(value)}")


_HOUR = 3600.0
#: What each fault accepts from the CLI schedule and the admin op (``symbol`` is also checked against the listing).
FAULT_ARGS: dict[str, dict[str, _Arg]] = {
    "drop_all": {},
    "drop_one": {},
    "half_open": {},
    "skip_book_seq": {"symbol": _Arg("text", high=64, nullable=True), "count": _Arg("integer", 1, 1_000_000)},
    "send_malformed": {},
    "send_unknown_type": {},
    "send_oversized": {"size": _Arg("integer", 1, 64 * 1024 * 1024)},
    "delay": {"seconds": _Arg("number", 0, 60), "duration": _Arg("number", 0.001, _HOUR, nullable=True)},
    # A close reason fits in 123 bytes.
    "shutdown": {"reason": _Arg("text", high=123), "grace": _Arg("number", 0, 60)},
    "refuse": {"seconds": _Arg("number", 0, _HOUR)},
    "restart": {"down_seconds": _Arg("number", 0, _HOUR)},
}
#: The faults by name, as the CLI schedule and the admin op spell them.
FAULTS: tuple[str, ...] = tuple(FAULT_ARGS)
#: Arguments without a default.
_REQUIRED = {"delay": {"seconds"}, "refuse": {"seconds"}}


def check_fault_args(name: str, args: dict[str, Any]) -> None:
    """Raise ValueError unless ``name`` is a fault and ``args`` fit it: known names, types and ranges.

    This is the check for arguments given as text (the CLI schedule) or JSON (the admin op).
    """
    if name not in FAULTS:
        raise ValueError(f"unknown fault {_json(name)}; known: {', '.join(FAULTS)}")
    if _PYTHON_ONLY_ARGS & args.keys():
        raise ValueError(f"{name}: {_json(sorted(_PYTHON_ONLY_ARGS & args.keys()))} can only be given from Python")
    accepted = FAULT_ARGS[name]
    unknown = sorted(args.keys() - accepted.keys())
    if unknown:
        raise ValueError(f"{name}: unknown arguments {_json(unknown)}; it takes {_json(sorted(accepted)) if accepted else 'none'}")
    missing = sorted(_REQUIRED.get(name, set()) - args.keys())
    if missing:
        raise ValueError(f"{name}: missing arguments {_json(missing)}")
    for key, value in args.items():
        accepted[key].check(name, key, value)


def _bound(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _json(value: Any) -> str:
    try:
        return msgspec.json.encode(value).decode()
    except (TypeError, msgspec.EncodeError):
        return repr(value)


class FaultTarget(Protocol):
    """What the injector needs of the server it breaks (the exchange server satisfies it)."""

    @property
    def connections(self) -> list[ServerConnection]:
        """Open connections, oldest first."""
        ...

    @property
    def symbols(self) -> list[str]: ...

    def forget_subscriptions(self, connection: ServerConnection) -> None:
        """Stop sending market data to ``connection`` (it stays open)."""

    async def pause_listening(self, seconds: float, close_code: int | None = None) -> None:
        """Stop listening for ``seconds``; with ``close_code`` close every connection with it too."""

    def announce_shutdown(self, connections: list[ServerConnection], reason: str) -> None:
        """Tell each of ``connections``, in its dialect, that the server shuts down."""


@dataclass(frozen=True)
class FaultRecord:
    """One applied fault: its name, its arguments and the wall-clock time (ns)."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)
    ts: int = 0


class _BlackholeTransport:
    """A transport wrapper that swallows writes and never resumes reading: a half-open link.

    Everything else (abort, close, extra info) goes to the real transport, so the
    server can still tear the socket down.
    """

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport

    def write(self, data: bytes) -> None:
        pass

    def writelines(self, data: Any) -> None:
        pass

    def write_eof(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class FaultInjector:
    """Python API of the exchange's faults; each call applies one fault at once and logs it.

    It acts on the server only through :class:`FaultTarget`.

    Contract: after ``await drop_all()`` every targeted connection's TCP socket is
    aborted without a close frame (clients see 1006); ``drop_one`` does that to one
    connection (the oldest, unless given); ``half_open`` stops all sending and ping
    answering on the targeted connections but keeps their sockets open;
    ``skip_book_seq`` withholds the next ``count`` book updates of a symbol (every
    symbol if None) from every subscriber, so their next update's ``prev_seq`` (Binance:
    ``U``) shows a gap; ``send_malformed``, ``send_unknown_type`` and ``send_oversized`` send one
    bad frame; ``delay`` holds every market frame back by ``seconds`` (0 ends it,
    ``duration`` ends it by itself); ``shutdown`` sends a ``shutdown`` message (Binance:
    ``serverShutdown``) and closes with 1001 after ``grace`` seconds; ``refuse`` closes the listening socket
    for ``seconds`` (new connections are refused by the OS), open connections stay;
    ``restart`` closes every connection with 1012 and the listening socket, then
    listens again on the same port after ``down_seconds``.
    """

    def __init__(self, server: FaultTarget) -> None:
        self._server = server
        self.history: list[FaultRecord] = []
        #: Book updates still to withhold, by symbol (protocol v1, and the Binance dialect's diff depth).
        self.book_skips: dict[str, int] = {}
        self.depth_skips: dict[str, int] = {}
        #: Seconds every market frame is currently held back (0: no delay).
        self.delay_seconds = 0.0
        self._delay_ends: asyncio.TimerHandle | None = None
        self._half_open: set[ServerConnection] = set()

    # --- Helpers --------------------------------------------------------------------

    def _record(self, name: str, **args: Any) -> None:
        self.history.append(FaultRecord(name, args, time.time_ns()))
        log.warning("fault %s %s", name, " ".join(f"{k}={v}" for k, v in args.items()))

    def _targets(
        self, connections: Collection[ServerConnection] | None, spare: Collection[ServerConnection] = ()
    ) -> list[ServerConnection]:
        chosen = self._server.connections if connections is None else list(connections)
        return [c for c in chosen if c not in spare]

    # --- Connections ----------------------------------------------------------------

    async def drop_all(self, *, spare: Collection[ServerConnection] = ()) -> int:
        """Abort every connection's socket (no close frame). Returns how many were dropped."""
        targets = self._targets(None, spare)
        self._record("drop_all", connections=len(targets))
        for connection in targets:
            connection.transport.abort()
        return len(targets)

    async def drop_one(
        self, connection: ServerConnection | None = None, *, spare: Collection[ServerConnection] = ()
    ) -> bool:
        """Abort one connection's socket: ``connection``, or the oldest one. False if there was none."""
        targets = self._targets(None if connection is None else [connection], spare)
        if not targets:
            self._record("drop_one", connections=0)
            return False
        self._record("drop_one", peer=_peer(targets[0]))
        targets[0].transport.abort()
        return True

    async def half_open(
        self, connections: Collection[ServerConnection] | None = None, *, spare: Collection[ServerConnection] = ()
    ) -> int:
        """Make links half-open: nothing more is sent or read (so pings go unanswered), the socket stays."""
        targets = self._targets(connections, spare)
        self._record("half_open", connections=len(targets))
        for connection in targets:
            self._server.forget_subscriptions(connection)
            connection.transport.pause_reading()
            connection.transport = _BlackholeTransport(connection.transport)  # type: ignore[assignment]
            self._half_open.add(connection)
        return len(targets)

    # --- Messages -------------------------------------------------------------------

    async def skip_book_seq(self, symbol: str | None = None, count: int = 1) -> None:
        """Withhold the next ``count`` book updates of ``symbol`` (every symbol if None) from everyone."""
        if symbol is not None and symbol not in self._server.symbols:
            raise ValueError(f"unknown symbol {symbol!r}")
        self._record("skip_book_seq", symbol=symbol or "*", count=count)
        for key in self._server.symbols if symbol is None else [symbol]:
            self.book_skips[key] = self.book_skips.get(key, 0) + count
            self.depth_skips[key] = self.depth_skips.get(key, 0) + count

    def take_book_skip(self, symbol: str) -> bool:
        """True if the next book update of ``symbol`` must be withheld (and counts it)."""
        if self.book_skips.get(symbol):
            self.book_skips[symbol] -= 1
            return True
        return False

    def take_depth_skip(self, symbol: str) -> bool:
        """True if the next Binance diff-depth update of ``symbol`` must be withheld (and counts it)."""
        if self.depth_skips.get(symbol):
            self.depth_skips[symbol] -= 1
            return True
        return False

    async def send_malformed(
        self, connections: Collection[ServerConnection] | None = None, *, spare: Collection[ServerConnection] = ()
    ) -> int:
        """Send a text frame that is not valid JSON."""
        targets = self._targets(connections, spare)
        self._record("send_malformed", connections=len(targets))
        broadcast(targets, b'{"type": "ticker", "symbol": "BTC-USD", "seq": ', text=True)
        return len(targets)

    async def send_unknown_type(
        self, connections: Collection[ServerConnection] | None = None, *, spare: Collection[ServerConnection] = ()
    ) -> int:
        """Send a well-formed JSON message whose ``type`` no client knows."""
        targets = self._targets(connections, spare)
        self._record("send_unknown_type", connections=len(targets))
        frame = msgspec.json.encode({"type": "gossip", "ts": time.time_ns(), "text": "this type is not in protocol v1"})
        broadcast(targets, frame, text=True)
        return len(targets)

    async def send_oversized(
        self,
        size: int = OVERSIZED_DEFAULT,
        connections: Collection[ServerConnection] | None = None,
        *,
        spare: Collection[ServerConnection] = (),
    ) -> int:
        """Send one JSON text frame of ``size`` bytes (a ``trades`` message padded with a long field)."""
        targets = self._targets(connections, spare)
        self._record("send_oversized", size=size, connections=len(targets))
        head = b'{"type": "trades", "padding": "'
        tail = b'"}'
        frame = head + b"x" * max(0, size - len(head) - len(tail)) + tail
        broadcast(targets, frame, text=True)
        return len(targets)

    async def delay(self, seconds: float, duration: float | None = None) -> None:
        """Hold every market frame back by ``seconds`` (order kept); 0 ends the delay.

        With ``duration`` the delay ends by itself after that many seconds.
        """
        if seconds < 0:
            raise ValueError("delay seconds must be >= 0")
        self._record("delay", seconds=seconds, duration=duration)
        self.delay_seconds = seconds
        if self._delay_ends is not None:
            self._delay_ends.cancel()
            self._delay_ends = None
        if duration is not None and seconds > 0:
            self._delay_ends = asyncio.get_running_loop().call_later(duration, self._end_delay)

    def _end_delay(self) -> None:
        self._delay_ends = None
        self.delay_seconds = 0.0
        self._record("delay", seconds=0.0, duration=None)

    # --- Server ---------------------------------------------------------------------

    async def shutdown(
        self, reason: str = "maintenance", grace: float = 0.1, *, spare: Collection[ServerConnection] = ()
    ) -> int:
        """Announce a shutdown to every connection, wait ``grace`` seconds, close them with 1001."""
        targets = self._targets(None, spare)
        self._record("shutdown", reason=reason, grace=grace, connections=len(targets))
        self._server.announce_shutdown(targets, reason)
        await asyncio.sleep(grace)
        await asyncio.gather(*(c.close(1001, reason) for c in targets), return_exceptions=True)
        return len(targets)

    async def refuse(self, seconds: float) -> None:
        """Stop listening for ``seconds`` (connection refused), then listen again on the same port."""
        self._record("refuse", seconds=seconds)
        await self._server.pause_listening(seconds)

    async def restart(self, down_seconds: float = 0.0) -> None:
        """Close every connection with 1012 (service restart) and stop listening for ``down_seconds``."""
        self._record("restart", down_seconds=down_seconds)
        await self._server.pause_listening(down_seconds, close_code=1012)

    def forget(self, connection: ServerConnection) -> None:
        """The connection is gone: stop tracking it."""
        self._half_open.discard(connection)

    def cancel(self) -> None:
        """Forget timers and abort half-open sockets (called when the server stops)."""
        if self._delay_ends is not None:
            self._delay_ends.cancel()
            self._delay_ends = None
        for connection in self._half_open:
            connection.transport.abort()
        self._half_open.clear()


def _peer(connection: ServerConnection) -> str:
    address = connection.remote_address
    return f"{address[0]}:{address[1]}" if address else "?"

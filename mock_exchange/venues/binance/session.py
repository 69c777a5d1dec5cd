"""One Binance stream connection's subscriptions and the answer to each control message. Pure.

"WebSocket Streams for Binance", "Live Subscribing/Unsubscribing to streams": a connection
sends ``SUBSCRIBE`` / ``UNSUBSCRIBE`` (stream names in ``params``), ``LIST_SUBSCRIPTIONS``,
``SET_PROPERTY ["combined", <bool>]`` and ``GET_PROPERTY ["combined"]``, each with an ``id``;
every message gets one reply, ``{"result", "id"}`` or ``{"error": {"code", "msg"}, "id"}``
with the codes of the page's "Error Messages" table:

- 0 ``Unknown property``; 1 ``Invalid value type: expected Boolean``;
- 2 ``Invalid request: ...`` (a missing or unknown method, a bad id, too many parameters,
  a property name that is not a string, an invalid stream name, more than the streams a
  connection may hold);
- 3 ``Invalid JSON: ...``.

A stream of a symbol the mock does not list is accepted and carries nothing (as on Binance).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec

from tradedash.core.venues.binance.messages import ErrorBody, ErrorReply, Reply

from .streams import Stream, SymbolNames, parse_stream

__all__ = ["MAX_STREAMS", "StreamAnswer", "StreamSession"]

#: Streams one connection may listen to ("WebSocket Limits").
MAX_STREAMS = 1024
_METHODS = ("SUBSCRIBE", "UNSUBSCRIBE", "LIST_SUBSCRIPTIONS", "SET_PROPERTY", "GET_PROPERTY")
_MAX_ID_TEXT = 36


@dataclass
class StreamAnswer:
    """The reply to send, then the streams to stop and to start sending to the connection."""

    reply: Reply | ErrorReply
    joined: list[Stream] = field(default_factory=list)
    left: list[Stream] = field(default_factory=list)


class _Refused(Exception):
    def __init__(self, code: int, msg: str) -> None:
        self.body = ErrorBody(code, msg)


class StreamSession:
    """A connection's streams (in the order subscribed) and its ``combined`` property.

    Contract: :meth:`receive` answers one text frame with exactly one reply; a refused
    message changes nothing. Subscribing to a stream held already, or unsubscribing one not
    held, is no error and changes nothing. A connection opened at ``/stream?streams=`` starts
    with ``combined`` true, one opened at ``/ws`` with it false: it says whether events go out in
    the ``{"stream", "data"}`` envelope.
    """

    def __init__(self, names: SymbolNames, *, combined: bool, max_streams: int = MAX_STREAMS) -> None:
        self._names = names
        self.combined = combined
        self.max_streams = max_streams
        self.streams: dict[str, Stream] = {}

    def open_with(self, names: list[str]) -> list[Stream] | str:
        """Start with the streams of the URL; returns them, or why the URL is refused."""
        streams = []
        for name in names:
            stream = parse_stream(name, self._names)
            if stream is None:
                return f"invalid stream {name!r}"
            streams.append(stream)
        if len({s.name for s in streams}) > self.max_streams:
            return f"more than {self.max_streams} streams"
        for stream in streams:
            self.streams.setdefault(stream.name, stream)
        return list(self.streams.values())

    def receive(self, frame: str | bytes) -> StreamAnswer:
        request_id: Any = None
        try:
            try:
                message = msgspec.json.decode(frame)
            except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as exc:
                raise _Refused(3, f"Invalid JSON: {exc}") from None
            if not isinstance(message, dict):
                raise _Refused(3, "Invalid JSON: expected an object")
            request_id = message.get("id")
            if not _valid_id(request_id):
                request_id = None
                raise _Refused(2, "Invalid request: request ID must be an unsigned integer")
            method = message.get("method")
            if method is None:
                raise _Refused(2, "Invalid request: missing field `method`")
            if method not in _METHODS:
                expected = ", ".join(f"`{m}`" for m in _METHODS)
                raise _Refused(2, f"Invalid request: unknown variant `{method}`, expected one of {expected}")
            params = message.get("params")
            if params is not None and not isinstance(params, list):
                raise _Refused(2, "Invalid request: params must be a list")
            return self._carry_out(method, params or [], request_id)
        except _Refused as refused:
            return StreamAnswer(ErrorReply(refused.body, request_id))

    def _carry_out(self, method: str, params: list[Any], request_id: Any) -> StreamAnswer:
        if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
            streams = []
            for name in params:
                stream = parse_stream(name, self._names) if isinstance(name, str) else None
                if stream is None:
                    raise _Refused(2, "Invalid request: invalid stream")
                streams.append(stream)
            if method == "UNSUBSCRIBE":
                left = [self.streams.pop(s.name) for s in streams if s.name in self.streams]
                return StreamAnswer(Reply(None, request_id), left=left)
            new = {s.name: s for s in streams if s.name not in self.streams}
            if len(self.streams) + len(new) > self.max_streams:
                raise _Refused(2, f"Invalid request: too many streams: a connection holds at most {self.max_streams}")
            self.streams.update(new)
            return StreamAnswer(Reply(None, request_id), joined=list(new.values()))
        if method == "LIST_SUBSCRIPTIONS":
            if params:
                raise _Refused(2, "Invalid request: too many parameters")
            return StreamAnswer(Reply(list(self.streams), request_id))
        return self._property(method, params, request_id)

    def _property(self, method: str, params: list[Any], request_id: Any) -> StreamAnswer:
        wanted = 2 if method == "SET_PROPERTY" else 1
        if len(params) > wanted:
            raise _Refused(2, "Invalid request: too many parameters")
        if not params or not isinstance(params[0], str):
            raise _Refused(2, "Invalid request: property name must be a string")
        if params[0] != "combined":
            raise _Refused(0, "Unknown property")
        if method == "GET_PROPERTY":
            return StreamAnswer(Reply(self.combined, request_id))
        if len(params) < 2 or not isinstance(params[1], bool):
            raise _Refused(1, "Invalid value type: expected Boolean")
        self.combined = params[1]
        return StreamAnswer(Reply(None, request_id))

    def clear(self) -> list[Stream]:
        """Forget every stream (the connection is closing or half-open); returns them."""
        streams, self.streams = list(self.streams.values()), {}
        return streams


def _valid_id(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return 0 <= value < 2**63
    return isinstance(value, str) and 0 < len(value) <= _MAX_ID_TEXT

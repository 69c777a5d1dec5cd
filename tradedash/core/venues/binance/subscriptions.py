"""Which connection carries which Binance stream, and the control frames that get them there.

Binance's limits for a stream connection ("WebSocket Streams for Binance", "WebSocket
Limits"): at most 1024 streams, and at most 5 incoming messages a second, where PING and
PONG frames count as well as ``SUBSCRIBE`` / ``UNSUBSCRIBE`` / ``LIST_SUBSCRIPTIONS``; a
connection over the limit is disconnected. :class:`StreamPlanner` keeps within them:

- streams go to the first connection with room; beyond 1024, a new connection is planned;
- a connection is opened with up to ``url_streams`` of its streams in its combined-stream
  URL (no message needed), and the rest go as ``SUBSCRIBE`` frames of up to
  ``streams_per_frame`` stream names each (our choice: Binance documents no limit, and a
  frame of 1024 names is 20 KB);
- frames wait in a queue per connection, released by :meth:`StreamPlanner.due` at most
  ``messages_per_second`` in any one second. The default is 4, not 5, so that the PONG the
  WebSocket library sends to the server's PING (every 20 s) always fits; the pump should
  send no PINGs of its own on a Binance connection (the server's keep it alive).

Used by the Binance session to come: subscriptions (through :func:`.streams.streams_of`)
and clock readings in; connections to open or close and frames to send out; replies matched
to their requests with :meth:`StreamPlanner.answer`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

import msgspec

from .messages import StreamRequest, encode_request

__all__ = ["PlannedFrame", "Plan", "StreamPlanner"]


class PlannedFrame(msgspec.Struct, frozen=True, gc=False):
    """One control frame for ``connection``; ``at`` is the earliest time (clock seconds) it can go
    out, if every frame queued before it goes out when due."""

    connection: int
    at: float
    request: StreamRequest

    def frame(self) -> bytes:
        """The JSON text to send."""
        return encode_request(self.request)


class Plan(msgspec.Struct, gc=False):
    """What a change needs: connections to open (connect each to the combined-stream URL of
    :meth:`StreamPlanner.url_streams`, then call :meth:`StreamPlanner.connected`), connections
    to close (they carry nothing any more), and the frames queued, with their earliest times."""

    opens: list[int] = msgspec.field(default_factory=list)
    closes: list[int] = msgspec.field(default_factory=list)
    frames: list[PlannedFrame] = msgspec.field(default_factory=list)


class _Connection:
    __slots__ = ("streams", "live", "sent", "queue")

    def __init__(self, rate: int) -> None:
        self.streams: dict[str, None] = {}  # an ordered set
        self.live = False
        self.sent: deque[float] = deque(maxlen=rate)  # when the last frames went out
        self.queue: deque[PlannedFrame] = deque()


class StreamPlanner:
    """The streams of every connection, and the frames between what is wanted and what is there.

    Contract:

    - :meth:`subscribe` and :meth:`unsubscribe` change what is wanted and return a
      :class:`Plan`. A stream is carried by one connection at most (subscribing twice does
      nothing), no connection carries more than ``max_streams``, and a connection left with
      none is closed. Frames are planned only for live connections: one not yet connected
      gets every stream it should carry when :meth:`connected` is called.
    - :meth:`connected` (the socket is open, with the URL's streams) queues the frames that
      bring the connection to what is wanted; :meth:`disconnected` forgets its queue and its
      unanswered requests (the 24 h cut, a drop: connect again with :meth:`url_streams`).
    - :meth:`due` releases queued frames, never more than ``messages_per_second`` per
      connection in any one second (as measured by the ``now`` it is given); :meth:`next_due`
      says when to call it again. Request ids are unique, counting from 1.
    - :meth:`answer` matches a reply's id to the request it answers, once.
    """

    def __init__(
        self,
        *,
        max_streams: int = 1024,
        messages_per_second: int = 4,
        streams_per_frame: int = 200,
        url_streams: int = 100,
    ) -> None:
        self.max_streams = max_streams
        self.messages_per_second = messages_per_second
        self.streams_per_frame = streams_per_frame
        self.url_limit = url_streams
        self.connections: dict[int, _Connection] = {}
        self._where: dict[str, int] = {}  # stream -> connection
        self._ids = 0
        self._next_index = 0  # connections are numbered from 0, a number never used twice
        self._unanswered: dict[int, PlannedFrame] = {}

    # --- What is wanted ---------------------------------------------------------------

    def streams(self, connection: int) -> list[str]:
        """Every stream ``connection`` carries (or will carry once connected), in order of subscription."""
        return list(self.connections[connection].streams)

    def url_streams(self, connection: int) -> list[str]:
        """The streams to name in ``connection``'s combined-stream URL when (re)connecting it."""
        return self.streams(connection)[: self.url_limit]

    def subscribe(self, streams: Iterable[str], now: float) -> Plan:
        plan = Plan()
        added: dict[int, list[str]] = {}
        for stream in dict.fromkeys(streams):
            if stream in self._where:
                continue
            index = self._room()
            if index not in self.connections:
                self.connections[index] = _Connection(self.messages_per_second)
                plan.opens.append(index)
            self.connections[index].streams[stream] = None
            self._where[stream] = index
            added.setdefault(index, []).append(stream)
        for index, names in added.items():
            if self.connections[index].live:
                plan.frames += self._queue(index, "SUBSCRIBE", names, now)
        return plan

    def unsubscribe(self, streams: Iterable[str], now: float) -> Plan:
        plan = Plan()
        removed: dict[int, list[str]] = {}
        for stream in dict.fromkeys(streams):
            index = self._where.pop(stream, None)
            if index is not None:
                del self.connections[index].streams[stream]
                removed.setdefault(index, []).append(stream)
        for index, names in removed.items():
            connection = self.connections[index]
            if not connection.streams:
                self._forget(index)
                del self.connections[index]
                plan.closes.append(index)
            elif connection.live:
                plan.frames += self._queue(index, "UNSUBSCRIBE", names, now)
        return plan

    def list_subscriptions(self, connection: int, now: float) -> Plan:
        """Queue a ``LIST_SUBSCRIPTIONS`` for a live connection (the reply names what it carries)."""
        if not self.connections[connection].live:
            return Plan()
        return Plan(frames=self._queue(connection, "LIST_SUBSCRIPTIONS", [], now))

    # --- The connections --------------------------------------------------------------

    def connected(self, connection: int, url_streams: Iterable[str], now: float) -> Plan:
        """``connection`` is open with ``url_streams`` in its URL: queue what brings it to what is wanted."""
        state = self.connections[connection]
        self._forget(connection)
        state.live = True
        state.sent.clear()
        in_url = dict.fromkeys(url_streams)
        plan = Plan()
        missing = [s for s in state.streams if s not in in_url]
        unwanted = [s for s in in_url if s not in state.streams]
        if missing:
            plan.frames += self._queue(connection, "SUBSCRIBE", missing, now)
        if unwanted:
            plan.frames += self._queue(connection, "UNSUBSCRIBE", unwanted, now)
        return plan

    def disconnected(self, connection: int) -> None:
        """``connection`` is closed: its queued frames and unanswered requests are dropped."""
        state = self.connections.get(connection)
        if state is not None:
            self._forget(connection)
            state.live = False

    # --- Frames -----------------------------------------------------------------------

    def due(self, now: float) -> list[PlannedFrame]:
        """The frames to send now, connection by connection in queue order; they count as sent at ``now``."""
        out = []
        for state in self.connections.values():
            queue, sent = state.queue, state.sent
            while queue and state.live and self._free(sent, now):
                frame = queue.popleft()
                sent.append(now)
                self._unanswered[frame.request.id] = frame  # type: ignore[index]
                out.append(frame)
        return out

    def next_due(self) -> float | None:
        """When :meth:`due` will next release a frame (possibly already past), or None if none is queued."""
        times = [
            state.sent[0] + 1.0 if len(state.sent) == self.messages_per_second else float("-inf")
            for state in self.connections.values()
            if state.live and state.queue
        ]
        return max(min(times), 0.0) if times else None

    def answer(self, request_id: object) -> PlannedFrame | None:
        """The sent request a reply with this id answers (None if unknown or answered already)."""
        return self._unanswered.pop(request_id, None)  # type: ignore[arg-type]

    # --- Inside -----------------------------------------------------------------------

    def _room(self) -> int:
        for index, state in self.connections.items():
            if len(state.streams) < self.max_streams:
                return index
        self._next_index += 1
        return self._next_index - 1

    def _queue(self, connection: int, method: str, names: list[str], now: float) -> list[PlannedFrame]:
        state = self.connections[connection]
        # When each frame already queued, then each new one, can go out if all go out when due.
        times = list(state.sent)
        rate = self.messages_per_second
        for _ in state.queue:
            times.append(max(now, times[-rate] + 1.0) if len(times) >= rate else now)
        chunks = [names[i : i + self.streams_per_frame] for i in range(0, len(names), self.streams_per_frame)] or [[]]
        planned = []
        for chunk in chunks:
            at = max(now, times[-rate] + 1.0) if len(times) >= rate else now
            times.append(at)
            self._ids += 1
            request = StreamRequest(method, list(chunk) if method != "LIST_SUBSCRIPTIONS" else None, self._ids)  # type: ignore[arg-type]
            planned.append(PlannedFrame(connection, at, request))
        state.queue.extend(planned)
        return planned

    def _free(self, sent: deque[float], now: float) -> bool:
        return len(sent) < self.messages_per_second or now >= sent[0] + 1.0

    def _forget(self, connection: int) -> None:
        self.connections[connection].queue.clear()
        for request_id in [i for i, f in self._unanswered.items() if f.connection == connection]:
            del self._unanswered[request_id]

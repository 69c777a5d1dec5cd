"""The connection lifecycle of one feed, as a table of transitions.

Every state a feed can be in and every event that moves it are listed in
:data:`TRANSITIONS`; anything not in the table raises :class:`IllegalTransition`.
The status bar and the feed-health panel show exactly :attr:`FeedLifecycle.state`.

Every decision about the state lives here (h11's "Rule 1"): a caller reports what
happened and never asks first which state the feed is in. An event that means
nothing in a state has an "ignored here" row mapping that state to itself, with
the reason next to it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Protocol

__all__ = [
    "FeedState", "FeedEvent", "TRANSITIONS", "IllegalTransition", "LifecycleView", "FeedLifecycle", "combined_state",
    "CombinedLifecycle",
]


class FeedState(enum.Enum):
    """Where a feed is: every value is shown to the user as is."""

    # Members are singletons compared by identity: hashing by identity (in C) keeps a
    # transition lookup cheap enough for once per burst of frames.
    __hash__ = object.__hash__

    CONNECTING = "connecting"
    LIVE = "live"
    STALE = "stale"
    BACKING_OFF = "backing off"
    RESYNCING = "resyncing"
    CLOSED = "closed"


class FeedEvent(enum.Enum):
    """What can happen to a feed."""

    __hash__ = object.__hash__  # as FeedState's

    CONNECT = "connect"  # a connection attempt starts
    DATA = "data"  # a fresh market update was applied
    HEARD = "heard"  # a frame came that carried no market data (heartbeat, ack, error)
    QUIET = "quiet"  # nothing received for longer than the staleness limit
    GAP = "gap"  # a sequence gap or checksum mismatch: a snapshot was requested
    RESYNCED = "resynced"  # every book that was resyncing has been rebuilt
    DISCONNECTED = "disconnected"  # the attempt or the connection failed; a retry is scheduled
    CLOSE = "close"  # the user stopped the feed, or a fatal error ended it


S, E = FeedState, FeedEvent
_ACTIVE = (S.LIVE, S.STALE, S.RESYNCING)
#: No connection: what a connection reports after it ended (its last frames, a late resync) changes nothing.
_UNCONNECTED = (S.BACKING_OFF, S.CLOSED)

#: (state, event) -> next state. The whole lifecycle, and nothing else.
TRANSITIONS: dict[tuple[FeedState, FeedEvent], FeedState] = {
    (S.CLOSED, E.CONNECT): S.CONNECTING,
    (S.BACKING_OFF, E.CONNECT): S.CONNECTING,
    (S.CONNECTING, E.DATA): S.LIVE,
    (S.CONNECTING, E.GAP): S.RESYNCING,
    (S.LIVE, E.DATA): S.LIVE,
    (S.LIVE, E.QUIET): S.STALE,
    (S.LIVE, E.GAP): S.RESYNCING,
    (S.STALE, E.DATA): S.LIVE,
    (S.STALE, E.QUIET): S.STALE,
    (S.STALE, E.GAP): S.RESYNCING,
    (S.RESYNCING, E.DATA): S.RESYNCING,
    (S.RESYNCING, E.GAP): S.RESYNCING,
    (S.RESYNCING, E.QUIET): S.STALE,
    (S.RESYNCING, E.RESYNCED): S.LIVE,
    (S.CONNECTING, E.DISCONNECTED): S.BACKING_OFF,
    **{(state, E.DISCONNECTED): S.BACKING_OFF for state in _ACTIVE},
    **{(state, E.CLOSE): S.CLOSED for state in S},
    # A frame without market data proves the link is alive: it ends staleness, nothing else.
    (S.LIVE, E.HEARD): S.LIVE,
    (S.STALE, E.HEARD): S.LIVE,
    (S.RESYNCING, E.HEARD): S.RESYNCING,
    # --- Ignored here -------------------------------------------------------------------
    # Heartbeats and acks alone do not make a connection live: its market data does.
    (S.CONNECTING, E.HEARD): S.CONNECTING,
    # A connection not yet live is judged by its open and ping timeouts, not by silence.
    (S.CONNECTING, E.QUIET): S.CONNECTING,
    # Nothing was resyncing (an unsubscribed book's resync ended, or none had begun).
    (S.CONNECTING, E.RESYNCED): S.CONNECTING,
    (S.LIVE, E.RESYNCED): S.LIVE,
    (S.STALE, E.RESYNCED): S.STALE,
    # After a connection ended: its last frames and checks arrive late and change nothing.
    **{(state, event): state for state in _UNCONNECTED for event in (E.DATA, E.HEARD, E.QUIET, E.GAP, E.RESYNCED)},
}


#: The table by state: what each event leads to (the lookup :meth:`FeedLifecycle.handle` makes).
_ROWS: dict[FeedState, dict[FeedEvent, FeedState]] = {
    state: {event: target for (source, event), target in TRANSITIONS.items() if source is state} for state in S
}


class IllegalTransition(RuntimeError):
    """An event arrived that the current state has no transition for."""


class LifecycleView(Protocol):
    """What a follower of a feed's state reads (the window, the alerts): the :class:`FeedLifecycle` of a
    feed of one connection, or the :class:`CombinedLifecycle` of a feed of several.

    - :attr:`state` is the feed's state, :attr:`since` when it was entered (monotonic seconds);
    - listeners added with :meth:`add_listener` are called with ``(old, new)`` each time it changes.
    """

    @property
    def state(self) -> FeedState: ...

    since: float

    def add_listener(self, listener: Callable[[FeedState, FeedState], None]) -> None: ...


class FeedLifecycle:
    """The current state of one feed and when it was entered (monotonic seconds).

    ``handle(event)`` applies :data:`TRANSITIONS`, calls every listener with
    ``(old, new)`` when the state changes, and returns the new state.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._state = FeedState.CLOSED
        self._row = _ROWS[self._state]
        self.since = clock()
        self._listeners: list[Callable[[FeedState, FeedState], None]] = []

    @property
    def state(self) -> FeedState:
        return self._state

    @state.setter
    def state(self, state: FeedState) -> None:
        """Put the lifecycle in ``state`` without a transition (a test's set-up)."""
        self._state, self._row = state, _ROWS[state]

    def add_listener(self, listener: Callable[[FeedState, FeedState], None]) -> None:
        self._listeners.append(listener)

    def can_handle(self, event: FeedEvent) -> bool:
        return event in self._row

    def handle(self, event: FeedEvent) -> FeedState:
        new = self._row.get(event)
        if new is None:
            raise IllegalTransition(f"{event.value!r} is not allowed while {self._state.value}")
        old = self._state
        if new is not old:
            self._state, self._row = new, _ROWS[new]
            self.since = self._clock()
            for listener in self._listeners:
                listener(old, new)
        return new


#: A feed of several connections is in the state of its worst one, in this order (closed ones aside).
_WORST_FIRST = (S.BACKING_OFF, S.CONNECTING, S.STALE, S.RESYNCING, S.LIVE)


def combined_state(states: list[FeedState]) -> FeedState:
    """The state of a feed made of connections in ``states``: ``closed`` when none is open or
    trying; else the worst of the others (backing off, connecting, stale, resyncing, live)."""
    for state in _WORST_FIRST:
        if state in states:
            return state
    return S.CLOSED


class CombinedLifecycle:
    """The lifecycle of a feed of several connections, each with its :class:`FeedLifecycle`.

    Contract: :attr:`state` is :func:`combined_state` of the members' states, :attr:`since`
    when it last changed (monotonic seconds); listeners are called with ``(old, new)`` when it
    changes, as :class:`FeedLifecycle`'s are. :meth:`add` and :meth:`remove` change the members.
    """

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._members: list[FeedLifecycle] = []
        self._state = FeedState.CLOSED
        self.since = clock()
        self._listeners: list[Callable[[FeedState, FeedState], None]] = []

    @property
    def state(self) -> FeedState:
        return self._state

    @property
    def members(self) -> list[FeedLifecycle]:
        return list(self._members)

    def add_listener(self, listener: Callable[[FeedState, FeedState], None]) -> None:
        self._listeners.append(listener)

    def add(self, member: FeedLifecycle) -> None:
        self._members.append(member)
        member.add_listener(self._member_changed)
        self._update()

    def remove(self, member: FeedLifecycle) -> None:
        self._members.remove(member)
        self._update()

    def _member_changed(self, _old: FeedState, _new: FeedState) -> None:
        self._update()

    def _update(self) -> None:
        new = combined_state([member.state for member in self._members])
        old = self._state
        if new is not old:
            self._state = new
            self.since = self._clock()
            for listener in self._listeners:
                listener(old, new)

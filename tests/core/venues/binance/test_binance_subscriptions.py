"""The stream planner: 1024 streams a connection, at most 4 frames a second, and the venue ends with what is wanted."""

from __future__ import annotations

import json
from collections import deque

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.core.venues.binance.binance_docs import example
from tradedash.core.venues.binance import messages as m
from tradedash.core.venues.binance.subscriptions import StreamPlanner


def _names(n: int, kind: str = "trade") -> list[str]:
    return [f"s{i:04d}usdt@{kind}" for i in range(n)]


def test_frames_have_the_documented_shape():
    planner = StreamPlanner()
    plan = planner.subscribe(["btcusdt@aggTrade"], now=0.0)
    assert plan.opens == [0] and plan.frames == []  # not connected yet: the URL will carry it
    planner.connected(0, [], now=0.0)  # say the URL named nothing
    planner.subscribe(["btcusdt@depth"], now=0.0)
    first, second = planner.due(0.0)
    assert json.loads(first.frame()) == {"method": "SUBSCRIBE", "params": ["btcusdt@aggTrade"], "id": 1}
    assert json.loads(second.frame()) == {"method": "SUBSCRIBE", "params": ["btcusdt@depth"], "id": 2}
    [unsubscribe] = planner.unsubscribe(["btcusdt@depth"], now=0.0).frames
    [listing] = planner.list_subscriptions(0, now=0.0).frames
    assert unsubscribe.request == m.StreamRequest("UNSUBSCRIBE", ["btcusdt@depth"], 3)
    assert json.loads(listing.frame()) == {"method": "LIST_SUBSCRIPTIONS", "id": 4}
    # The documented replies settle them, once each.
    assert planner.answer(m.decode_frame(example("subscribe response")).id) == first
    assert planner.answer(1) is None
    assert planner.due(0.0) == [unsubscribe, listing]
    assert planner.answer(m.decode_frame(example("unsubscribe response")).id) is None  # 312: never sent
    assert planner.answer(3) == unsubscribe and planner.answer(4) == listing


def test_at_most_1024_streams_a_connection_and_no_stream_twice():
    planner = StreamPlanner()
    plan = planner.subscribe(_names(2500) + _names(10), now=0.0)
    assert plan.opens == [0, 1, 2]
    assert [len(planner.streams(i)) for i in plan.opens] == [1024, 1024, 452]
    every = [s for i in plan.opens for s in planner.streams(i)]
    assert sorted(every) == sorted(_names(2500))
    assert planner.subscribe(_names(5), now=0.0).opens == []  # already there


def test_a_new_connection_names_100_streams_in_its_url_and_subscribes_the_rest_4_frames_a_second():
    planner = StreamPlanner()
    planner.subscribe(_names(1024), now=0.0)
    url = planner.url_streams(0)
    assert url == _names(100)
    plan = planner.connected(0, url, now=10.0)
    assert [len(f.request.params) for f in plan.frames] == [200, 200, 200, 200, 124]
    assert [f.at for f in plan.frames] == [10.0, 10.0, 10.0, 10.0, 11.0]
    assert sum((f.request.params for f in plan.frames), []) == _names(1024)[100:]
    assert len(planner.due(10.0)) == 4
    assert planner.due(10.5) == [] and planner.next_due() == 11.0
    assert planner.due(11.0) == plan.frames[4:]
    assert planner.next_due() is None


def test_late_releases_still_keep_4_a_second():
    planner = StreamPlanner(streams_per_frame=1)
    planner.subscribe(["a@trade"], now=0.0)
    planner.connected(0, [], now=0.0)
    planner.subscribe(_names(11), now=0.0)
    sent = [0.75] * len(planner.due(0.75))  # the loop was late
    for now in (1.0, 1.5, 1.7, 1.75, 2.5, 2.75, 3.0):
        sent += [now] * len(planner.due(now))
    assert sent == [0.75] * 4 + [1.75] * 4 + [2.75] * 4
    assert all(later - earlier >= 1.0 for earlier, later in zip(sent, sent[4:]))


def test_emptied_connections_close_and_a_cut_connection_starts_again_from_its_url():
    planner = StreamPlanner(max_streams=2)
    planner.subscribe(_names(3), now=0.0)
    planner.connected(0, planner.url_streams(0), now=0.0)
    planner.connected(1, planner.url_streams(1), now=0.0)
    planner.subscribe(["x@trade"], now=1.0)  # to connection 1
    [frame] = planner.due(1.0)
    assert frame.connection == 1
    assert planner.unsubscribe(_names(2), now=2.0).closes == [0]
    # The 24 h cut on connection 1: queued frames and unanswered requests go with it.
    planner.disconnected(1)
    assert planner.answer(frame.request.id) is None
    planner.subscribe(["y@trade"], now=3.0)  # connection 1 is full: a new one, numbered afresh
    assert planner.url_streams(1) == ["s0002usdt@trade", "x@trade"]
    assert planner.connected(1, planner.url_streams(1), now=3.0).frames == []


operations = st.lists(
    st.one_of(
        st.tuples(st.just("subscribe"), st.lists(st.integers(0, 15), max_size=6)),
        st.tuples(st.just("unsubscribe"), st.lists(st.integers(0, 15), max_size=6)),
        st.tuples(st.just("cut"), st.integers(0, 5)),
        st.tuples(st.just("wait"), st.floats(0.0, 1.5)),
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(operations=operations)
def test_the_venue_ends_with_what_is_wanted_within_its_limits(operations):
    """A fake venue applies the URL and each released frame; it fails a connection that sends
    more than 4 frames in a second (5 with the pong that may come) or carries more than its limit."""
    limit = 5
    planner = StreamPlanner(max_streams=limit, streams_per_frame=2, url_streams=2)
    venue: dict[int, set[str]] = {}  # what each open connection carries
    sent: dict[int, deque[float]] = {}
    wanted: set[str] = set()
    now = 0.0

    def open_(index: int) -> None:
        venue[index] = set(planner.url_streams(index))
        sent[index] = deque(maxlen=4)
        planner.connected(index, sorted(venue[index]), now)

    def pump() -> None:
        for frame in planner.due(now):
            window = sent[frame.connection]
            assert len(window) < 4 or now >= window[0] + 1.0, "over 4 frames a second"
            window.append(now)
            streams = venue[frame.connection]
            if frame.request.method == "SUBSCRIBE":
                streams.update(frame.request.params)
            else:
                streams.difference_update(frame.request.params)
            assert len(streams) <= limit

    for operation, argument in operations:
        if operation in ("subscribe", "unsubscribe"):
            names = [f"s{i}@trade" for i in argument]
            plan = getattr(planner, operation)(names, now)
            wanted = wanted | set(names) if operation == "subscribe" else wanted - set(names)
            for index in plan.closes:
                del venue[index]
            for index in plan.opens:
                open_(index)
        elif operation == "cut" and venue:
            index = sorted(venue)[argument % len(venue)]
            planner.disconnected(index)
            open_(index)
        else:
            now += argument
        pump()
    while planner.next_due() is not None:
        now = max(now, planner.next_due())
        pump()

    assert set(venue) == set(planner.connections)
    carried = [s for streams in venue.values() for s in streams]
    assert len(carried) == len(set(carried))  # no stream on two connections
    assert set(carried) == wanted
    assert all(venue[i] == set(planner.streams(i)) for i in venue)

"""The feed lifecycle: one table, every state reachable, every illegal event refused by name."""

from __future__ import annotations

import pytest

from tradedash.core.feed.lifecycle import TRANSITIONS, FeedEvent, FeedLifecycle, FeedState, IllegalTransition


def test_every_state_is_reachable_from_closed_and_close_works_everywhere():
    reached, frontier = {FeedState.CLOSED}, [FeedState.CLOSED]
    while frontier:
        state = frontier.pop()
        for (source, _), target in TRANSITIONS.items():
            if source is state and target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(FeedState)
    assert all(TRANSITIONS[(state, FeedEvent.CLOSE)] is FeedState.CLOSED for state in FeedState)


def test_a_connection_that_loses_a_book_goes_through_resyncing_and_back_to_live():
    now = [0.0]
    lifecycle = FeedLifecycle(lambda: now[0])
    changes = []
    lifecycle.add_listener(lambda old, new: changes.append((old, new)))
    for t, event in enumerate([FeedEvent.CONNECT, FeedEvent.DATA, FeedEvent.DATA, FeedEvent.GAP, FeedEvent.DATA,
                               FeedEvent.RESYNCED, FeedEvent.QUIET, FeedEvent.DATA, FeedEvent.DISCONNECTED]):
        now[0] = float(t)
        lifecycle.handle(event)
    assert [new for _, new in changes] == [
        FeedState.CONNECTING, FeedState.LIVE, FeedState.RESYNCING, FeedState.LIVE, FeedState.STALE,
        FeedState.LIVE, FeedState.BACKING_OFF,
    ]
    assert lifecycle.state is FeedState.BACKING_OFF and lifecycle.since == 8.0


def test_a_repeated_state_is_not_a_change():
    lifecycle = FeedLifecycle(lambda: 0.0)
    changes = []
    lifecycle.add_listener(lambda old, new: changes.append(new))
    lifecycle.handle(FeedEvent.CONNECT)
    lifecycle.handle(FeedEvent.DATA)
    lifecycle.handle(FeedEvent.DATA)
    assert changes == [FeedState.CONNECTING, FeedState.LIVE]


@pytest.mark.parametrize(
    "state, event",
    [(s, e) for s in FeedState for e in FeedEvent if (s, e) not in TRANSITIONS],
    ids=lambda v: v.value,
)
def test_events_outside_the_table_raise_illegal_transition(state, event):
    lifecycle = FeedLifecycle(lambda: 0.0)
    lifecycle.state = state
    assert not lifecycle.can_handle(event)
    with pytest.raises(IllegalTransition, match=event.value):
        lifecycle.handle(event)
    assert lifecycle.state is state


@pytest.mark.parametrize(
    "state, event",
    [key for key, target in TRANSITIONS.items() if target is key[0] and key[1] is not FeedEvent.CLOSE],
    ids=lambda v: v.value,
)
def test_an_event_that_means_nothing_in_a_state_keeps_it_and_tells_no_listener(state, event):
    lifecycle = FeedLifecycle(lambda: 0.0)
    lifecycle.state = state
    changes = []
    lifecycle.add_listener(lambda old, new: changes.append(new))
    assert lifecycle.handle(event) is state and changes == []


def test_a_feed_of_several_connections_is_in_its_worst_connections_state():
    from tradedash.core.feed.lifecycle import CombinedLifecycle, combined_state

    S = FeedState
    assert combined_state([]) is S.CLOSED and combined_state([S.CLOSED, S.CLOSED]) is S.CLOSED
    assert combined_state([S.LIVE, S.LIVE]) is S.LIVE
    assert combined_state([S.LIVE, S.RESYNCING]) is S.RESYNCING
    assert combined_state([S.RESYNCING, S.STALE, S.LIVE]) is S.STALE
    assert combined_state([S.STALE, S.CONNECTING]) is S.CONNECTING
    assert combined_state([S.CONNECTING, S.BACKING_OFF, S.LIVE]) is S.BACKING_OFF
    assert combined_state([S.CLOSED, S.LIVE]) is S.LIVE  # (a connection closed for good is not a state of the rest)

    now = [0.0]
    combined = CombinedLifecycle(lambda: now[0])
    seen = []
    combined.add_listener(lambda old, new: seen.append((old, new)))
    first, second = FeedLifecycle(lambda: now[0]), FeedLifecycle(lambda: now[0])
    combined.add(first)
    combined.add(second)
    for event in (FeedEvent.CONNECT, FeedEvent.DATA):
        for member in (first, second):
            member.handle(event)
    assert combined.state is S.LIVE and seen == [(S.CLOSED, S.CONNECTING), (S.CONNECTING, S.LIVE)]
    now[0] = 5.0
    second.handle(FeedEvent.GAP)
    assert combined.state is S.RESYNCING and combined.since == 5.0
    combined.remove(second)
    assert combined.state is S.LIVE and combined.members == [first]

"""Down periods recorded from lifecycle transitions, with an injected wall clock."""

from __future__ import annotations

from tradedash.core.feed.downtime import DowntimeLog
from tradedash.core.feed.lifecycle import FeedState

S = FeedState


def test_records_from_leaving_live_until_live_again():
    now = [1000.0]
    log = DowntimeLog(clock=lambda: now[0])
    log.on_state(S.CLOSED, S.CONNECTING)
    log.on_state(S.CONNECTING, S.BACKING_OFF)  # never live yet: not a gap in a chart
    assert list(log.periods) == []
    log.on_state(S.CONNECTING, S.LIVE)
    now[0] = 1010.0
    log.on_state(S.LIVE, S.BACKING_OFF)
    log.on_state(S.BACKING_OFF, S.CONNECTING)
    assert list(log.periods) == [(1010.0, None)]
    now[0] = 1013.5
    log.on_state(S.CONNECTING, S.LIVE)
    assert list(log.periods) == [(1010.0, 1013.5)] and log.version == 2

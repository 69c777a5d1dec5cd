"""The rate-limited log: every report counted, at most a burst logged per interval."""

from __future__ import annotations

import logging

from tradedash.core.feed.ratelog import RateLimitedLog


def test_counts_every_report_and_logs_at_most_burst_per_interval(caplog):
    now = [0.0]
    log = RateLimitedLog(logging.getLogger("test.ratelog"), burst=3, interval=10.0, clock=lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="test.ratelog"):
        for i in range(1000):
            log.report("bad frame %d", i)
        assert [r.getMessage() for r in caplog.records] == ["bad frame 0", "bad frame 1", "bad frame 2"]
        now[0] = 10.0
        log.report("bad frame %d", 1000)
    assert log.count == 1001 and log.suppressed == 997
    assert [r.getMessage() for r in caplog.records[3:]] == [
        "997 more like this were not logged (at most 3 per 10 s)",
        "bad frame 1000",
    ]

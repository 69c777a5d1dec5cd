"""Redaction of secrets in what the tools print and the app logs."""

from __future__ import annotations

import logging

import pytest

from tradedash.core.feed.redact import RedactingFilter, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ws://127.0.0.1:8765/?token=s3cret", "ws://127.0.0.1:8765/?token=***"),
        ("wss://x.example/feed?venue=a&token=s3cret&depth=10", "wss://x.example/feed?venue=a&token=***&depth=10"),
        ("feed ws://h/?TOKEN=abc: cannot connect", "feed ws://h/?TOKEN=***: cannot connect"),
        ("Authorization: Bearer s3cret.x-y", "Authorization: Bearer ***"),
        ("ws://127.0.0.1:8765/ no secret here", "ws://127.0.0.1:8765/ no secret here"),
    ],
)
def test_secrets_are_replaced_and_the_rest_kept(text, expected):
    assert redact(text) == expected


def test_the_logging_filter_redacts_messages_arguments_and_tracebacks(caplog):
    logger = logging.getLogger("tradedash.test.redact")
    handler = logging.Handler()
    records: list[str] = []
    handler.emit = lambda record: records.append(logging.Formatter().format(record))  # type: ignore[method-assign]
    handler.addFilter(RedactingFilter())
    logger.addHandler(handler)
    try:
        logger.warning("feed %s stopped", "ws://h:1/?token=s3cret")
        try:
            raise ValueError("bad URL ws://h:1/?token=s3cret")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    assert len(records) == 2 and not any("s3cret" in r for r in records)
    assert "token=***" in records[0] and "token=***" in records[1]

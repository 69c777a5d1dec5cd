"""decode_request: the one decision on what a client frame is, and which error answers it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradedash.core import wire


@pytest.mark.parametrize(
    ("frame", "code", "request_id"),
    [
        (b"{not json", "malformed", None),
        (b'{"op": "list", "id": 1', "malformed", None),
        (b"\xff\xfe", "malformed", None),
        (b"", "malformed", None),
        (b"[" * 1000 + b"]" * 1000, "bad_request", None),
        (b'{"op": "list", "id": 1, "x": ' + b"[" * 5000 + b"]" * 5000 + b"}", "bad_request", None),
        (b"1e999", "bad_request", None),
        (b'{"op": "list", "id": 1e999}', "bad_request", None),
        (b"[1, 2]", "bad_request", None),
        (b'"subscribe"', "bad_request", None),
        (b'{"id": 3}', "bad_request", 3),
        (b'{"op": "list", "id": true}', "bad_request", None),
        (b'{"op": "list", "id": "one"}', "bad_request", None),
        (b'{"op": "list", "id": 1, "extra": true}', "bad_request", 1),
        (b'{"op": "subscribe", "id": 2, "channels": "ticker", "symbols": ["BTC-USD"]}', "bad_request", 2),
        (b'{"op": "fly", "id": 7}', "unknown_op", 7),
        (b'{"op": null, "id": 8}', "unknown_op", 8),
    ],
)
def test_each_bad_frame_gets_one_code_and_the_id_only_when_it_is_an_integer(frame, code, request_id):
    with pytest.raises(wire.RequestError) as caught:
        wire.decode_request(frame)
    assert (caught.value.code, caught.value.request_id) == (code, request_id)


def test_too_deep_or_out_of_range_json_is_not_called_invalid_json():
    for frame in (b"[" * 1000 + b"]" * 1000, b"1e999"):
        with pytest.raises(wire.RequestError) as caught:
            wire.decode_request(frame)
        assert "not valid JSON" not in str(caught.value)


def test_messages_write_values_as_json_not_python():
    with pytest.raises(wire.RequestError) as caught:
        wire.decode_request(b'{"op": null, "id": 1}')
    message = str(caught.value)
    assert "unknown op null" in message and '"admin"' in message
    assert "None" not in message and "'" not in message


def test_known_ops_come_from_the_request_types():
    assert set(wire.REQUEST_OPS) == {"subscribe", "unsubscribe", "list", "symbols", "snapshot", "admin", "history"}
    admin = wire.AdminRequest(1, "t", "drop_all", {"x": 1}, "self")
    assert wire.decode_request(wire.encode(admin)) == admin


@given(st.binary(max_size=200) | st.text(max_size=200))
def test_decoding_any_input_gives_a_request_or_a_request_error(frame):
    try:
        wire.decode_request(frame)
    except wire.RequestError as exc:
        assert exc.code in {"malformed", "bad_request", "unknown_op"}


@pytest.mark.parametrize(
    "frame",
    [
        b'{"op": "history", "id": 4, "symbol": "BTC-USD", "interval": "1m", "count": 0}',
        b'{"op": "history", "id": 4, "symbol": "BTC-USD", "interval": "1m", "count": 1001}',
        b'{"op": "history", "id": 4, "symbol": "BTC-USD", "interval": "1m", "end": -1}',
        b'{"op": "history", "id": 4, "symbol": "BTC-USD", "interval": "1m", "end": 1.5}',
        b'{"op": "history", "id": 4, "symbol": "BTC-USD"}',
        b'{"op": "history", "id": 4, "symbol": "BTC-USD", "interval": "1m", "limit": 5}',
    ],
)
def test_a_history_request_out_of_bounds_is_a_bad_request_with_its_id(frame):
    with pytest.raises(wire.RequestError) as caught:
        wire.decode_request(frame)
    assert (caught.value.code, caught.value.request_id) == ("bad_request", 4)


def test_a_history_request_and_its_page_round_trip():
    request = wire.decode_request(b'{"op": "history", "id": 5, "symbol": "BTC-USD", "interval": "1h"}')
    assert request == wire.HistoryRequest(5, "BTC-USD", "1h", wire.HISTORY_MAX_COUNT, None)
    page = wire.History(5, "BTC-USD", "1h", 7_200_000_000_001, [(0, 1.0, 2.0, 0.5, 1.5, 3.0), (3_600_000_000_000, 1.5, 1.5, 1.5, 1.5, 0.0)], 0)
    assert wire.decode_server_frame(wire.encode(page)) == [page]
    assert [c.closed for c in page.candles()] == [True, True]

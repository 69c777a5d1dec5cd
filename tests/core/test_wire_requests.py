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

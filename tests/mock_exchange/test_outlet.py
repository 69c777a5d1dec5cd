"""The outlet's contract with a stand-in transport: write through, hold back above the mark, bound, drain in order."""

from __future__ import annotations

from types import SimpleNamespace

from websockets.protocol import State

from mock_exchange.server.outlet import HIGH_WATER, Outlet, text_frame


class _Transport:
    """Keeps what is written; ``unsent`` is what the kernel has not taken yet."""

    def __init__(self) -> None:
        self.written: list[bytes] = []
        self.unsent = 0

    def write(self, data: bytes) -> None:
        self.written.append(data)
        self.unsent += len(data)

    def get_write_buffer_size(self) -> int:
        return self.unsent


def _outlet(limit: int = 1000) -> tuple[Outlet, _Transport, SimpleNamespace]:
    transport = _Transport()
    connection = SimpleNamespace(transport=transport, protocol=SimpleNamespace(state=State.OPEN))
    return Outlet(connection, limit), transport, connection  # type: ignore[arg-type]


def test_text_frames_are_unmasked_and_sized_for_every_length():
    assert text_frame(b"hi") == b"\x81\x02hi"
    assert text_frame(b"x" * 200)[:4] == b"\x81\x7e\x00\xc8"
    assert text_frame(b"x" * 70000)[:10] == b"\x81\x7f" + (70000).to_bytes(8, "big")


def test_writes_go_through_until_the_mark_then_wait_in_order_and_drain_in_order():
    outlet, transport, _ = _outlet()
    assert not outlet.send(b"a")
    transport.unsent = HIGH_WATER + 1  # the client stopped reading
    assert outlet.send(b"b") and outlet.send(b"c")
    assert transport.written == [b"a"] and outlet.unsent_bytes == HIGH_WATER + 3
    transport.unsent = 0
    outlet.drain()
    assert transport.written == [b"a", b"b", b"c"] and not outlet.waiting


def test_the_backlog_is_bounded_and_what_does_not_fit_is_counted():
    outlet, transport, _ = _outlet(limit=10)
    transport.unsent = HIGH_WATER + 1
    outlet.send(b"x" * 6)
    outlet.send(b"y" * 6)  # would pass the limit: dropped
    outlet.send(b"z" * 4)
    assert outlet.dropped_bytes == 6 and outlet.unsent_bytes == HIGH_WATER + 1 + 10


def test_discard_drops_the_backlog_and_a_closing_connection_gets_nothing():
    outlet, transport, connection = _outlet()
    transport.unsent = HIGH_WATER + 1
    outlet.send(b"waiting")
    outlet.discard()
    assert not outlet.waiting and outlet.unsent_bytes == HIGH_WATER + 1
    connection.protocol.state = State.CLOSING
    transport.unsent = 0
    assert not outlet.send(b"late") and transport.written == []

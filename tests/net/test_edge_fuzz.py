"""Scenario 12 at volume: generated garbage through the feed's edge (the session's ``receive_frame``).

Hypothesis generates frames (random bytes and text, random JSON values,
message-shaped objects with wrong or missing fields, unknown types, wrong symbols, and
well-typed messages with hostile values: negative, zero, huge, empty books), and each
is expanded into a few hundred cheap byte-level mutants, about 10^5 inputs per run.
``receive_frame`` must never raise, every frame that is not valid protocol v1 must be counted,
and the feed must stay usable.
"""

from __future__ import annotations

import random

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradedash.core import wire
from tradedash.core.venues.protocol_v1 import ProtocolV1Session
from tradedash.core.market.state import MarketState

SYMBOLS = ["BTC-USD", "ETH-USD", "DOGE-USD", ""]
TYPES = ["ticker", "trades", "book", "candles", "heartbeat", "hello", "ack", "error", "shutdown", "weather", 7, None]
FIELDS = [
    "symbol", "seq", "ts", "bid", "bid_size", "ask", "ask_size", "last", "open_24h", "high_24h", "low_24h",
    "volume_24h", "change_24h", "trade_id", "price", "size", "side", "kind", "bids", "asks", "prev_seq",
    "checksum", "interval", "start", "open", "high", "low", "close", "volume", "closed", "id", "code", "message",
]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12), st.sampled_from(SYMBOLS),
)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=12)
levels = st.lists(st.tuples(st.floats(-1e9, 1e9), st.floats(-10, 1e6)), max_size=6)
shaped = st.fixed_dictionaries({"type": st.sampled_from(TYPES)}, optional={f: json_values for f in FIELDS}).map(msgspec.json.encode)
books = st.builds(
    wire.Book, st.sampled_from(SYMBOLS), st.integers(-5, 50), st.integers(0, 2**63), st.sampled_from(["snapshot", "update"]),
    levels, levels, st.none() | st.integers(-5, 50), st.none() | st.integers(0, 2**32),
).map(msgspec.json.encode)
tickers = st.builds(
    wire.Ticker, st.sampled_from(SYMBOLS), st.integers(-5, 2**40), st.integers(-(2**63), 2**63 - 1),
    *[st.floats(allow_nan=False, allow_infinity=False)] * 10,
).map(msgspec.json.encode)
frames = st.one_of(
    st.binary(max_size=64), st.text(max_size=64).map(str.encode), json_values.map(msgspec.json.encode),
    shaped, books, tickers, st.lists(st.one_of(books, tickers), max_size=4).map(lambda fs: b"[" + b",".join(fs) + b"]"),
)

MUTANTS_PER_FRAME = 340  # x 300 examples: about 10^5 inputs per run
#: Far above any seq the generated frames (and their mutants) carry: always fresh.
NEWEST_SEQ = 10**30


def mutants(frame: bytes, seed: int, count: int = MUTANTS_PER_FRAME) -> list[bytes]:
    """Cheap byte-level variations of one frame: truncations, flipped and inserted bytes, splices."""
    rng = random.Random(seed)
    out = [frame]
    for _ in range(count - 1):
        data = bytearray(frame or b"{}")
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(data) + 1)
            action = rng.randrange(4)
            if action == 0:
                del data[i:]
            elif action == 1 and i < len(data):
                data[i] = rng.randrange(256)
            elif action == 2:
                data[i:i] = rng.choice([b"{", b"}", b"[", b"]", b",", b'"', b"\\", b"\xff", b"null", b"1e999", b"-0"])
            else:
                data = data + data[: rng.randrange(len(data) + 1)]
        out.append(bytes(data))
    return out


class _Feed:
    """A protocol v1 session as during a connection, taking each frame as a burst of its own."""

    def __init__(self, market: MarketState) -> None:
        subscriptions = [wire.Subscription(c, s) for c in ("ticker", "book") for s in ("BTC-USD", "ETH-USD")]
        self.session = ProtocolV1Session(market, subscriptions=subscriptions, clock=lambda: 1.0)
        self.session.connect_started()
        self.session.connection_opened(1.0)
        self.stats = self.session.stats

    def ingest(self, frame: bytes) -> None:
        self.session.receive_frame(frame)
        self.session.end_burst(1.0)


def _feed() -> tuple[_Feed, MarketState]:
    market = MarketState()
    return _Feed(market), market


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames, st.integers(0, 2**32))
def test_scenario_12_generated_garbage_never_escapes_the_edge(frame, seed):
    client, market = _feed()
    inputs = mutants(frame, seed)
    for data in inputs:
        client.ingest(data)  # never raises
    assert client.stats.messages + client.stats.malformed >= len(inputs) // 2
    client.ingest(wire.encode(wire.Ticker("ETH-USD", NEWEST_SEQ, 1, 1.0, 1.0, 2.0, 1.0, 1.5, 1.0, 2.0, 1.0, 3.0, 0.5)))
    assert market.symbols["ETH-USD"].ticker.seq == NEWEST_SEQ
    assert "DOGE-USD" not in market.symbols and "" not in market.symbols

"""``tradedash tape`` as a user runs it: a subprocess against a real exchange on port 0."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

from tests.net.support import ScriptedExchange
from tradedash.core import wire

REPO = Path(__file__).resolve().parents[1]


async def tape(*args: str, timeout: float = 30.0) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tradedash", "tape", *args,
        cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout)
    return process.returncode, out.decode(), err.decode()


async def test_prints_normalized_events_and_exits_0_after_the_duration(exchange):
    code, out, err = await tape("--url", exchange.url, "--symbols", "BTC-USD,ETH-USD", "--channels", "ticker,trades", "--duration", "1")
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) >= 10
    assert {line.split()[1] for line in lines} == {"BTC-USD", "ETH-USD"}
    assert {line.split()[2] for line in lines} == {"ticker", "trade"}


async def test_json_prints_one_protocol_message_per_line(exchange):
    code, out, err = await tape("--url", exchange.url, "--symbols", "SOL-USD", "--channels", "trades", "--json", "--duration", "0.8")
    assert code == 0, err
    messages = [wire.decode_server_frame(line)[0] for line in out.splitlines()]
    assert messages and all(isinstance(m, wire.Trade) and m.symbol == "SOL-USD" for m in messages)


async def test_stats_prints_feed_statistics_per_interval(exchange):
    code, out, err = await tape("--url", exchange.url, "--symbols", "BTC-USD", "--stats", "0.4", "--duration", "1.5")
    assert code == 0, err
    stats = [json.loads(line) for line in out.splitlines()]
    assert 2 <= len(stats) <= 4
    assert stats[-1]["state"] == "live" and stats[-1]["url"] == exchange.url
    assert {"reconnects", "gaps", "resyncs", "messages", "malformed", "message_rate", "latency_p99", "clock_skew"} <= set(stats[-1])
    assert stats[-1]["messages"] > stats[0]["messages"] > 0


async def test_record_writes_the_replay_format(exchange, tmp_path):
    path = tmp_path / "session.jsonl"
    code, _, err = await tape("--url", exchange.url, "--symbols", "BTC-USD", "--stats", "5", "--duration", "0.8", "--record", str(path))
    assert code == 0, err
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0]["frame"]["type"] == "hello"
    assert any(isinstance(line["frame"], dict) and line["frame"]["type"] == "ticker" for line in lines)
    assert all(set(line) == {"ts", "frame"} and isinstance(line["ts"], int) for line in lines)


@pytest.mark.parametrize(
    "args",
    [
        ("--symbols", "BTC-USD"),
        ("--url", "ws://127.0.0.1:1", "--symbols", "BTC-USD", "--channels", "weather"),
        ("--url", "http://127.0.0.1:1", "--symbols", "BTC-USD"),
        ("--url", "ws://127.0.0.1:1", "--symbols", ","),
        ("--url", "ws://127.0.0.1:1", "--symbols", "BTC-USD", "--duration", "-1"),
    ],
    ids=["no-url", "unknown-channel", "not-websocket", "no-symbols", "negative-duration"],
)
async def test_usage_errors_exit_2(args):
    code, out, err = await tape(*args)
    assert code == 2 and out == "" and "usage:" in err


async def test_a_refused_handshake_exits_3_with_the_reason():
    async with ScriptedExchange(status=lambda attempt: 401) as server:
        code, out, err = await tape("--url", server.url, "--symbols", "BTC-USD", "--duration", "20")
        assert len(server.handshakes) == 1
    assert code == 3
    assert "401" in err and server.url in err and "Traceback" not in err


async def test_a_recording_replays_through_the_mock_exchange(exchange, tmp_path):
    from mock_exchange.server import ExchangeConfig, ExchangeServer

    path = tmp_path / "session.jsonl"
    code, recorded_out, err = await tape(
        "--url", exchange.url, "--symbols", "ETH-USD", "--channels", "trades", "--json", "--duration", "1", "--record", str(path)
    )
    assert code == 0, err
    recorded = [wire.decode_server_frame(line)[0] for line in recorded_out.splitlines()]
    assert len(recorded) >= 5
    replay = ExchangeServer(ExchangeConfig(port=0, replay=str(path), speed=5.0))
    await replay.start()
    try:
        code, replayed_out, err = await tape("--url", replay.url, "--symbols", "ETH-USD", "--channels", "trades", "--json", "--duration", "1.5")
    finally:
        await replay.stop()
    assert code == 0, err
    replayed = [wire.decode_server_frame(line)[0] for line in replayed_out.splitlines()]
    assert replayed[: len(recorded)] == recorded


def test_the_tape_never_imports_qt():
    import subprocess

    code = "import sys, tradedash.cli, tradedash.tape; sys.exit('PySide6' in sys.modules or 'qasync' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO).returncode == 0


async def test_a_token_in_the_url_never_reaches_stats_lines_logs_or_exit_messages():
    from mock_exchange.server import ExchangeConfig, ExchangeServer

    server = ExchangeServer(ExchangeConfig(port=0, rate=50.0, heartbeat_interval=0.2, token="s3cret"))
    await server.start()
    try:
        url = f"{server.url}/?token=s3cret"
        code, out, err = await tape("--url", url, "--symbols", "BTC-USD", "--stats", "0.3", "--duration", "1", "--verbose")
        assert code == 0, err
        stats = [json.loads(line) for line in out.splitlines()]
        assert stats and stats[-1]["state"] == "live" and stats[-1]["url"] == f"{server.url}/?token=***"
        assert "s3cret" not in out + err
        code, out, err = await tape("--url", f"{server.url}/?token=wrong-guess", "--symbols", "BTC-USD", "--duration", "5")
        assert code == 3 and "401" in err and "token=***" in err
        assert "wrong-guess" not in out + err
    finally:
        await server.stop()


# --- Issue 12.10: every failure reaches stderr, and a feed never live is an error exit -------------


@pytest.mark.parametrize("symbol", ["NOPE-USD", "btc-usd"], ids=["unknown", "lowercase"])
async def test_a_symbol_the_exchange_refuses_is_named_on_stderr_and_never_live_exits_4(exchange, symbol):
    code, out, err = await tape("--url", exchange.url, "--symbols", symbol, "--duration", "1")
    assert code == 4, err
    assert symbol in err and "unknown_symbol" in err and "never live" in err and "Traceback" not in err
    if symbol != symbol.upper():
        assert "BTC-USD" in err  # the hint: symbols are case-sensitive


async def test_one_refused_symbol_among_good_ones_is_named_and_the_rest_stream(exchange):
    code, out, err = await tape("--url", exchange.url, "--symbols", "NOPE-USD,BTC-USD", "--channels", "ticker", "--duration", "1")
    assert code == 0, err
    assert "NOPE-USD" in err and {line.split()[1] for line in out.splitlines()} == {"BTC-USD"}


async def test_a_refused_port_is_an_error_exit_with_the_reason():
    from mock_exchange.process import reusable_port

    url = f"ws://127.0.0.1:{reusable_port()}"
    code, out, err = await tape("--url", url, "--symbols", "BTC-USD", "--duration", "1")
    assert code == 4 and out == ""
    assert f"{url}: never live" in err and "cannot connect: " in err
    assert "cannot connect: \n" not in err and "cannot connect:  " not in err


async def test_wss_at_a_plain_server_says_why_it_cannot_connect(exchange):
    url = exchange.url.replace("ws://", "wss://")
    code, out, err = await tape("--url", url, "--symbols", "BTC-USD", "--duration", "1.5")
    assert code == 4 and "never live" in err
    reason = err.split("never live in 1.5 s: ", 1)[1]
    assert reason.startswith("cannot connect: ") and len(reason.strip()) > len("cannot connect:") + 5 and "TLS" in reason


async def test_help_documents_the_default_channels():
    code, out, err = await tape("--help")
    assert code == 0 and "default: ticker,trades" in " ".join(out.split())


async def test_a_record_file_that_cannot_be_written_is_a_usage_error_in_one_line():
    code, out, err = await tape("--url", "ws://127.0.0.1:1", "--symbols", "BTC-USD", "--record", "/nonexistent/dir/f.jsonl")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and "/nonexistent/dir/f.jsonl" in err and "Traceback" not in err


async def test_tape_venue_binance_prints_trades_and_tickers_from_the_binance_dialect(exchange):
    base = f"{exchange.url}/binance"
    code, out, err = await tape(
        "--venue", "binance", "--url", base, "--rest-url", "http" + base[2:], "--symbols", "btc-usd",
        "--channels", "ticker,trades", "--duration", "2.5",
    )
    assert code == 0, err
    lines = out.splitlines()
    assert {line.split()[1] for line in lines} == {"BTCUSD"}  # the venue's name, whatever form was typed
    assert {line.split()[2] for line in lines} == {"ticker", "trade"}


async def test_tape_venue_binance_defaults_to_the_public_endpoint():
    from tradedash.tape import _check, build_parser

    parser = build_parser()
    args = parser.parse_args(["--venue", "binance", "--symbols", "BTCUSDT"])
    _check(parser, args)
    assert args.url == ["wss://stream.binance.com:9443"]


# --- Hostile use of the Binance venue: one clear line each, never a traceback or silence --------------


def _binance_urls(exchange) -> list[str]:
    base = f"{exchange.url}/binance"
    return ["--venue", "binance", "--url", base, "--rest-url", "http" + base[2:]]


async def test_tape_binance_symbol_the_venue_does_not_list_is_named_and_never_live_exits_4(exchange):
    code, out, err = await tape(*_binance_urls(exchange), "--symbols", "NOPEUSD", "--duration", "2")
    assert code == 4 and out == ""
    assert "not listed by Binance (exchangeInfo), asked for all the same: NOPEUSD" in err
    assert "never live in 2 s: not listed by Binance" in err and "Traceback" not in err


async def test_tape_binance_unlisted_symbol_among_listed_ones_is_named_and_the_rest_stream(exchange):
    code, out, err = await tape(*_binance_urls(exchange), "--symbols", "NOPEUSD,BTCUSD", "--channels", "ticker", "--duration", "2")
    assert code == 0, err
    assert "not listed by Binance (exchangeInfo), asked for all the same: NOPEUSD" in err
    assert {line.split()[1] for line in out.splitlines()} == {"BTCUSD"}


async def test_tape_binance_venue_at_a_protocol_v1_url_stops_saying_so_exits_3(exchange):
    base = f"{exchange.url}/binance"
    code, out, err = await tape(
        "--venue", "binance", "--url", exchange.url, "--rest-url", "http" + base[2:], "--symbols", "BTCUSD", "--duration", "5"
    )
    assert code == 3, err
    assert "speaks TradeDash protocol v1, not Binance" in err and "Traceback" not in err
    assert "malformed frame" not in err  # the reason once, not a malformed frame per heartbeat


async def test_tape_protocol_v1_venue_at_a_binance_url_stops_naming_the_venue_to_choose_exits_3(exchange):
    code, out, err = await tape("--url", f"{exchange.url}/binance", "--symbols", "BTC-USD", "--duration", "5")
    assert code == 3, err
    assert "HTTP 404" in err and 'looks like a Binance endpoint: choose the venue "binance"' in err and "Traceback" not in err


async def test_tape_binance_unreachable_rest_url_says_connection_refused_in_plain_words(exchange):
    from mock_exchange.process import reusable_port

    ws_url = f"{exchange.url}/binance"
    rest = f"http://127.0.0.1:{reusable_port()}/binance"
    code, out, err = await tape(
        "--venue", "binance", "--url", ws_url, "--rest-url", rest, "--symbols", "BTCUSD", "--channels", "book", "--duration", "2"
    )
    assert code == 4
    assert f"exchangeInfo: Connection refused (http://127.0.0.1:{rest.split(':')[2].split('/')[0]})" in err
    assert "<urlopen" not in err and "Traceback" not in err


async def test_tape_binance_rest_url_without_the_dialects_path_names_the_url_in_one_line(exchange):
    """``--rest-url`` at the exchange's root, not its /binance: the WebSocket server answers 426 with a
    text of several lines; the user reads one line naming the URL that answered so."""
    rest = "http" + exchange.url[2:]
    code, out, err = await tape(
        "--venue", "binance", "--url", f"{exchange.url}/binance", "--rest-url", rest, "--symbols", "BTCUSD",
        "--channels", "book", "--duration", "2",
    )
    assert code == 4
    [said] = [line for line in err.splitlines() if "never live" in line]
    assert "BTCUSD snapshot: HTTP Error 426: Upgrade Required: " in said
    assert f"({rest}/api/v3/depth)" in said and "Traceback" not in err
    assert not any(line.startswith("You cannot") or not line.strip() for line in err.splitlines())


async def test_a_feed_that_cannot_connect_says_why_once_while_it_retries():
    from mock_exchange.process import reusable_port

    url = f"ws://127.0.0.1:{reusable_port()}"
    code, out, err = await tape("--url", url, "--symbols", "BTC-USD", "--duration", "3")
    assert code == 4
    retrying = [line for line in err.splitlines() if line.endswith("; retrying")]
    assert len(retrying) == 1 and retrying[0].startswith(f"tradedash tape: {url}: cannot connect: ")


async def test_tape_binance_connections_of_one_feed_spend_one_rest_weight_budget():
    import time

    from mock_exchange.market import SymbolSpec
    from mock_exchange.server import ExchangeConfig, ExchangeServer

    # 150 symbols x 7 channels = 1,050 streams: two connections. The address may spend 100 a minute:
    # exchangeInfo (20, read once) and one book snapshot (limit 1000: 50) fit; every other snapshot must
    # wait for the next minute, whichever connection asks for it.
    symbols = [f"S{i:03d}-USD" for i in range(150)]
    server = ExchangeServer(ExchangeConfig(
        port=0, rate=2.0, symbols=symbols, history_days=0.05, history_seconds=60, binance_weight_limit=100,
        symbol_specs={s: SymbolSpec(s, 0.01, 0.001, 100.0) for s in symbols},
    ))
    await server.start()
    answers: list[tuple[str, int]] = []
    answer = server.binance.rest.answer

    def recorded(path, query, address, now_ms):  # type: ignore[no-untyped-def]
        out = answer(path, query, address, now_ms)
        answers.append((path, out.status))
        return out

    server.binance.rest.answer = recorded  # type: ignore[method-assign]
    handle, served = server.binance.handle, []

    async def counted(connection):  # type: ignore[no-untyped-def]
        served.append(connection)
        await handle(connection)

    server.binance.handle = counted  # type: ignore[method-assign]
    try:
        if time.time() % 60 > 45:  # the mock counts weight per clock minute: not across its turn
            await asyncio.sleep(60.5 - time.time() % 60)
        code, out, err = await tape(
            *_binance_urls(server), "--symbols", ",".join(s.replace("-", "") for s in symbols),
            "--channels", "ticker,trades,book,candles:1s,candles:1m,candles:5m,candles:1h", "--stats", "1", "--duration", "4",
        )
        assert "Traceback" not in err, err
        assert len(served) == 2 and server.counters.rate_limited == 0
        assert answers == [("/api/v3/exchangeInfo", 200), ("/api/v3/depth", 200)]  # no 429: one budget, kept to
    finally:
        await server.stop()

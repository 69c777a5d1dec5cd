"""The mock-exchange command: options, the TOML file, clear errors, and a real process serving clients."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from mock_exchange.cli import build_parser, config_from_args
from mock_exchange.market import SymbolSpec
from tests.mock_exchange.raw_client import recv_json, recv_until, request
from tests.support.exchange_process import exchange_process, start_exchange

ROOT = Path(__file__).resolve().parents[2]


def _config(*argv: str):
    return config_from_args(build_parser().parse_args(list(argv)))


def test_options_override_the_toml_file_which_overrides_defaults(tmp_path):
    path = tmp_path / "exchange.toml"
    path.write_text(
        'seed = 11\nrate = 20.0\nmax_subscriptions = 9\n'
        '[[symbol]]\nsymbol = "FOO-USD"\ntick_size = 0.5\nlot_size = 0.1\nstart_price = 12.5\nvolatility = 0.002\n'
    )
    config = _config("--config", str(path), "--rate", "100", "--fault", "drop_one@every=30", "--origin", "https://a.example")
    assert (config.seed, config.rate, config.max_subscriptions) == (11, 100.0, 9)
    assert config.symbols == ["FOO-USD"]
    assert config.specs() == [SymbolSpec("FOO-USD", 0.5, 0.1, 12.5, 0.002)]
    assert config.faults[0].name == "drop_one" and config.origins == ["https://a.example"]
    assert config.host == "127.0.0.1"


def test_the_example_settings_file_loads():
    config = _config("--config", str(ROOT / "docs" / "exchange.example.toml"))
    assert config.symbols == ["BTC-USD", "FOO-USD"] and config.specs()[1].tick_size == 0.01


def test_symbol_specs_on_the_command_line_are_listed_next_to_the_defaults():
    config = _config("--symbol-spec", "BAR-USD:tick=0.01,lot=1,price=3,vol=0.001")
    assert config.symbols[-1] == "BAR-USD" and config.specs()[-1].start_price == 3.0


def test_bad_settings_files_are_named_with_what_is_wrong(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("rate = \n")
    with pytest.raises(ValueError, match=r"broken.toml: .*line 1"):
        _config("--config", str(broken))
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("speeed = 3\n")
    with pytest.raises(ValueError, match=r"unknown.toml: unknown keys \['speeed'\]"):
        _config("--config", str(unknown))


def test_cli_errors_are_one_clear_line():
    result = subprocess.run(
        [sys.executable, "-m", "mock_exchange", "--symbols", "NOPE-USD"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.strip() == "mock-exchange: unknown symbols ['NOPE-USD']; listed: ['ADA-USD', 'BTC-USD', 'DOGE-USD', 'ETH-USD', 'SOL-USD']"


async def test_the_process_serves_with_a_token_and_scheduled_faults():
    async with exchange_process("--token", "t", "--admin-token", "a", "--fault", "send_unknown_type@every=0.2", "--rate", "20") as url:
        with pytest.raises(InvalidStatus):
            await connect(url)
        async with connect(url + "?token=t") as ws:
            await recv_json(ws)
            await recv_until(ws, lambda m: m["type"] == "gossip")
            ack = await request(ws, {"op": "admin", "id": 1, "token": "a", "fault": "delay", "args": {"seconds": 0}})
            assert ack["type"] == "ack"


@pytest.mark.parametrize("number", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_a_signal_closes_clients_with_1001_and_logs_stopped_even_with_sigint_ignored(number):
    # A script's background job (`mock-exchange &`) starts with SIGINT ignored.
    process, url, lines = await start_exchange(preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        async with connect(url) as ws:
            await recv_json(ws)
            process.send_signal(number)
            with pytest.raises(ConnectionClosed):
                while True:
                    await asyncio.wait_for(ws.recv(), 10)
            assert ws.close_code == 1001
        assert await asyncio.wait_for(process.wait(), 30) == 0
        log = "".join(lines) + (await process.stderr.read()).decode()
        assert "stopped" in log and f"{number.name} received" in log
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--port", "70000"], "port must be from 0 to 65535, got 70000"),
        (["--port", "-1"], "port must be from 0 to 65535, got -1"),
        (["--port", "http"], "port must be a whole number"),
        (["--symbol-spec", "FOO-USD:tick=0"], "missing lot, price"),
        (["--symbol-spec", "FOO-USD:tick=0,lot=1,price=1"], "tick_size, lot_size and start_price must be > 0"),
        (["--symbol-spec", "FOO-USD:tick=1,lot=1,price=x"], "price must be a number"),
        (["--origin", "dash.example"], "expected scheme://host[:port]"),
    ],
)
def test_usage_errors_are_one_clear_line_and_exit_2(argv, words):
    result = subprocess.run([sys.executable, "-m", "mock_exchange", *argv], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and lines[0].startswith("mock-exchange: "), result.stderr
    assert "Traceback" not in result.stderr and "__init__" not in result.stderr


def test_a_port_out_of_range_in_the_settings_file_is_refused(tmp_path):
    path = tmp_path / "exchange.toml"
    path.write_text("port = 70000\n")
    with pytest.raises(ValueError, match="port must be a whole number from 0 to 65535, got 70000"):
        _config("--config", str(path)).check()


def test_the_seeded_past_is_an_option_and_the_seed_is_new_on_each_start_unless_given():
    from mock_exchange.server import ExchangeServer

    config = _config("--history-days", "2.5", "--history-seconds", "600")
    assert (config.history_days, config.history_seconds, config.seed) == (2.5, 600, None)
    with pytest.raises(ValueError, match="history-days"):
        _config("--history-days", "-1").check()
    first, second = ExchangeServer(_config("--port", "0")), ExchangeServer(_config("--port", "0"))
    assert first.seed != second.seed
    assert first.market.history("BTC-USD", "1m", None, 50) != second.market.history("BTC-USD", "1m", None, 50)
    assert ExchangeServer(_config("--port", "0", "--seed", "4")).seed == 4

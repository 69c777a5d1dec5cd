"""The TOML config: defaults, clear errors naming file and line, a bad file never overwritten."""

from __future__ import annotations

from pathlib import Path

import pytest

from tradedash.config import Config, FeedConfig, load_config, save_config, validate_feed


def test_missing_file_gives_defaults_and_can_be_saved(tmp_path):
    path = tmp_path / "sub" / "config.toml"
    loaded = load_config(path)
    assert loaded.error is None and loaded.config == Config()
    assert save_config(loaded, Config(theme="light"))
    assert load_config(path).config.theme == "light"


def test_syntax_error_names_file_and_line(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('theme = "dark"\nrepaint_hz = 30\nfeeds = [ {name = "x", url = }\n]\n')
    loaded = load_config(path)
    assert loaded.error.startswith(f"{path}: not valid TOML") and "line 3" in loaded.error
    assert loaded.config == Config() and not loaded.writable


def test_wrong_type_and_unknown_key_name_the_line(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('theme = "dark"\n\n[[feeds]]\nname = "a"\nurl = 5\n')
    assert f"{path}, line 5" in load_config(path).error
    path.write_text('theme = "dark"\ncolour = "red"\n')
    error = load_config(path).error
    assert f"{path}, line 2" in error and "colour" in error


def test_invalid_feed_is_explained(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[[feeds]]\nname = "a"\nurl = "http://example"\nchannels = ["tickr"]\n')
    error = load_config(path).error
    assert "ws:// or wss://" in error and "Unknown channels tickr" in error


def test_bad_file_is_never_overwritten(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("theme = \n")
    loaded = load_config(path)
    assert not save_config(loaded, Config(theme="dark"))
    assert path.read_text() == "theme = \n"


def test_validate_feed_messages(tmp_path):
    feed = FeedConfig(name="x", url="ws://h:1", ca_file=str(tmp_path / "none.pem"), symbols=["BTC-USD", "XYZ"])
    problems = validate_feed(feed, known_symbols=["BTC-USD"])
    assert any("only applies to a wss://" in p for p in problems)
    assert any("does not exist" in p for p in problems)
    assert any("does not list XYZ" in p for p in problems)
    assert validate_feed(FeedConfig(name="ok", url="wss://h:1")) == []


def test_the_example_in_resources_is_valid():
    loaded = load_config(Path(__file__).resolve().parents[1] / "tradedash" / "resources" / "config.example.toml")
    assert loaded.error is None and loaded.config.feeds[0].url == "embedded"


def test_reconnect_max_delay_is_read_checked_and_kept_out_of_the_file_at_its_default(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[[feeds]]\nname = "slow exchange"\nurl = "ws://h:1"\nreconnect_max_delay = 30.0\n')
    assert load_config(path).config.feeds[0].reconnect_max_delay == 30.0
    path.write_text('[[feeds]]\nname = "a"\nurl = "ws://h:1"\n\nreconnect_max_delay = 0.0\n')
    error = load_config(path).error
    assert f"{path}, line 5" in error and "0.1" in error
    fresh = tmp_path / "fresh.toml"
    assert save_config(load_config(fresh), Config())
    assert "reconnect_max_delay" not in fresh.read_text()  # defaults stay out of the file


@pytest.mark.parametrize(
    "text",
    ["a = " + "[" * 1000 + "]" * 1000, "a = " + "{b = " * 500 + "1" + "}" * 500],
    ids=["arrays", "inline-tables"],
)
def test_a_file_nested_too_deeply_is_reported_like_a_corrupt_one(tmp_path, text):
    path = tmp_path / "config.toml"
    path.write_text(text)
    loaded = load_config(path)
    assert loaded.error == f"{path}: nested too deeply to read"
    assert loaded.config == Config() and not loaded.writable and path.read_text() == text


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xef\xbb\xbf" + b'theme = "dark"\n')
    loaded = load_config(path)
    assert loaded.error is None and loaded.config.theme == "dark"


@pytest.mark.parametrize(
    ("data", "said"),
    [
        (b'theme = "dark"\n\x00\x01\x02PK', "not a text file (byte 0x00 at byte 15)"),
        (b"\x89PNG\r\n\x1a\n", "not UTF-8 text (byte 0x89 at byte 0)"),
    ],
)
def test_a_binary_file_is_reported_by_byte_not_line(tmp_path, data, said):
    path = tmp_path / "config.toml"
    path.write_bytes(data)
    assert load_config(path).error == f"{path}: {said}"


def test_a_bad_choice_lists_the_allowed_values(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('repaint_hz = 30\ntheme = "purple"\n')
    assert load_config(path).error == f"{path}, line 2: theme: 'purple' is not one of system, dark, light"


def test_errors_are_one_sentence_without_a_final_stop(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[[feeds]]\nname = "x"\nurl = "http://example.com"\n')
    error = load_config(path).error
    assert error.endswith("(or be 'embedded')") and ".;" not in error


def test_a_feed_names_its_venue_rest_url_and_compression(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        '[[feeds]]\nname = "binance"\nvenue = "binance"\nurl = "wss://stream.binance.com:9443"\n'
        'rest_url = "https://api.binance.com"\ncompression = true\nsymbols = ["BTCUSDT"]\n'
    )
    feed = load_config(path).config.feeds[0]
    assert (feed.venue, feed.rest_url, feed.compression) == ("binance", "https://api.binance.com", True)
    path.write_text('[[feeds]]\nname = "x"\nvenue = "kraken"\n')
    error = load_config(path).error
    assert "kraken" in error and "binance" in error and "tradedash" in error
    path.write_text('[[feeds]]\nname = "x"\nvenue = "binance"\nrest_url = "ftp://x"\n')
    assert "http://" in load_config(path).error
    assert Config().feeds[0].venue == "tradedash" and Config().feeds[0].url == "embedded"  # the default: the embedded mock
    fresh = tmp_path / "fresh.toml"
    assert save_config(load_config(fresh), Config())
    assert "venue" not in fresh.read_text() and "compression" not in fresh.read_text()

"""The dashboard's configuration: a typed TOML file (feeds, subscriptions, theme).

Reading never fails the app: :func:`load_config` returns the defaults and a
message naming the file and line when the file is corrupt or invalid, and it
never writes. :func:`save_config` refuses to overwrite a file that did not load
(the user's bad file is kept for them to fix), and writes atomically otherwise.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import msgspec
import tomli_w

from tradedash.core import wire
from tradedash.core.venues.registry import DEFAULT_VENUE, VENUES

__all__ = [
    "EMBEDDED",
    "DEFAULT_SYMBOLS",
    "DEFAULT_CHANNELS",
    "FeedConfig",
    "Config",
    "LoadedConfig",
    "load_config",
    "save_config",
    "validate_feed",
    "default_config",
]

#: A feed ``url`` of this value starts the mock exchange inside the app and connects to it.
EMBEDDED = "embedded"
DEFAULT_SYMBOLS = list(VENUES[DEFAULT_VENUE].default_symbols)
DEFAULT_CHANNELS = ["ticker", "trades", "book", "candles:1m"]
Theme = Literal["system", "dark", "light"]


class FeedConfig(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """One exchange connection: where, with which credentials, and what to subscribe to."""

    name: str
    #: Which venue's protocol the feed speaks (:data:`~tradedash.core.venues.registry.VENUES`).
    venue: str = DEFAULT_VENUE
    #: ``embedded``: the mock exchange inside the app (serving the venue's dialect); else a ws:// or wss://
    #: URL (for Binance the stream endpoint without a path, ``wss://stream.binance.com:9443``).
    url: str = EMBEDDED
    #: The venue's REST base (book snapshots, symbols), for venues that have one; empty: the venue's
    #: default (``https://api.binance.com``), or the embedded mock's.
    rest_url: str = ""
    #: Offer permessage-deflate in the handshake (some venues break when it is offered).
    compression: bool = False
    token: str = ""
    ca_file: str = ""
    symbols: list[str] = msgspec.field(default_factory=lambda: list(DEFAULT_SYMBOLS))
    channels: list[str] = msgspec.field(default_factory=lambda: list(DEFAULT_CHANNELS))
    #: The longest wait (seconds) between reconnection attempts: 1 s gets the feed back about a
    #: second after its exchange returns; an exchange that limits connection attempts may want more.
    reconnect_max_delay: Annotated[float, msgspec.Meta(ge=0.1, le=3600)] = 1.0


class Config(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """The whole file. ``repaint_hz`` is clamped to 10..60 by the window. ``chart`` is the price chart's
    :class:`~tradedash.core.chart.chart_state.ChartState` as plain values (checked when the window restores it)."""

    theme: Theme = "system"
    repaint_hz: int = 30
    feeds: list[FeedConfig] = msgspec.field(default_factory=lambda: [FeedConfig(name="demo")])
    chart: dict[str, Any] = msgspec.field(default_factory=dict)


def default_config() -> Config:
    return Config()


@dataclass
class LoadedConfig:
    """What :func:`load_config` found: the config to use, and why it is the default if it is.

    ``error`` is None when the file loaded (or did not exist); otherwise it names
    the file and the line, and ``writable`` is False so the file is not overwritten.
    """

    path: Path
    config: Config
    error: str | None = None
    writable: bool = True

    def __post_init__(self) -> None:
        if self.error is not None:
            self.writable = False


def validate_feed(feed: FeedConfig, known_symbols: list[str] | None = None) -> list[str]:
    """Every problem with ``feed``, as sentences a user can act on; empty when it is valid."""
    problems: list[str] = []
    if not feed.name.strip():
        problems.append("The feed needs a name.")
    if feed.venue not in VENUES:
        problems.append(f"Unknown venue {feed.venue!r}; known: {', '.join(VENUES)}.")
    if feed.rest_url and not feed.rest_url.startswith(("http://", "https://")):
        problems.append(f"The REST URL {feed.rest_url!r} must start with http:// or https://.")
    if feed.url != EMBEDDED and not feed.url.startswith(("ws://", "wss://")):
        problems.append(f"The URL {feed.url!r} must start with ws:// or wss:// (or be {EMBEDDED!r}).")
    if feed.ca_file:
        if not feed.url.startswith("wss://"):
            problems.append("A CA file only applies to a wss:// (TLS) URL.")
        if not Path(feed.ca_file).is_file():
            problems.append(f"The CA file {feed.ca_file} does not exist.")
    unknown_channels = [c for c in feed.channels if c not in wire.CHANNELS]
    if unknown_channels:
        problems.append(f"Unknown channels {', '.join(unknown_channels)}; known: {', '.join(wire.CHANNELS)}.")
    if not feed.channels:
        problems.append("Choose at least one channel.")
    if not feed.symbols:
        problems.append("Choose at least one symbol.")
    if known_symbols is not None:
        unlisted = [s for s in feed.symbols if s not in known_symbols]
        if unlisted:
            problems.append(f"The exchange does not list {', '.join(unlisted)}.")
    return problems


def _validate(config: Config) -> None:
    names = [feed.name for feed in config.feeds]
    if len(set(names)) != len(names):
        raise ValueError("feed names must be unique")
    for feed in config.feeds:
        problems = validate_feed(feed)
        if problems:
            raise ValueError(f"feed {feed.name!r}: {' '.join(problems)}")


def _line_of(text: str, key: str | None) -> int | None:
    """The first line that assigns ``key`` (for messages about a value, not a syntax error)."""
    if not key:
        return None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip().startswith((f"{key} ", f"{key}=")):
            return number
    return None


def _failing_key(message: str) -> str | None:
    """The key a msgspec error is about: "... - at `$.feeds[0].url`" -> "url"."""
    unknown = re.search(r"unknown field `(\w+)`", message)
    if unknown:
        return unknown.group(1)
    match = re.search(r"at `\$((?:\.\w+|\[\d+\])+)`", message)
    return re.findall(r"\.(\w+)", match.group(1))[-1] if match else None


def _decode(data: bytes) -> tuple[str | None, str | None]:
    """(text, None) for UTF-8 text (a byte-order mark is dropped), or (None, why it is not text)."""
    nul = data.find(b"\x00")
    if nul >= 0:
        return None, f"not a text file (byte 0x00 at byte {nul})"
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return None, f"not UTF-8 text (byte 0x{data[exc.start]:02x} at byte {exc.start})"


def _readable(message: str) -> str:
    """msgspec's "Invalid enum value 'x' - at `$.theme`" as "theme: 'x' is not one of system, dark, light"."""
    match = re.fullmatch(r"(.*) - at `\$((?:\.\w+|\[\d+\])+)`", message)
    if not match:
        return message
    reason, where = match.group(1).replace("`", ""), match.group(2).lstrip(".")
    enum = re.fullmatch(r"Invalid enum value (.+)", reason)
    choices = _CHOICES.get(where.rsplit(".", 1)[-1])
    if enum and choices:
        reason = f"{enum.group(1)} is not one of {', '.join(choices)}"
    return f"{where}: {reason}"


#: Keys whose value is one of a few words: the words, for error messages.
_CHOICES = {"theme": get_args(Theme)}


def load_config(path: Path) -> LoadedConfig:
    """Read ``path``; a missing file gives the defaults, a bad one the defaults and an error.

    Errors name the file and, where it helps, the line (or the byte, for a file
    that is not text); they are one sentence without a final full stop. Any
    file is handled: binary, not UTF-8, nested too deeply to parse.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return LoadedConfig(path, default_config())
    except OSError as exc:
        return LoadedConfig(path, default_config(), f"{path}: cannot read: {exc.strerror or exc}")
    text, not_text = _decode(data)
    if text is None:
        return LoadedConfig(path, default_config(), f"{path}: {not_text}")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends with "(at line N, column M)" or "(at end of document)".
        message = str(exc).replace("at end of document", f"at line {len(text.splitlines()) or 1}, the end of the file")
        return LoadedConfig(path, default_config(), f"{path}: not valid TOML: {message}")
    except RecursionError:
        return LoadedConfig(path, default_config(), f"{path}: nested too deeply to read")
    try:
        config = msgspec.convert(raw, Config)
        _validate(config)
    except (msgspec.ValidationError, ValueError, RecursionError) as exc:
        message = "nested too deeply to read" if isinstance(exc, RecursionError) else str(exc)
        line = _line_of(text, _failing_key(message))
        where = f"{path}, line {line}" if line else str(path)
        return LoadedConfig(path, default_config(), f"{where}: {_readable(message).rstrip('.')}")
    return LoadedConfig(path, config)


def save_config(loaded: LoadedConfig, config: Config) -> bool:
    """Write ``config`` to ``loaded.path`` atomically, unless that file failed to load.

    Returns True when written. The parent directory is created if needed.
    """
    loaded.config = config
    if not loaded.writable:
        return False
    loaded.path.parent.mkdir(parents=True, exist_ok=True)
    data = tomli_w.dumps(msgspec.to_builtins(config))
    fd, tmp = tempfile.mkstemp(dir=loaded.path.parent, prefix=".config-", suffix=".toml")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(data)
    os.replace(tmp, loaded.path)
    return True

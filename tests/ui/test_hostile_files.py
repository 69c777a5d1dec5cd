"""Fuzz: hostile config, alert and history files (nesting, huge and tiny numbers, wrong types, a BOM,
binary). Whatever the files hold, the app starts, names the file it could not use, and keeps it.

Most cases run in this process against the real loaders and a real window with its alerts (a real
QApplication); one real start in a subprocess per kind of file proves the whole app lives.
"""

from __future__ import annotations

import json
import random
import sys

import pytest
from tests.support.app_process import run_app
from PySide6.QtCore import QSettings

from tradedash.config import Config, load_config
from tradedash.core.alerts.store import HISTORY_FILE, RULES_FILE, AlertStore
from tradedash.ui.alerts.center import AlertCenter
from tradedash.ui.main_window import MainWindow

CONFIG = "config.toml"
_bytes = random.Random(12)

RULE = {"kind": "price_cross", "id": "r1", "symbol": "BTC-USD", "direction": "above", "level": 100.0}
FIRING = {"at": 1_764_000_000.0, "rule_id": "r1", "rule_name": "n", "symbol": "BTC-USD", "value": 1.0, "message": "m"}


def _json(value) -> bytes:
    return json.dumps(value).encode()


def _hostile_common() -> dict[str, bytes]:
    return {
        "empty": b"",
        "binary": bytes(_bytes.randrange(256) for _ in range(512)),
        "nul-bytes": b"\x00" * 64,
        "not-utf8": "é".encode("latin-1") * 10,
        "bom-garbage": b"\xef\xbb\xbf\xff\xfe",
        "huge": b"9" * 5000,
    }


def hostile_configs() -> dict[str, bytes]:
    return {
        **_hostile_common(),
        "nested-arrays": b"a = " + b"[" * 1000 + b"]" * 1000,
        "nested-tables": b"a = " + b"{b = " * 500 + b"1" + b"}" * 500,
        "bom-valid": b'\xef\xbb\xbftheme = "dark"\n',
        "huge-number": b"repaint_hz = 1" + b"0" * 400 + b"\n",
        "float-extreme": b"repaint_hz = 1.7e308\n",
        "tiny-delay": b'[[feeds]]\nname = "x"\nreconnect_max_delay = 5e-324\n',
        "inf-delay": b'[[feeds]]\nname = "x"\nreconnect_max_delay = inf\n',
        "nan-hz": b"repaint_hz = nan\n",
        "wrong-type-feeds": b'feeds = "demo"\n',
        "wrong-type-theme": b"theme = 3\n",
        "bad-choice": b'theme = "purple"\n',
        "long-name": b'[[feeds]]\nname = "' + b"x" * 100_000 + b'"\n',
        "many-feeds": b"".join(b'[[feeds]]\nname = "f%d"\nsymbols = []\n' % i for i in range(300)),
    }


def hostile_rules() -> dict[str, bytes]:
    return {
        **_hostile_common(),
        "nested": b"[" * 2000 + b"]" * 2000,
        "nested-rule": b'{"version": 1, "rules": [' + b"[" * 2000 + b"]" * 2000 + b"]}",
        "bom": b"\xef\xbb\xbf" + _json({"version": 1, "rules": [RULE]}),
        "wrong-type-rules": _json({"version": 1, "rules": {"a": 1}}),
        "wrong-type-level": _json({"version": 1, "rules": [dict(RULE, level="high")]}),
        "huge-level": _json({"version": 1, "rules": [dict(RULE, level=1.7e308)]}),
        "tiny-level": _json({"version": 1, "rules": [dict(RULE, level=5e-324)]}),
        "far-expiry": _json({"version": 1, "rules": [dict(RULE, expires_at=1e12)]}),
        "negative-expiry": _json({"version": 1, "rules": [dict(RULE, expires_at=-1e12)]}),
        "huge-cooldown": _json({"version": 1, "rules": [dict(RULE, cooldown=1e308)]}),
        "unknown-kind": _json({"version": 1, "rules": [dict(RULE, kind="moon")]}),
        "many-rules": _json({"version": 1, "rules": [dict(RULE, id=f"r{i}") for i in range(2000)]}),
        "overflowing-number": b'{"version": 1, "rules": [{"kind": "price_cross", "id": "a", "symbol": "B", '
                              b'"direction": "above", "level": 1e999}]}',
    }


def hostile_histories() -> dict[str, bytes]:
    return {
        **_hostile_common(),
        "nested": b'{"firings": ' + b"[" * 2000 + b"]" * 2000 + b"}",
        "bom": b"\xef\xbb\xbf" + _json({"version": 1, "firings": [FIRING]}),
        "far-time": _json({"version": 1, "firings": [dict(FIRING, at=1e12)]}),
        "negative-time": _json({"version": 1, "firings": [dict(FIRING, at=-5.0)]}),
        "huge-value": _json({"version": 1, "firings": [dict(FIRING, value=1.7e308, price=-1.7e308)]}),
        "tiny-value": _json({"version": 1, "firings": [dict(FIRING, value=5e-324, price=5e-324)]}),
        "wrong-type-at": _json({"version": 1, "firings": [dict(FIRING, at="yesterday")]}),
        "wrong-type-firings": _json({"version": 1, "firings": 7}),
        "long-message": _json({"version": 1, "firings": [dict(FIRING, message="x" * 100_000)]}),
        "many": _json({"version": 1, "firings": [FIRING] * 5000}),
    }


def _kept(directory, name: str, original: bytes) -> bool:
    """The user's bytes still exist: in place, or moved aside as ``<name>.bad-*``."""
    copies = [directory / name, *directory.glob(f"{name}.bad-*")]
    return any(path.exists() and path.read_bytes() == original for path in copies)


@pytest.mark.parametrize(("case", "data"), list(hostile_configs().items()))
def test_a_hostile_config_loads_as_defaults_naming_the_file_and_keeps_it(tmp_path, case, data):
    path = tmp_path / CONFIG
    path.write_bytes(data)
    loaded = load_config(path)
    assert isinstance(loaded.config, Config)
    if loaded.error is not None:
        assert loaded.error.startswith(str(path)) and not loaded.writable
        assert "\n" not in loaded.error and len(loaded.error) < 2000
    assert path.read_bytes() == data  # never rewritten


def _window_with_alerts(qtbot, directory) -> AlertCenter:
    window = MainWindow([], Config(), QSettings(str(directory / "layout.ini"), QSettings.Format.IniFormat))
    window.repaint_timer.stop()
    qtbot.addWidget(window)
    return AlertCenter(AlertStore(directory), window, symbol_of=lambda _chart: ("", "BTC-USD"))


@pytest.mark.parametrize(
    ("name", "case", "data"),
    [(RULES_FILE, case, data) for case, data in hostile_rules().items()]
    + [(HISTORY_FILE, case, data) for case, data in hostile_histories().items()],
)
def test_hostile_alert_files_are_shown_or_reported_and_kept(qtbot, tmp_path, monkeypatch, name, case, data):
    escaped: list[str] = []
    monkeypatch.setattr(sys, "excepthook", lambda kind, exc, tb: escaped.append(f"{kind.__name__}: {exc}"))
    (tmp_path / name).write_bytes(data)
    alerts = _window_with_alerts(qtbot, tmp_path)
    try:
        window = alerts.window
        window.show()
        qtbot.waitExposed(window)
        for table in (alerts.panel.rules_table, alerts.panel.history_table):
            table.resizeColumnsToContents()
        alerts.tick()
        window.grab()  # paints every visible cell
        for problem in alerts.problems:
            assert name in problem
        if alerts.problems:
            assert alerts.banner.isVisibleTo(window) and name in alerts.banner.label.text()
        assert _kept(tmp_path, name, data)
        assert escaped == []
    finally:
        alerts.close()


@pytest.mark.parametrize(
    ("name", "data"),
    [
        (CONFIG, b"\xef\xbb\xbf" + b"a = " + b"[" * 1000 + b"]" * 1000),
        (RULES_FILE, _json({"version": 1, "rules": [dict(RULE, expires_at=1e12), dict(RULE, id="r2", level=1.7e308)]})),
        (HISTORY_FILE, b'{"firings": ' + b"[" * 2000 + b"]" * 2000 + b"}"),
    ],
    ids=["config", "rules", "history"],
)
def test_the_real_app_starts_on_hostile_files_names_them_and_keeps_them(tmp_path, name, data):
    (tmp_path / name).write_bytes(data)
    run = run_app(["--config", str(tmp_path / CONFIG)], tmp_path)
    assert run.shown and run.returncode == 0, run.output[-3000:]
    assert str(tmp_path / name) in run.output
    assert "Traceback" not in run.output
    assert _kept(tmp_path, name, data)


@pytest.mark.parametrize("data", [b"", bytes(range(256)) * 8, b"[window]\nstate=@ByteArray(" + b"\xff" * 300 + b")\ngeometry=1e308\n"])
def test_a_hostile_layout_file_gives_the_default_layout(qtbot, tmp_path, data):
    path = tmp_path / "layout.ini"
    path.write_bytes(data)
    window = MainWindow([], Config(), QSettings(str(path), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    window.repaint_timer.stop()
    window.show()
    qtbot.waitExposed(window)
    assert all(dock.isVisible() for dock in window.docks.values())

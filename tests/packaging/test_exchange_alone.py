"""The mock exchange installed alone, as the README says, for a CI machine that tests a WebSocket client: no Qt."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from websockets.sync.client import connect

from tests.packaging.conftest import make_venv
from tests.packaging.installed import run_installed, running_exchange

REPO = Path(__file__).resolve().parents[2]

_RECIPE = re.compile(r"^pip install --no-deps tradedash .+$", re.MULTILINE)


def _readme_recipe(wheel: Path) -> list[str]:
    """The arguments of the README's exchange-only ``pip install`` line, with the wheel for ``tradedash``."""
    (line,) = _RECIPE.findall((REPO / "README.md").read_text())
    args = shlex.split(line)[2:]
    return [str(wheel) if arg == "tradedash" else arg for arg in args]


@pytest.mark.timeout(300)
def test_the_readme_recipe_gives_a_mock_exchange_without_qt_that_serves_a_client(built_dist, tmp_path):
    bin_dir = make_venv(tmp_path / "venv", *_readme_recipe(built_dist.wheel))
    no_qt = run_installed(bin_dir / "python", "-c", "import importlib.util as u; print(u.find_spec('PySide6'), u.find_spec('qasync'))")
    assert no_qt.stdout.split() == ["None", "None"], no_qt.stderr
    assert run_installed(bin_dir / "mock-exchange", "--version").stdout.startswith("mock-exchange ")
    with running_exchange(bin_dir, tmp_path / "exchange.log") as url, connect(url, open_timeout=10) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "hello"
        ws.send(json.dumps({"op": "subscribe", "id": 1, "channels": ["ticker"], "symbols": ["BTC-USD"]}))
        assert json.loads(ws.recv(timeout=10))["type"] == "ack"
        received = [json.loads(ws.recv(timeout=10)) for _ in range(3)]
    assert any(message.get("type") == "ticker" and message["symbol"] == "BTC-USD" for message in received)


def test_running_the_exchange_imports_neither_qt_nor_the_dashboard():
    probe = (
        "import sys, mock_exchange.cli, mock_exchange.server, mock_exchange.proxy\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'PySide6', 'shiboken6', 'qasync', 'pyqtgraph', 'numpy'}))\n"
        "print(sorted(m for m in sys.modules if m.startswith('tradedash.') and not m.startswith('tradedash.core')))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.stdout.splitlines() == ["[]", "[]"], result.stderr

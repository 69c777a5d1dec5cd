#!/usr/bin/env python3
"""Set up a virtual environment and run TradeDash or its tests, with nothing but Python 3.11+.

    python3 tasks.py run [ARGS...]    create .venv, install, start the app (embedded mock exchange)
    python3 tasks.py test [ARGS...]   create .venv, install with test extras, run the whole test suite

The environment is rebuilt only when ``pyproject.toml`` changes (a hash is kept in
``.venv/.tradedash-installed``). Extra arguments go to ``tradedash`` or ``pytest``.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".tradedash-installed"


def _venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_environment() -> Path:
    """Create ``.venv`` and install the project with its test extras, unless up to date."""
    if sys.version_info < (3, 11):
        sys.exit(f"TradeDash needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    python = _venv_python()
    if python.exists() and STAMP.exists() and STAMP.read_text() == wanted:
        return python
    if not python.exists():
        print("Creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("Installing TradeDash and its dependencies into .venv ...", flush=True)
    pip = [str(python), "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "install", "-e", f"{ROOT}[test]"], check=True)
    STAMP.write_text(wanted)
    return python


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("run", "test"):
        print(__doc__.strip())
        return 2
    command, rest = argv[0], argv[1:]
    python = str(ensure_environment())
    if command == "run":
        return subprocess.call([python, "-m", "tradedash", *rest], cwd=ROOT)
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return subprocess.call([python, "-m", "pytest", *rest], cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

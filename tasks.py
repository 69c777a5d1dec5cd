#!/usr/bin/env python3
"""Set up a virtual environment and run TradeDash or its tests, with nothing but Python 3.11+.

    python3 tasks.py run [ARGS...]    create .venv, install, start the app (embedded mock exchange)
    python3 tasks.py test [ARGS...]   create .venv, install with test extras, run the whole test suite
    python3 tasks.py setup            create or update .venv only

The environment is rebuilt only when ``pyproject.toml`` changes (a hash is kept in
``.venv/.tradedash-installed``). Extra arguments go to ``tradedash`` or ``pytest``.
Two runs at once take turns (a lock on ``.venv.lock``); a ``.venv`` left half made
(no pip, a broken interpreter) is rebuilt; pip's own output goes to ``.venv/install.log``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
import venv
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".tradedash-installed"
LOCK = ROOT / ".venv.lock"
INSTALL_LOG = VENV / "install.log"



def _venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def say(text: str) -> None:
    print(text, flush=True)


@contextmanager
def venv_lock() -> Iterator[None]:
    """Hold ``.venv.lock`` while the block runs; say so (once) while another run holds it."""
    with open(LOCK, "a+") as file:
        told = False
        while not _try_lock(file):
            if not told:
                file.seek(0)
                holder = file.read().strip() or "?"
                say(f"tasks.py: another tasks.py (pid {holder}) is setting up .venv; waiting for it ...")
                told = True
            time.sleep(0.2)
        file.seek(0)
        file.truncate()
        file.write(str(os.getpid()))
        file.flush()
        try:
            yield
        finally:
            file.seek(0)
            file.truncate()
            file.flush()
            _unlock(file)


def _try_lock(file) -> bool:
    if os.name == "nt":
        import msvcrt

        file.seek(0)
        try:
            msvcrt.locking(file.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(file) -> None:
    if os.name == "nt":
        import msvcrt

        file.seek(0)
        msvcrt.locking(file.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(file.fileno(), fcntl.LOCK_UN)


def _healthy(python: Path) -> bool:
    """The venv's interpreter runs and has pip."""
    if not python.exists():
        return False
    try:
        probe = subprocess.run([str(python), "-m", "pip", "--version"], capture_output=True, timeout=60)
    except OSError:
        return False
    return probe.returncode == 0


def _pip(python: Path, *args: str) -> None:
    """Run pip, its whole output appended to the install log; show only progress lines; exit on failure."""
    command = [str(python), "-m", "pip", "--disable-pip-version-check", *args]
    with open(INSTALL_LOG, "a", encoding="utf-8") as log:
        log.write(f"\n$ {' '.join(command)}\n")
        log.flush()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
        assert process.stdout is not None
        for line in process.stdout:
            log.write(line)
            if (progress := _progress(line)) is not None:
                say(f"      {progress}")
        code = process.wait()
    if code != 0:
        tail = INSTALL_LOG.read_text(encoding="utf-8", errors="replace").splitlines()[-30:]
        say("\n".join(tail))
        sys.exit(f"tasks.py: pip failed (exit {code}); the whole output is in {INSTALL_LOG}")


def _progress(line: str) -> str | None:
    """The short form of a line of pip's output worth showing while it works, or None."""
    if line.startswith("Collecting "):
        return line.split(" (from ")[0].strip()
    if line.startswith("Installing collected packages:"):
        return f"Installing {line.count(',') + 1} packages"
    if line.startswith("Building editable"):
        return line.strip()
    return None


def ensure_environment() -> Path:
    """Create ``.venv`` and install the project with its test extras, unless up to date."""
    if sys.version_info < (3, 11):
        sys.exit(f"TradeDash needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    python = _venv_python()

    def up_to_date() -> bool:
        return python.exists() and STAMP.exists() and STAMP.read_text() == wanted

    if up_to_date():
        return python
    with venv_lock():
        if up_to_date():  # another run finished it while this one waited
            return python
        started = time.monotonic()
        say(f"tasks.py: setting up {VENV.name} (pip's output: {INSTALL_LOG.relative_to(ROOT)})")
        if not VENV.exists():
            say(f"[1/3] creating the virtual environment {VENV.name}")
            venv.EnvBuilder(with_pip=True).create(VENV)
        elif not _healthy(python):
            say(f"[1/3] {VENV.name} is half made (no working python or pip): rebuilding it")
            shutil.rmtree(VENV)
            venv.EnvBuilder(with_pip=True).create(VENV)
        else:
            say(f"[1/3] {VENV.name} exists: updating it")
        INSTALL_LOG.write_text("", encoding="utf-8")
        STAMP.unlink(missing_ok=True)
        say("[2/3] updating pip")
        _pip(python, "install", "--upgrade", "pip")
        say("[3/3] installing TradeDash (editable) with its test extras; the first time downloads Qt (~100 MB)")
        _pip(python, "install", "-e", f"{ROOT}[test]")
        STAMP.write_text(wanted)
        say(f"tasks.py: {VENV.name} is ready ({time.monotonic() - started:.0f} s)")
    return python


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("run", "test", "setup"):
        print(__doc__.strip())
        return 2
    command, rest = argv[0], argv[1:]
    python = str(ensure_environment())
    if command == "setup":
        return 0
    if command == "run":
        return subprocess.call([python, "-m", "tradedash", *rest], cwd=ROOT)
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return subprocess.call([python, "-m", "pytest", *rest], cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""``tasks.py`` sets up ``.venv`` safely: two runs take turns, a half-made venv is rebuilt, and it says what it does.

Each test runs a copy of tasks.py in a temporary folder beside a tiny project of its own, so the
repository's ``.venv`` is never touched and an install takes seconds.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.timeout(240), pytest.mark.skipif(sys.platform == "win32", reason="fcntl")]

TINY_PYPROJECT = """\
[build-system]
requires = ["setuptools>=77"]
build-backend = "setuptools.build_meta"

[project]
name = "tiny-tasks-project"
version = "1.0"
requires-python = ">=3.11"

[project.optional-dependencies]
test = []

[tool.setuptools]
packages = ["tiny"]
"""


@pytest.fixture
def project(tmp_path) -> Path:
    root = tmp_path / "project"
    (root / "tiny").mkdir(parents=True)
    (root / "tiny" / "__init__.py").write_text("ANSWER = 42\n")
    (root / "pyproject.toml").write_text(TINY_PYPROJECT)
    shutil.copy(REPO / "tasks.py", root / "tasks.py")
    return root


def _setup(root: Path, **popen) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(root / "tasks.py"), "setup"], cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen
    )


def _works(root: Path) -> bool:
    python = root / ".venv" / "bin" / "python"
    probe = subprocess.run([str(python), "-c", "import pip, tiny; print(tiny.ANSWER)"], capture_output=True, text=True, cwd="/")
    return probe.stdout.strip() == "42"


def test_the_first_setup_says_each_step_and_shows_nothing_of_pip_but_progress(project):
    process = _setup(project)
    out, err = process.communicate(timeout=200)
    assert process.returncode == 0, out + err
    assert err == ""
    lines = [line for line in out.splitlines() if line.strip()]
    assert [line[:5] for line in lines if line.startswith("[")] == ["[1/3]", "[2/3]", "[3/3]"]
    assert all(line.startswith(("tasks.py:", "[", "      ")) for line in lines), out
    assert lines[-1].startswith("tasks.py: .venv is ready")
    assert "Successfully installed tiny-tasks-project" in (project / ".venv" / "install.log").read_text()
    assert _works(project)


def test_a_second_run_waits_for_the_one_holding_the_lock_and_says_so(project):
    with open(project / ".venv.lock", "a+") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        lock.write("12345")
        lock.flush()
        waiting = _setup(project)
        first_line = waiting.stdout.readline()
        assert "another tasks.py (pid 12345) is setting up .venv; waiting" in first_line
        time.sleep(0.5)
        assert waiting.poll() is None and not (project / ".venv").exists()  # it waits, it does not build beside us
        fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
    out, err = waiting.communicate(timeout=200)
    assert waiting.returncode == 0, out + err
    assert _works(project)


def test_two_runs_at_once_leave_one_working_venv(project):
    runs = [_setup(project), _setup(project)]
    results = [run.communicate(timeout=200) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], results
    outputs = [out for out, _ in results]
    assert sum("[3/3]" in out for out in outputs) == 1  # the second found it done
    assert _works(project)


def test_a_half_made_venv_without_pip_is_rebuilt(project):
    venv.EnvBuilder(with_pip=False).create(project / ".venv")
    process = _setup(project)
    out, err = process.communicate(timeout=200)
    assert process.returncode == 0, out + err
    assert "half made" in out
    assert _works(project)

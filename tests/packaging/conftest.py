"""Build the wheel and sdist once per session, and make venvs outside the repository to install them in."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import venv
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.packaging.installed import run_installed

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class BuiltDist:
    """What ``python -m build`` made, and everything it printed."""

    wheel: Path
    sdist: Path
    output: str


@pytest.fixture(scope="session")
def project_version() -> str:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]


@pytest.fixture(scope="session")
def built_dist(tmp_path_factory) -> BuiltDist:
    """An sdist, and a wheel built from that sdist (``python -m build``'s default), in a temporary folder."""
    out = tmp_path_factory.mktemp("dist")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # a warning of its own
    result = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(REPO)],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (wheel,) = out.glob("tradedash-*.whl")
    (sdist,) = out.glob("tradedash-*.tar.gz")
    return BuiltDist(wheel, sdist, result.stdout + result.stderr)


def make_venv(path: Path, *pip_install_args: str) -> Path:
    """A fresh venv at ``path`` (outside the repository) with ``pip install ARGS`` done; returns its bin folder."""
    venv.EnvBuilder(with_pip=True).create(path)
    bin_dir = path / ("Scripts" if os.name == "nt" else "bin")
    result = run_installed(bin_dir / "python", "-m", "pip", "install", "--disable-pip-version-check", "-q", *pip_install_args, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return bin_dir


@pytest.fixture(scope="session")
def app_venv(built_dist, tmp_path_factory) -> Path:
    """The bin folder of a venv where only the wheel (and what it depends on) is installed."""
    return make_venv(tmp_path_factory.mktemp("app-venv") / "venv", str(built_dist.wheel))

"""The wheel and sdist as a user gets them: built with ``python -m build``, installed in a fresh venv, run with no clone around."""

from __future__ import annotations

import re
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.packaging.installed import clean_env, run_installed, running_exchange
from tests.support.app_process import AppProcess

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.timeout(300)

#: What setuptools prints when it warns: Python warnings (SetuptoolsDeprecationWarning: ...) and
#: distutils-style "warning: ..." lines. (pip's own "WARNING:" lines about its index are not the build's.)
_BUILD_WARNING = re.compile(r"^\s*warning:|\w+Warning\b", re.MULTILINE)


def _runtime_files() -> set[str]:
    """Every file under the two packages that the app or the exchange may read at run time."""
    return {
        path.relative_to(REPO).as_posix()
        for top in ("tradedash", "mock_exchange")
        for path in (REPO / top).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


def test_build_makes_a_wheel_and_an_sdist_without_warnings(built_dist):
    assert built_dist.wheel.name.endswith("-py3-none-any.whl")
    assert _BUILD_WARNING.findall(built_dist.output) == []


def test_the_wheel_and_the_sdist_hold_every_runtime_file(built_dist):
    wanted = _runtime_files()
    assert "tradedash/resources/icons/app.svg" in wanted and "tradedash/resources/config.example.toml" in wanted
    in_wheel = set(zipfile.ZipFile(built_dist.wheel).namelist())
    assert wanted - in_wheel == set()
    with tarfile.open(built_dist.sdist) as sdist:
        prefix = sdist.getnames()[0].split("/")[0] + "/"
        in_sdist = {name.removeprefix(prefix) for name in sdist.getnames()}
    assert wanted - in_sdist == set()


def test_installed_commands_report_the_project_version(app_venv, project_version):
    for command in ("tradedash", "mock-exchange"):
        result = run_installed(app_venv / command, "--version")
        assert (result.returncode, result.stdout.strip()) == (0, f"{command} {project_version}"), result.stderr


def test_installed_packages_come_from_the_venv_not_the_clone(app_venv):
    result = run_installed(app_venv / "python", "-c", "import tradedash, mock_exchange; print(tradedash.__file__); print(mock_exchange.__file__)")
    assert result.returncode == 0, result.stderr
    for location in result.stdout.split():
        assert Path(location).is_relative_to(app_venv.parent), location


def test_installed_tape_prints_what_the_installed_exchange_sends(app_venv, tmp_path):
    with running_exchange(app_venv, tmp_path / "exchange.log") as url:
        result = run_installed(app_venv / "tradedash", "tape", "--url", url, "--symbols", "BTC-USD,ETH-USD", "--duration", "1.5")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) >= 5
    assert {line.split()[1] for line in lines} == {"BTC-USD", "ETH-USD"}


def test_the_installed_app_opens_its_window_and_quits_cleanly(app_venv, tmp_path):
    app = AppProcess(tmp_path, "app", "--config", str(tmp_path / "config.toml"), command=(str(app_venv / "tradedash"),), cwd=tmp_path, env=clean_env())
    try:
        app.wait_for_log("a second start with this config will bring this window to the front")  # the window is up
    finally:
        assert app.stop() == 0, app.output()[-2000:]
    assert "Traceback" not in app.output()

"""One TradeDash per config, with real processes (offscreen): a second start raises the first and exits 0."""

from __future__ import annotations

import pytest

from tests.support.app_process import AppProcess

READY = "a second start with this config will bring this window to the front"
RAISED = "a second start brought the window to the front"

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def apps():
    started: list[AppProcess] = []
    yield started
    for app in started:
        app.stop()


def test_a_second_start_with_the_same_config_raises_the_first_and_exits_0(tmp_path, apps):
    config = str(tmp_path / "config.toml")
    first = AppProcess(tmp_path, "first", "--config", config)
    apps.append(first)
    first.wait_for_log(READY)
    second = AppProcess(tmp_path, "second", "--config", config)
    apps.append(second)
    assert second.process.wait(30) == 0, second.output()
    assert "already running with this config" in second.output()
    first.wait_for_log(RAISED, timeout=10)
    assert first.log().count(RAISED) == 1
    assert not second.log_dir.exists()  # it handed over before opening a log of its own
    assert first.stop() == 0


def test_new_instance_and_another_config_each_start_their_own_window(tmp_path, apps):
    config = str(tmp_path / "config.toml")
    first = AppProcess(tmp_path, "first", "--config", config)
    apps.append(first)
    first.wait_for_log(READY)
    forced = AppProcess(tmp_path, "forced", "--new-instance", "--config", str(tmp_path / "own" / "config.toml"))
    other = AppProcess(tmp_path, "other", "--config", str(tmp_path / "other" / "config.toml"))
    apps.extend([forced, other])
    other.wait_for_log(READY)
    forced.wait_for_log("listening on ws://")  # its embedded exchange: it runs, without claiming the config
    assert READY not in forced.log()
    assert RAISED not in first.log()
    assert [app.stop() for app in (forced, other, first)] == [0, 0, 0]


def test_a_start_after_the_first_one_was_killed_takes_over_the_config(tmp_path, apps):
    config = str(tmp_path / "config.toml")
    first = AppProcess(tmp_path, "first", "--config", config)
    apps.append(first)
    first.wait_for_log(READY)
    first.process.kill()
    first.process.wait()
    again = AppProcess(tmp_path, "again", "--config", config)
    apps.append(again)
    again.wait_for_log(READY)  # the dead process's lock and socket did not stop it

"""The real app in a subprocess: it survives files whose values cannot be shown, and refuses bad
command lines in one line."""

from __future__ import annotations

import json

from tests.support.app_process import app_env, run_app


def _firing(at: float) -> dict:
    return {"at": at, "rule_id": "r1", "rule_name": "BTC above", "feed": "demo", "symbol": "BTC-USD", "value": 1.0, "message": "m"}


def test_a_firing_or_expiry_no_calendar_can_show_does_not_crash_start_up(tmp_path):
    config = tmp_path / "config.toml"
    (tmp_path / "alert_history.json").write_text(json.dumps({"version": 1, "firings": [_firing(1e12), _firing(1.7e9)]}))
    rule = {"kind": "price_cross", "id": "r1", "symbol": "BTC-USD", "direction": "above", "level": 1.0, "expires_at": 1e12}
    (tmp_path / "alerts.json").write_text(json.dumps({"version": 1, "rules": [rule]}))
    run = run_app(["--config", str(config)], tmp_path)
    assert run.shown and run.returncode == 0, run.output
    assert "alert_history.json: firings[0].at: Expected a time no later than the year 9999" in run.output
    assert "alerts.json: rule 1 skipped: expires_at" in run.output
    assert len(list(tmp_path.glob("alert_history.json.bad-*"))) == 1  # kept for the user
    assert len(list(tmp_path.glob("alerts.json.bad-*"))) == 1


def test_a_url_that_is_not_one_is_refused_in_one_line_with_exit_2(tmp_path):
    run = run_app(["--url", "notaurl"], tmp_path)
    assert run.returncode == 2 and not run.shown
    assert run.output.strip() == "tradedash: error: --url must start with ws:// or wss://, not 'notaurl'"


def test_a_rest_url_is_refused_in_one_line_unless_its_venue_has_a_rest_api(tmp_path):
    run = run_app(["--rest-url", "http://127.0.0.1:8765/binance"], tmp_path)
    assert run.returncode == 2 and not run.shown
    assert run.output.strip() == "tradedash: error: --rest-url is for a venue with a REST API (--venue binance), not tradedash"
    run = run_app(["--venue", "binance", "--rest-url", "127.0.0.1:8765"], tmp_path)
    assert run.returncode == 2 and run.output.strip() == "tradedash: error: --rest-url must start with http:// or https://, not '127.0.0.1:8765'"


def test_without_a_display_the_app_says_what_is_missing_in_one_line(tmp_path):
    env = app_env(tmp_path)
    for name in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        env.pop(name, None)
    run = run_app([], tmp_path, env=env)
    assert run.returncode == 1 and not run.shown
    lines = run.output.strip().splitlines()
    assert len(lines) == 1 and "DISPLAY" in lines[0] and lines[0].startswith("tradedash: cannot start:")


def test_a_missing_config_file_is_said_and_what_happens(tmp_path):
    config = tmp_path / "nowhere" / "config.toml"
    run = run_app(["--config", str(config)], tmp_path)
    assert run.shown and run.returncode == 0, run.output
    assert f"{config} does not exist: starting with the default settings" in run.output


def test_a_config_error_reads_as_sentences_and_lists_allowed_choices(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('theme = "purple"\n')
    run = run_app(["--config", str(config)], tmp_path)
    assert run.shown and run.returncode == 0, run.output
    assert (f"config: {config}, line 1: theme: 'purple' is not one of system, dark, light. Starting with the default"
            " settings; the file is left as it is.") in run.output
    config.write_text('[[feeds]]\nname = "x"\nurl = "http://example.com"\n')
    run = run_app(["--config", str(config)], tmp_path)
    assert "(or be 'embedded'). Starting with the default settings" in run.output and ".;" not in run.output

"""resources/ ships inside the package (tradedash.resources), so a plain wheel install has its icons."""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_file_in_resources_is_package_data_of_tradedash_resources():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert config["package-dir"]["tradedash.resources"] == "resources"
    assert "tradedash.resources" in config["packages"]
    patterns = config["package-data"]["tradedash.resources"]
    shipped = [p for p in (ROOT / "resources").rglob("*") if p.is_file() and p.suffix != ".pyc" and p.name != "__init__.py"]
    assert shipped
    unshipped = [p for p in shipped if not any(p.relative_to(ROOT / "resources").match(glob) for glob in patterns)]
    assert unshipped == []


def test_the_icons_the_window_asks_for_are_found_through_the_package():
    icons = files("tradedash.resources") / "icons"
    for name in ("app", "candles", "follow", "line-chart", "layout-reset", "log", "quit", "subscriptions", "theme", "about"):
        assert "#COLOR" in (icons / f"{name}.svg").read_text(encoding="utf-8"), name

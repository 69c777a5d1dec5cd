"""tradedash/resources/ ships inside the package (tradedash.resources), so a plain wheel install has its icons."""

from __future__ import annotations

import tomllib
from importlib.resources import files
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_file_in_resources_is_package_data_of_tradedash_resources():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "tradedash*" in config["packages"]["find"]["include"]
    resources = ROOT / "tradedash" / "resources"
    shipped = [p for p in resources.rglob("*") if p.is_file() and p.suffix != ".pyc" and p.name != "__init__.py"]
    assert shipped
    package_data = config["package-data"]

    def is_package_data(path: Path) -> bool:
        package = ".".join(path.parent.relative_to(ROOT).parts)
        return any(path.match(glob) for glob in package_data.get(package, []))

    assert [p for p in shipped if not is_package_data(p)] == []


def test_the_icons_the_window_asks_for_are_found_through_the_package():
    icons = files("tradedash.resources") / "icons"
    for name in ("app", "candles", "follow", "line-chart", "layout-reset", "log", "quit", "subscriptions", "theme", "about"):
        assert "#COLOR" in (icons / f"{name}.svg").read_text(encoding="utf-8"), name

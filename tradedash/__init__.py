"""TradeDash: a desktop market-data dashboard.

``__version__`` is the installed distribution's version (``pyproject.toml`` is its one
source); a source tree that was never installed reports ``0+unknown``.
"""

from importlib.metadata import PackageNotFoundError, version

__all__ = ["__version__"]

try:
    __version__ = version("tradedash")
except PackageNotFoundError:
    __version__ = "0+unknown"

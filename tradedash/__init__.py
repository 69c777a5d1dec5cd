"""TradeDash: a desktop market-data dashboard."""

__version__ = "0.1.0"

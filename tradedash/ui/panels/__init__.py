"""Panels docked in the main window: watchlist, chart, order book, trades and feed health."""

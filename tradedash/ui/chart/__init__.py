"""The price chart's parts: axes, indicator layers, the history loader, menus and chart linking.

:class:`~tradedash.ui.panels.chart.PriceChart` puts them together.
"""

"""The price chart's parts: plots and candles, toolbar, readout, crosshair, menus, drawing the bars in
view, axes, indicator layers, the history loader, compared symbols and chart linking.

:class:`~tradedash.ui.panels.chart.PriceChart` puts them together.
"""

"""What a chart shows and keeps: bar history and its disk cache, indicators, price scales, depth curves, chart and workspace state, symbol search."""

"""TradeDash mock exchange: a local protocol v1 market-data server for demos and tests."""

"""Other exchanges' dialects served by the mock exchange over the same simulated market.

Each venue is a package of its own, pure (the server room serves it): ``binance`` (Binance
Spot public market data).
"""

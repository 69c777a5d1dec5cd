"""The market as the feeds report it: per-symbol state, the order book, candles and the ring buffers charts read."""

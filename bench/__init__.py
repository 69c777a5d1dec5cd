"""Benchmarks: each runs as a module from the repository root (``python -m bench.ingest``), prints a
table and writes ``bench/results/<name>.json``."""

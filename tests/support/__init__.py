"""Helpers shared by tests: builders of test data, waiting, processes."""

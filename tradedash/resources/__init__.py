"""Icons and the sample config: package data of ``tradedash.resources``, read with ``importlib.resources``."""

"""Icons and the sample config, installed as the package ``tradedash.resources``."""

"""A certificate authority of the test's own and a server certificate for 127.0.0.1, as files."""

from __future__ import annotations

from pathlib import Path

import trustme

__all__ = ["server_certificate"]


def server_certificate(folder: Path) -> tuple[str, str, trustme.CA]:
    """A new CA, and a certificate it issued for 127.0.0.1 and localhost written into ``folder``:
    ``(certfile, keyfile, ca)``; trust it with ``ca.configure_trust(context)`` or ``ca.cert_pem``."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    certfile, keyfile = folder / "cert.pem", folder / "key.pem"
    cert.cert_chain_pems[0].write_to_path(certfile)
    cert.private_key_pem.write_to_path(keyfile)
    return str(certfile), str(keyfile), ca

"""The pure core: protocol, market state, feed lifecycle. No sockets, no Qt."""

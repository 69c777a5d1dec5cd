"""The async layer: the only code that opens sockets."""

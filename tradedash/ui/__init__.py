"""The Qt layer: widgets and models that paint market state. Nothing here opens sockets."""

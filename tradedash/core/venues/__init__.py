"""Real venues: each one's pure protocol core (messages, book-sync rules, symbols, stream names).

One subpackage per venue; nothing here opens a socket.
"""

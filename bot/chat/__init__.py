"""The terminal chat: the loop, the session (history, warm-up), /commands, script mode."""

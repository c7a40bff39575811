"""A loopback Discord for end-to-end tests: REST v10, the gateway and a CDN on 127.0.0.1.

`LoopbackDiscord` (server.py) runs in a thread of the test process with its own event
loop; the real `backstory discord` runs as a subprocess whose discord.py is pointed at it
by `child/sitecustomize.py`. Every REST request and gateway frame is recorded for the
tests to assert on, and faults (429s, 5xx, dropped connections, delayed heartbeat ACKs,
RECONNECT, INVALID_SESSION) are played on cue.
"""

from tests.loopback_discord.server import LoopbackDiscord, Request

__all__ = ["LoopbackDiscord", "Request"]

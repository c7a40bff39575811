"""Imported at start-up by a Python whose PYTHONPATH holds this folder (the bot under test).

It points discord.py at the loopback Discord without touching the product: discord.py's
REST base URL and gateway URL are plain class attributes (discord.http.Route.BASE,
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY). It also refuses every connection to an
address outside the loopback range, as tests/conftest.py does in the test process, so the
bot under test cannot reach the real Discord (or anything else) by mistake.
"""

import ipaddress
import os
import socket
import sys

_api = os.environ.get("LOOPBACK_DISCORD_API")
_gateway = os.environ.get("LOOPBACK_DISCORD_GATEWAY")


def _loopback_only(address) -> None:
    host = address[0] if isinstance(address, tuple) else address
    if not isinstance(host, str) or host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    print(f"loopback sitecustomize: refused a connection to {host}", file=sys.stderr)
    raise ConnectionRefusedError(f"the bot under test tried to reach {host}")


def _guard() -> None:
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def connect(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            _loopback_only(address)
        return real_connect(sock, address)

    def connect_ex(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            _loopback_only(address)
        return real_connect_ex(sock, address)

    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex


if _api and _gateway:
    _guard()
    import discord.gateway
    import discord.http
    import yarl

    discord.http.Route.BASE = _api
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(_gateway)

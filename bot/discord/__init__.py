"""The Discord front end: the Bot subclass, its cogs, rendering, limits and per-thread memory."""

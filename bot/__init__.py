"""backstory's front ends: the command line, the terminal chat and the Discord bot."""

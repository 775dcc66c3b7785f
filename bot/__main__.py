"""`python -m bot` is the same as `mutual-voice`."""

from bot.cli import main

main()

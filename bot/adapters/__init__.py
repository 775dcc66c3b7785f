"""Platform adapters: one folder per chat platform (`telegram/`, `slack/`), each with an
`adapter` module whose `start(app, stop)` connects it; plus the terminal `console`.

A new channel is one new folder here speaking the neutral message model
(`handlers.messages`); the runner loads `bot.adapters.<platform>.adapter` for each
platform the config names.
"""


class Unreachable(Exception):
    """A platform could not be reached over the network at start-up (not a config error)."""

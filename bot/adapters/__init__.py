"""Platform adapters: one module per platform, each with `start(app, stop)`."""


class Unreachable(Exception):
    """A platform could not be reached over the network at start-up (not a config error)."""

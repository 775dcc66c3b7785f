"""The platform edge: adapters, the web console, the outbox sender, the scheduler,
config, the CLI and the wiring (`app`, `runner`). Imports `handlers` and `storage`.
"""

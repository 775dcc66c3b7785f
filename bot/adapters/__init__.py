"""Platform adapters: one folder per channel (`telegram/`, `slack/`, `whatsapp/`, `sms/`,
`email/`), each with an `adapter` module whose `start(app, stop)` connects it; plus the
terminal `console`. Shared by several: `sending` (a platform's outbox sender run beside
its adapter), `typed_numbers` (choices answered by typing their number), `inert_text`
(member text kept from becoming live mentions and links).

A new channel is one new folder here speaking the neutral message model
(`handlers.messages`); the runner loads `bot.adapters.<platform>.adapter` for each
platform the config names.
"""


class Unreachable(Exception):
    """A platform could not be reached over the network at start-up (not a config error)."""

"""The Slack adapter: slack-bolt (async) on the shared event loop.

Entry point: `adapter.start(app, stop)` (every adapter folder has one): DMs, App Home,
`/voice`, and the council's channel, over HTTP or Socket Mode.
Modules: `render` (Block Kit within Slack's limits, member text kept literal), `people`
(the roster member behind a Slack account), `delivery` (one outbox row to Slack).
Uses: `handlers` (the neutral message model, `handlers.members.identity`), `bot.engine`,
`bot.outbox`, `bot.adapters.inert_text`.
"""

"""The Telegram adapter: python-telegram-bot on the shared event loop.

Entry point: `adapter.start(app, stop)` (every adapter folder has one), which polls or
serves a webhook (`webhook`) and starts the outbox sender for Telegram.
Modules: `render` (neutral messages as escaped HTML with inline keyboards), `callbacks`
(button data within 64 bytes), `commands` (the command menu, reading `/name@bot`),
`delivery` (one outbox row to the Bot API and what came back).
Uses: `handlers` (the neutral message model, the router), `bot.outbox`, `bot.adapters.inert_text`.
"""

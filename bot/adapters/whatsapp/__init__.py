"""The WhatsApp adapter: Meta's WhatsApp Business Cloud API, called directly over aiohttp.

`adapter` wires it (webhook in, outbox sender out), `graph` makes the Graph API calls,
`webhook` checks Meta's signatures and turns its payloads into events, `render` fits
neutral messages into WhatsApp's limits (reply buttons, lists, typed numbers), `delivery`
sends one outbox row while keeping the 24-hour rule (templates outside it),
`templates` reads the templates file and checks it against the account, `joining` makes
wa.me invite links and reads "JOIN <code>", `limits` estimates how long a broadcast
takes under the daily limit and what its templates cost.
"""

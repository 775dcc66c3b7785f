"""The SMS adapter: Twilio's Messaging API through the official `twilio` library.

`adapter` wires it (the webhook in, the outbox sender out), `twilio_api` sends a text with
the `twilio` client and reads its errors, `webhook` checks `X-Twilio-Signature` on every
request and reads replies and status callbacks, `render` writes a neutral message as one
text ("Reply 1 for For, 2 for Against") or, when it is too long for a text, a short one
with the member's page link, `keywords` knows STOP, START and HELP, `segments` counts
GSM-7 and UCS-2 parts, `estimate` says what a broadcast by SMS costs.
"""

"""The e-mail adapter: members with no chat app, by e-mail over SMTP (aiosmtplib).

`adapter` wires it (an outbox sender; nothing comes in: replies are read by people),
`delivery` sends one outbox row and reads the relay's answer (sent, try later, or the
address is unreachable), `relay` keeps one SMTP connection for a batch, `compose` makes
a neutral message an e-mail (plain text and HTML, its headers, the link to the member's
page, the one-click unsubscribe), `words` holds the words it adds in the reader's
language. The unsubscribe link is answered by the web server (bot/web/unsubscribe.py);
its tokens and the opt-outs are kept in `storage/email.py`.
"""

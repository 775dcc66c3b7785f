"""Invites on paper: letters with a QR code, and folders of QR images.

Entry points: `batch` turns an officer's request (CLI or console) into invites; `files`
writes them as a PDF of letters or PNG codes; `letters` lays out one A4 page per member;
`qr_codes` draws a join link.
Uses: `handlers.members.invites` for the one-time tokens, the Telegram adapter for the
bot's join link.
"""

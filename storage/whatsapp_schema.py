"""WhatsApp's 24-hour windows and numbered menus, as their own migration set.

`whatsapp_chats` keeps, per chat, the hour the member last wrote (rounded down, so that
it cannot be matched to the moment of an anonymous answer, and so that the window is
never thought open when it has closed), when the bot last invited them by template, and
the options of the last question whose choices went as typed numbers (`menu`), so that
"7" can be read as the seventh; never what was chosen.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

whatsapp_migrations = Migrations("mutual_voice.whatsapp")


@whatsapp_migrations()
def m001_whatsapp_chats(db: Database) -> None:
    db["whatsapp_chats"].create(
        {"chat_id": str, "wrote_hour": str, "invited_at": str, "menu": str}, pk="chat_id"
    )

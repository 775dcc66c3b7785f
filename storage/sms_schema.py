"""SMS chats' numbered menus, as their own migration set.

`sms_chats` keeps, per phone number, the options of the last question sent as "Reply 1
for For, 2 for Against" (`menu`), so that "1" can be read as the first, and only until it
is answered; never what was chosen.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

sms_migrations = Migrations("mutual_voice.sms")


@sms_migrations()
def m001_sms_chats(db: Database) -> None:
    db["sms_chats"].create({"chat_id": str, "menu": str}, pk="chat_id")

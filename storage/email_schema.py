"""E-mail's one-click unsubscribe, as its own migration set.

- `email_unsubscribe_links`: one per e-mail that carried `List-Unsubscribe`; only the
  token's hash is kept (a copy of the database unsubscribes nobody), with the member,
  their address and the day it was made (not the moment: it says nothing about when
  they did anything). Forgotten after `storage.email.KEEP`.
- `email_opt_outs`: addresses whose member asked for no more e-mail. Kept apart from the
  identity, which a roster import may link again, so that an unsubscribe stays.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

email_migrations = Migrations("mutual_voice.email")


@email_migrations()
def m001_unsubscribe(db: Database) -> None:
    db["email_unsubscribe_links"].create(
        {"token_hash": str, "member_id": str, "address": str, "made_on": str},
        pk="token_hash",
        not_null={"member_id", "address", "made_on"},
    )
    db["email_unsubscribe_links"].create_index(["made_on"])
    db["email_opt_outs"].create(
        {"address": str, "member_id": str, "opted_out_at": str},
        pk="address",
        not_null={"opted_out_at"},
    )

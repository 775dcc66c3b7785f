"""Links to the member's page (issue 27), as their own migration set.

`page_links` holds one row per link handed out: the hash of its token (never the token),
whose it is, the one flow it opens ("vote:<id>", "pulse:<round id>", "suggest"), when
it stops working (`good_until`, the suggestion page's; a vote's or round's link lives
as long as its flow) and when it is forgotten (`forget_at`), and `receipt`: random bytes
until a ballot is cast through it, then its receipt code sealed with a key only the link
itself gives, of the same length. No time of casting is kept.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

page_links_migrations = Migrations("mutual_voice.page_links")


@page_links_migrations()
def m001_links(db: Database) -> None:
    db["page_links"].create(
        {
            "token_hash": str,
            "member_id": str,
            "flow": str,
            "created_at": str,
            "good_until": str,
            "forget_at": str,
            "receipt": bytes,
        },
        pk="token_hash",
        not_null={"member_id", "flow", "created_at", "forget_at"},
    )
    db["page_links"].create_index(["forget_at"])
    db["page_links"].create_index(["member_id"])

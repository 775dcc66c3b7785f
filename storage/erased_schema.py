"""Erased stays erased, as its own migration set.

`erased_keys` holds a keyed hash (HMAC-SHA256) of each roster key an erased member had —
member id, email, Slack user id — and nothing else, so a re-imported roster row that
names an erased member is recognised and skipped. The key (`privacy_keys`) is random per
database: the hashes match nothing outside it.
"""

from __future__ import annotations

import os

from sqlite_utils import Database, Migrations

erased_migrations = Migrations("mutual_voice.erased")


@erased_migrations()
def m001_erased_keys(db: Database) -> None:
    db["privacy_keys"].create({"name": str, "key": bytes}, pk="name")
    db["privacy_keys"].insert({"name": "erased", "key": os.urandom(32)})
    db["erased_keys"].create({"key_hash": str, "erased_at": str}, pk="key_hash")

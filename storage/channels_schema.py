"""One register, routed (issue 27), as its own migration set.

`members.phone` (E.164) and `members.prefers` (a platform name, or null for the usual
order) come from the roster. A roster phone or e-mail becomes an `identities` row on the
"sms" or "email" platform while that channel is switched on (storage/members.py
`sync_roster_identities`). `outbox.routed` marks a row whose channel the postman chose
from the member's identities (not a direct reply), so that a permanent failure there
may send it once more by the member's next channel.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

channels_migrations = Migrations("mutual_voice.channels")


@channels_migrations()
def m001_phone_and_prefers(db: Database) -> None:
    db["members"].add_column("phone", str)
    db["members"].add_column("prefers", str)
    db.execute("create index if not exists members_phone on members (phone)")


@channels_migrations()
def m002_outbox_routed(db: Database) -> None:
    db.execute("alter table outbox add column routed integer not null default 0")


@channels_migrations()
def m003_turnout_channels(db: Database) -> None:
    """The channel a member took part through, on the roll of who voted or answered (never
    beside a ballot or answer): counted at close, then cleared by the seal."""
    db.execute("alter table vote_voters add column channel text")
    db.execute("alter table pulse_participation add column channel text")
    db.execute(
        """create table pulse_channel_turnout (
            round_id integer not null references pulse_rounds(id),
            channel text not null,
            respondents integer not null,
            primary key (round_id, channel)
        )"""
    )

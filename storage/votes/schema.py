"""Tables of member votes, built for a secret ballot.

- `votes`: one row per vote (definition, state, result). `secret` (for votes that
  allow a change of mind) exists only while the vote is open. `status` is scheduled,
  open, closed, missed (its whole window passed while the bot was not running, so it
  never opened) or cancelled (by an officer, before it closed: `cancelled_at`,
  `cancel_reason`; its ballots, voters and drafts are deleted, nothing is counted). A close is done in parts: `closed_at` when it stopped taking ballots
  and was counted, `sealed_at` when nothing links a ballot to a voter any more (the
  ballots are published only then); `sealing_at`, renewed at every part, says a process
  is at it (another carries on only once that is stale). `swept_at`: when members who became reachable
  after the opening were last looked for, to be told it is open.
- `vote_ballots`: what was voted, and never by whom: no member id and no time, keyed
  by a random receipt code. Where a row sits in its page still says when it was
  written, so at close the ballots are rewritten in a random order (storage/secrecy.py).
  `ballot_key` (HMAC of the member id under the vote's secret) is set only for votes
  allowing a change, and cleared at close. `weight`: the votes the ballot counts for
  (1, unless the society's rules weight the voter's constituency).
- `vote_voters`: that a member voted, for one-member-one-vote, turnout and reminders;
  the day they voted while open, the closing day for everyone once closed (when the
  rows are rewritten in a random order too). UNIQUE (vote_id, member_id) makes two
  racing presses count once.
- `vote_drafts`: a ballot being filled in, deleted when cast or when the vote closes.
- `votes.live` (a vote showing results before close): the count so far, taken by the
  scheduler on the hour, and only once at least the anonymity threshold of ballots have
  come in since the last count, so that two looks differ by at least that many.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

votes_migrations = Migrations("mutual_voice.votes")


@votes_migrations()
def m001_votes(db: Database) -> None:
    db["votes"].create(
        {
            "vote_id": str,
            "short": int,
            "title": str,
            "method": str,
            "definition": str,
            "status": str,
            "opens_at": str,
            "closes_at": str,
            "opened_at": str,
            "closed_at": str,
            "eligible": int,
            "voted": int,
            "secret": str,
            "notices": str,
            "result": str,
            "created_at": str,
            "created_by": str,
        },
        pk="vote_id",
        not_null={"short", "title", "method", "definition", "status", "closes_at"},
        defaults={"notices": "{}"},
    )
    db["votes"].create_index(["short"], unique=True)
    db["votes"].create_index(["status", "closes_at"])
    db.execute(
        """create table vote_ballots (
            vote_id text not null references votes(vote_id),
            receipt text not null,
            choice text not null,
            ballot_key text,
            primary key (vote_id, receipt)
        ) without rowid"""
    )
    db.execute(
        "create unique index vote_ballots_key on vote_ballots (vote_id, ballot_key) "
        "where ballot_key is not null"
    )
    db.execute(
        """create table vote_voters (
            vote_id text not null references votes(vote_id),
            member_id text references members(member_id),
            voted_on text not null,
            unique (vote_id, member_id)
        )"""
    )
    db.execute("create index vote_voters_member on vote_voters (member_id)")
    db.execute(
        """create table vote_drafts (
            vote_id text not null references votes(vote_id),
            member_id text not null references members(member_id),
            picks text not null default '',
            confirming integer not null default 0,
            updated_at text not null,
            primary key (vote_id, member_id)
        )"""
    )
    db.execute("create index vote_drafts_member on vote_drafts (member_id)")


@votes_migrations()
def m002_live_count(db: Database) -> None:
    db["votes"].add_column("live", str)


@votes_migrations()
def m003_closing_in_parts(db: Database) -> None:
    # A big vote closes in parts; `sealed_at` says the last part is done (votes closed
    # before, all at once, were sealed then). `swept_at`: the last look for late joiners.
    db["votes"].add_column("sealed_at", str)
    db["votes"].add_column("sealing_at", str)
    db["votes"].add_column("swept_at", str)
    db.execute("update votes set sealed_at = closed_at where status = 'closed'")
    db.execute("update votes set swept_at = opened_at where status = 'open'")


@votes_migrations()
def m004_cancelled(db: Database) -> None:
    # A vote created by mistake is cancelled (status 'cancelled'): when, and why.
    db["votes"].add_column("cancelled_at", str)
    db["votes"].add_column("cancel_reason", str)


@votes_migrations()
def m005_close_holder(db: Database) -> None:
    # As pulse_rounds: the process holding a close, and why a close could not go on.
    db["votes"].add_column("sealing_by", str)
    db["votes"].add_column("close_error", str)


@votes_migrations()
def m006_ballot_weights(db: Database) -> None:
    # Where the society's rules weight votes (by constituency), each ballot slot carries
    # its weight: a member's ballot fills a slot of their weight, and counts sum them.
    db.execute("alter table vote_ballots add column weight integer not null default 1")

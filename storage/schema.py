"""The database schema as sqlite-utils migrations, and the refusal of newer databases.

Each feature owns one migration set (`Migrations("mutual_voice.<feature>")`) in its
own module; `MIGRATION_SETS` lists them in the order they apply.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from storage.channels_schema import channels_migrations
from storage.console.schema import console_migrations
from storage.digests.schema import digests_migrations
from storage.email_schema import email_migrations
from storage.erased_schema import erased_migrations
from storage.health_schema import health_migrations
from storage.invites.schema import invites_migrations
from storage.languages_schema import languages_migrations
from storage.meetings.schema import meetings_migrations
from storage.page_links_schema import page_links_migrations
from storage.pulses.schema import pulses_migrations
from storage.sms_schema import sms_migrations
from storage.suggestions.schema import suggestions_migrations
from storage.tiers.schema import tiers_migrations
from storage.votes.schema import votes_migrations
from storage.whatsapp_schema import whatsapp_migrations

core = Migrations("mutual_voice.core")


@core()
def m001_members(db: Database) -> None:
    db["members"].create(
        {
            "member_id": str,
            "name": str,
            "email": str,
            "constituency": str,
            "slack_user_id": str,
            "timezone": str,
            "language": str,
            "created_at": str,
            "updated_at": str,
            "erased_at": str,
            "pulses_paused": int,
            "newsletter_opt_out": int,
        },
        pk="member_id",
        not_null={"constituency", "created_at"},
        defaults={"pulses_paused": 0, "newsletter_opt_out": 0},
    )
    db["members"].create_index(["slack_user_id"])
    db["members"].create_index(["email"])
    db["identities"].create(
        {
            "platform": str,
            "platform_user_id": str,
            "member_id": str,
            "chat_id": str,
            "linked_at": str,
            "unreachable_at": str,
            "unreachable_reason": str,
        },
        pk=("platform", "platform_user_id"),
        foreign_keys=[("member_id", "members", "member_id")],
        not_null={"member_id", "chat_id"},
    )
    db["identities"].create_index(["member_id"])
    db["invites"].create(
        {
            "token_hash": str,
            "member_id": str,
            "created_at": str,
            "expires_at": str,
            "used_at": str,
            "used_platform": str,
        },
        pk="token_hash",
        foreign_keys=[("member_id", "members", "member_id")],
    )
    db["invites"].create_index(["member_id"])


@core()
def m002_outbox(db: Database) -> None:
    db["outbox"].create(
        {
            "id": int,
            "key": str,
            "platform": str,
            "chat_id": str,
            "member_id": str,
            "payload": str,
            "status": str,
            "attempts": int,
            "not_before": str,
            "quiet": int,
            "timezone": str,
            "created_at": str,
            "sent_at": str,
            "sent_ref": str,
            "error": str,
        },
        pk="id",
        not_null={"key", "platform", "chat_id", "payload", "status", "not_before"},
        defaults={"attempts": 0, "quiet": 0},
    )
    db["outbox"].create_index(["key"], unique=True)
    db["outbox"].create_index(["platform", "status", "not_before"])


@core()
def m003_audit_and_conversations(db: Database) -> None:
    db["audit"].create(
        {"id": int, "at": str, "actor": str, "action": str, "subject": str, "detail": str},
        pk="id",
    )
    db["processed_events"].create(
        {"platform": str, "event_id": str, "at": str}, pk=("platform", "event_id")
    )
    db["conversations"].create(
        {
            "platform": str,
            "chat_id": str,
            "prompt": str,
            "context": str,
            "updated_at": str,
        },
        pk=("platform", "chat_id"),
    )


@core()
def m004_job_runs(db: Database) -> None:
    db["job_runs"].create(
        {"job_id": str, "last_run": str, "runs": int}, pk="job_id", defaults={"runs": 0}
    )


@core()
def m005_job_outcomes(db: Database) -> None:
    """What `mutual-voice jobs` shows: the last success and the last failure with its reason."""
    db["job_runs"].add_column("last_success", str)
    db["job_runs"].add_column("last_failure", str)
    db["job_runs"].add_column("last_error", str)
    db["job_runs"].add_column("failures", int, not_null_default=0)


@core()
def m006_identities_welcomed_at(db: Database) -> None:
    # Accounts linked before this knew no better than "welcome back".
    db["identities"].add_column("welcomed_at", str)
    db.execute("update identities set welcomed_at = linked_at")


@core()
def m007_sender_beats(db: Database) -> None:
    # A running bot's senders say they are alive, so a CLI watching the outbox knows.
    db["sender_beats"].create({"platform": str, "seen_at": str}, pk="platform")


@core()
def m008_sealing_phases(db: Database) -> None:
    # A close done in parts notes here when its rows are all copied out (storage/secrecy.py).
    db["sealing_phases"].create({"stage": str, "phase": str}, pk="stage")


@core()
def m009_outbox_ids_never_reused(db: Database) -> None:
    # Without AUTOINCREMENT SQLite gives a new row the highest id + 1, so rows deleted at
    # the end of the table (a close forgets its messages) had their ids given again,
    # and a sender holding the old id marked the new row sent. Ids now only go up.
    columns = ", ".join(f"[{c.name}]" for c in db["outbox"].columns)
    db.execute("alter table outbox rename to outbox_reused_ids")
    db.execute(
        """create table outbox (
            id integer primary key autoincrement,
            key text not null, platform text not null, chat_id text not null,
            member_id text, payload text not null, status text not null,
            attempts integer default 0, not_before text not null, quiet integer default 0,
            timezone text, created_at text, sent_at text, sent_ref text, error text,
            lane integer not null default 1
        )"""
    )
    db.execute(f"insert into outbox ({columns}) select {columns} from outbox_reused_ids")
    db.execute("drop table outbox_reused_ids")
    db["outbox"].create_index(["key"], unique=True)
    db["outbox"].create_index(["platform", "status", "lane", "not_before"])
    # A cron job's fan-out under way (its due time) and who runs it: carried on after a crash.
    db["job_runs"].add_column("unfinished", str)
    db["job_runs"].add_column("unfinished_by", str)


@core()
def m010_hashed_events(db: Database) -> None:
    """Handled events as a keyed hash of the platform's event id, no longer the sender,
    the action and the value pressed (storage/conversations.py); old records go, zeroed.
    WITHOUT ROWID: rows sit in hash order, not in the order events came."""
    db.execute("pragma secure_delete = on")
    db.execute("drop table processed_events")
    db.execute(
        "create table processed_events (digest text primary key, at text not null) without rowid"
    )
    db.execute("create index processed_events_at on processed_events (at)")
    db.execute("create table dedupe_secret (secret blob not null)")
    db.execute("insert into dedupe_secret (secret) values (randomblob(32))")


@core()
def m011_forget_message_ids_and_receipts(db: Database) -> None:
    """Platform message ids are no longer kept (a row of them counts a member's messages),
    nor answers to /receipt once delivered or given up (storage/outbox.py)."""
    db.execute("pragma secure_delete = on")
    db.execute("update outbox set sent_ref = null where sent_ref is not null")
    db.execute(
        "delete from outbox where key glob 'receipt:*' and status not in ('pending', 'sending')"
    )


@core()
def m012_members_by_constituency(db: Database) -> None:
    """The console lists a constituency's members a page at a time, in member id order:
    this index finds the page without reading (or sorting) the other members."""
    db.execute(
        "create index if not exists members_constituency_member_id "
        "on members (constituency, member_id)"
    )


@core()
def m013_outbox_ids_count_only_what_stays(db: Database) -> None:
    """Outbox ids no longer count ballot, receipt and answer messages, which are deleted
    once sent or at close and left holes between the rows that stay: the rows there are
    renumbered as storage/outbox.py numbers new ones (rows a running sender holds keep
    their ids)."""
    from storage.outbox import SPACING, forgets

    rows = db.execute("select id, key from outbox where status != 'sending' order by id").fetchall()
    db.execute("update outbox set id = -id where status != 'sending'")
    given, renumbered = 0, []
    for old, key in rows:
        given = given + 1 if forgets(key) else ((given >> SPACING) + 1) << SPACING
        renumbered.append((given, -old))
    db.conn.executemany("update outbox set id = ? where id = ?", renumbered)
    if given:
        db.execute("update sqlite_sequence set seq = ? where name = 'outbox'", [given])


MIGRATION_SETS: list[Migrations] = [
    core,
    suggestions_migrations,
    pulses_migrations,
    votes_migrations,
    tiers_migrations,
    digests_migrations,
    console_migrations,
    invites_migrations,
    languages_migrations,
    erased_migrations,
    health_migrations,
    whatsapp_migrations,
    email_migrations,
    sms_migrations,
    meetings_migrations,
    channels_migrations,
    page_links_migrations,
]


class SchemaTooNew(Exception):
    """The database was written by a newer Mutual Voice than this one."""


def _known_names(migrations: Migrations) -> set[str]:
    return {migration.name for migration in migrations._migrations}


def refuse_newer(db: Database, sets: list[Migrations] = MIGRATION_SETS) -> None:
    """Raise SchemaTooNew if a newer Mutual Voice applied migrations unknown here."""
    for migrations in sets:
        applied = {m.name for m in migrations.applied(db)}
        unknown = sorted(applied - _known_names(migrations))
        if unknown:
            raise SchemaTooNew(
                f"this database was upgraded by a newer Mutual Voice (migration "
                f"{unknown[0]!r} of {migrations.name!r} is unknown here): "
                "install that version or newer, or use a backup"
            )


def pending(db: Database) -> bool:
    """True if this version would change an existing database's schema."""
    if not db["_sqlite_migrations"].exists():
        return False  # a new database: nothing to keep
    return any(migrations.pending(db) for migrations in MIGRATION_SETS)


def migrate(db: Database) -> None:
    """Bring the schema up to date, refusing a database that a newer version wrote."""
    refuse_newer(db)
    for migrations in MIGRATION_SETS:
        migrations.apply(db)

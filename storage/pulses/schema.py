"""Tables of pulse survey rounds, as their own migration set.

Who takes part and what they answered live in separate tables. The answers tables are
WITHOUT ROWID, keyed by (round, respondent key, question); where a row sits in its
page still says when it was written, so at close a round's answers, comments and
participation are rewritten in a random order (storage/secrecy.py).

- `pulse_rounds`: one row per round, with the survey definition as it was asked;
  `closing_at` is set when it stops taking answers, `closed_at` when its close is done.
- `pulse_secrets`: the per-round secret behind the respondent keys of rounds opened
  before secrets moved out of the file; deleted at close. A round opened since keeps its
  secret in the keys file beside the database (storage/flow_keys.py), under
  `pulse_rounds.key_label`, dropped when it stops taking answers.
- `pulse_participation`: who may answer, how far they got (for reminders and to carry
  on) and when they first answered. Personal data. At close, turnout is counted, the
  rows of those who did not answer are deleted, progress is cleared and the time
  becomes the round's opening time: what stays says who took part (the ladder of
  involvement counts it), never what they answered nor when.
- `pulse_turnout`: per constituency, how many were asked and answered (after close).
- `pulse_answers`, `pulse_comments`: what was answered, by respondent key and
  constituency; `member_id` is filled only for surveys that are not anonymous.
- `pulse_counts`: a closed round's answers counted per question, constituency and value.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

pulses_migrations = Migrations("mutual_voice.pulses")


@pulses_migrations()
def m001_pulse_rounds(db: Database) -> None:
    db["pulse_rounds"].create(
        {
            "id": int,
            "survey_id": str,
            "number": int,
            "title": str,
            "anonymous": int,
            "definition": str,
            "opened_by": str,
            "opened_at": str,
            "closes_at": str,
            "remind_at": str,
            "closed_at": str,
            "scheduled_for": str,
            "invited_at": str,
            "reminded_at": str,
        },
        pk="id",
        not_null={"survey_id", "number", "definition", "opened_at", "closes_at"},
    )
    db["pulse_rounds"].create_index(["survey_id", "number"], unique=True)
    # A scheduled round opens once per due time, however many processes see it due.
    db["pulse_rounds"].create_index(["survey_id", "scheduled_for"], unique=True)
    db["pulse_rounds"].create_index(["closed_at"])
    db["pulse_secrets"].create(
        {"round_id": int, "secret": bytes},
        pk="round_id",
        foreign_keys=[("round_id", "pulse_rounds", "id")],
        not_null={"secret"},
    )
    db["pulse_participation"].create(
        {
            "round_id": int,
            "member_id": str,
            "constituency": str,
            "step": int,
            "finished": int,
            "answered_at": str,
        },
        pk=("round_id", "member_id"),
        foreign_keys=[("round_id", "pulse_rounds", "id"), ("member_id", "members", "member_id")],
        not_null={"constituency"},
        defaults={"step": 0, "finished": 0},
    )
    db["pulse_participation"].create_index(["member_id"])
    db["pulse_turnout"].create(
        {"round_id": int, "constituency": str, "eligible": int, "respondents": int},
        pk=("round_id", "constituency"),
        foreign_keys=[("round_id", "pulse_rounds", "id")],
    )
    db.execute(
        """create table pulse_answers (
            round_id integer not null references pulse_rounds(id),
            respondent text not null,
            question_id text not null,
            constituency text not null,
            value text not null,
            member_id text,
            primary key (round_id, respondent, question_id)
        ) without rowid"""
    )
    # Results are GROUP BY (question, constituency, value) over one round: this index
    # covers that query, so it never touches the table itself.
    db.execute(
        "create index pulse_answers_counts on pulse_answers "
        "(round_id, question_id, constituency, value)"
    )
    db.execute(
        "create index pulse_answers_member on pulse_answers (member_id) where member_id is not null"
    )
    # A closed round's answers never change: its counts are kept, so results (and the
    # change since the previous round) need not count its answers again.
    db["pulse_counts"].create(
        {"round_id": int, "question_id": str, "constituency": str, "value": str, "answers": int},
        pk=("round_id", "question_id", "constituency", "value"),
        foreign_keys=[("round_id", "pulse_rounds", "id")],
    )
    db.execute(
        """create table pulse_comments (
            round_id integer not null references pulse_rounds(id),
            respondent text not null,
            question_id text not null,
            constituency text not null,
            text text not null,
            member_id text,
            primary key (round_id, respondent, question_id)
        ) without rowid"""
    )
    db.execute(
        "create index pulse_comments_member on pulse_comments (member_id) "
        "where member_id is not null"
    )


@pulses_migrations()
def m002_closing_in_parts(db: Database) -> None:
    # A big round is closed in parts: `closing_at` is when it stopped taking answers and
    # its counts were kept; `closed_at` is set when nothing links an answer to a member.
    db["pulse_rounds"].add_column("closing_at", str)


@pulses_migrations()
def m003_enrolling_in_parts(db: Database) -> None:
    # A round of a big audience takes its roll in parts: while it does, `enrolling` holds
    # the audience and the last member id enrolled (JSON); it is null once complete.
    db["pulse_rounds"].add_column("enrolling", str)


@pulses_migrations()
def m004_sealing_lease(db: Database) -> None:
    # Who is closing a round in parts says so with each part: another process (the CLI,
    # a second bot) leaves it alone until it has been quiet for a while.
    db["pulse_rounds"].add_column("sealing_at", str)


@pulses_migrations()
def m005_close_holder(db: Database) -> None:
    # Which process holds a close (host:pid:start), so a restart after a crash carries it
    # on at once; and why a close could not go on (shown to the officer until it does).
    db["pulse_rounds"].add_column("sealing_by", str)
    db["pulse_rounds"].add_column("close_error", str)


@pulses_migrations()
def m006_flow_key_label(db: Database) -> None:
    # A round's secret is kept outside the database file (storage/flow_keys.py), under
    # this label; `pulse_secrets` holds only those of rounds opened before.
    db["pulse_rounds"].add_column("key_label", str)

"""The demo organisation seeded into an empty database, so a newcomer can try everything."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta

from handlers.context import Context
from handlers.messages import Choice
from handlers.messages import Sender as Who
from handlers.votes import admin as vote_admin
from storage import members
from surveys.localised import Local
from surveys.meetings.definitions import AgendaItem, Meeting, Seat
from surveys.votes.definitions import VoteDefinition

CONSOLE = "console"
DEMO_MEMBERS = [
    ("demo-staff-1", "Sam Okafor", "staff"),
    ("demo-staff-2", "Priya Shah", "staff"),
    ("demo-staff-3", "Jo Evans", "staff"),
    ("demo-staff-4", "Alex Kim", "staff"),
    ("demo-staff-5", "Maria Silva", "staff"),
    ("demo-staff-6", "Tom Byrne", "staff"),
    ("demo-tenant-1", "Pat Murphy", "tenant"),
    ("demo-tenant-2", "Lee Chen", "tenant"),
    ("demo-tenant-3", "Ruth Adeyemi", "tenant"),
    ("demo-tenant-4", "Ann Novak", "tenant"),
    ("demo-tenant-5", "Omar Haddad", "tenant"),
    ("demo-tenant-6", "Jean Wright", "tenant"),
]
DEMO_OFFICER = "demo-staff-1"
DEMO_VOTE = "demo-agm-minutes"
DEMO_MEETING = "demo-agm"
# The society's rules for the demo's meeting: examples/rules.toml (a typical
# co-operative's model rules), except that the demo members joined today, so no minimum
# length of membership, and nominations close a week in, before the meeting; every
# constituency votes.
DEMO_RULES = """
[eligibility]
roll = "notice-date"
minimum_membership_days = 0
[notice]
clear_days = 14
resolutions = ["special"]
[quorum]
members = 10
percent = 5
counts = ["in-person", "online", "proxy"]
[resolutions]
ordinary = "more than 50%"
special = "at least 75%"
abstentions = "not-cast"
[proxies]
allowed = true
holders = ["member", "chair"]
most_per_holder = 5
deadline_hours = 48
instructions = true
[nominations]
period_days = 7
seconder = true
statement_words = 250
[elections]
method = "stv"
[paper]
wins = "first"
"""


def seed_if_empty(ctx: Context) -> bool:
    """Seed the demo members (each linked to the console) when there are no members yet."""
    if members.count(ctx.db) > 0:
        return False
    available = set(ctx.policy.organisation.constituencies)
    rows = [
        {
            "member_id": member_id,
            "name": name,
            "constituency": group,
            "email": f"{member_id}@example.org",
        }
        for member_id, name, group in DEMO_MEMBERS
        if group in available
    ]
    if not rows:
        return False
    with ctx.db.atomic():
        members.upsert_many(ctx.db, rows, ctx.now())
        for row in rows:
            link_console(ctx, row["member_id"])
        open_demo_vote(ctx)
        call_demo_meeting(ctx)
        history = demo_history(ctx)
    if history is not None:  # a close rebuilds the file: outside any transaction
        from handlers.pulses import rounds as pulse_rounds

        pulse_rounds.close(replace(ctx, clock=lambda: ctx.now() - timedelta(days=4)), history)
    with ctx.db.atomic():
        open_demo_pulses(ctx)
    return True


def open_demo_vote(ctx: Context) -> None:
    """A small resolution open to everyone, so `/vote` works at once.

    Its announcements are not sent: in the demo every member is the person at the terminal.
    """
    now = ctx.now()
    definition = VoteDefinition(
        id=DEMO_VOTE,
        title=Local(
            {
                "en": "Approve the minutes of last year's AGM",
                "cy": "Cymeradwyo cofnodion CCB y llynedd",
            }
        ),
        explanation=Local(
            {
                "en": "Resolution: that the minutes of the annual general meeting held on "
                "12 March are approved as a true record.",
                "cy": "Penderfyniad: bod cofnodion y cyfarfod cyffredinol blynyddol a "
                "gynhaliwyd ar 12 Mawrth yn cael eu cymeradwyo fel cofnod cywir.",
            }
        ),
        method="resolution",
        opens=now,
        closes=now + timedelta(days=7),
        reminder_hours=(),
    )
    vote_admin.create_vote(ctx, definition, "demo")
    vote_admin.open_vote(ctx, DEMO_VOTE, "demo")


def call_demo_meeting(ctx: Context) -> None:
    """A small AGM, notice given today and held as soon as the rules allow (14 clear
    days), its nominations open: /meeting replies, /proxy, /nominate, and on the day /here.

    Its notice and the nominations' news are not sent, as the demo vote's announcements
    are not: /help lists /meeting, which shows the notice."""
    from handlers.meetings import admin as meeting_admin
    from handlers.meetings import nominations
    from handlers.votes.state import local_time

    today = local_time(ctx, ctx.now())
    day = today.date() + timedelta(days=15)  # the day notice is given and the day are not counted
    meeting = Meeting(
        id=DEMO_MEETING,
        title="Annual general meeting",
        starts=datetime.combine(day, time(18, 30), today.tzinfo),
        agenda=(
            AgendaItem("Minutes of the last annual general meeting"),
            AgendaItem("Annual report and accounts"),
            AgendaItem("Election of the board and the staff council"),
            AgendaItem(
                "Adopt the new rules",
                "That the society adopts the new rules circulated with this notice.",
                "special",
            ),
        ),
        place="Riverside Community Hall",
        online="https://meet.example.org/demo-agm",
        seats=(
            Seat("board", "Board", 2, ("tenant",)),
            Seat("staff-council", "Staff council", 1, ("staff",)),
        ),
    )
    meeting_admin.create_meeting(ctx, meeting, "demo", DEMO_RULES)
    nominations.open_nominations(ctx, DEMO_MEETING, "demo")


# Last week's staff check-in: (member, the button pressed for each scored question).
HISTORY = [
    ("demo-staff-1", (3, 3, 2, 3, 8)),
    ("demo-staff-2", (2, 3, 3, 3, 7)),
    ("demo-staff-3", (3, 4, 2, 2, 9)),
    ("demo-staff-4", (1, 2, 1, 3, 5)),
    ("demo-staff-5", (3, 3, 3, 4, 10)),
    ("demo-staff-6", (2, 1, 2, 3, 6)),
]


def demo_history(ctx: Context) -> dict | None:
    """A staff pulse round answered last week (the caller closes it), so results, trends
    and the council's chart have something to show. Answers go through the pulse
    handlers, so they are kept exactly as members' answers are (anonymous, secret
    destroyed at close)."""
    from handlers import build_router
    from handlers.members.identity import member_for
    from handlers.pulses import definitions as pulse_definitions
    from handlers.pulses import rounds as pulse_rounds
    from handlers.pulses.questions import ANSWER

    definition = pulse_definitions.load(ctx).get("staff-pulse")
    if definition is None:
        return None
    now = ctx.now()
    last_week = replace(ctx, clock=lambda: now - timedelta(days=7))
    round_row = pulse_rounds.open_round(last_week, definition, "demo")
    assert round_row is not None
    router = build_router()
    for member_id, presses in HISTORY:
        who = Who(CONSOLE, member_id, member_id)
        member = member_for(ctx, CONSOLE, member_id)
        for index, choice in enumerate(presses):
            value = f"{round_row['id']}.{index}.{choice}"
            press = Choice(who, member, f"demo-{member_id}-{index}", action=ANSWER, value=value)
            router.dispatch(last_week, press)  # the replies are not sent: it is history
    return round_row


def open_demo_pulses(ctx: Context) -> None:
    """A round of the staff and the tenant pulse, so `/pulse` works at once (no invitations)."""
    from handlers.pulses import definitions as pulse_definitions
    from handlers.pulses import rounds as pulse_rounds

    for survey_id in ("staff-pulse", "tenant-pulse"):
        definition = pulse_definitions.load(ctx).get(survey_id)
        if definition is not None:
            pulse_rounds.open_round(ctx, definition, "demo")


def link_console(ctx: Context, member_id: str) -> None:
    """The console is the operator's own terminal: it speaks as the member it is told to."""
    members.link_identity(ctx.db, CONSOLE, member_id, member_id, member_id, ctx.now())


def default_member(ctx: Context) -> str | None:
    """Whom the console demo speaks as: Pat, or the next demo member not erased."""
    if not is_demo(ctx):
        return None
    tenants_first = DEMO_MEMBERS[6:] + DEMO_MEMBERS[:6]
    for member_id, _, _ in tenants_first:
        row = members.get(ctx.db, member_id)
        if row is not None and not row["erased_at"]:
            return member_id
    return None


def is_demo(ctx: Context) -> bool:
    return members.get(ctx.db, DEMO_OFFICER) is not None

"""A society with nominations and proxies for the console's meeting pages (HTTP and
browser tests): four tenants and a staff officer, a meeting with one seat on the board."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

from bot.app import App
from bot.config import Settings, WebSettings
from handlers.meetings.admin import create_meeting
from handlers.settings import Admin, Organisation
from storage.meetings import nominations as store
from surveys.meetings.definitions import AgendaItem, Meeting, Seat
from tests.helpers import FakeClock, add_members

RULES = """
[eligibility]
constituencies = ["tenant", "staff"]
[notice]
clear_days = 14
[quorum]
members = 2
[proxies]
allowed = true
holders = ["member", "chair"]
most_per_holder = 2
deadline_hours = 48
instructions = true
[nominations]
period_days = 7
seconder = true
statement_words = 20
[elections]
method = "stv"
"""
ROSTER = """member_id,name,email,constituency
t1,Pat Murphy,,tenant
t2,Lee Chen,,tenant
t3,Ruth Adeyemi,,tenant
t4,Jo Bloggs,,tenant
t5,Ann Other,,tenant
s1,Sam Okafor,,staff
"""
OFFICER = "s1"


def agm(starts: datetime) -> Meeting:
    return Meeting(
        id="agm-2027",
        title="Annual general meeting 2027",
        starts=starts,
        agenda=(AgendaItem("Election of the board"),),
        place="Riverside Community Hall",
        seats=(Seat("board", "Board", 1, ("tenant",)),),
    )


def society(
    folder: Path, starts: datetime, clock: FakeClock | None = None, rules: str = RULES, **web
) -> App:
    """The app with the meeting created (its roll fixed) at `starts`."""
    (folder / "rules.toml").write_text(rules)
    settings = dataclasses.replace(
        Settings(),
        folder=folder,
        admin=Admin(officers=(OFFICER,)),
        organisation=Organisation(
            rules=str(folder / "rules.toml"), constituencies=("staff", "tenant")
        ),
        web=WebSettings(**web),
    )
    app = App(settings, clock=clock) if clock else App(settings)
    add_members(app.ctx, ROSTER)
    create_meeting(app.ctx, agm(starts), "test")
    return app


def nominate(app: App, member_id: str, statement: str, seconder: str | None) -> None:
    """A nomination as the chat leaves it (handlers/meetings/nominate_chat.py): the
    statement, then the seconder asked and, if named, saying Yes."""
    now = app.ctx.now()
    made = store.save_statement(app.db, "agm-2027", "board", member_id, statement, "draft", now)
    if seconder is not None:
        assert store.ask_seconder(app.db, made, seconder, now)
        assert store.answer_seconder(app.db, made, seconder, True, now)

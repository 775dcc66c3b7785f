"""Answering a pulse through the real engine, router and outbox, as a member taps buttons.

`PulseChat` (used by the other pulse tests too) plays members on Telegram: it sends
neutral events to the engine and reads what the bot queued for each chat.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import replace

from bot.engine import Engine
from bot.postman import Postman
from handlers import build_router
from handlers.members.identity import member_for
from handlers.members.roster import import_roster
from handlers.messages import Choice, Command, Sender, Text
from handlers.pulses import definitions as pulse_definitions
from handlers.pulses import rounds as pulse_rounds
from handlers.schedule import CHECKPOINT
from storage import members, outbox, secrecy
from storage.pulses import queries as pulses
from surveys.pulses.questions import ENPS_VALUES
from tests.helpers import link

STAFF_THANKS = "Thank you. The staff council sees the combined results"


def roster(staff: int = 0, tenants: int = 0) -> str:
    """CSV of members `staff-01`.. and `tenant-01`.. (ids never contain one another)."""
    lines = ["member_id,name,email,constituency"]
    lines += [f"staff-{n:02d},Staff Person {n},,staff" for n in range(1, staff + 1)]
    lines += [f"tenant-{n:02d},Tenant Person {n},,tenant" for n in range(1, tenants + 1)]
    return "\n".join(lines) + "\n"


def join(ctx, staff: int = 0, tenants: int = 0, linked: bool = True) -> list[str]:
    report = import_roster(ctx, io.StringIO(roster(staff, tenants)), skip_bad=False, actor="test")
    assert report.applied, report.problems
    ids = [row["member_id"] for row in members.all_members(ctx.db)]
    if linked:
        for member_id in ids:
            link(ctx, member_id)
    return ids


def open_round(ctx, survey_id: str = "staff-pulse") -> dict:
    definition = pulse_definitions.load(ctx)[survey_id]
    round_row = pulse_rounds.open_round(ctx, definition, "test")
    assert round_row is not None
    return round_row


class PulseChat:
    """Members on Telegram (chat id `u-<member>`), talking to the real engine."""

    def __init__(self, ctx) -> None:
        self.ctx = ctx
        self.postman = Postman(ctx.db, ctx.clock, None, "Europe/London")
        self.engine = Engine(ctx, build_router(), self.postman)

    def tick(self) -> int:
        """One run of the pulse tick, as the scheduler runs it; returns how many messages
        it queued."""
        items = list(pulse_rounds.tick(self.ctx, self.ctx.now()))
        queued = self.postman.post(items).queued
        if CHECKPOINT in items:
            secrecy.checkpoint(self.ctx.db)
        return queued

    def messages(self, member_id: str) -> list[dict]:
        """Everything queued for this member's chat, oldest first (row + payload)."""
        return [r for r in outbox.rows_for(self.ctx.db) if r["chat_id"] == f"u-{member_id}"]

    def last(self, member_id: str) -> dict:
        return self.messages(member_id)[-1]

    def last_with_buttons(self, member_id: str) -> dict:
        return [r for r in self.messages(member_id) if r["payload"]["choices"]][-1]

    def _send(self, member_id: str, event_type, **fields) -> list[dict]:
        sender = Sender("telegram", f"u-{member_id}", f"u-{member_id}")
        member = member_for(self.ctx, "telegram", sender.platform_user_id)
        before = len(self.messages(member_id))
        self.engine.handle(event_type(sender, member, uuid.uuid4().hex, **fields))
        return self.messages(member_id)[before:]

    def command(self, member_id: str, name: str, args: str = "") -> list[dict]:
        return self._send(member_id, Command, name=name, args=args)

    def say(self, member_id: str, text: str) -> list[dict]:
        return self._send(member_id, Text, text=text)

    def press(self, member_id: str, action: str, value: str, ref: str | None = None):
        return self._send(member_id, Choice, action=action, value=value, message_ref=ref)

    def tap(self, member_id: str, label: str, row: dict | None = None) -> list[dict]:
        """Tap the button labelled `label` on `row` (default: the latest message with buttons)."""
        row = row or self.last_with_buttons(member_id)
        [option] = [o for o in row["payload"]["choices"] if o["label"] == label]
        return self.press(member_id, option["action"], option["value"], ref=row["key"])

    def answer(self, member_id: str, labels: list[str]) -> None:
        """Start with /pulse, then tap (or for comment questions, type) each of `labels`."""
        self.command(member_id, "pulse")
        for label in labels:
            if label.startswith("text:"):
                self.say(member_id, label[5:])
            else:
                self.tap(member_id, label)


def answers(ctx) -> list[dict]:
    return list(ctx.db.query("select * from pulse_answers order by question_id"))


def test_invitation_asks_one_question_per_message_then_thanks(ctx):
    [member] = join(ctx, staff=1)
    round_row = open_round(ctx)
    chat = PulseChat(ctx)
    assert chat.tick() == 1
    invite = chat.last(member)
    assert invite["key"] == f"pulse:{round_row['id']}:invite:{member}" and invite["quiet"] == 1
    payload = invite["payload"]
    assert payload["title"] == "Staff pulse" and "your answers are anonymous" in payload["text"]
    assert "Question 1 of 6: I feel my voice is heard and acted on." in payload["text"]
    assert [o["label"] for o in payload["choices"]] == [
        "Strongly disagree",
        "Disagree",
        "Neither",
        "Agree",
        "Strongly agree",
        "Skip",
    ]

    tick, following = chat.tap(member, "Agree", invite)
    assert tick["payload"]["edit_ref"] == invite["key"]
    assert tick["payload"]["text"].endswith("✓ Agree") and not tick["payload"]["choices"]
    assert following["payload"]["text"].startswith("Question 2 of 6")
    assert tick["quiet"] == following["quiet"] == 0  # asked for: may come at any hour
    for label in ("Strongly agree", "Neither", "Disagree", "9"):
        chat.tap(member, label)
    comment = chat.last(member)
    assert comment["payload"]["prompt"] == f"pulse.c:{round_row['id']}.5"
    assert [o["label"] for o in comment["payload"]["choices"]] == ["Skip"]
    [thanks] = chat.say(member, "  More time for training, please.  ")
    assert thanks["payload"]["text"].startswith("✓ Comment saved, without your name.")
    assert STAFF_THANKS in thanks["payload"]["text"] and not thanks["payload"]["choices"]

    stored = {(a["question_id"], a["value"]) for a in answers(ctx)}
    assert stored == {
        ("voice", "4"),
        ("influence", "5"),
        ("ownership", "3"),
        ("informed", "2"),
        ("enps", "9"),
    }
    assert {a["member_id"] for a in answers(ctx)} == {None}
    [saved] = ctx.db.query("select * from pulse_comments")
    assert saved["text"] == "More time for training, please." and saved["member_id"] is None
    part = pulses.participant(ctx.db, round_row["id"], member)
    assert part["finished"] == 1 and part["answered_at"] is not None
    [done] = chat.command(member, "pulse")
    assert "You've answered the Staff pulse" in done["payload"]["text"]


def test_enps_offers_eleven_tiny_buttons_and_every_button_fits_telegram(ctx):
    [member] = join(ctx, staff=1)
    open_round(ctx)
    chat = PulseChat(ctx)
    chat.answer(member, ["Agree", "Agree", "Agree", "Agree"])
    enps = chat.last(member)["payload"]
    assert "0 = not at all likely, 10 = extremely likely." in enps["text"]
    labels = [o["label"] for o in enps["choices"]]
    assert labels == [str(v) for v in ENPS_VALUES] + ["Skip"]
    for row in chat.messages(member):
        for option in row["payload"]["choices"]:
            assert len(f"{option['action']}|{option['value']}".encode()) <= 64


def test_a_double_press_records_once_and_sends_nothing_more(ctx):
    [member] = join(ctx, staff=1)
    open_round(ctx)
    chat = PulseChat(ctx)
    chat.command(member, "pulse")
    question = chat.last_with_buttons(member)
    assert len(chat.tap(member, "Agree", question)) == 2
    assert chat.tap(member, "Agree", question) == []
    assert [(a["question_id"], a["value"]) for a in answers(ctx)] == [("voice", "4")]
    assert pulses.participant(ctx.db, 1, member)["step"] == 1


def test_tapping_another_answer_to_an_earlier_question_changes_it(ctx):
    [member] = join(ctx, staff=1)
    open_round(ctx)
    chat = PulseChat(ctx)
    chat.command(member, "pulse")
    first = chat.last_with_buttons(member)
    chat.tap(member, "Agree", first)
    chat.tap(member, "Neither")  # question 2
    [changed] = chat.tap(member, "Disagree", first)
    assert changed["payload"]["text"].endswith("✓ Disagree")
    assert changed["payload"]["edit_ref"] == first["key"]
    assert {(a["question_id"], a["value"]) for a in answers(ctx)} == {
        ("voice", "2"),
        ("influence", "3"),
    }
    assert pulses.participant(ctx.db, 1, member)["step"] == 2  # no question is asked twice


def test_skipping_records_nothing_and_a_skipped_comment_keeps_later_text_out(ctx):
    [member] = join(ctx, staff=1)
    open_round(ctx)
    chat = PulseChat(ctx)
    chat.answer(member, ["Skip", "Agree", "Skip", "Skip", "Skip"])
    assert chat.last(member)["payload"]["prompt"]  # the comment question
    [skipped, thanks] = chat.tap(member, "Skip")
    assert skipped["payload"]["text"].endswith("Skipped.")
    assert STAFF_THANKS in thanks["payload"]["text"]
    assert [(a["question_id"], a["value"]) for a in answers(ctx)] == [("influence", "4")]
    chat.say(member, "hello, is anyone there?")  # not a survey comment any more
    assert ctx.db["pulse_comments"].count == 0


def test_an_answer_after_the_round_closed_is_refused_kindly(ctx, clock):
    [member] = join(ctx, staff=1)
    open_round(ctx)
    chat = PulseChat(ctx)
    chat.command(member, "pulse")
    question = chat.last_with_buttons(member)
    clock.advance(hours=72)
    [refused] = chat.tap(member, "Agree", question)
    text = refused["payload"]["text"]
    assert text.startswith("Thank you for wanting to answer. The Staff pulse closed at")
    assert "can't be counted" in text
    chat.tick()  # the round is closed for good now
    [again] = chat.tap(member, "Agree", question)
    assert again["payload"]["text"].startswith("Thank you for wanting to answer.")
    assert answers(ctx) == []


def test_stopping_mid_round_loses_no_answer_and_the_member_carries_on(tmp_path, clock):
    from tests.helpers import make_context

    path = tmp_path / "mv.db"
    ctx = make_context(clock, path)
    [member] = join(ctx, staff=1)
    open_round(ctx)
    chat = PulseChat(ctx)
    chat.answer(member, ["Agree", "Strongly agree"])
    ctx.db.close()  # the bot stops

    ctx = make_context(clock, path)  # and starts again
    chat = PulseChat(ctx)
    assert {(a["question_id"], a["value"]) for a in answers(ctx)} == {
        ("voice", "4"),
        ("influence", "5"),
    }
    [again] = chat.command(member, "pulse")
    assert again["payload"]["text"].startswith("Question 3 of 6: I feel proud")
    chat.tap(member, "Agree")
    assert len(answers(ctx)) == 3
    ctx.db.close()


def test_named_surveys_keep_the_member_with_the_answer(ctx, tmp_path):
    folder = tmp_path / "surveys"
    folder.mkdir()
    (folder / "named.toml").write_text(
        'id = "exit"\ntitle = "Leaving"\naudience = ["staff"]\nanonymous = false\n'
        'thanks = "Thanks."\n[[questions]]\nid = "why"\nkind = "choice"\n'
        'text = "Why are you leaving?"\noptions = ["Pay", "Hours", "Other"]\n'
    )
    ctx.policy = replace(ctx.policy, surveys=replace(ctx.policy.surveys, folder=str(folder)))
    [member] = join(ctx, staff=1)
    open_round(ctx, "exit")
    chat = PulseChat(ctx)
    [invite] = chat.command(member, "pulse")
    assert "not anonymous: your name is kept" in invite["payload"]["text"]
    chat.tap(member, "Hours")
    assert [(a["value"], a["member_id"]) for a in answers(ctx)] == [("Hours", member)]


def test_pulse_says_kindly_why_there_is_nothing_to_answer(ctx, tmp_path):
    staff = join(ctx, staff=2)
    chat = PulseChat(ctx)
    [nothing] = chat.command(staff[0], "pulse")
    assert "There's no check-in open for you right now" in nothing["payload"]["text"]
    members.set_flag(ctx.db, staff[1], "pulses_paused", True)
    open_round(ctx)  # staff[1] is paused, so not asked
    [paused] = chat.command(staff[1], "pulse")
    assert "Check-ins are paused for you" in paused["payload"]["text"]
    assert [o["label"] for o in paused["payload"]["choices"]] == ["Resume check-ins"]
    chat.tap(staff[1], "Resume check-ins")
    [not_asked] = chat.command(staff[1], "pulse")
    assert "you weren't on it" in not_asked["payload"]["text"]
    [forged] = chat.press(staff[1], "pulse.a", "1.0.3")
    assert "you weren't on it" in forged["payload"]["text"]
    [broken] = chat.press(staff[0], "pulse.a", "not-a-value")
    assert broken["payload"]["text"].startswith("That button no longer works")


def test_the_home_section_offers_a_waiting_check_in(ctx):
    from handlers.members.identity import member_for
    from handlers.pulses.chat import home_section

    [member] = join(ctx, staff=1)
    me = member_for(ctx, "telegram", f"u-{member}")
    assert home_section(ctx, me) is None
    open_round(ctx)
    section = home_section(ctx, me)
    assert section.title == "Staff pulse" and "6 quick questions" in section.text
    assert [(o.label, o.value) for o in section.choices] == [("Answer now", "pulse")]
    PulseChat(ctx).answer(member, ["Agree"])
    assert "You're on question 2 of 6." in home_section(ctx, me).text

"""Voting in chat: ballots with buttons for every method, confirmation, receipts, refusals.

`Kit` is shared by the other vote tests: it speaks as members through the real router and
posts what the handlers return through the real postman into the outbox.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import timedelta

from bot.postman import Postman
from handlers import build_router
from handlers.members.identity import member_for
from handlers.messages import Choice, Command, Message, Option, Sender
from handlers.votes.admin import close_vote, create_vote, published_result
from handlers.votes.chat import NOT_A_MEMBER, tick
from handlers.votes.state import Vote
from storage.votes import queries as store
from surveys.votes.definitions import VoteDefinition, VoteOption
from tests.helpers import START, add_members, link

ROSTER = """member_id,name,email,constituency,timezone
t1,Pat Murphy,,tenant,
t2,Lee Chen,,tenant,
t3,Ruth Adeyemi,,tenant,
s1,Sam Okafor,,staff,
s2,Priya Shah,,staff,
"""
COUNCIL = ("slack", "C-COUNCIL")
CANDIDATES = ("Amber", "Birch", "Cedar", "Dara")


def definition(**fields) -> VoteDefinition:
    base = {
        "id": "agm",
        "title": "Adopt the new rules",
        "explanation": "Resolution 1: that the new rules are adopted.",
        "method": "resolution",
        "opens": START,
        "closes": START + timedelta(days=7),
        "reminder_hours": (),
    }
    return VoteDefinition(**{**base, **fields})


def options(*names: str, **extra) -> tuple[VoteOption, ...]:
    return tuple(VoteOption(name, **extra) for name in names)


class Kit:
    """A few members talking to the bot, and the officer's side of the votes."""

    def __init__(self, ctx, roster: str = ROSTER, linked=("t1", "t2", "t3", "s1", "s2")) -> None:
        self.ctx, self.router = ctx, build_router()
        self.postman = Postman(ctx.db, ctx.clock, COUNCIL, "Europe/London")
        if roster:
            add_members(ctx, roster)
        for member_id in linked:
            link(ctx, member_id)
        self.last: dict[str, Message] = {}

    def sender(self, member_id: str) -> Sender:
        user = f"u-{member_id}"
        return Sender("telegram", user, user)

    def _dispatch(self, event) -> list[Message]:
        messages = self.router.dispatch(self.ctx, event)
        self.postman.post(messages, key_prefix=f"telegram:{event.event_id}")
        for message in messages:
            if message.to.member_id and message.choices:
                self.last[message.to.member_id] = message
        return messages

    def command(self, member_id: str, name: str, args: str = "") -> list[Message]:
        who = self.sender(member_id)
        member = member_for(self.ctx, who.platform, who.platform_user_id)
        return self._dispatch(Command(who, member, uuid.uuid4().hex, name=name, args=args))

    def press(self, member_id: str, label: str) -> list[Message]:
        """Press the button whose label starts with `label` on the member's latest buttons."""
        option = button(self.last[member_id], label)
        who = self.sender(member_id)
        member = member_for(self.ctx, who.platform, who.platform_user_id)
        event = Choice(
            who, member, uuid.uuid4().hex, action=option.action, value=option.value, message_ref="m"
        )
        return self._dispatch(event)

    def vote(self, member_id: str, vote_id: str, *labels: str) -> str:
        """Open the ballot, press `labels` in order, confirm; returns the last reply's text."""
        self.command(member_id, "vote", vote_id)
        for label in (*labels, "Confirm"):
            replies = self.press(member_id, label)
        return replies[-1].text

    def create(self, **fields) -> Vote:
        return create_vote(self.ctx, definition(**fields), "test")

    def tick(self) -> list[Message]:
        messages = list(tick(self.ctx, self.ctx.now()))
        self.postman.post(messages)
        return messages


def button(message: Message, label: str) -> Option:
    found = [o for o in message.choices if o.label.startswith(label)]
    assert found, f"no {label!r} button in {[o.label for o in message.choices]}"
    return found[0]


def labels(message: Message) -> list[str]:
    return [o.label for o in message.choices]


def receipt_in(text: str) -> str:
    line = next(line for line in text.splitlines() if line.startswith("Your receipt code: "))
    return line.removeprefix("Your receipt code: ")


def test_resolution_ballot_confirm_and_receipt(ctx):
    kit = Kit(ctx)
    kit.create()
    kit.tick()
    [ballot] = kit.command("t1", "vote")
    assert ballot.title == "Adopt the new rules" and "There's one vote open for you" in ballot.text
    assert labels(ballot) == ["For", "Against", "Abstain"]
    assert "more than half of the votes cast" in ballot.text
    [confirm] = kit.press("t1", "Against")
    assert confirm.edit_ref == "m" and confirm.text.startswith("You are voting: Against.")
    assert labels(confirm) == ["Confirm", "Change"]
    [thanks] = kit.press("t1", "Confirm")
    receipt = receipt_in(thanks.text)
    assert len(receipt) == 9 and receipt[4] == "-" and "won't show this code again" in thanks.text
    assert store.choice_counts(ctx.db, "agm") == [("against", 1)]
    assert store.has_voted(ctx.db, "agm", "t1") and store.get_draft(ctx.db, "agm", "t1") == (
        [],
        False,
    )


def test_change_goes_back_to_the_ballot_before_casting(ctx):
    kit = Kit(ctx)
    kit.create()
    kit.tick()
    kit.command("t1", "vote")
    kit.press("t1", "For")
    [ballot] = kit.press("t1", "Change")
    assert labels(ballot) == ["For", "Against", "Abstain"]
    assert store.count_voters(ctx.db, "agm") == 0
    kit.press("t1", "Abstain")
    kit.press("t1", "Confirm")
    assert store.choice_counts(ctx.db, "agm") == [("abstain", 1)]


def test_ranked_ballot_asks_for_each_preference_in_turn(ctx):
    kit = Kit(ctx)
    kit.create(id="reps", method="stv", seats=2, options=options(*CANDIDATES))
    kit.tick()
    [ballot] = kit.command("t2", "vote")
    assert "Your 1st choice?" in ballot.text and "2 people will be elected" in ballot.text
    assert labels(ballot) == list(CANDIDATES)
    [after] = kit.press("t2", "Cedar")
    assert "So far: 1st Cedar." in after.text and "Your 2nd choice?" in after.text
    assert labels(after) == ["Amber", "Birch", "Dara", "Done", "Start again"]
    [again] = kit.press("t2", "Start again")
    assert "Your 1st choice?" in again.text
    kit.press("t2", "Birch")
    kit.press("t2", "Amber")
    [confirm] = kit.press("t2", "Done")
    assert confirm.text.startswith("Your ranking: 1st Birch, 2nd Amber.")
    kit.press("t2", "Confirm")
    assert store.choice_counts(ctx.db, "reps") == [("1,0", 1)]


def test_ranking_every_candidate_goes_straight_to_confirmation(ctx):
    kit = Kit(ctx)
    kit.create(id="chair", method="irv", options=options("Amber", "Birch", "Cedar"))
    kit.tick()
    kit.command("t1", "vote")
    kit.press("t1", "Cedar")
    kit.press("t1", "Amber")
    [confirm] = kit.press("t1", "Birch")
    assert confirm.text.startswith("Your ranking: 1st Cedar, 2nd Amber, 3rd Birch.")


def test_approval_toggles_then_submits(ctx):
    kit = Kit(ctx)
    kit.create(id="days", method="approval", options=options("Monday", "Wednesday", "Friday"))
    kit.tick()
    kit.command("s1", "vote")
    kit.press("s1", "Monday")
    [screen] = kit.press("s1", "Friday")
    assert labels(screen) == ["✓ Monday", "Wednesday", "✓ Friday", "Submit (2 chosen)"]
    [screen] = kit.press("s1", "✓ Monday")
    assert "Chosen: Friday." in screen.text
    [confirm] = kit.press("s1", "Submit")
    assert confirm.text.startswith("You are approving: Friday.")
    kit.press("s1", "Confirm")
    assert store.choice_counts(ctx.db, "days") == [("2", 1)]


def test_budget_ballot_shows_costs_and_the_total(ctx):
    kit = Kit(ctx)
    projects = (VoteOption("Play area", cost=4500), VoteOption("Garden", cost=1800))
    kit.create(id="fund", method="budget", options=projects, budget=5000)
    kit.tick()
    [ballot] = kit.command("t3", "vote")
    assert "The budget is £5,000" in ballot.text
    assert labels(ballot)[:2] == ["Play area · £4,500", "Garden · £1,800"]
    kit.press("t3", "Play area")
    kit.press("t3", "Garden")
    [confirm] = kit.press("t3", "Submit")
    assert "Play area (£4,500), Garden (£1,800); together £6,300" in confirm.text


def test_a_budget_result_keeps_the_currency(ctx):
    kit = Kit(ctx)
    projects = (VoteOption("Play area", cost=4500), VoteOption("Garden", cost=900))
    kit.create(id="fund", method="budget", options=projects, budget=10000, currency="€")
    kit.tick()
    for member in ("t1", "t2"):
        kit.command(member, "vote")
        kit.press(member, "Garden")
        [confirm] = kit.press(member, "Submit")
        kit.press(member, "Confirm")
    close_vote(ctx, "fund", "test")
    lines = published_result(ctx, "fund")["explanation"]
    text = "\n".join(lines)
    assert "Budget: €10,000." in text
    assert "1. Garden: 2 approvals, costs €900: funded, €9,100 left." in text
    assert "Funded: Garden; spent €900 of €10,000, €9,100 left." in text


def test_candidate_statements_are_a_button_away(ctx):
    kit = Kit(ctx)
    field = (VoteOption("Amber", "Repairs first."), VoteOption("Birch", "Greener estates."))
    kit.create(id="chair", method="irv", options=field)
    kit.tick()
    kit.command("t1", "vote")
    [statements] = kit.press("t1", "Read the statements")
    assert statements.text == "Amber: Repairs first.\n\nBirch: Greener estates."
    [ballot] = kit.press("t1", "Back to the ballot")
    assert "Your 1st choice?" in ballot.text


def test_a_second_vote_is_refused_by_default(ctx):
    kit = Kit(ctx)
    kit.create()
    kit.tick()
    kit.vote("t1", "agm", "For")
    [refused] = kit.command("t1", "vote", "agm")
    assert "already voted" in refused.text and "can't be changed" in refused.text
    assert store.count_voters(ctx.db, "agm") == 1


def test_allow_change_replaces_the_earlier_ballot(ctx):
    kit = Kit(ctx)
    kit.create(allow_change=True)
    kit.tick()
    first = receipt_in(kit.vote("t1", "agm", "For"))
    [ballot] = kit.command("t1", "vote", "agm")
    assert "voting again replaces your earlier vote" in ballot.text
    kit.press("t1", "Against")
    text = kit.press("t1", "Confirm")[-1].text
    assert text.startswith("Thank you: your new vote replaces your earlier one.")
    second = receipt_in(text)
    assert first != second
    assert store.choice_counts(ctx.db, "agm") == [("against", 1)]
    assert [r for r, _ in store.ballot_list(ctx.db, "agm")] == [second]
    assert store.count_voters(ctx.db, "agm") == 1


def test_every_change_gets_a_new_receipt_code(ctx):
    """A changed ballot never lands back in the slot it just left (a small roll made that
    likely: the same code shown twice, and the first one still pointing at a ballot)."""
    kit = Kit(ctx)
    kit.create(allow_change=True)
    kit.tick()
    seen = [receipt_in(kit.vote("t1", "agm", "For"))]
    for choice in ["Against", "For", "Against", "For", "Against", "For", "Against"]:
        kit.command("t1", "vote", "agm")
        kit.press("t1", choice)
        seen.append(receipt_in(kit.press("t1", "Confirm")[-1].text))
    assert all(a != b for a, b in zip(seen, seen[1:], strict=False))
    assert [r for r, _ in store.ballot_list(ctx.db, "agm")] == [seen[-1]]
    assert store.count_voters(ctx.db, "agm") == 1


def test_ineligible_unverified_early_and_late_voters_are_told_why(ctx, clock):
    kit = Kit(ctx)
    kit.create(constituencies=("tenant",))
    kit.tick()
    [staff] = kit.command("s1", "vote", "agm")
    assert "is for tenant members only" in staff.text and "staff member" in staff.text
    stranger = Sender("telegram", "999", "999")
    [unknown] = kit._dispatch(Command(stranger, None, "e1", name="vote"))
    assert unknown.text == NOT_A_MEMBER
    clock.advance(hours=1)
    add_members(ctx, "member_id,name,email,constituency\nt9,New Tenant,,tenant\n")
    link(ctx, "t9")
    [late_joiner] = kit.command("t9", "vote", "agm")
    assert "fixed when it opened" in late_joiner.text and "before you joined" in late_joiner.text
    kit.create(id="later", opens=START + timedelta(days=2))
    [early] = kit.command("t1", "vote", "later")
    assert "opens on Wednesday 25 November at 10:00" in early.text
    kit.command("t1", "vote", "agm")
    clock.advance(days=7)
    [too_late] = kit.press("t1", "For")
    assert "too late to vote" in too_late.text
    assert store.count_voters(ctx.db, "agm") == 0


def test_vote_lists_several_open_votes_and_what_is_coming(ctx):
    kit = Kit(ctx)
    kit.create()
    kit.create(id="chair", title="Elect the chair", method="irv", options=options("Amber", "Bo"))
    kit.create(id="later", title="Budget 2027", opens=START + timedelta(days=2))
    kit.tick()
    kit.vote("t1", "agm", "For")
    [listing] = kit.command("t1", "vote")
    assert listing.text.splitlines() == [
        "Votes open for you:",
        "• Adopt the new rules: open until Monday 30 November at 10:00. You've voted.",
        "• Elect the chair: open until Monday 30 November at 10:00.",
        "Coming up: Budget 2027, opens Wednesday 25 November at 10:00.",
    ]
    assert labels(listing) == ["Vote: Elect the chair"]


def test_button_values_fit_telegram_callback_data(ctx):
    kit = Kit(ctx)
    many = options(*(f"Candidate number {n}" for n in range(20)))
    kit.create(id="a" * 40, method="stv", seats=5, options=many)
    kit.tick()
    [ballot] = kit.command("t1", "vote")
    for option in ballot.choices:
        assert len(option.action.encode()) + len(option.value.encode()) <= 20


def test_receipt_finds_the_ballot_only_after_close(ctx, clock):
    kit = Kit(ctx)
    kit.create()
    kit.tick()
    receipt = receipt_in(kit.vote("t2", "agm", "Abstain"))
    [before] = kit.command("t2", "receipt", receipt)
    assert "can't find ballot" in before.text
    clock.advance(days=7)
    kit.tick()
    [after] = kit.command("t2", "receipt", receipt.lower().replace("-", " "))
    assert after.text == f"Adopt the new rules: ballot {receipt} is in the count."
    assert published_result(ctx, "agm")["voted"] == 1
    # Who asked about which ballot links a member to it: cleared once delivered.
    from storage import outbox

    def kept() -> str:
        return " ".join(json.dumps(r["payload"]) for r in outbox.rows_for(ctx.db))

    assert receipt in kept()  # waiting, sealed: the file itself does not show it
    assert receipt not in " ".join(p for (p,) in ctx.db.execute("select payload from outbox"))
    for row in outbox.claim_due(ctx.db, "telegram", ctx.now(), 1000):
        outbox.mark_sent(ctx.db, row, ctx.now())
    assert receipt not in kept()


def test_a_poll_length_never_becomes_part_of_the_question(ctx):
    kit = Kit(ctx)
    ctx.policy = replace(ctx.policy, admin=replace(ctx.policy.admin, officers=("s1",)))
    for typed, closes in [
        ("1.5h", "11:30"),
        ("1h30m", "11:30"),
        ("2hours", "12:00"),
        ("2 h", "12:00"),
    ]:
        [confirmation, *_] = kit.command("s1", "poll", f"{typed} Lunch on Friday? | Pizza | Curry")
        assert confirmation.text.startswith("Your poll is open for "), confirmation.text
        assert f"until Monday 23 November at {closes}: Lunch on Friday?\n" in confirmation.text
    [confirmation, *_] = kit.command("s1", "poll", "2w Away day? | Yes | No")
    assert confirmation.text.startswith(
        "Your poll is open for 2 weeks, until Monday 7 December at 10:00: Away day?\n"
    )
    [refused] = kit.command("s1", "poll", "1h30 Lunch on Friday? | Pizza | Curry")
    assert "couldn't start that poll: '1h30' is not a length" in refused.text
    assert "1h30m, 1.5h" in refused.text
    titles = {Vote.from_row(row).title for row in store.all_votes(ctx.db)}
    assert titles == {"Lunch on Friday?", "Away day?"}


def test_officer_quick_poll_opens_now_for_everyone(ctx):
    kit = Kit(ctx)
    ctx.policy = replace(ctx.policy, admin=replace(ctx.policy.admin, officers=("s1",)))
    [refused] = kit.command("t1", "poll", "Lunch? | Pizza | Curry")
    assert "only for membership officers" in refused.text
    [usage] = kit.command("s1", "poll")
    assert "/poll Question? | Option A | Option B" in usage.text
    [bad] = kit.command("s1", "poll", "Lunch? | Pizza")
    assert "couldn't start that poll: give 2 to 10 options" in bad.text
    replies = kit.command("s1", "poll", "2h Lunch on Friday? | Pizza | Curry")
    assert replies[0].text.startswith(
        "Your poll is open for 2 hours, until Monday 23 November at 12:00: Lunch on Friday?"
    )
    assert "telling all 5 members" in replies[0].text
    announced = sorted(m.to.member_id for m in replies[1:])
    assert announced == ["s1", "s2", "t1", "t2", "t3"]
    [ballot] = kit.command("t3", "vote")
    assert labels(ballot) == ["Pizza", "Curry"] and "Lunch on Friday?" in ballot.title

"""Delivering outbox rows to FakeSlack through the real slack_sdk client: Block Kit limits,
splitting, edits, images, and what each kind of refusal means for the outbox."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.delivery import Delivery
from bot.outbox import Outcome, Pace, Sender
from handlers.messages import Message, Option, Recipient
from storage import outbox
from storage.db import open_database
from storage.outbox import Row
from tests.e2e.slack.harness import IDLE, SimClock
from tests.e2e.slack.test_slack_adapter import LITERAL
from tests.fakes.slack_api import FakeSlack, live_markup, readable_text

TOKEN = "xoxb-test-token"
USER = "U0ALICE01"


@pytest.fixture
def clock() -> SimClock:
    return SimClock()


@pytest.fixture
async def fake(clock: SimClock) -> AsyncIterator[FakeSlack]:
    async with FakeSlack(TOKEN, clock=lambda: clock().timestamp(), channels=["C0COUNCIL"]) as fake:
        fake.add_user(USER, "alice@example.org", "Alice Example")
        yield fake


@pytest.fixture
def delivery(fake: FakeSlack, clock: SimClock) -> Delivery:
    return Delivery(AsyncWebClient(token=TOKEN, base_url=fake.api_url), clock, ("help", "me"))


def row(chat: str, key: str = "k1") -> Row:
    return Row(1, key, "slack", chat, None, {}, 1, False, None)


def to(chat: str) -> Recipient:
    return Recipient(platform="slack", chat_id=chat)


async def test_long_text_and_many_choices_fit_slacks_limits(
    fake: FakeSlack, delivery: Delivery
) -> None:
    dm = fake.dm_channel(USER)
    text = "\n\n".join(f"Paragraph {i}. " + "word " * 400 for i in range(5))  # ~10,000 chars
    menu = tuple(Option(f"Option {i}", "pick", str(i)) for i in range(60))
    buttons = tuple(Option(f"Button {i} " + "x" * 80, f"act{i}", "v" * 2000) for i in range(60))
    for key, message in (
        ("menu", Message(to(dm), text, title="T" * 200, choices=menu)),
        ("buttons", Message(to(dm), "Pick one", choices=buttons)),
    ):
        outcome = await delivery.deliver(row(dm, key), message)
        assert outcome.ok, outcome

    [long, many] = fake.posted(dm)
    sections = [b for b in long["blocks"] if b["type"] == "section"]
    assert len(sections) == 5 and all(
        len(b["text"]["text"]) <= 3000 for b in sections
    )  # a paragraph each
    assert " ".join(b["text"]["text"] for b in sections).split() == text.split()
    assert long["blocks"][0]["text"]["text"] == "T" * 149 + "…"
    [select] = long["blocks"][-1]["elements"]
    assert select["type"] == "static_select" and len(select["options"]) == 60
    rows_of_buttons = [b["elements"] for b in many["blocks"] if b["type"] == "actions"]
    assert [len(r) for r in rows_of_buttons] == [25, 25, 10]
    ids = [e["action_id"] for r in rows_of_buttons for e in r]
    assert len(set(ids)) == 60 and ids[7] == "act7:7"
    assert all(len(e["text"]["text"]) <= 75 for r in rows_of_buttons for e in r)


async def test_more_than_fifty_blocks_become_several_messages(
    fake: FakeSlack, delivery: Delivery
) -> None:
    dm = fake.dm_channel(USER)
    text = "\n\n".join(f"Part {i}: " + "y" * 2990 for i in range(60))
    choices = (Option("Yes", "ok", "y"), Option("No", "ok", "n"))
    outcome = await delivery.deliver(row(dm), Message(to(dm), text, choices=choices))

    first, second = fake.posted(dm)
    assert (len(first["blocks"]), len(second["blocks"])) == (50, 11)
    assert second["blocks"][-1]["type"] == "actions"  # the choices close the last message
    assert outcome == Outcome(ref=second["ts"])  # which a press will refer to


async def test_a_429_storm_loses_nothing_and_repeats_nothing(
    fake: FakeSlack, clock: SimClock
) -> None:
    fake.post_burst = 1  # a second post to a channel within a second is refused
    db = open_database()
    delivery = Delivery(AsyncWebClient(token=TOKEN, base_url=fake.api_url), clock)
    users = [f"U0STORM{i:02d}" for i in range(10)]
    long_text = "\n\n".join("z" * 2990 for _ in range(60))  # two Slack messages
    rows = [
        {
            "key": f"{u}-{n}",
            "platform": "slack",
            "chat_id": fake.dm_channel(u),
            "payload": Message(to(u), long_text if n == 0 else f"note {n} for {u}").to_payload(),
        }
        for u in users
        for n in range(3)
    ]
    outbox.enqueue(db, rows, clock())
    fake.fail_next(12, retry_after=2)
    sender = Sender(
        db, "slack", delivery.deliver, clock, Pace(per_chat_seconds=1), sleep=clock.sleep
    )
    stop = asyncio.Event()
    running = asyncio.create_task(sender.run(stop, IDLE))
    await fake.wait_for(lambda: len(fake.posted()) == 10 * 4)
    stop.set()
    await running

    assert sum(c.status == 429 for c in fake.calls) > 12  # forced, then the per-channel limit
    for user in users:
        posted = [m["blocks"][0]["text"]["text"] for m in fake.posted(fake.dm_channel(user))]
        assert len(posted) == 2 + 2  # the long one in two parts, and two notes, each once
        assert sorted(p for p in posted if p.startswith("note")) == [
            f"note {n} for {user}" for n in (1, 2)
        ]
    assert {r["status"] for r in outbox.rows_for(db)} == {"sent"}


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ("is_archived", Outcome(unreachable="is_archived")),
        ("account_inactive", Outcome(unreachable="account_inactive")),
        ("cannot_dm_bot", Outcome(unreachable="cannot_dm_bot")),
        ("msg_too_long", Outcome(error="slack: msg_too_long", permanent=True)),
        ("internal_error", Outcome(error="slack: internal_error")),
    ],
)
async def test_refusals_tell_the_outbox_what_to_do(
    fake: FakeSlack, delivery: Delivery, error: str, expected: Outcome
) -> None:
    fake.refuse_next(error)
    assert await delivery.deliver(row("C0COUNCIL"), Message(to("C0COUNCIL"), "hi")) == expected


async def test_rate_limits_unknown_channels_and_bad_choices(
    fake: FakeSlack, delivery: Delivery
) -> None:
    fake.fail_next(1, retry_after=7)
    assert await delivery.deliver(row("C0COUNCIL"), Message(to("C0COUNCIL"), "hi")) == Outcome(
        retry_after=7.0
    )
    gone = await delivery.deliver(row("C0GONE"), Message(to("C0GONE"), "hi"))
    assert gone == Outcome(unreachable="channel_not_found")
    huge = Message(to("C0COUNCIL"), "pick", choices=(Option("x", "a", "v" * 2001),))
    refused = await delivery.deliver(row("C0COUNCIL"), huge)
    assert refused.permanent and "2000" in refused.error


async def test_network_failures_are_transient_and_never_show_the_token(clock: SimClock) -> None:
    secret = "xoxb-very-secret-token-123"
    # No SDK retry: its back-off would wait on the wall clock.
    client = AsyncWebClient(token=secret, base_url="http://127.0.0.1:9/api/", retry_handlers=[])
    outcome = await Delivery(client, clock).deliver(row("C1"), Message(to("C1"), "hi"))
    assert outcome.error and not outcome.permanent and outcome.retry_after is None
    assert secret not in outcome.error


async def test_member_text_is_inert_in_every_field(
    fake: FakeSlack, delivery: Delivery, tmp_path
) -> None:
    chart = tmp_path / "results.png"
    chart.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    dm = fake.dm_channel(USER)
    choices = (Option(LITERAL, "pick", "1"),)
    assert (
        await delivery.deliver(row(dm), Message(to(dm), LITERAL, title=LITERAL, choices=choices))
    ).ok
    assert (await delivery.deliver(row(dm, "img"), Message(to(dm), LITERAL, image=str(chart)))).ok

    assert [c for c in fake.calls if live_markup(c)] == []
    [uploaded] = fake.files
    assert uploaded.content == chart.read_bytes() and uploaded.channel == dm
    assert readable_text({"initial_comment": uploaded.initial_comment}) == LITERAL
    assert readable_text(fake.posted(dm)[0]).count(LITERAL) >= 4  # text, header, section, button


async def test_an_edit_updates_the_message_in_place(fake: FakeSlack, delivery: Delivery) -> None:
    dm = fake.dm_channel(USER)
    first = await delivery.deliver(
        row(dm), Message(to(dm), "Question?", choices=(Option("A", "a"),))
    )
    edited = await delivery.deliver(
        row(dm, "k2"), Message(to(dm), "Thanks, you chose A", edit_ref=first.ref)
    )
    assert edited == Outcome(ref=first.ref)
    [message] = fake.posted(dm)
    assert readable_text(message["blocks"]) == "Thanks, you chose A" and "edited" in message


async def test_commands_are_shown_as_voice_subcommands(fake: FakeSlack, delivery: Delivery) -> None:
    dm = fake.dm_channel(USER)
    await delivery.deliver(
        row(dm), Message(to(dm), "Type /help or /me; see https://x.example/help.")
    )
    assert readable_text(fake.posted(dm)[0]["blocks"]) == (
        "Type /voice help or /voice me; see https://x.example/help."
    )

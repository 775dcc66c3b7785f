"""An anonymous suggestion through the real Slack stack: signed requests into Bolt, the
outbox, slack_sdk, and FakeSlack as the Web API, on an injected clock.

A staff member suggests from their DM (`/voice suggest`, a modal, two buttons); the
council replies from its channel (a button, a modal); the member answers back. The
council channel receives the member's words literally and never anything that says
who they are.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import aiohttp
import pytest

from bot.adapters.slack import adapter as slack
from bot.app import App
from storage.suggestions import queries as suggestions
from tests.e2e.slack.harness import COUNCIL, SECRET, SimClock, running_slack
from tests.fakes.slack_api import FakeSlack, all_text, live_markup, readable_text
from tests.fakes.slack_requests import (
    as_slack_returns,
    block_actions,
    post,
    slash_command,
    view_submission,
)

PRIYA, PRIYA_ID = "U0PRIYA01", "staff-0099"
COUNCILLOR = "U0CHRIS01"  # in the council channel, not on the roster
ROSTER = f"""member_id,name,email,constituency
{PRIYA_ID},Priya Shah,priya.shah@example.org,staff
"""
MARKUP = "<!channel> *bold* <https://x.example|y> <b>hi</b>"
_stamps = itertools.count(1)


@dataclass
class Slack:
    app: App
    adapter: slack.SlackAdapter
    fake: FakeSlack
    clock: SimClock
    session: aiohttp.ClientSession

    async def send(self, request: tuple[str, str]) -> None:
        stamp = int(self.clock().timestamp())
        reply = await post(
            self.session, request, url=self.adapter.url, secret=SECRET, timestamp=stamp
        )
        assert reply.status == 200, reply.text
        await self.adapter.settle()

    async def messages(self, channel: str, count: int) -> list[dict]:
        await self.fake.wait_for(lambda: len(self.fake.posted(channel)) >= count)
        await self.adapter.settle()
        return self.fake.posted(channel)

    async def press(self, user: str, message: dict, label: str) -> None:
        """Press the button labelled `label`, as Slack sends it (each press its own action_ts)."""
        buttons = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
        [button] = [b for b in buttons if b["text"]["text"] == label]
        body, kind = block_actions(
            user,
            button["action_id"],
            button.get("value"),
            message["channel"],
            message["ts"],
            trigger_id=self.fake.new_trigger_id(user),
            message=as_slack_returns(message),
            text=label,
        )
        await self.send(
            (body.replace("1700000000.000002", f"1700000000.{next(_stamps):06d}"), kind)
        )

    async def answer_modal(self, user: str, number: int, text: str) -> dict:
        """Wait for the `number`th modal, then submit `text` in it as `user`."""
        await self.fake.wait_for(lambda: len(self.fake.views_opened) >= number)
        modal = self.fake.views_opened[number - 1]
        values = {"answer": {"text": text}}
        await self.send(
            view_submission(
                user, modal["callback_id"], modal["private_metadata"], values, view_id=modal["id"]
            )
        )
        return modal


@pytest.fixture
async def slack_app() -> AsyncIterator[Slack]:
    users = {
        PRIYA: ("priya.shah@example.org", "Priya Shah"),
        COUNCILLOR: ("chris@example.org", "Chris Council"),
    }
    async with (
        running_slack(ROSTER, users) as (app, adapter, fake, clock),
        aiohttp.ClientSession() as session,
    ):
        yield Slack(app, adapter, fake, clock, session)


def council_payloads(fake: FakeSlack) -> list[dict]:
    """Every request the fake received that shows something in the council channel."""
    found = []
    for call in fake.calls:
        channel = call.params.get("channel")
        if channel == COUNCIL:
            found.append(call.params)
        view = call.params.get("view")
        if isinstance(view, str):
            view = json.loads(view)
        if isinstance(view, dict):
            metadata = json.loads(view.get("private_metadata") or "{}")
            if metadata.get("chat") == COUNCIL:
                found.append(call.params)
    return found


async def test_anonymous_suggestion_round_trip_through_slack(slack_app: Slack) -> None:
    fake = slack_app.fake
    dm = fake.dm_channel(PRIYA)

    # Priya suggests from her DM: /voice suggest opens a modal for the words.
    trigger = fake.new_trigger_id(PRIYA)
    await slack_app.send(
        slash_command(text="suggest", user_id=PRIYA, channel_id=dm, trigger_id=trigger)
    )
    modal = await slack_app.answer_modal(PRIYA, 1, MARKUP)
    assert "What would you like to tell the staff council?" in readable_text(modal)
    [topic] = await slack_app.messages(dm, 1)
    await slack_app.press(PRIYA, topic, "Workplace")
    [_, named] = await slack_app.messages(dm, 2)
    assert "they see it is from Priya Shah" in readable_text(named)
    await slack_app.press(PRIYA, named, "Anonymous")
    [card] = await slack_app.messages(COUNCIL, 1)
    thanks = (await slack_app.messages(dm, 3))[-1]
    assert "Your suggestion #1 has gone to the staff council anonymously" in readable_text(thanks)

    # The card shows the words exactly as typed, inert: even the link Slack would make of
    # the bare address is broken by invisible word joiners.
    assert MARKUP in all_text(card).replace("\u2060", "")
    assert "https:\u2060//\u2060x\u2060.example" in all_text(card)
    assert "Suggestion #1 · workplace" in all_text(card) and "From: Anonymous" in all_text(card)

    # The council replies from the channel: Reply, a modal, the words.
    await slack_app.press(COUNCILLOR, card, "Reply")
    await slack_app.answer_modal(COUNCILLOR, 2, "Thank you. Which office do you mean?")
    relayed = (await slack_app.messages(dm, 4))[-1]
    assert "Thank you. Which office do you mean?" in readable_text(relayed)

    # Priya answers back through the bot.
    await slack_app.press(PRIYA, relayed, "Reply")
    await slack_app.answer_modal(PRIYA, 3, "The Leeds office, second floor. <!here>")
    council = await slack_app.messages(COUNCIL, 3)
    answer = council[-1]
    assert "Suggestion #1 · answer from the suggester" in all_text(answer)
    assert "The Leeds office, second floor. <!here>" in all_text(answer)
    assert [h["kind"] for h in suggestions.history(slack_app.app.db, 1)] == [
        "status",
        "council",
        "member",
    ]

    # The council acts on the answer's buttons; Priya hears of it in plain English.
    await slack_app.press(COUNCILLOR, answer, "Under discussion")
    told = (await slack_app.messages(dm, 6))[-1]
    assert "now discussing your suggestion #1" in readable_text(told)
    await slack_app.app.senders["slack"].drain()

    # Nothing the council channel received says who Priya is.
    payloads = council_payloads(fake)
    assert len(payloads) >= 5
    for params in payloads:
        assert live_markup(params) == [], params
        seen = json.dumps(params)
        for secret in (PRIYA, PRIYA_ID, "Priya", "Shah", "priya.shah@example.org", dm):
            assert secret not in seen, (secret, params)


async def test_a_suggestion_longer_than_a_section_reaches_the_council_whole(
    slack_app: Slack,
) -> None:
    policy = slack_app.app.ctx.policy
    slack_app.app.ctx.policy = replace(
        policy, suggestions=replace(policy.suggestions, max_length=3000)
    )
    long = " ".join(f"Point {n}: the rota changes too late for carers to plan." for n in range(53))
    assert 2900 < len(long) <= 3000  # what Slack's modal lets a member type
    fake = slack_app.fake
    dm = fake.dm_channel(PRIYA)
    trigger = fake.new_trigger_id(PRIYA)
    await slack_app.send(
        slash_command(text="suggest", user_id=PRIYA, channel_id=dm, trigger_id=trigger)
    )
    await slack_app.answer_modal(PRIYA, 1, long)
    [topic] = await slack_app.messages(dm, 1)
    await slack_app.press(PRIYA, topic, "Workplace")
    [_, named] = await slack_app.messages(dm, 2)
    await slack_app.press(PRIYA, named, "Anonymous")
    [card] = await slack_app.messages(COUNCIL, 1)

    sections = [b["text"]["text"] for b in card["blocks"] if b["type"] == "section"]
    assert len(sections) == 2 and all(len(text) <= 3000 for text in sections)
    assert " ".join(long.split()) in " ".join(" ".join(sections).split())
    assert sections[-1].endswith("Status: New")

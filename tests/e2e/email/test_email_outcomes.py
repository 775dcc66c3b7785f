"""What the relay's answers come to: 2xx sent; 4xx for a recipient waits and is tried again
(the relay is fine); 5xx for a recipient marks the address unreachable with the reason;
a relay that is down counts towards the platform's reachability, like any platform."""

from __future__ import annotations

from handlers.messages import Message, Recipient
from storage import health, members
from tests.e2e.email.harness import ADDRESS, Running


def news(member: str, n: int = 1) -> Message:
    return Message(Recipient.of(member), f"News number {n}.", quiet_hours=True)


async def test_a_busy_mailbox_waits_and_is_tried_again(bot: Running) -> None:
    bot.fake.answer(ADDRESS["e1"], "450 4.2.1 Mailbox busy, try again later")
    bot.post(news("e1"), news("e2"))
    await bot.sent(lambda: bot.to("e2") and bot.fake.refused)

    (held,) = [r for r in bot.rows() if r["status"] == "pending"]
    assert held["chat_id"] == ADDRESS["e1"] and "450" in held["error"]
    await bot.sent()

    assert len(bot.to("e1")) == 1 and len(bot.to("e2")) == 1
    assert bot.fake.refused == [(ADDRESS["e1"], "450 4.2.1 Mailbox busy, try again later")]
    assert members.identity(bot.app.db, "email", ADDRESS["e1"])["unreachable_at"] is None
    # One member's mailbox says nothing about the relay.
    assert health.platforms(bot.app.db)["email"]["last_failure"] is None


async def test_no_such_mailbox_marks_the_address_unreachable_with_the_reason(bot: Running) -> None:
    bot.fake.always(ADDRESS["e2"], "550 5.1.1 No such user here")
    bot.post(news("e2", 1), news("e2", 2), news("e1"))
    await bot.sent()

    identity = members.identity(bot.app.db, "email", ADDRESS["e2"])
    assert (
        identity["unreachable_at"]
        and "550 5.1.1 No such user here" in identity["unreachable_reason"]
    )
    assert [r["status"] for r in bot.rows() if r["chat_id"] == ADDRESS["e2"]] == ["unreachable"] * 2
    assert len(bot.fake.refused) == 1  # the second was not even tried
    assert [u["member_id"] for u in members.unreachable(bot.app.db)] == ["e2"]
    assert len(bot.to("e1")) == 1
    # Later messages to the member find no reachable address.
    assert bot.app.postman.post([news("e2", 3)]).not_joined == ["e2"]


async def test_a_relay_that_is_down_is_an_outage_and_sending_resumes(bot: Running) -> None:
    bot.fake.down()
    bot.post(news("e1"))
    await bot.sent(lambda: (health.platforms(bot.app.db).get("email") or {}).get("down_since"))

    state = health.platforms(bot.app.db)["email"]
    assert "421" in state["last_error"] and bot.fake.received == []
    (row,) = bot.rows()
    assert row["status"] == "pending" and row["attempts"] >= 3
    bot.fake.up()
    await bot.sent()

    assert len(bot.to("e1")) == 1
    assert health.platforms(bot.app.db)["email"]["down_since"] is None
    # Each try used the same unsubscribe link: an outage leaves no pile of them.
    assert bot.app.db["email_unsubscribe_links"].count == 1
    assert members.identity(bot.app.db, "email", ADDRESS["e1"])["unreachable_at"] is None


async def test_a_message_the_relay_refuses_after_data_fails_alone(bot: Running) -> None:
    bot.fake.refuse_data(ADDRESS["e1"], "554 5.7.1 Message refused as spam")
    bot.post(news("e1"), news("e2"))
    await bot.sent()

    (row,) = [r for r in bot.rows() if r["chat_id"] == ADDRESS["e1"]]
    assert row["status"] == "failed" and "554" in row["error"] and row["attempts"] == 1
    assert members.identity(bot.app.db, "email", ADDRESS["e1"])["unreachable_at"] is None
    assert len(bot.to("e2")) == 1
    assert health.platforms(bot.app.db)["email"]["last_failure"] is None

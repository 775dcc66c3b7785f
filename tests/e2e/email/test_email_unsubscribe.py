"""One-click unsubscribe (RFC 8058) through the web server's aiohttp test client: the
provider's POST to the List-Unsubscribe address, with no cookie and no form token, stops
e-mail to that member (the officer sees why); a GET, as link scanners make, only shows
a page with the button."""

from __future__ import annotations

import re

from handlers.messages import Message, Recipient
from storage import email, members
from tests.e2e.email.harness import ADDRESS, PUBLIC, Running
from tests.web.console_harness import served

ONE_CLICK = {"List-Unsubscribe": "One-Click"}  # the body RFC 8058 has providers post


def news(member: str, n: int = 1, language: str = "") -> Message:
    return Message(Recipient.of(member), f"News number {n}.", quiet_hours=True, language=language)


async def unsubscribe_path(bot: Running, member: str) -> str:
    bot.post(news(member))
    await bot.sent()
    header = bot.to(member)[-1].message["List-Unsubscribe"].strip()
    found = re.fullmatch(rf"<{re.escape(PUBLIC)}(/u/[A-Za-z0-9_-]+)>", header)
    assert found, header
    return found.group(1)


async def test_the_one_click_post_stops_email_to_that_member(bot: Running) -> None:
    path = await unsubscribe_path(bot, "e1")

    async with served(bot.app) as client:
        answer = await client.post(path, data=ONE_CLICK)
        page = await answer.text()
    assert answer.status == 200 and not answer.cookies
    assert "You are unsubscribed" in page and ADDRESS["e1"] in page
    identity = members.identity(bot.app.db, "email", ADDRESS["e1"])
    assert identity["unreachable_reason"] == email.UNSUBSCRIBED
    assert [u["member_id"] for u in members.unreachable(bot.app.db)] == ["e1"]

    # Nothing more reaches them, even when something was already waiting for them...
    members.link_identity(bot.app.db, "email", ADDRESS["e1"], ADDRESS["e1"], "e1", bot.clock())
    bot.post(news("e1", 2), news("e2", 2))
    await bot.sent()
    assert len(bot.to("e1")) == 1 and len(bot.to("e2")) == 1
    assert [r["status"] for r in bot.rows() if r["chat_id"] == ADDRESS["e1"]][-1] == "unreachable"
    # ...and the link keeps working: a second press says the same, changing nothing.
    async with served(bot.app) as client:
        again = await client.post(path, data=ONE_CLICK)
        assert again.status == 200 and "You are unsubscribed" in await again.text()


async def test_a_get_never_unsubscribes_it_shows_the_button(bot: Running) -> None:
    path = await unsubscribe_path(bot, "e2")

    async with served(bot.app) as client:
        for _ in range(3):  # a scanner, a preview, the member
            answer = await client.get(path)
            page = await answer.text()
            assert answer.status == 200
    assert not email.opted_out(bot.app.db, ADDRESS["e2"])
    assert members.identity(bot.app.db, "email", ADDRESS["e2"])["unreachable_at"] is None
    assert f'<form method="post" action="{path}">' in page
    assert '<button type="submit">Unsubscribe</button>' in page
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    bot.post(news("e2", 2))
    await bot.sent()
    assert len(bot.to("e2")) == 2


async def test_the_page_speaks_the_members_language(bot: Running) -> None:
    path = await unsubscribe_path(bot, "e3")

    async with served(bot.app) as client:
        asked = await (await client.get(path)).text()
        done = await (await client.post(path, data=ONE_CLICK)).text()
    assert '<html lang="cy">' in asked and "Dad-danysgrifio</button>" in asked
    assert "Rydych chi wedi dad-danysgrifio" in done


async def test_a_token_that_does_not_work_names_nobody_and_changes_nothing(bot: Running) -> None:
    path = await unsubscribe_path(bot, "e1")
    forged = path[:-4] + ("AAAA" if not path.endswith("AAAA") else "BBBB")

    async with served(bot.app) as client:
        for answer in (await client.get(forged), await client.post(forged, data=ONE_CLICK)):
            page = await answer.text()
            assert answer.status == 404 and "This link does not work" in page
            assert ADDRESS["e1"] not in page and "Pat" not in page
    assert members.unreachable(bot.app.db) == []

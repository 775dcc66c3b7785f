"""A printed letter's QR code, scanned, or its code, typed, joins its member through the
real PTB client once."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pypdfium2
import pytest
import zxingcpp

from bot.invites.letters import LetterHead, write_letters
from handlers.members import invites
from tests.e2e.telegram.test_telegram_bot import TENANT, Running, running


@pytest.fixture
async def bot(tmp_path) -> AsyncIterator[Running]:
    async with running(tmp_path) as started:
        yield started


def scanned_links(path) -> list[str]:
    document = pypdfium2.PdfDocument(path)
    try:
        return [
            code.text
            for page in document
            for code in zxingcpp.read_barcodes(page.render(scale=100 / 72).to_pil())
        ]
    finally:
        document.close()


async def test_the_link_scanned_from_a_letter_joins_once(bot: Running, tmp_path) -> None:
    [replaced] = invites.issue(bot.app.ctx, ["t1"], "test")
    letters = invites.issue(bot.app.ctx, ["t1", "t2"], "test")
    head = LetterHead("Our Mutual", "the office, 01632 960123", 5, "Europe/London")
    write_letters(letters, head, tmp_path / "letters.pdf")

    scanned = scanned_links(tmp_path / "letters.pdf")
    assert scanned == [i.links["telegram"] for i in letters]
    prefix = "https://t.me/mutual_voice_test_bot?start="
    assert scanned[0].startswith(prefix)
    token = scanned[0].removeprefix(prefix)

    welcome = await bot.reply_to(TENANT, f"/start {token}")
    assert welcome["text"].startswith("Welcome, Tenant!")
    someone_else = 5151
    again = await bot.reply_to(someone_else, f"/start {token}")
    assert again["text"].startswith("That invite has already been used.")
    older = await bot.reply_to(someone_else, f"/start {replaced.token}")
    assert older["text"].startswith("That invite was replaced by a newer one.")


async def test_the_code_typed_from_a_letter_joins_once(bot: Running, tmp_path) -> None:
    letters = invites.issue(bot.app.ctx, ["t1"], "test")
    head = LetterHead("Our Mutual", "the office, 01632 960123", 5, "Europe/London")
    write_letters(letters, head, tmp_path / "letters.pdf")
    document = pypdfium2.PdfDocument(tmp_path / "letters.pdf")
    text = document[0].get_textpage().get_text_range()
    document.close()
    [typed] = re.findall(r"JOIN [A-Z0-9-]+", text)  # as the member reads it off the page

    welcome = await bot.reply_to(TENANT, typed.title())  # a phone capitalises as it likes
    assert welcome["text"].startswith("Welcome, Tenant!")
    again = await bot.reply_to(5151, typed)
    assert again["text"].startswith("That invite has already been used.")

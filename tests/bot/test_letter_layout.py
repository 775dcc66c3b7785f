"""Letters measured as the post will see them: the address in the envelope's window, the
QR code and the typed code clear of the folds, in English and in Welsh.

The PDF is read back with pdfium (a test dependency already): each character's box and
the QR image's bounds, in points from the bottom left, turned into millimetres from the
top left as the layout in `bot.invites.letters` is written.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pypdfium2
import pypdfium2.raw as pdfium
import pytest
from click.testing import CliRunner

from bot.cli import cli
from bot.invites.letters import LetterHead, write_letters
from handlers.members.invites import Invite, new_token
from storage.db import open_database

MM = 25.4 / 72  # millimetres in a point
WINDOW = (20.0, 45.0, 110.0, 85.0)  # left, top, right, bottom: a UK C5/DL window, 90 x 40 mm
FOLDS = (99.0, 198.0)  # an A4 sheet folded in three
CLEARANCE = 3.0  # what the code keeps from a crease at the least (the layout aims for 5)
NAME = "Angharad Bethan Llewellyn-Fitzgerald Pritchard-Montgomery ap Rhydderch"
ADDRESS = (
    "Flat 12B, The Old Brewery Building, Riverside Industrial Estate North",
    "147-153 Llanfairpwllgwyngyll Road",
    "Upper Llanbadarn Fawr District",
    "Aberystwyth",
    "Ceredigion",
    "SY23 3BZ",
)
RETURN = "Riverside Homes, 1 High Street, Leeds LS1 1AA"
CONFIG = f"""
[organisation]
name = "Riverside Homes"
contact = "Jo Bloggs at the Riverside office, 01632 960123"

[invites]
return_address = "{RETURN}"

[telegram]
bot_username = "riverside_voice_bot"

[web]
enabled = true
public_url = "https://voice.riverside-homes.org.uk"
"""


def mv(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def letters(tmp_path_factory) -> tuple[Path, list[dict]]:
    """Two members with the longest name and address the roster takes, one English and one
    Welsh, sent a letter and then a reminder (the longer letter, which is measured)."""
    assert len(NAME) == 70 and len(ADDRESS) == 6
    folder = tmp_path_factory.mktemp("layout")
    config = folder / "mutual-voice.toml"
    config.write_text(CONFIG, encoding="utf-8")
    address = "|".join(ADDRESS)
    (folder / "roster.csv").write_text(
        "member_id,name,email,constituency,address,language\n"
        f'T-1,{NAME},,tenant,"{address}",en\n'
        f'T-2,{NAME},,tenant,"{address}",cy\n',
        encoding="utf-8",
    )
    open_database(folder / "mutual-voice.db").close()
    imported = mv("--config", str(config), "members", "import", str(folder / "roster.csv"))
    assert imported.exit_code == 0, imported.output
    first = mv("--config", str(config), "members", "invite", "--letters", str(folder / "a.pdf"))
    assert first.exit_code == 0, first.output
    pdf = folder / "reminders.pdf"
    again = mv(
        "--config", str(config), "members", "invite", "--letters", str(pdf), "--json", "--yes"
    )
    assert again.exit_code == 0, again.output
    return pdf, json.loads(again.stdout)


def characters(page) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Each printed character with its box (left, top, right, bottom) in mm from the top left."""
    height = page.get_height()
    text = page.get_textpage()
    found = []
    for index in range(text.count_chars()):
        char = text.get_text_range(index, 1)
        if char.isspace() or not char:
            continue
        left, bottom, right, top = text.get_charbox(index)
        found.append((char, (left * MM, (height - top) * MM, right * MM, (height - bottom) * MM)))
    return found


def images(page) -> list[tuple[float, float, float, float]]:
    height = page.get_height()
    boxes = []
    for image in page.get_objects(filter=[pdfium.FPDF_PAGEOBJ_IMAGE]):
        left, bottom, right, top = image.get_bounds()
        boxes.append((left * MM, (height - top) * MM, right * MM, (height - bottom) * MM))
    return boxes


def inside(box, area) -> bool:
    return box[0] >= area[0] and box[1] >= area[1] and box[2] <= area[2] and box[3] <= area[3]


def overlaps(box, area) -> bool:
    return box[0] < area[2] and box[2] > area[0] and box[1] < area[3] and box[3] > area[1]


def clear_of_folds(top: float, bottom: float) -> bool:
    return all(bottom <= fold - CLEARANCE or top >= fold + CLEARANCE for fold in FOLDS)


@pytest.mark.parametrize("page_number", [0, 1], ids=["English", "Welsh"])
def test_the_whole_address_and_nothing_else_shows_in_the_window(letters, page_number):
    pdf, _issued = letters
    document = pypdfium2.PdfDocument(pdf)
    try:
        printed = characters(document[page_number])
    finally:
        document.close()
    in_window = [char for char, box in printed if overlaps(box, WINDOW)]
    assert all(inside(box, WINDOW) for _char, box in printed if overlaps(box, WINDOW))
    # Every letter of the return line, the name and the address, in order, and nothing else.
    assert "".join(in_window) == "".join(" ".join((RETURN, NAME, *ADDRESS)).split())


@pytest.mark.parametrize("page_number", [0, 1], ids=["English", "Welsh"])
def test_the_folds_miss_the_qr_code_and_the_typed_code(letters, page_number):
    pdf, issued = letters
    invite = issued[page_number]
    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[page_number]
        [code] = images(page)
        text = page.get_textpage()
        typed = []
        for needle in (invite["code"], f"/j/{invite['code']}"):
            index, count = text.search(needle).get_next()
            typed.append([text.get_charbox(i) for i in range(index, index + count)])
        height = page.get_height()
        printed = characters(page)
    finally:
        document.close()
    assert code[2] - code[0] >= 45 and clear_of_folds(code[1], code[3])  # a code that scans
    for boxes in typed:  # the code to type after JOIN, and in the web address
        top = min((height - b[3]) * MM for b in boxes)
        bottom = max((height - b[1]) * MM for b in boxes)
        assert clear_of_folds(top, bottom)
    # The whole letter, reminder and all, on the page inside its margins.
    assert all(inside(box, (15.0, 10.0, 195.0, 290.0)) for _char, box in printed)
    assert inside(code, (15.0, 10.0, 195.0, 290.0))


def test_the_measured_letters_are_in_english_and_welsh(letters):
    pdf, issued = letters
    assert [i["language"] for i in issued] == ["en", "cy"]
    document = pypdfium2.PdfDocument(pdf)
    english, welsh = (" ".join(p.get_textpage().get_text_range().split()) for p in document)
    document.close()
    assert "Dear " in english and "Reminder" in english
    assert "Annwyl " in welsh and "Nodyn atgoffa" in welsh and "Dear" not in welsh


def test_even_an_absurd_address_never_runs_past_the_window(tmp_path):
    now = datetime(2026, 12, 6, 9, tzinfo=UTC)
    addresses = [
        (
            "سارة الحسيني " * 6,
            *(["Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch"] * 6),
        ),
        ("W" * 120, *(["MMMMMMMMMM " * 10] * 6)),
    ]
    invites = []
    for name, *lines in addresses:
        token = new_token()
        link = f"https://t.me/bot?start={token}"
        invites.append(
            Invite(
                "T-1",
                name,
                token,
                now + timedelta(days=14),
                {"telegram": link},
                "tenant",
                tuple(lines),
                "en",
                now,
            )
        )
    head = LetterHead("Riverside Homes", "the office", 5, "Europe/London", return_line="R" * 120)
    write_letters(invites, head, tmp_path / "absurd.pdf")
    document = pypdfium2.PdfDocument(tmp_path / "absurd.pdf")
    try:
        for page in document:
            printed = characters(page)
            near = [box for _char, box in printed if overlaps(box, WINDOW)]
            assert near and all(inside(box, WINDOW) for box in near)
            assert clear_of_folds(*images(page)[0][1::2])
    finally:
        document.close()

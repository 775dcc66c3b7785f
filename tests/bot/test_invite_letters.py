"""Invite letters and who has joined, as an officer runs them: `members invite --letters`."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp
from click.testing import CliRunner
from PIL import Image

from bot.cli import cli
from bot.config import ConfigError, load_settings
from bot.invites import letters
from handlers.members import invites, roster
from handlers.messages import Sender
from storage import members
from storage.db import open_database
from storage.privacy import erase_member
from tests.helpers import add_members, make_context

CONFIG = """
[organisation]
name = "Riverside Homes"
contact = "Jo Bloggs at the Riverside office, 01632 960123"

[telegram]
bot_username = "riverside_voice_bot"

[slack]
enabled = true
bot_token = "xoxb-test"
signing_secret = "test-secret"
"""
ROSTER = """member_id,name,email,constituency,address
T-1,Siân Llŷr,,tenant,Fflat 3|Tŷ Gwyn|Stryd Fawr|Caernarfon LL55 1AB
T-2,Zażółć Gęślą,,tenant,ul. Długa 5|Leeds LS2 7AA
T-3,سارة الحسيني,,tenant,12 Oak Road|Leeds LS1 1AA
T-4,Pat Murphy,,tenant,
S-1,Sam Okafor,sam@example.org,staff,
"""
TENANTS = ["T-1", "T-2", "T-3", "T-4"]


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MUTUAL_VOICE_CONFIG", raising=False)
    (tmp_path / "mutual-voice.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    open_database(tmp_path / "mutual-voice.db").close()  # as `mutual-voice init` leaves it
    assert mv("members", "import", "roster.csv").exit_code == 0
    return tmp_path


def mv(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def live_invites(folder: Path) -> dict[str, int]:
    db = open_database(folder / "mutual-voice.db")
    try:
        rows = db.execute(
            "select member_id, count(*) from invites "
            "where used_at is null and revoked_at is null group by member_id"
        ).fetchall()
    finally:
        db.close()
    return dict(rows)


def decoded(image: Image.Image) -> list[str]:
    return [code.text for code in zxingcpp.read_barcodes(image)]


def test_invite_by_default_reaches_telegram_groups_only_and_never_piles_up(folder):
    first = json.loads(mv("members", "invite", "--json").output)
    assert [i["member_id"] for i in first] == TENANTS  # staff join by Slack
    second = json.loads(mv("members", "invite", "--json", "--yes").stdout)
    assert live_invites(folder) == dict.fromkeys(TENANTS, 1)
    assert {i["token"] for i in first}.isdisjoint(i["token"] for i in second)
    staff = json.loads(mv("members", "invite", "--constituency", "staff", "--json").output)
    assert [i["member_id"] for i in staff] == ["S-1"]
    result = mv("members", "invite", "--constituency", "board")
    assert result.exit_code == 2 and "'board' is not one of staff, tenant" in result.output


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> tuple[Path, list[dict]]:
    """One run of `members invite --letters` shared by the tests that read the PDF."""
    folder = tmp_path_factory.mktemp("letters")
    config = folder / "mutual-voice.toml"
    config.write_text(CONFIG, encoding="utf-8")
    (folder / "roster.csv").write_text(ROSTER, encoding="utf-8")
    open_database(folder / "mutual-voice.db").close()
    imported = mv("--config", str(config), "members", "import", str(folder / "roster.csv"))
    assert imported.exit_code == 0, imported.output
    pdf = str(folder / "invites.pdf")
    result = mv("--config", str(config), "members", "invite", "--letters", pdf, "--json")
    assert result.exit_code == 0, result.output
    return folder, json.loads(result.output)


def test_one_letter_per_member_with_their_own_link_as_a_qr_code(printed):
    folder, issued = printed
    document = pypdfium2.PdfDocument(folder / "invites.pdf")
    assert len(document) == len(issued) == len(TENANTS)
    for invite, page in zip(issued, document, strict=True):
        text = " ".join(page.get_textpage().get_text_range().split())  # lines joined, no NBSP
        assert invite["name"] in text and all(line in text for line in invite["address"])
        link = invite["links"]["telegram"]
        assert decoded(page.render(scale=100 / 72).to_pil()) == [link]
        assert f"JOIN {invite['code']}" in text  # to type by hand, too, in groups of four
        assert "search for the account @riverside_voice_bot" in text
        assert "?start=" not in text  # no long link with characters people cannot type
        assert "Jo Bloggs at the Riverside office, 01632 960123" in text
        assert "groups of 5 or more" in text and "until" in text
    document.close()
    assert not list(folder.glob("*.partial"))


def test_letters_print_welsh_polish_and_arabic_names_in_the_embedded_font(printed):
    folder, _ = printed
    document = pypdfium2.PdfDocument(folder / "invites.pdf")
    texts = [page.get_textpage().get_text_range() for page in document]
    assert "Siân Llŷr" in texts[0] and "Tŷ Gwyn" in texts[0]
    assert "Zażółć Gęślą" in texts[1] and "ul. Długa 5" in texts[1]
    assert "سارة الحسيني" in texts[2]
    fonts = (folder / "invites.pdf").read_bytes()
    assert b"/FontFile2" in fonts and b"DejaVuSans" in fonts  # embedded, not a system font
    document.close()


def test_qr_dir_writes_a_png_per_member_and_a_mail_merge_table(folder):
    result = mv("members", "invite", "--qr-dir", "codes", "--json")
    assert result.exit_code == 0, result.output
    links = {i["member_id"]: i["links"]["telegram"] for i in json.loads(result.output)}
    for member_id, link in links.items():
        assert decoded(Image.open(folder / "codes" / f"{member_id}.png")) == [link]
    table = (folder / "codes" / "invites.csv").read_text(encoding="utf-8-sig").splitlines()
    assert table[0] == (
        "member_id,name,address,language,link,code,issued_at,expires_at,replaces,qr_file"
    )
    assert table[1].startswith("T-1,Siân Llŷr,Fflat 3|Tŷ Gwyn|Stryd Fawr|Caernarfon LL55 1AB,en,")


def test_letters_without_a_contact_say_so_and_change_nothing(folder):
    before = json.loads(mv("members", "invite", "--member", "T-1", "--json").output)
    config = (folder / "mutual-voice.toml").read_text(encoding="utf-8")
    (folder / "mutual-voice.toml").write_text(config.replace("contact = ", "# contact = "))
    result = mv("members", "invite", "--letters", "invites.pdf")
    assert result.exit_code == 1
    assert "set organisation.contact" in result.output and result.output.count("\n") == 1
    assert not (folder / "invites.pdf").exists()
    assert live_invites(folder) == {"T-1": 1}
    tokens = open_database(folder / "mutual-voice.db").execute(
        "select count(*) from invites where revoked_at is null"
    )
    assert tokens.fetchone()[0] == len(before)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--older-than", "two weeks"], "should look like 14d, 2w or 36h"),
        (["--letters", "nowhere/invites.pdf"], "nowhere does not exist"),
        (["--letters", "a.pdf", "--qr-dir", "codes"], "choose --letters or --qr-dir"),
    ],
)
def test_bad_invite_options_are_one_clear_line(folder, args, expected):
    result = mv("members", "invite", *args)
    assert result.exit_code != 0 and expected in result.output
    assert live_invites(folder) == {}


def test_joining_counts_per_group_and_dates_per_member(folder):
    mv("members", "invite", "--member", "T-1", "--member", "T-2")
    ctx = make_context(path=folder / "mutual-voice.db")
    [fresh] = invites.issue(ctx, ["T-1"], actor="test")
    assert invites.redeem(ctx, fresh.token, Sender("telegram", "11", "11", "Siân")) == ("T-1", None)
    ctx.db.close()

    report = json.loads(mv("members", "joining", "--json").output)
    tenant = next(g for g in report["constituencies"] if g["constituency"] == "tenant")
    assert tenant == {
        "constituency": "tenant",
        "members": 4,
        "invited": 2,
        "joined": 1,
        "waiting": 1,
        "expired": 0,
        "never_invited": 2,
        "letter_only": 3,  # all but T-1, who joined on Telegram
    }
    people = {m["member_id"]: m for m in report["members"]}
    assert (people["T-1"]["reach"], people["T-2"]["reach"]) == ("Telegram", "letter only")
    assert people["T-1"]["status"] == "joined" and people["T-1"]["joined"]
    assert people["T-2"]["status"] == "waiting" and people["T-2"]["invited"]
    assert people["T-3"]["status"] == "never invited" and not people["T-3"]["invited"]
    text = mv("members", "joining").output
    assert "never_invited" in text and "Siân Llŷr" in text


def test_reminders_skip_links_issued_too_recently(folder):
    mv("members", "invite")
    result = mv("members", "invite", "--not-joined", "--older-than", "14d")
    assert "Nobody to invite" in result.output
    again = mv("members", "invite", "--older-than", "0h", "--json", "--yes")
    assert len(json.loads(again.stdout)) == 4


def live_hashes(folder: Path) -> dict[str, str]:
    db = open_database(folder / "mutual-voice.db")
    try:
        return dict(
            db.execute(
                "select member_id, token_hash from invites "
                "where used_at is null and revoked_at is null"
            ).fetchall()
        )
    finally:
        db.close()


def test_issuing_again_says_how_many_posted_letters_stop_and_asks_first(folder):
    first = mv("members", "invite", "--letters", "invites.pdf")
    assert first.exit_code == 0 and "will stop working" not in first.output  # none held a link
    posted = live_hashes(folder)
    warning = (
        "4 earlier invites not yet used (letters already posted, QR codes or links already "
        "sent) will stop working."
    )
    said_no = CliRunner().invoke(cli, ["members", "invite", "--letters", "again.pdf"], input="n\n")
    assert said_no.exit_code == 1 and warning in said_no.output
    assert "Issue 4 new invites? [y/N]" in said_no.output
    script = mv("members", "invite", "--letters", "again.pdf")  # no answer on stdin, no --yes
    assert script.exit_code == 1 and warning in script.output
    assert not (folder / "again.pdf").exists() and live_hashes(folder) == posted

    one = mv("members", "invite", "--member", "T-1", "--yes", "--json")
    assert one.exit_code == 0 and "1 earlier invite not yet used" in one.stderr
    assert [i["member_id"] for i in json.loads(one.stdout)] == ["T-1"]
    after = live_hashes(folder)
    assert after["T-1"] != posted["T-1"] and {k: after[k] for k in TENANTS[1:]} == {
        k: posted[k] for k in TENANTS[1:]
    }
    said_yes = CliRunner().invoke(cli, ["members", "invite", "--letters", "again.pdf"], input="y\n")
    assert said_yes.exit_code == 0 and "Wrote 4 letters to again.pdf" in said_yes.output
    assert set(live_hashes(folder).values()).isdisjoint(after.values())


def test_the_guide_walks_the_officer_through_letters_and_joining():
    guides = Path(__file__).parents[2] / "docs" / "officer-guide"
    text = "\n".join(
        (guides / name).read_text(encoding="utf-8") for name in ("members.md", "letters.md")
    )
    for needle in (
        "members invite --letters invites.pdf",
        "members joining",
        "--not-joined --older-than 14d",
        "--qr-dir codes",
        "contact = ",
        "replaced by a newer one",
        "`address`",
    ):
        assert needle in text


@pytest.mark.parametrize("contact", ["x" * 201, "Jo\\nBloggs"])
def test_organisation_contact_is_one_line(tmp_path, contact):
    path = tmp_path / "mutual-voice.toml"
    path.write_text(f'[organisation]\ncontact = "{contact}"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"organisation\.contact: one line of at most 200"):
        load_settings(path, environ={})


def test_addresses_are_checked_on_import_and_erased_with_the_member(ctx):
    seven_lines = "|".join(f"line {n}" for n in range(7))
    report = roster.import_roster(
        ctx, io.StringIO(f"{ROSTER}T-5,Lee,,tenant,{seven_lines}\n"), False, "test"
    )
    assert [str(p) for p in report.problems] == [
        "line 7: address has more than 6 lines (lines are separated by |)"
    ]
    add_members(ctx, ROSTER)
    assert members.get(ctx.db, "T-1")["address"] == "Fflat 3|Tŷ Gwyn|Stryd Fawr|Caernarfon LL55 1AB"
    erase_member(ctx.db, "T-1", ctx.now())
    assert members.get(ctx.db, "T-1")["address"] is None


def syllables(word: str) -> int:
    groups = len(re.findall(r"[aeiouy]+", word.lower()))
    return max(1, groups - (word.lower().endswith("e") and groups > 1))


@pytest.mark.parametrize("platform", sorted(letters.PLATFORMS))
def test_the_letter_reads_at_reading_age_nine(platform):
    words = letters.PLATFORMS[platform]
    text = " ".join(
        [
            words.intro,
            *words.steps,
            words.type_code.format(handle="the_bot"),
            letters.NO_PHONE.format(contact="Jo at the office"),
            letters.PRIVACY.format(threshold=5),
            letters.EXPIRY.format(date="Tuesday 15 December 2026"),
            letters.REPLACES.format(issued_on="6 December 2026"),
        ]
    )
    sentences = [s for s in re.split(r"[.?!:](?:\s|$)", text) if re.search("[A-Za-z]", s)]
    words = re.findall(r"[A-Za-z']+", text)
    grade = (
        0.39 * len(words) / len(sentences) + 11.8 * sum(map(syllables, words)) / len(words) - 15.59
    )
    assert grade <= 4  # Flesch-Kincaid US grade 4: ages 9 to 10
    assert max(len(s.split()) for s in sentences) <= 15


def test_a_long_name_is_printed_smaller_to_fit_its_line():
    pdf = letters.LetterPDF()
    pdf.add_page()
    name = "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch Jones-Williams-Pritchard"
    assert pdf.fitted("Pat Murphy", 12) == 12
    size = pdf.fitted(name, 12)
    pdf.use("", size)
    assert size < 12 and pdf.get_string_width(name) <= letters.TEXT_WIDTH + 0.01


def test_an_emoji_the_font_lacks_leaves_no_stray_space(tmp_path):
    config = tmp_path / "mutual-voice.toml"
    config.write_text(CONFIG, encoding="utf-8")
    (tmp_path / "roster.csv").write_text(
        "member_id,name,email,constituency,address\n"
        "T-1,Pat \U0001f33b Murphy,,tenant,12 Oak Road \U0001f3e0|Leeds LS1 1AA\n"
        "T-2,Sam Okafor \U0001f642,,tenant,\n"
        "T-3,\U0001f337\ufe0f Ann Novak,,tenant,\n",
        encoding="utf-8",
    )
    open_database(tmp_path / "mutual-voice.db").close()
    imported = mv("--config", str(config), "members", "import", str(tmp_path / "roster.csv"))
    assert imported.exit_code == 0, imported.output
    pdf = tmp_path / "invites.pdf"
    result = mv("--config", str(config), "members", "invite", "--letters", str(pdf))
    assert result.exit_code == 0, result.output
    document = pypdfium2.PdfDocument(pdf)
    pat, sam, ann = (page.get_textpage().get_text_range() for page in document)
    document.close()
    assert "Dear Pat Murphy," in pat and "12 Oak Road\r\n" in pat
    assert "Dear Sam Okafor," in sam
    assert "Dear Ann Novak," in ann
    for text in (pat, sam, ann):
        assert "  " not in text and " ," not in text and " \r\n" not in text


def test_a_letter_is_in_the_members_language(tmp_path):
    config = tmp_path / "mutual-voice.toml"
    config.write_text(CONFIG, encoding="utf-8")
    (tmp_path / "roster.csv").write_text(
        "member_id,name,email,constituency,address,language\n"
        "T-1,Siân Llŷr,,tenant,Fflat 3|Tŷ Gwyn|Caernarfon LL55 1AB,cy\n"
        "T-2,Pat Murphy,,tenant,12 Oak Road|Leeds LS1 1AA,\n"
        "T-3,Zofia Nowak,,tenant,ul. Długa 5|Leeds LS2 7AA,pl\n",
        encoding="utf-8",
    )
    open_database(tmp_path / "mutual-voice.db").close()
    assert (
        mv("--config", str(config), "members", "import", str(tmp_path / "roster.csv")).exit_code
        == 0
    )
    pdf = tmp_path / "invites.pdf"
    result = mv("--config", str(config), "members", "invite", "--letters", str(pdf), "--json")
    assert result.exit_code == 0, result.output
    assert [i["language"] for i in json.loads(result.output)] == ["cy", "en", "en"]
    document = pypdfium2.PdfDocument(pdf)
    welsh, english, polish = (
        " ".join(page.get_textpage().get_text_range().split()) for page in document
    )
    document.close()
    assert "Annwyl Siân Llŷr," in welsh and "Tŷ Gwyn" in welsh
    assert "ar gyfer pob grŵp o 5 neu fwy o bobl" in welsh  # ŵ from the catalogue
    assert "3. Pwyntiwch y camera at y sgwâr ar y dudalen hon." in welsh
    assert "YMUNO " in welsh and "Dyddiad: " in welsh
    assert re.search(r"tan ddydd \w+ \d+ \w+ \d{4}\.", welsh)  # the date in Welsh too
    assert "Dear" not in welsh and "groups of" not in welsh
    assert "Dear Pat Murphy," in english and "groups of 5 or more" in english
    assert "Dear Zofia Nowak," in polish  # no Polish words yet: the organisation's English


def test_letters_carry_their_date_and_a_reminder_says_what_it_replaces(tmp_path):
    config = tmp_path / "mutual-voice.toml"
    config.write_text(CONFIG, encoding="utf-8")
    (tmp_path / "roster.csv").write_text(
        "member_id,name,email,constituency,address,language\n"
        "T-1,Siân Llŷr,,tenant,Fflat 3|Caernarfon LL55 1AB,cy\n"
        "T-2,Pat Murphy,,tenant,12 Oak Road|Leeds LS1 1AA,\n",
        encoding="utf-8",
    )
    open_database(tmp_path / "mutual-voice.db").close()
    run = ("--config", str(config), "members", "invite")
    assert (
        mv("--config", str(config), "members", "import", str(tmp_path / "roster.csv")).exit_code
        == 0
    )
    first = mv(*run, "--member", "T-2", "--letters", str(tmp_path / "first.pdf"), "--json")
    [pat] = json.loads(first.stdout)
    assert pat["replaces"] is None and pat["issued_at"]
    again = mv(*run, "--letters", str(tmp_path / "again.pdf"), "--json", "--yes")
    siân, pat_again = json.loads(again.stdout)
    assert siân["replaces"] is None and pat_again["replaces"] == pat["issued_at"]

    def pages(name: str) -> list[str]:
        document = pypdfium2.PdfDocument(tmp_path / name)
        texts = [" ".join(p.get_textpage().get_text_range().split()) for p in document]
        document.close()
        return texts

    [original] = pages("first.pdf")
    welsh, reminder = pages("again.pdf")
    day = re.search(r"Date: (\d{1,2} \w+ \d{4})", original)[1]  # e.g. 6 December 2026
    assert "Reminder" not in original and "no longer works" not in original
    assert f"Date: {day}" in reminder and "Reminder" in reminder
    assert f"the one we sent you on this date: {day}. The code in that letter no longer works" in (
        reminder
    )
    assert "Dyddiad: " in welsh and "Nodyn atgoffa" not in welsh  # Siân's first letter

    codes = tmp_path / "codes"
    mv(*run, "--qr-dir", str(codes), "--yes")
    table = list(csv.DictReader(io.StringIO((codes / "invites.csv").read_text("utf-8-sig"))))
    assert [(row["member_id"], row["language"]) for row in table] == [("T-1", "cy"), ("T-2", "en")]
    assert all(
        row["replaces"] and row["issued_at"] and row["code"].count("-") == 5 for row in table
    )


def test_a_slack_members_letter_says_how_to_join_in_slack_with_no_code_to_scan(folder):
    result = mv("members", "invite", "--member", "S-1", "--letters", "staff.pdf", "--json")
    assert result.exit_code == 0, result.output
    [invite] = json.loads(result.output)
    document = pypdfium2.PdfDocument(folder / "staff.pdf")
    page = document[0]
    text = " ".join(page.get_textpage().get_text_range().split())
    scanned = decoded(page.render(scale=100 / 72).to_pil())
    document.close()
    assert "1. Install Slack first" in text and f"JOIN {invite['code']}" in text
    assert "Telegram" not in text and scanned == []  # Slack has no link to carry a code


@pytest.mark.parametrize("address", ["x" * 121, "1 High St\\nLeeds"])
def test_the_return_address_is_one_short_line(tmp_path, address):
    path = tmp_path / "mutual-voice.toml"
    path.write_text(f'[invites]\nreturn_address = "{address}"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"invites\.return_address: one line of at most 120"):
        load_settings(path, environ={})


def test_joining_shows_how_each_member_is_reached_and_who_only_a_letter_reaches(folder):
    ctx = make_context(path=folder / "mutual-voice.db")
    members.link_identity(ctx.db, "telegram", "31", "31", "T-3", ctx.now())
    members.link_identity(ctx.db, "telegram", "41", "41", "T-4", ctx.now())
    members.mark_unreachable(ctx.db, "telegram", "41", "Forbidden: bot was blocked", ctx.now())
    ctx.db.close()
    report = json.loads(mv("members", "joining", "--json").output)
    tenant = next(g for g in report["constituencies"] if g["constituency"] == "tenant")
    assert (tenant["joined"], tenant["letter_only"]) == (2, 3)
    reach = {m["member_id"]: m["reach"] for m in report["members"]}
    assert reach == {
        "S-1": "letter only",
        "T-1": "letter only",
        "T-2": "letter only",
        "T-3": "Telegram",
        "T-4": "letter only (Telegram unreachable: Forbidden: bot was blocked)",
    }
    text = mv("members", "joining").output
    assert "letter_only" in text and "Telegram unreachable" in text


def test_members_import_reads_phones_and_preferences_and_refuses_bad_ones(folder):
    (folder / "phones.csv").write_text(
        "member_id,name,email,constituency,phone,prefers\n"
        "T-1,Siân Llŷr,,tenant,07700 900123,sms\n"
        "T-2,Zażółć Gęślą,,tenant,+44 7700 9001,\n"
        "T-3,Pat Murphy,,tenant,+447700900123,\n"
        "T-4,Sam Okafor,,tenant,,pigeon\n",
        encoding="utf-8",
    )
    refused = mv("members", "import", "phones.csv")
    assert refused.exit_code != 0
    assert refused.output.splitlines()[:3] == [
        "phones.csv: line 3: phone '+44 7700 9001' has the wrong number of digits for GB",
        "phones.csv: line 4: phone +447700900123 is also line 2's; each member needs their own",
        "phones.csv: line 5: prefers 'pigeon' should be empty, auto or one of slack, "
        "telegram, whatsapp, sms, email",
    ]
    (folder / "phones.csv").write_text(
        "member_id,name,email,constituency,phone,prefers\nT-1,Siân Llŷr,,tenant,07700 900123,SMS\n",
        encoding="utf-8",
    )
    assert mv("members", "import", "phones.csv").exit_code == 0
    db = open_database(folder / "mutual-voice.db")
    assert (members.get(db, "T-1")["phone"], members.get(db, "T-1")["prefers"]) == (
        "+447700900123",
        "sms",
    )
    # With SMS not switched on ([sms] enabled), no SMS identity is linked yet.
    assert members.identities_of(db, "T-1") == []
    db.close()

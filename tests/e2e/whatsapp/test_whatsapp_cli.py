"""`mutual-voice whatsapp ...` and WhatsApp invites, run as an officer runs them."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

from click.testing import CliRunner, Result

from bot.cli import cli
from bot.config import load_settings
from storage import members, whatsapp
from storage.db import open_database
from tests.e2e.whatsapp.harness import fake_templates
from tests.fakes.whatsapp_api import DISPLAY_NUMBER, FakeWhatsApp, Template

ROSTER = "member_id,name,email,constituency\nt1,Pat Murphy,,tenant\ns1,Sam Staff,,staff\n"


def configure(tmp_path, fake: FakeWhatsApp) -> list[str]:
    config = tmp_path / "mutual-voice.toml"
    config.write_text(
        f"""[organisation]
constituencies = ["staff", "tenant"]
[whatsapp]
enabled = true
phone_number_id = "{fake.phone_number_id}"
business_account_id = "{fake.waba_id}"
business_number = "+{DISPLAY_NUMBER}"
verify_token = "verify-token-for-tests"
api_url = "{fake.api_url}"
constituencies = ["tenant"]
daily_limit = 250
price_per_template = 0.03
"""
    )
    return ["--config", str(config)]


def mv(args: list[str], *more: str, token: str = "") -> Result:
    environ = {"MUTUAL_VOICE_WHATSAPP_TOKEN": token, "MUTUAL_VOICE_WHATSAPP_APP_SECRET": "s3cret"}
    return CliRunner().invoke(cli, [*args, *more], env=environ)


async def test_templates_check_finds_what_the_account_lacks(tmp_path) -> None:
    async with FakeWhatsApp() as fake:
        args = configure(tmp_path, fake)
        listed = await asyncio.to_thread(mv, args, "whatsapp", "templates", token=fake.token)
        assert listed.exit_code == 0 and "mutual_voice_take_part" in listed.output

        fake.templates = fake_templates()
        ok = await asyncio.to_thread(mv, args, "whatsapp", "templates", "--check", token=fake.token)
        assert ok.exit_code == 0, ok.output
        assert "All 2 templates are approved" in ok.output

        welsh = next(t for t in fake.templates if t.language == "cy")
        fake.templates = [t for t in fake.templates if t.language != "cy"] + [
            Template(welsh.name, "cy", "Dim paramedr.", buttons=welsh.buttons)
        ]
        bad = await asyncio.to_thread(
            mv, args, "whatsapp", "templates", "--check", "--json", token=fake.token
        )
        assert bad.exit_code == 1
        (problem,) = json.loads(bad.output)["problems"]
        assert problem.startswith("mutual_voice_take_part (cy)") and "0 parameters" in problem

        wrong = await asyncio.to_thread(
            mv, args, "whatsapp", "templates", "--check", token="EAAwrong-token"
        )
        assert wrong.exit_code == 1 and "190" in wrong.output
        assert "EAAwrong-token" not in wrong.output


async def test_invites_for_whatsapp_groups_print_wa_me_links(tmp_path) -> None:
    (tmp_path / "roster.csv").write_text(ROSTER)
    open_database(tmp_path / "mutual-voice.db").close()
    async with FakeWhatsApp() as fake:
        args = configure(tmp_path, fake)
        imported = mv(args, "members", "import", str(tmp_path / "roster.csv"), token=fake.token)
        assert imported.exit_code == 0, imported.output
        invited = mv(args, "members", "invite", "--member", "t1", token=fake.token)
        assert invited.exit_code == 0, invited.output
        assert f"\thttps://wa.me/{DISPLAY_NUMBER}?text=JOIN%20" in invited.output
        qr = mv(
            args,
            "members",
            "invite",
            "--member",
            "t1",
            "--qr-dir",
            str(tmp_path / "qr"),
            "--yes",
            token=fake.token,
        )
        assert qr.exit_code == 0, qr.output
        table = (tmp_path / "qr" / "invites.csv").read_text()
        assert f"https://wa.me/{DISPLAY_NUMBER}?text=JOIN%20" in table  # the QR code's link too
        estimate = mv(args, "whatsapp", "estimate", "--json", token=fake.token)
        assert json.loads(estimate.output)["members"] == 0


async def test_opening_a_vote_tells_the_officer_when_whatsapp_members_are_reached(
    tmp_path,
) -> None:
    (tmp_path / "roster.csv").write_text(
        "member_id,name,email,constituency\n"
        + "".join(f"t{n},Tenant {n},,tenant\n" for n in range(1, 5))
    )
    (tmp_path / "vote.toml").write_text(
        'id = "rules"\ntitle = "New rules"\nexplanation = "Adopt them."\n'
        'method = "resolution"\nconstituencies = ["tenant"]\n'
        "opens = 2030-01-01T09:00:00\ncloses = 2030-01-08T09:00:00\n"
    )
    open_database(tmp_path / "mutual-voice.db").close()
    async with FakeWhatsApp() as fake:
        args = configure(tmp_path, fake)
        (tmp_path / "mutual-voice.toml").write_text(
            (tmp_path / "mutual-voice.toml")
            .read_text()
            .replace("daily_limit = 250", "daily_limit = 3")
        )
        assert (
            mv(args, "members", "import", str(tmp_path / "roster.csv"), token=fake.token).exit_code
            == 0
        )
        settings = load_settings(
            args[1],
            environ={"MUTUAL_VOICE_WHATSAPP_TOKEN": "x", "MUTUAL_VOICE_WHATSAPP_APP_SECRET": "y"},
        )
        db = open_database(settings.database_path)
        now = datetime.now(UTC)
        for n in range(1, 5):
            members.link_identity(
                db, "whatsapp", f"4477009001{n:02d}", f"4477009001{n:02d}", f"t{n}", now
            )
        whatsapp.wrote(db, "447700900101", now)  # one wrote today: no template for them
        db.close()
        assert (
            mv(args, "vote", "create", str(tmp_path / "vote.toml"), token=fake.token).exit_code == 0
        )
        opened = mv(args, "vote", "open", "rules", token=fake.token)
    assert opened.exit_code == 0, opened.output
    assert "4 members on WhatsApp, 3 outside their 24-hour window" in opened.output
    assert "3 template messages, about 0.09 GBP." in opened.output

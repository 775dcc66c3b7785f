"""`mutual-voice whatsapp ...` and WhatsApp invites, run as an officer runs them."""

from __future__ import annotations

import asyncio
import json

from click.testing import CliRunner, Result

from bot.cli import cli
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
        estimate = mv(args, "whatsapp", "estimate", "--json", token=fake.token)
        assert json.loads(estimate.output)["members"] == 0

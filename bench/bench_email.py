"""Send one announcement to every e-mail member through the real adapter (aiosmtplib over
STARTTLS with sign-in) against the fake relay, on the real clock.

Run: python bench/bench_email.py [--members 500] [--per-second 50]

Prints e-mails a second against `email.per_second` (the ceiling the sender keeps to),
the SMTP connections used (one reused connection for the whole batch), what composing
one e-mail costs, and, for comparison, a new connection (TLS and sign-in) per e-mail.
Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.adapters.email import adapter as email_adapter  # noqa: E402
from bot.adapters.email.compose import Envelope, compose  # noqa: E402
from bot.adapters.email.relay import Relay  # noqa: E402
from bot.app import App  # noqa: E402
from bot.config import EmailSettings, Settings, StorageSettings, WebSettings  # noqa: E402
from handlers.members import page_links  # noqa: E402
from handlers.members.roster import import_roster  # noqa: E402
from handlers.messages import Message, Option, Recipient  # noqa: E402
from handlers.settings import QuietHours  # noqa: E402
from storage import members, outbox  # noqa: E402
from tests.fakes.smtp_server import FakeSMTP  # noqa: E402

NOTICE = "The annual meeting decides the new rules. Voting is open until Friday at 17:00."


def announcement(member: str) -> Message:
    return Message(
        Recipient.of(member),
        NOTICE,
        title="New vote: New rules",
        choices=(Option("Vote now", "vote.go", "1"),),
        quiet_hours=True,
        flow="vote:rules",
    )


async def main(count: int, per_second: float) -> None:
    page_links.page_link = lambda ctx, member_id, flow: f"https://voice.example.org/m/{member_id}"
    folder = Path(tempfile.mkdtemp())
    async with FakeSMTP("starttls", "bench", "bench-password") as fake:
        assert fake.tls is not None
        email = EmailSettings(
            enabled=True,
            smtp_host=fake.host,
            smtp_port=fake.port,
            username="bench",
            password="bench-password",
            from_address="voice@example.org",
            per_second=per_second,
            ca_file=str(fake.tls.ca_file(folder)),
        )
        settings = dataclasses.replace(
            Settings(),
            folder=folder,
            storage=StorageSettings(database="bench.db"),
            email=email,
            web=WebSettings(enabled=True, public_url="https://voice.example.org"),
            quiet_hours=QuietHours(enabled=False),
        )
        app = App(settings)
        roster = "member_id,name,email,constituency\n" + "".join(
            f"m{n},Member {n},m{n}@homes.example,tenant\n" for n in range(count)
        )
        import_roster(app.ctx, io.StringIO(roster), skip_bad=False, actor="bench")
        for n in range(count):
            address = f"m{n}@homes.example"
            members.link_identity(app.db, "email", address, address, f"m{n}", app.clock())

        started = time.perf_counter()
        envelope = Envelope(
            "m0@homes.example",
            "voice@example.org",
            "",
            "Riverside",
            app.clock(),
            "https://voice.example.org/m/x",
            "https://voice.example.org/u/y",
        )
        for _ in range(200):
            compose(announcement("m0"), envelope)
        composing = (time.perf_counter() - started) / 200

        adapter = await email_adapter.start(app, asyncio.Event())
        started = time.perf_counter()
        app.postman.post([announcement(f"m{n}") for n in range(count)])
        while outbox.waiting(app.db, "email"):
            await asyncio.sleep(0.05)
        took = time.perf_counter() - started
        await adapter.stop()
        print(
            f"{count} e-mails in {took:.1f} s: {count / took:.1f} a second "
            f"(email.per_second = {per_second:g}); {fake.connections} SMTP connection(s), "
            f"{fake.logins} sign-in(s); {len(fake.received)} received"
        )
        print(f"composing one e-mail (both parts, headers): {composing * 1000:.2f} ms")

        relay, sample = Relay(email, email.ca_file), min(count, 50)
        started = time.perf_counter()
        for n in range(sample):
            await relay.send(
                compose(announcement("m0"), envelope), email.from_address, f"m{n}@homes.example"
            )
        reused = (time.perf_counter() - started) / sample
        started = time.perf_counter()
        for n in range(sample):
            await relay.close()
            await relay.send(
                compose(announcement("m0"), envelope), email.from_address, f"m{n}@homes.example"
            )
        fresh = (time.perf_counter() - started) / sample
        await relay.close()
        print(
            f"per e-mail, unpaced: {reused * 1000:.1f} ms on one connection, "
            f"{fresh * 1000:.1f} ms with a new connection (STARTTLS and sign-in) each"
        )
        app.db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--per-second", type=float, default=50.0)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.members, arguments.per_second))

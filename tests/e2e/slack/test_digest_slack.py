"""The council digest reaches Slack: the chart through files_upload_v2, the text with it.

The real Slack adapter (slack_sdk, the outbox sender) against FakeSlack, started as in
tests/e2e/slack/test_slack_adapter.py; the digest is queued by the real scheduler.
"""

from __future__ import annotations

from bot.scheduler import Scheduler
from handlers.votes.admin import create_vote, open_vote
from surveys.votes.definitions import VoteDefinition
from tests.e2e.slack.test_slack_adapter import COUNCIL, Slack, slack_app  # noqa: F401 - the fixture
from tests.fakes.slack_api import live_markup, readable_text


async def test_the_council_digest_and_its_chart_reach_the_council_channel(
    slack_app: Slack,  # noqa: F811 - the imported fixture
) -> None:
    app, fake, clock = slack_app.app, slack_app.fake, slack_app.clock
    now = clock()
    definition = VoteDefinition(
        id="agm",
        title="Approve the <!channel> minutes",  # officer text is escaped like any other
        explanation="Resolution: the minutes are approved.",
        method="resolution",
        opens=now,
        closes=now.replace(year=now.year + 1),
        reminder_hours=(),
    )
    create_vote(app.ctx, definition, "test")
    open_vote(app.ctx, "agm", "test")  # its announcements are not sent here
    scheduler = Scheduler(app.ctx, app.postman)
    scheduler.jobs = [job for job in scheduler.jobs if job.id == "digest:council"]
    assert scheduler.run_due() == []  # the first start sets the baseline
    clock.advance(days=8)
    assert scheduler.run_due() == ["digest:council"]

    await fake.wait_for(lambda: fake.files)
    await slack_app.adapter.settle()
    [chart] = fake.files
    assert chart.channel == COUNCIL and chart.filename.startswith("council-")
    assert chart.content.startswith(b"\x89PNG\r\n\x1a\n") and len(chart.content) > 10_000
    assert chart.title.startswith("Council digest: the week to ")
    caption = readable_text({"initial_comment": chart.initial_comment})
    assert "VOTES\nOpen: Approve the <!channel> minutes: 0 of 3 voted (0%)." in caption
    assert [c for c in fake.calls if live_markup(c)] == []

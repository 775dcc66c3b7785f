"""The chair's proxies at the desk: for each open vote of the meeting, the members the
chair holds whose ballot is not cast yet, each cast as `meeting proxy-vote --holder
chair` does (an instruction the only choice offered and the only one accepted), every
refusal in the CLI's words in the red box, the audit naming the officer, and a form
without its CSRF token refused."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from handlers.meetings import proxies
from handlers.votes.admin import create_vote, open_vote
from storage import audit
from storage.votes import queries as votes
from tests.handlers.votes.test_votes import definition, options
from tests.helpers import START
from tests.web.console_harness import served, signed_in
from tests.web.meeting_console import society
from tests.web.test_console_meeting_proxies import alert

PAGE = "/meetings/agm-2027/proxies"
SECTION = re.compile(r'<section aria-labelledby="cast-([\w-]+)">(.*?)</section>', re.S)
MEMBER = re.compile(r'name="member" value="(\w+)"')
DONE = re.compile(r"t\w+&#39;s ballot in [\w-]+ is cast by proxy \(\w+\); receipt [\w-]+\.")


@pytest.fixture
def app(tmp_path, clock):
    started = society(tmp_path, START + timedelta(days=30), clock)
    ctx = started.ctx
    tenants = {"meeting": "agm-2027", "constituencies": ("tenant",)}
    create_vote(ctx, definition(id="adopt", **tenants), "test")
    board = options("Pat Murphy", "Lee Chen", "Ruth Adeyemi")
    create_vote(ctx, definition(id="board", method="stv", options=board, **tenants), "test")
    proxies.appoint(ctx, "agm-2027", "t1", "chair", {"adopt": "Against"})
    proxies.appoint(ctx, "agm-2027", "t3", "chair")
    proxies.appoint(ctx, "agm-2027", "t5", "t2")
    for vote_id in ("adopt", "board"):
        list(open_vote(ctx, vote_id))
    yield started
    started.db.close()


def waiting(page: str) -> dict[str, list[str]]:
    """The page's ballots left for the chair: {vote: [member ids]}."""
    return {vote: MEMBER.findall(part) for vote, part in SECTION.findall(page)}


async def test_the_chair_casts_the_ballots_it_holds(app):
    async with served(app) as client:
        token = await signed_in(client, app)

        async def cast(vote: str, member: str, *choices: str) -> str:
            data = [("csrf", token), ("vote", vote), ("member", member)]
            answer = await client.post(f"{PAGE}/cast", data=data + [("choice", c) for c in choices])
            assert answer.url.path == PAGE
            return await answer.text()

        page = await (await client.get(PAGE)).text()
        assert waiting(page) == {"adopt": ["t1", "t3"], "board": ["t1", "t3"]}
        # t1's instruction is the only choice offered in adopt.
        adopt = dict(SECTION.findall(page))["adopt"]
        t1 = adopt[adopt.index('value="t1"') : adopt.index("</form>", adopt.index('value="t1"'))]
        assert ": instructed <strong>Against</strong>" in t1
        assert '<input type="hidden" name="choice" value="Against">' in t1 and "<select" not in t1

        forged = await client.post(
            f"{PAGE}/cast", data={"vote": "adopt", "member": "t3", "choice": "For"}
        )
        assert forged.status == 403 and not votes.has_voted(app.db, "adopt", "t3")

        for args, reason in (
            (("adopt", "t1", "For"),
             "Not cast: Pat Murphy asked you to vote Against in Adopt the new rules: a proxy "
             "with instructions can vote only as instructed."),
            (("adopt", "t5", "For"),
             "Not cast: You do not hold a proxy for Ann Other in Adopt the new rules."),
            (("adopt", "t3", "Maybe"),
             "Not cast: 'Maybe' is not on the ballot: For, Against, Abstain"),
            (("nope", "t3", "For"), "Not cast: no vote 'nope' is put to meeting 'agm-2027'"),
            (("adopt", "t3"), "Not cast: give the member and their choice."),
            (("adopt", "t3", "For", "Against"), "Not cast: adopt takes one choice, not 2"),
            (("board", "t3", "Lee Chen", "lee chen"),
             "Not cast: 'lee chen' is given twice: give each choice once"),
        ):  # fmt: skip
            assert alert(await cast(*args)) == reason
        assert not votes.has_voted(app.db, "adopt", "t1")

        assert DONE.search(await cast("adopt", "t1", "Against"))
        assert DONE.search(await cast("board", "t3", "Lee Chen", "Pat Murphy"))
        assert alert(await cast("adopt", "t1", "Against")) == (
            "Not cast: You have already cast Pat Murphy's vote in Adopt the new rules, and "
            "votes in this one can't be changed."
        )
        page = await (await client.get(PAGE)).text()
        assert waiting(page) == {"adopt": ["t3"], "board": ["t1"]}
        assert votes.voters_by_channel(app.db, "adopt") == {"proxy": 1}
        cast_audit = audit.entries(app.db, "meeting.proxy_vote")
        assert [(e["actor"], e["subject"]) for e in cast_audit] == [("member:s1", "agm-2027")] * 2

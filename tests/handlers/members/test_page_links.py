"""Links to the member's page: one member, one flow, stored as a hash, gone after close."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from handlers import housekeeping
from handlers.members import page_links
from handlers.votes.admin import close_vote, open_vote
from storage import privacy
from tests.handlers.pulses.test_pulse_chat import join, open_round
from tests.handlers.votes.test_votes import Kit

PUBLIC = "https://voice.example.org"


def token_of(url: str) -> str:
    assert url.startswith(f"{PUBLIC}/m/")
    return url.removeprefix(f"{PUBLIC}/m/")


def open_agm(ctx) -> Kit:
    kit = Kit(ctx)
    kit.create(opens=ctx.now(), closes=ctx.now() + timedelta(days=7))
    open_vote(ctx, "agm", "test")
    return kit


def test_a_link_is_a_long_random_token_kept_only_as_its_hash(ctx):
    ctx.page_url = PUBLIC
    open_agm(ctx)
    url = page_links.page_link(ctx, "t1", "vote:agm")
    token = token_of(url)
    assert len(token) >= 22 and token.replace("-", "").replace("_", "").isalnum()
    assert token != token_of(page_links.page_link(ctx, "t1", "vote:agm"))  # never reused
    stored = [row["token_hash"] for row in ctx.db["page_links"].rows]
    assert hashlib.sha256(token.encode()).hexdigest() in stored
    assert not any(token in str(row) for row in ctx.db["page_links"].rows)
    link = page_links.opened(ctx, token)
    assert (link.member.member_id, link.kind, link.target) == ("t1", "vote", "agm")


def test_no_link_without_a_public_address_or_an_open_flow(ctx):
    kit = open_agm(ctx)
    assert page_links.page_link(ctx, "t1", "vote:agm") is None  # no web.public_url
    ctx.page_url = PUBLIC
    kit.create(
        id="later", opens=ctx.now() + timedelta(days=1), closes=ctx.now() + timedelta(days=2)
    )
    assert page_links.page_link(ctx, "t1", "vote:later") is None  # not open yet
    assert page_links.page_link(ctx, "t1", "vote:nonesuch") is None
    assert page_links.page_link(ctx, "t1", "pulse:99") is None
    assert page_links.page_link(ctx, "t1", "poll") is None  # not a flow
    assert page_links.page_link(ctx, "nobody", "suggest") is None
    assert page_links.page_link(ctx, "t1", "suggest") is not None


def test_a_pulse_link_only_for_someone_on_the_round(ctx):
    ctx.page_url = PUBLIC
    join(ctx, staff=2, tenants=1)
    round_row = open_round(ctx, "staff-pulse")
    flow = f"pulse:{round_row['id']}"
    assert page_links.page_link(ctx, "staff-01", flow) is not None
    assert page_links.page_link(ctx, "tenant-01", flow) is None  # not asked in this round


def test_an_unknown_or_altered_token_opens_nothing(ctx):
    ctx.page_url = PUBLIC
    open_agm(ctx)
    token = token_of(page_links.page_link(ctx, "t1", "vote:agm"))
    assert page_links.opened(ctx, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert page_links.opened(ctx, "") is None
    assert page_links.opened(ctx, "x" * 500) is None


def test_each_token_opens_its_own_member_only(ctx):
    ctx.page_url = PUBLIC
    open_agm(ctx)
    tokens = {m: token_of(page_links.page_link(ctx, m, "vote:agm")) for m in ("t1", "t2", "t3")}
    for member_id, token in tokens.items():
        assert page_links.opened(ctx, token).member.member_id == member_id


def test_a_link_not_used_to_vote_holds_random_bytes_of_a_receipt_s_length(ctx):
    ctx.page_url = PUBLIC
    open_agm(ctx)
    token = token_of(page_links.page_link(ctx, "t1", "vote:agm"))
    filler = ctx.db.execute("select receipt from page_links").fetchone()[0]
    assert len(filler) == page_links.SEALED
    assert page_links.opened(ctx, token).receipt() is None


def test_a_vote_link_outlives_the_close_with_its_receipt_then_is_forgotten(ctx, clock):
    ctx.page_url = PUBLIC
    open_agm(ctx)
    token = token_of(page_links.page_link(ctx, "t1", "vote:agm"))
    link = page_links.opened(ctx, token)
    page_links.keep_receipt(ctx, link, "K7QM-4X2P")
    sealed = ctx.db.execute("select receipt from page_links").fetchone()[0]
    assert b"K7QM" not in sealed and len(sealed) == page_links.SEALED
    clock.advance(days=8)
    close_vote(ctx, "agm", "test")
    after = page_links.opened(ctx, token)
    assert after is not None and after.receipt() == "K7QM-4X2P"
    assert page_links.seal(token, "K7QM-4X2P") != sealed  # a fresh nonce each time
    assert page_links.unseal("someone-else", sealed) is None
    clock.advance(days=14)
    housekeeping.forget(ctx, ctx.now())
    assert page_links.opened(ctx, token) is None
    assert ctx.db["page_links"].count == 0


def test_a_suggestion_link_runs_out_after_a_week(ctx, clock):
    ctx.page_url = PUBLIC
    Kit(ctx)
    token = token_of(page_links.page_link(ctx, "t1", "suggest"))
    clock.advance(days=6, hours=23)
    assert page_links.opened(ctx, token).flow == "suggest"
    clock.advance(hours=1)
    assert page_links.opened(ctx, token) is None


def test_erasing_a_member_voids_their_links(ctx):
    ctx.page_url = PUBLIC
    open_agm(ctx)
    token = token_of(page_links.page_link(ctx, "t1", "suggest"))
    privacy.erase_member(ctx.db, "t1", ctx.now())
    assert page_links.opened(ctx, token) is None
    assert ctx.db["page_links"].count == 0


def test_a_member_s_own_data_lists_their_links_readably(ctx):
    from handlers.members.mydata import report

    ctx.page_url = PUBLIC
    open_agm(ctx)
    page_links.page_link(ctx, "t1", "vote:agm")
    lines = report(ctx, "t1")
    [listed] = [line for line in lines if "vote:agm" in line]
    assert "token_hash" not in listed and "receipt" not in listed and "b'" not in listed

"""The secret ballot: one member one vote under races, and no link after close."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import timedelta

from bot.engine import Engine
from handlers.messages import Choice
from handlers.votes.admin import published_ballots, published_result
from handlers.votes.ballots import refusal
from handlers.votes.state import load
from storage import outbox, privacy
from storage.timestamps import iso
from storage.votes import queries as store
from tests.handlers.votes.test_votes import Kit, definition, options, receipt_in
from tests.helpers import START, FakeClock, make_context


def _confirm_event(kit: Kit, member_id: str) -> Choice:
    from handlers.members.identity import member_for

    who = kit.sender(member_id)
    member = member_for(kit.ctx, who.platform, who.platform_user_id)
    vote = load(kit.ctx, "agm")
    return Choice(who, member, f"press-{id(kit)}", action="vote.ok", value=str(vote.short))


def test_two_simultaneous_presses_on_two_connections_count_once(tmp_path):
    path = tmp_path / "mv.db"
    clock = FakeClock()
    setup = Kit(make_context(clock, path))
    setup.create()
    setup.tick()
    setup.command("t1", "vote")
    setup.press("t1", "For")  # the draft now waits for Confirm
    ready, errors = threading.Barrier(2), []

    def press(n: int) -> None:
        try:
            ctx = make_context(clock, path)  # each press on its own connection
            kit = Kit(ctx, roster="", linked=())
            engine = Engine(ctx, kit.router, kit.postman)  # as the bot handles every event
            event = replace(_confirm_event(kit, "t1"), event_id=f"press-{n}")
            ready.wait()
            engine.handle(event)
            ctx.db.close()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=press, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert store.count_voters(setup.ctx.db, "agm") == 1
    assert store.choice_counts(setup.ctx.db, "agm") == [("for", 1)]
    sent = [
        r["payload"]["text"]
        for r in outbox.rows_for(setup.ctx.db)
        if r["key"].startswith("vote:agm:b:")
    ]
    assert sum("your vote is cast" in text for text in sent) == 1
    assert sum("already voted" in text for text in sent) == 1


def test_interleaved_casts_after_both_checks_passed_count_once(tmp_path):
    path = tmp_path / "mv.db"
    clock = FakeClock()
    one = Kit(make_context(clock, path))
    one.create()
    one.tick()
    two = make_context(clock, path)
    vote = load(one.ctx, "agm")
    member = _confirm_event(one, "t1").member
    # Both connections see "not voted yet" before either writes ...
    assert refusal(one.ctx, vote, member) is None and refusal(two, vote, member) is None
    # ... then both cast: only one finds the member's row still "not voted yet".
    day = "2026-11-23"
    first = store.cast(one.ctx.db, "agm", "t1", "for", lambda: "AAAA-AAAA", day, clock.now)
    second = store.cast(two.db, "agm", "t1", "against", lambda: "BBBB-BBBB", day, clock.now)
    # The ballot fills a slot made at opening, under that slot's receipt code.
    assert first[0] == store.CAST and first[1] and second == (store.ALREADY, None)
    assert store.choice_counts(one.ctx.db, "agm") == [("for", 1)]


def _every_value(db) -> list[tuple[str, str, dict]]:
    """(table, column names, row) for every row of every table."""
    found = []
    for (table,) in db.execute("select name from sqlite_master where type = 'table'"):
        columns = [c[1] for c in db.execute(f"pragma table_info([{table}])")]
        for row in db.execute(f"select * from [{table}]"):
            found.append((table, columns, dict(zip(columns, row, strict=True))))
    return found


def test_after_close_nothing_links_a_ballot_to_a_member(ctx, clock):
    kit = Kit(ctx)
    kit.create(allow_change=True)
    kit.create(id="chair", method="irv", options=options("Amber", "Birch", "Cedar"))
    kit.tick()
    receipts = []
    for member_id, choice in (("t1", "For"), ("t2", "Against"), ("s1", "Abstain")):
        receipts.append(receipt_in(kit.vote(member_id, "agm", choice)))
    receipts.append(receipt_in(kit.vote("t1", "agm", "Against")))  # t1 changes their mind
    receipts.append(receipt_in(kit.vote("t2", "chair", "Birch", "Done")))
    kit.command("t3", "vote", "chair")
    kit.press("t3", "Amber")  # a draft, never cast
    keys_while_open = {  # every slot of agm has one: the empty ones a random stand-in
        row[0] for row in ctx.db.execute("select ballot_key from vote_ballots") if row[0]
    }
    filled = "select ballot_key from vote_ballots where rtrim(choice) != '' and ballot_key != ''"
    assert len(list(ctx.db.execute(filled))) == 3  # agm allows a change: findable while open
    secret = store.secret(ctx.db, "agm", load(ctx, "agm").secret)
    assert secret and load(ctx, "agm").secret is None  # kept beside the file, not in it
    ctx.db.execute("update outbox set status = 'sent'")  # delivered
    clock.advance(days=7)
    kit.tick()

    # The tables: ballots have no member id, no time, no rowid (so no insertion order).
    ballot_columns = {c[1] for c in ctx.db.execute("pragma table_info(vote_ballots)")}
    # `weight` is the votes a ballot counts for: 1, unless the society's rules weight a
    # constituency (then it says the voter's constituency, as a weighted paper ballot does).
    assert ballot_columns == {"vote_id", "receipt", "choice", "ballot_key", "weight"}
    assert {w for (w,) in ctx.db.execute("select distinct weight from vote_ballots")} == {1}
    voter_columns = {c[1] for c in ctx.db.execute("pragma table_info(vote_voters)")}
    # The channel each voted by (counted per channel at close) is cleared by the seal.
    assert voter_columns == {"vote_id", "member_id", "voted_on", "channel"}
    assert {r[0] for r in ctx.db.execute("select channel from vote_voters")} == {None}
    assert ctx.db.execute(
        "select count(*) from sqlite_master where type in ('view', 'trigger')"
    ).fetchone() == (0,)
    assert (
        "without rowid"
        in ctx.db.execute(
            "select lower(sql) from sqlite_master where name = 'vote_ballots'"
        ).fetchone()[0]
    )
    assert {len(r[0]) for r in ctx.db.execute("select voted_on from vote_voters")} == {10}

    # Every column of every table: a receipt appears only in the ballot list, and the
    # keys and secret that linked ballots to members while the vote was open are gone.
    live_receipts = {
        r for r, _ in store.ballot_list(ctx.db, "agm") + store.ballot_list(ctx.db, "chair")
    }
    assert len(live_receipts) == 4 and live_receipts <= set(receipts)
    for table, _columns, row in _every_value(ctx.db):
        text = json.dumps(row, default=str)
        for receipt in receipts:
            assert receipt not in text or table == "vote_ballots", (table, row)
        for key in [*keys_while_open, secret]:
            assert key not in text, (table, row)
    assert store.secret(ctx.db, "agm", None) is None  # dropped from the keys too
    assert ctx.db.execute("select count(*) from vote_drafts").fetchone() == (0,)
    # No ballot message is left to count per member, and every voter voted "on" one day.
    assert ctx.db.execute("select count(*) from outbox where key like 'vote:%:b:%'").fetchone() == (
        0,
    )
    assert {r[0] for r in ctx.db.execute("select voted_on from vote_voters")} == {"2026-11-30"}


def test_erasing_a_voter_changes_no_count(ctx, clock):
    kit = Kit(ctx)
    kit.create(constituencies=("tenant",), quorum=50)
    kit.tick()
    kit.vote("t1", "agm", "For")
    kit.vote("t2", "agm", "Against")
    privacy.erase_member(ctx.db, "t1", clock.now)
    assert store.count_voters(ctx.db, "agm") == 2
    clock.advance(days=7)
    kit.tick()
    result = published_result(ctx, "agm")
    assert (result["voted"], result["eligible"], result["quorum_met"]) == (2, 3, True)
    assert (result["count"]["for"], result["count"]["against"]) == (1, 1)
    assert [r[0] for r in ctx.db.execute("select member_id from vote_voters order by 1")] == [
        None,
        "t2",
    ]


def test_ballot_list_is_sorted_by_receipt_and_shows_each_ballot(ctx, clock):
    kit = Kit(ctx)
    kit.create(id="chair", method="irv", options=options("Amber", "Birch", "Cedar"))
    kit.tick()
    mine = receipt_in(kit.vote("t1", "chair", "Cedar", "Amber", "Done"))
    kit.vote("t2", "chair", "Birch", "Done")
    kit.vote("s2", "chair", "Amber", "Done")
    clock.advance(days=7)
    kit.tick()
    listed = published_ballots(ctx, "chair")
    assert [b["receipt"] for b in listed] == sorted(b["receipt"] for b in listed)
    assert {"receipt": mine, "ballot": "1. Cedar 2. Amber", "raw": "2,0"} in listed


def test_a_ballot_cannot_be_cast_after_the_closing_time_even_before_the_tick(ctx, clock):
    kit = Kit(ctx)
    kit.create()
    kit.tick()
    clock.advance(days=7)
    outcome = store.cast(ctx.db, "agm", "t1", "for", lambda: "CCCC-CCCC", "2026-11-30", clock.now)
    assert outcome == (store.NOT_OPEN, None)
    assert iso(load(ctx, "agm").closes_at) == iso(START + timedelta(days=7))
    assert definition().closes == START + timedelta(days=7)


def test_closing_a_vote_forgets_every_handled_event_and_their_secret(ctx, clock):
    from storage import conversations

    kit = Kit(ctx)
    kit.create()
    kit.tick()
    kit.vote("t1", "agm", "For")
    for n in range(3):  # what the engine records for each press
        assert conversations.first_time(ctx.db, "telegram", f"{1000 + n}", ctx.now())
    assert ctx.db["processed_events"].count == 3
    clock.advance(days=7)
    kit.tick()
    assert load(ctx, "agm").sealed_at is not None
    assert ctx.db["processed_events"].count == 0
    assert conversations.first_time(ctx.db, "telegram", "1000", ctx.now())  # a new secret

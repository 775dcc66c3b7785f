"""What the outbox says of a voter while the vote is open, once their ballot messages are
delivered: that they voted (their newsletter thanks them), never what or which ballot."""

from __future__ import annotations

import json
import re

from handlers.digests import scheduled as digests
from storage import outbox
from storage.votes import queries as store
from tests.handlers.votes.test_votes import Kit, receipt_in

RECEIPT = re.compile(r"[2-9A-Z]{4}-[2-9A-Z]{4}")
THANKS = " You've voted, thank you."


def test_a_voters_rows_differ_from_a_non_voters_only_by_having_voted(ctx, clock):
    kit = Kit(ctx)  # t1, t2, t3 tenants; s1, s2 staff
    kit.create(allow_change=True)
    kit.tick()
    receipts = [receipt_in(kit.vote("t1", "agm", "For"))]
    receipts.append(receipt_in(kit.vote("t1", "agm", "Against")))  # a change of mind
    receipts.append(receipt_in(kit.vote("t2", "agm", "Against")))
    for row in outbox.claim_due(ctx.db, "telegram", clock(), 1000):
        outbox.mark_sent(ctx.db, row, clock())  # the ballot messages are delivered
    kit.postman.post(digests.members(ctx, ctx.now()).messages)  # the newsletter, while open
    assert store.get(ctx.db, "agm")["status"] == "open"

    rows = {m: [] for m in ("t1", "t2", "t3")}
    for row in ctx.db.execute("select member_id, key, payload from outbox").fetchall():
        if row[0] in rows:
            rows[row[0]].append((row[1], json.loads(row[2])))
    news = {
        m: next(p["text"] for k, p in found if k.startswith("digest:members:"))
        for m, found in rows.items()
    }
    assert THANKS in news["t1"] and THANKS in news["t2"] and THANKS not in news["t3"]
    assert news["t1"].replace(THANKS, "") == news["t3"] == news["t2"].replace(THANKS, "")
    for member, found in rows.items():
        for key, payload in found:
            text = json.dumps(payload)
            assert not RECEIPT.search(text), (member, key, text)  # no receipt anywhere

    # Apart from ballot messages, a voter's rows are a non-voter's, but for the thanks.
    def kept(member: str) -> dict[str, str]:
        return {
            key.replace(member, "M"): json.dumps(payload).replace(THANKS, "")
            for key, payload in rows[member]
            if not key.startswith("vote:agm:b:")
        }

    assert kept("t1") == kept("t2") == kept("t3")
    # The ballot messages themselves keep only their key, and go at the close.
    ballot = [p for found in rows.values() for k, p in found if k.startswith("vote:agm:b:")]
    assert ballot and all(p == outbox.FORGOTTEN for p in ballot)

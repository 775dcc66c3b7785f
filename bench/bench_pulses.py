"""Time pulse surveys: answers recorded through the handlers, and results of a big round.

Run: python bench/bench_pulses.py [--answers 100000] [--members 67000] [--stored 1000000]
         [--through engine handlers] [--synchronous full normal]
Prints the figures; asserts nothing (timings belong here, not in tests). Uses a
database file in a temporary folder (WAL, as the bot runs), no network.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Run as a plain script from a checkout, without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.engine import Engine  # noqa: E402
from bot.postman import Postman  # noqa: E402
from handlers import build_router
from handlers.context import Context  # noqa: E402
from handlers.messages import Choice, Member, Sender  # noqa: E402
from handlers.pulses import definitions as pulse_definitions
from handlers.pulses import results as pulse_results
from handlers.pulses import rounds as pulse_rounds  # noqa: E402
from storage.db import open_database  # noqa: E402
from storage.pulses import queries as pulses  # noqa: E402
from surveys.anonymity import respondent_key  # noqa: E402
from surveys.pulses import sentiment  # noqa: E402
from surveys.pulses.questions import CommentQuestion, ScaleQuestion, SurveyDefinition  # noqa: E402

SEED = 20_261_123
START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
TARGET_SECONDS = 1.0
COMMENTS = [
    "The new rota works well for my family, thank you.",
    "Repairs take far too long and nobody calls back.",
    "Please keep the community room open on Saturdays.",
    "Great support from the housing officer this year.",
    "The lift at Oak House is broken again, awful.",
    "I would like more notice before inspections.",
]


class FrozenClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def add_members(ctx: Context, count: int, groups: tuple[tuple[str, float], ...]) -> None:
    """`count` members split across constituencies, each linked to a Telegram chat."""
    stamp = START.isoformat()
    rnd = random.Random(SEED)
    names = [name for name, _ in groups]
    weights = [share for _, share in groups]
    rows, links = [], []
    for n in range(count):
        member_id = f"m{n:06d}"
        group = rnd.choices(names, weights)[0]
        rows.append(
            {
                "member_id": member_id,
                "name": f"Member {n}",
                "constituency": group,
                "created_at": stamp,
            }
        )
        links.append(
            {
                "platform": "telegram",
                "platform_user_id": f"u{n}",
                "member_id": member_id,
                "chat_id": f"u{n}",
                "linked_at": stamp,
            }
        )
    with ctx.db.atomic():
        ctx.db["members"].insert_all(rows, batch_size=1000)
        ctx.db["identities"].insert_all(links, batch_size=1000)


def bench_answers(folder: Path, answers: int, through: str, synchronous: str) -> None:
    """Members tap answers to the staff pulse, one event per tap.

    through="engine": the whole path an adapter calls (event dedupe, router, handler,
    replies written to the outbox), one transaction per tap, as the bot runs.
    through="handlers": the pulse handlers alone (router.dispatch; replies not posted).
    synchronous="full" is SQLite's default, which storage.db keeps: every commit waits
    for the disk. "normal" (safe with WAL against a crash of the bot, not of the
    machine) shows what the code costs without that wait.
    """
    clock = FrozenClock(START)
    ctx = Context(open_database(folder / f"answers-{through}-{synchronous}.db"), clock=clock)
    ctx.db.execute(f"pragma synchronous = {synchronous}")
    definition = pulse_definitions.load(ctx)["staff-pulse"]
    scored = [i for i, q in enumerate(definition.questions) if not isinstance(q, CommentQuestion)]
    people = -(-answers // len(scored))
    add_members(ctx, people, (("staff", 1.0),))
    round_row = pulse_rounds.open_round(ctx, definition, "bench")
    assert round_row is not None
    router = build_router()
    engine = Engine(ctx, router, Postman(ctx.db, clock, None, "Europe/London"))
    rnd = random.Random(SEED)
    events = []
    for n in range(people):
        sender = Sender("telegram", f"u{n}", f"u{n}")
        member = Member(f"m{n:06d}", f"Member {n}", "staff")
        for index in scored:
            question = definition.questions[index]
            value = f"{round_row['id']}.{index}.{rnd.randrange(len(question.choices()))}"
            events.append(Choice(sender, member, uuid.uuid4().hex, action="pulse.a", value=value))
    events = events[:answers]
    started = time.perf_counter()
    if through == "engine":
        for event in events:
            engine.handle(event)
    else:
        for event in events:
            with ctx.db.atomic():
                router.dispatch(ctx, event)
    elapsed = time.perf_counter() - started
    stored = ctx.db["pulse_answers"].count
    path = {
        "engine": "through the engine (dedupe, router, handler, replies to the outbox)",
        "handlers": "through the pulse handlers alone (replies not posted)",
    }[through]
    print(
        f"recorded {stored:,} answers from {people:,} members {path}, one transaction each, "
        f"synchronous={synchronous}, in {elapsed:.1f} s: {stored / elapsed:,.0f} answers/s"
    )
    ctx.db.close()


def bench_definition() -> SurveyDefinition:
    """Nine scored questions and a comment: the most a pulse may ask."""
    base = SurveyDefinition(
        id="bench-pulse",
        title="Bench pulse",
        intro="",
        audience=("staff", "tenant"),
        questions=(),
        thanks="Thanks.",
    )
    staff = pulse_definitions.load(Context(open_database(None)))["staff-pulse"]
    tenant = pulse_definitions.load(Context(open_database(None)))["tenant-pulse"]
    questions = list(staff.questions[:5]) + list(tenant.questions[:3])
    questions.append(ScaleQuestion("extra", "I would recommend our services.", topic="Recommend"))
    questions.append(staff.questions[5])  # the comment
    return dataclasses.replace(base, questions=tuple(questions))


def fill_round(ctx: Context, round_row: dict, definition: SurveyDefinition, target: int) -> int:
    """Answers from as many respondents as `target` answers need; returns how many stored."""
    rnd = random.Random(SEED + round_row["number"])
    round_id = round_row["id"]
    secret = pulses.secret(ctx.db, round_id)
    assert secret is not None
    scored = [q for q in definition.questions if not isinstance(q, CommentQuestion)]
    comment = next(q for q in definition.questions if isinstance(q, CommentQuestion))
    people = list(
        ctx.db.execute(
            "select member_id, constituency from pulse_participation where round_id = ?", [round_id]
        )
    )
    rnd.shuffle(people)
    respondents = people[: -(-target // len(scored))]
    rows, comments, stored = [], [], 0
    for n, (member_id, group) in enumerate(respondents):
        key = respondent_key(secret, round_id, member_id)
        for question in scored:
            if stored == target:
                break
            bias = 1 if group == "staff" else 0
            value = question.choices()[
                min(len(question.choices()) - 1, rnd.randrange(len(question.choices())) + bias)
            ][1]
            rows.append((round_id, key, question.id, group, value))
            stored += 1
        if n % 50 == 0:  # about 2% write a comment
            comments.append((round_id, key, comment.id, group, f"{rnd.choice(COMMENTS)} (ref {n})"))
    pulses.bulk_save_answers(ctx.db, rows)
    with ctx.db.atomic():
        ctx.db.conn.executemany(
            "insert into pulse_comments (round_id, respondent, question_id, constituency, text) values (?, ?, ?, ?, ?)",
            comments,
        )
        ctx.db.conn.executemany(
            "update pulse_participation set answered_at = ? where round_id = ? and member_id = ?",
            [(START.isoformat(), round_id, m) for m, _ in respondents],
        )
    return stored


def bench_results(folder: Path, members: int, stored: int) -> None:
    clock = FrozenClock(START)
    ctx = Context(open_database(folder / "results.db"), clock=clock)
    definition = bench_definition()
    build = time.perf_counter()
    add_members(ctx, members, (("staff", 0.1), ("tenant", 0.9)))
    previous = pulse_rounds.open_round(ctx, definition, "bench")
    assert previous is not None
    before = fill_round(ctx, previous, definition, stored // 2)
    clock.now += timedelta(days=30)
    pulse_rounds.close(ctx, previous)
    current = pulse_rounds.open_round(ctx, definition, "bench")
    assert current is not None
    now = fill_round(ctx, current, definition, stored - before)
    total = ctx.db["pulse_answers"].count
    comments = ctx.db["pulse_comments"].count
    print(
        f"built a database of {members:,} members and {total:,} stored answers "
        f"({before:,} in the previous round, {now:,} in the current one; {comments:,} comments) "
        f"in {time.perf_counter() - build:.1f} s"
    )
    sentiment.polarity("warm up")  # textblob (and nltk) load once, before timing
    print("textblob is loaded before timing; the timings include scoring every comment")
    eligible = sum(pulses.turnout(ctx.db, current)[1].values())
    for label, detail in (
        ("results of the open round (how many answered, no figures until close)", False),
        ("the same with detail asked for", True),
    ):
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            found = pulse_results.results_of(ctx, current, detail=detail)
            timings.append(time.perf_counter() - started)
        print(
            f"{label}: best {min(timings):.3f} s of 3 over {eligible:,} eligible "
            f"({found.respondents:,} respondents)"
        )
    started = time.perf_counter()
    counts = pulses.answer_counts(ctx.db, current)
    live = time.perf_counter() - started
    started = time.perf_counter()
    pulses.answer_counts(ctx.db, pulses.get_round(ctx.db, previous["id"]))
    kept = time.perf_counter() - started
    texts = pulses.comments(ctx.db, current["id"])
    started = time.perf_counter()
    for _, text in texts:
        sentiment.polarity(text)
    scoring = time.perf_counter() - started
    print(
        f"  of which: GROUP BY over the open round's {now:,} answers {live:.3f} s "
        f"({len(counts)} groups); the previous round's counts, kept at close, {kept:.3f} s; "
        f"sentiment of {len(texts):,} comments {scoring:.3f} s"
    )
    print(f"  target: < {TARGET_SECONDS:.0f} s with comments and the change since last round")
    print("  " + (found.headline() or "(no headline)"))
    started = time.perf_counter()
    pulse_rounds.close(ctx, current)
    print(
        "closing the round (its answers counted once, then rewritten in a random order "
        f"under new keys) {time.perf_counter() - started:.3f} s"
    )
    started = time.perf_counter()
    pulse_results.results_of(ctx, pulses.get_round(ctx.db, current["id"]))
    print(f"results of the closed round, with comments: {time.perf_counter() - started:.3f} s")
    ctx.db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=100_000)
    parser.add_argument("--members", type=int, default=67_000)
    parser.add_argument("--stored", type=int, default=1_000_000)
    parser.add_argument(
        "--through",
        nargs="+",
        choices=("engine", "handlers"),
        default=["engine"],
        help="record answers through the whole engine and/or the handlers alone",
    )
    parser.add_argument(
        "--synchronous",
        nargs="+",
        choices=("full", "normal"),
        default=["full", "normal"],
        help="SQLite synchronous setting(s) to record answers with (default: both)",
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for synchronous in options.synchronous:
            for through in options.through:
                bench_answers(Path(folder), options.answers, through, synchronous)
        bench_results(Path(folder), options.members, options.stored)


if __name__ == "__main__":
    main()

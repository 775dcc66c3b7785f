"""What a broadcast by SMS costs: members reachable by text, segments per text, the total
and the price at `sms.price_per_segment`.

Two ways to count. `for_invitation` is the dry run before anything is queued: one
invitation to every SMS member, written as the adapter writes it (the title and the
member's page link, to fit two segments), in each member's language. `for_waiting` counts
the texts already queued (after `vote open` or `survey send`), each rendered as it will
go. Neither calls the member's page: a link of the same length stands in for each
member's own, so an estimate creates no links.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from babel import Locale
from sqlite_utils import Database

from bot.adapters.sms import segments
from bot.adapters.sms.render import linked, render
from bot.config import Settings
from handlers import i18n
from handlers.messages import Message, Recipient
from storage import sms

# A member's page link is the web address, "/m/" and a token of this many characters.
SAMPLE_TOKEN = "x" * 43
SAMPLE_TITLE = "New vote: {title}"
ENGLISH = Locale("en")  # the officer's line names members' languages in English


@dataclass(frozen=True)
class Estimate:
    members: int
    texts: int
    segments: int
    cost: float
    currency: str
    price_per_segment: float
    # Per language: members, segments per text, encoding.
    languages: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def sample_link(settings: Settings) -> str:
    return f"{settings.web.base_url}/m/{SAMPLE_TOKEN}"


def _estimate(
    settings: Settings, members: int, counted: Iterable[tuple[str, int, str, int]]
) -> Estimate:
    """`counted`: (language, texts, encoding, segments per text) groups."""
    languages, texts, total = [], 0, 0
    for language, n, encoding, per_text in counted:
        languages.append(
            {"language": language, "texts": n, "segments_per_text": per_text, "encoding": encoding}
        )
        texts += n
        total += n * per_text
    price = settings.sms.price_per_segment
    return Estimate(
        members, texts, total, round(total * price, 2), settings.sms.currency, price, languages
    )


def for_invitation(settings: Settings, db: Database, title: str = "", text: str = "") -> Estimate:
    """One text to every member reachable by SMS now: `text` as given, else an invitation
    with `title` (the organisation's name if empty) and the member's page link."""
    organisation = settings.organisation.language
    groups = []
    reached = sms.reach(db)
    for language, n in reached:
        _ = i18n.translator(language or organisation)
        if text:
            body = segments.gsm_friendly(text)
        else:
            name = title or _.pick(settings.organisation.name)
            body = linked(_(SAMPLE_TITLE).format(title=name), sample_link(settings), _)
        counted = segments.count(body)
        groups.append((_.language, n, counted.encoding, counted.segments))
    return _estimate(settings, sum(n for _, n in reached), _merged(groups))


def for_waiting(settings: Settings, db: Database) -> Estimate:
    """The texts queued for SMS members and not yet sent, as they will be written."""
    link = sample_link(settings)
    groups = []
    for payload in sms.waiting_payloads(db):
        message = Message.from_payload(Recipient(platform=sms.PLATFORM), payload)
        for body in render(message, lambda flow: link).texts:
            counted = segments.count(body)
            groups.append((message.language or "en", 1, counted.encoding, counted.segments))
    reached = sum(n for _, n in sms.reach(db))
    return _estimate(settings, reached, _merged(groups))


def _merged(groups: list[tuple[str, int, str, int]]) -> list[tuple[str, int, str, int]]:
    totals: dict[tuple[str, str, int], int] = {}
    for language, n, encoding, per_text in groups:
        totals[(language, encoding, per_text)] = totals.get((language, encoding, per_text), 0) + n
    merged = [(lang, n, enc, per) for (lang, enc, per), n in sorted(totals.items())]
    return sorted(merged, key=lambda group: -group[1])  # the most texts first


def money(e: Estimate, amount: float) -> str:
    return f"{amount:,.2f} {e.currency}".strip()


def sentence(e: Estimate, what: str = "text") -> str:
    """The officer's line, e.g. "1,000 members by SMS: 1,150 segments (1 a text in English
    for 850, 2 a text in Welsh (UCS-2) for 150), about 46.00 GBP at 0.04 a segment."."""
    if not e.texts:
        return f"{e.members:,} members by SMS: no {what}s to send."
    parts = []
    for group in e.languages:
        name = ENGLISH.languages.get(group["language"].replace("-", "_"), group["language"])
        ucs2 = " (UCS-2)" if group["encoding"] == "UCS-2" else ""
        per = group["segments_per_text"]
        article = "an" if what[0] in "aeiou" else "a"
        parts.append(
            f"{per} segment{'s' if per != 1 else ''} {article} {what} in {name}{ucs2} "
            f"for {group['texts']:,}"
        )
    cost = (
        f", about {money(e, e.cost)} at {e.price_per_segment:g} a segment"
        if e.price_per_segment
        else " (set sms.price_per_segment to see the cost)"
    )
    return (
        f"{e.members:,} members by SMS, {e.texts:,} {what}s: {e.segments:,} segments "
        f"({'; '.join(parts)}){cost}."
    )


def broadcast_line(settings: Settings, db: Database) -> str | None:
    """After a broadcast is queued: what the texts waiting for SMS members will cost
    (None when SMS is off or nothing waits)."""
    if not settings.sms.enabled:
        return None
    found = for_waiting(settings, db)
    return sentence(found) if found.texts else None


def before_sending(settings: Settings, db: Database) -> str | None:
    """Before a broadcast: an invitation to every SMS member (None without SMS members)."""
    if not settings.sms.enabled:
        return None
    found = for_invitation(settings, db)
    return sentence(found, "invitation") if found.members else None

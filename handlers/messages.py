"""The neutral message model: the seam between the platform adapters and the handlers.

Handlers receive one of the incoming events and return outgoing `Message`s. Text is
always plain text written by us or by members: adapters escape it for their markup.
What a member wrote is wrapped with `quoted()`, so that an adapter can also keep their
`@mentions`, links and commands from becoming live (see `each_part`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Private-use characters around member-written text: invisible to handlers' logic, never
# shown (adapters take them out), and removed from the member's own text first.
QUOTE_OPEN, QUOTE_CLOSE = "\ue000", "\ue001"
_QUOTE_MARKS = re.compile(f"[{QUOTE_OPEN}{QUOTE_CLOSE}]")
_QUOTED = re.compile(f"{QUOTE_OPEN}([^{QUOTE_CLOSE}]*){QUOTE_CLOSE}")


def quoted(text: str) -> str:
    """Mark `text` as written by a member (or an officer): data to show, never to act on."""
    return f"{QUOTE_OPEN}{_QUOTE_MARKS.sub('', text)}{QUOTE_CLOSE}"


def each_part(text: str, member: Callable[[str], str], ours: Callable[[str], str] = str) -> str:
    """`text` with the marks taken out, `member` applied to what members wrote, `ours` to the rest."""
    pieces = _QUOTED.split(text)  # ours, member's, ours, member's, ..., ours
    return "".join(
        _QUOTE_MARKS.sub("", (member if index % 2 else ours)(piece))
        for index, piece in enumerate(pieces)
    )


def unquoted(text: str) -> str:
    """`text` as a plain reader sees it (the console, a log line)."""
    return _QUOTE_MARKS.sub("", text)


@dataclass(frozen=True)
class Sender:
    """Who sent an event, as the platform knows them.

    `language` is the one their app is set to, if the platform says (Telegram does): it
    serves people who have not joined yet; members read the roster's or their choice."""

    platform: str
    platform_user_id: str
    chat_id: str
    display_name: str = ""
    language: str = ""


@dataclass(frozen=True)
class Member:
    """A roster member as handlers see them."""

    member_id: str
    name: str
    constituency: str
    timezone: str | None = None
    language: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Event:
    """Common fields of incoming events.

    `event_id` identifies the platform delivery so a re-delivered event is handled once;
    `member` is the roster member linked to the sender, or None for a stranger.
    """

    sender: Sender
    member: Member | None
    event_id: str


@dataclass(frozen=True)
class Command(Event):
    name: str = ""
    args: str = ""


@dataclass(frozen=True)
class Text(Event):
    text: str = ""
    reply_to: str | None = None


@dataclass(frozen=True)
class Choice(Event):
    """A button press: the `action` and `value` of an `Option` the member chose."""

    action: str = ""
    value: str = ""
    message_ref: str | None = None


@dataclass(frozen=True)
class Recipient:
    """Where a message goes: a member (on whichever platform they joined), a chat, or the council."""

    member_id: str | None = None
    platform: str | None = None
    chat_id: str | None = None
    council: bool = False

    @classmethod
    def of(cls, member_id: str) -> Recipient:
        return cls(member_id=member_id)

    @classmethod
    def staff_council(cls) -> Recipient:
        return cls(council=True)


@dataclass(frozen=True)
class Option:
    """One choice offered to a member; `action` routes the press, `value` is its argument."""

    label: str
    action: str
    value: str = ""


@dataclass(frozen=True)
class Message:
    """One outgoing message.

    `prompt` asks the member for free text, routed to the handler registered for that
    prompt name. `edit_ref` makes this an edit of an earlier message (e.g. ticking the
    chosen answer). `quiet_hours` is False for direct replies, which may go at any hour;
    messages the member did not ask for wait until quiet hours end. `key` is the
    idempotency key: a message with a key already in the outbox is never sent twice.
    `language` is the reader's (e.g. "cy"), for the words an adapter adds itself, such
    as a reply box's placeholder; empty means English. `flow` names the round, vote or
    meeting the message asks about ("vote:<vote id>", "pulse:<round id>",
    "meeting:<meeting id>"), so that a channel with no buttons (SMS, e-mail) can link to
    the member's page for it.
    """

    to: Recipient
    text: str
    title: str = ""
    choices: tuple[Option, ...] = ()
    prompt: str | None = None
    edit_ref: str | None = None
    quiet_hours: bool = False
    key: str | None = None
    image: str | None = None
    language: str = ""
    flow: str = ""

    def to_payload(self) -> dict[str, Any]:
        """The JSON-able form stored in the outbox (the recipient is stored apart)."""
        # Built by hand: dataclasses.asdict deep-copies, and this runs for every message.
        return {
            "text": self.text,
            "title": self.title,
            "choices": [
                {"label": o.label, "action": o.action, "value": o.value} for o in self.choices
            ],
            "prompt": self.prompt,
            "edit_ref": self.edit_ref,
            "image": self.image,
            "language": self.language,
            **({"flow": self.flow} if self.flow else {}),
        }

    @classmethod
    def from_payload(cls, to: Recipient, payload: dict[str, Any]) -> Message:
        choices = tuple(Option(**option) for option in payload.get("choices", ()))
        fields = {k: v for k, v in payload.items() if k != "choices"}
        return cls(to=to, choices=choices, **fields)


def reply(
    event: Event,
    text: str,
    *,
    title: str = "",
    choices: tuple[Option, ...] | list[Option] = (),
    prompt: str | None = None,
    edit: bool = False,
) -> Message:
    """A direct answer to the sender of `event`, in the chat it came from."""
    edit_ref = event.message_ref if edit and isinstance(event, Choice) else None
    return Message(
        to=Recipient(
            member_id=event.member.member_id if event.member else None,
            platform=event.sender.platform,
            chat_id=event.sender.chat_id,
        ),
        text=text,
        title=title,
        choices=tuple(choices),
        prompt=prompt,
        edit_ref=edit_ref,
    )


Incoming = Command | Text | Choice
Replies = list[Message]

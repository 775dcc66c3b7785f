"""Block Kit for the neutral messages, within Slack's limits, with member text kept literal.

Text goes into `plain_text` objects, which Slack never parses for mentions or
formatting; but its clients still link URLs, domains and e-mail addresses there, so
members' words (`quoted` by handlers) are made inert first (see `shown`). The top-level
`text` (notifications, screen readers) is parsed, so it is escaped and sent with
`mrkdwn=False`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from bot.adapters.inert_text import inert
from handlers import i18n
from handlers.i18n import N_
from handlers.messages import Message, Option, each_part

Block = dict[str, Any]

HEADER_LIMIT = 150
SECTION_LIMIT = 3000
BLOCKS_PER_MESSAGE = 50
BLOCKS_PER_VIEW = 100
BUTTONS_PER_BLOCK = 25
LABEL_LIMIT = 75
ACTION_ID_LIMIT = 255
BUTTON_VALUE_LIMIT = 2000
OPTION_VALUE_LIMIT = 150
OPTIONS_PER_SELECT = 100
MODAL_TITLE_LIMIT = 24
NOTIFICATION_LIMIT = 300
# Up to this many choices are one tap each; beyond, a menu reads better than a wall of buttons.
MOST_BUTTONS = 12

PROMPT_CALLBACK = "mv.prompt"
ANSWER_BLOCK, ANSWER_ACTION = "answer", "text"
TICK = "✓ "
CHOOSE = N_("Choose…")  # the hint on a menu of choices


class RenderError(ValueError):
    """A message Slack cannot show, whatever we do (sending it again will not help)."""


def escape(text: str) -> str:
    """Make text inert where Slack parses `<...>` controls (the three entities it decodes)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


_CONTROL = re.compile(r"<([^<>]*)>")


def from_slack(text: str) -> str:
    """What a person typed, from Slack's encoding of it (mentions and links made plain)."""

    def plain(match: re.Match[str]) -> str:
        target, _, label = match.group(1).partition("|")
        if target.startswith(("@", "#")):
            return target[0] + (label.lstrip("@#") or target[1:])
        if target.startswith("!"):
            return label or "@" + target[1:].split("^")[0]
        if not label:
            return target.removeprefix("mailto:")
        return label if label in target else f"{label} ({target})"

    return unescape(_CONTROL.sub(plain, text))


def slash_commands(text: str, names: Iterable[str], command: str = "/voice") -> str:
    """Point "/help" at "/voice help": in Slack only the app's own slash command reaches us."""
    wanted = "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))
    if not wanted:
        return text
    return re.sub(rf"(?<![\w/])/({wanted})(?![\w/-])", rf"{command} \1", text)


def shown(message: Message, commands: Iterable[str] = ()) -> Message:
    """`message` with members' words made inert and our own "/help" made "/voice help"."""
    return replace(
        message,
        title=each_part(message.title, inert),
        text=each_part(message.text, inert, lambda ours: slash_commands(ours, commands)),
    )


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def plain(text: str) -> Block:
    return {"type": "plain_text", "text": text, "emoji": True}


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Pieces of at most `limit` characters, cut at a paragraph, line or word where possible."""
    pieces = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[: limit + 1]  # a separator right after the limit still counts
        cuts = (window.rfind(separator) for separator in ("\n\n", "\n", " "))
        cut = next((c for c in cuts if c > limit // 2), limit)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def text_blocks(message: Message) -> list[Block]:
    blocks: list[Block] = []
    if message.title.strip():
        blocks.append(
            {"type": "header", "text": plain(shorten(message.title.strip(), HEADER_LIMIT))}
        )
    blocks += [{"type": "section", "text": plain(piece)} for piece in split_text(message.text)]
    return blocks


def action_id(action: str, suffix: int | str) -> str:
    found = f"{action}:{suffix}"
    if len(found) > ACTION_ID_LIMIT:
        raise RenderError(f"action name too long for Slack: {action[:40]}…")
    return found


def choice_blocks(choices: tuple[Option, ...], first: int = 0, language: str = "") -> list[Block]:
    """Buttons (25 to a row), or a menu for many choices of one kind.

    Each element's action_id is `action:<number>`, unique in the message or view
    (`first` is where this message's numbering starts); a menu's hint is in `language`.
    """
    if not choices:
        return []
    if _fits_menu(choices):
        return [
            {
                "type": "actions",
                "elements": [_menu(choices[start : start + OPTIONS_PER_SELECT], n, language)],
            }
            for n, start in enumerate(range(0, len(choices), OPTIONS_PER_SELECT), start=first)
        ]
    buttons = [_button(option, n) for n, option in enumerate(choices, start=first)]
    return [
        {"type": "actions", "elements": buttons[start : start + BUTTONS_PER_BLOCK]}
        for start in range(0, len(buttons), BUTTONS_PER_BLOCK)
    ]


def _fits_menu(choices: tuple[Option, ...]) -> bool:
    values = [option.value for option in choices]
    return (
        len(choices) > MOST_BUTTONS
        and len({option.action for option in choices}) == 1
        and all(0 < len(value) <= OPTION_VALUE_LIMIT for value in values)
        and len(set(values)) == len(values)
    )


def _button(option: Option, number: int) -> Block:
    if len(option.value) > BUTTON_VALUE_LIMIT:
        raise RenderError(f"choice value longer than {BUTTON_VALUE_LIMIT} characters")
    button = {
        "type": "button",
        "text": plain(shorten(option.label, LABEL_LIMIT)),
        "action_id": action_id(option.action, number),
    }
    if option.value:
        button["value"] = option.value
    return button


def _menu(choices: tuple[Option, ...], number: int, language: str) -> Block:
    return {
        "type": "static_select",
        "action_id": action_id(choices[0].action, number),
        "placeholder": plain(i18n.translator(language)(CHOOSE)),
        "options": [
            {"text": plain(shorten(option.label, LABEL_LIMIT)), "value": option.value}
            for option in choices
        ],
    }


def message_blocks(message: Message, first_choice: int = 0) -> list[Block]:
    return text_blocks(message) + choice_blocks(message.choices, first_choice, message.language)


def chunks(blocks: list[Block]) -> list[list[Block]]:
    """Blocks split into messages of at most 50 (the choices, last, end up in the last one)."""
    if not blocks:
        raise RenderError("the message has no text and no choices")
    return [blocks[i : i + BLOCKS_PER_MESSAGE] for i in range(0, len(blocks), BLOCKS_PER_MESSAGE)]


def notification(blocks: list[Block]) -> str:
    """The escaped top-level text of a message: what notifications and screen readers show."""
    words = [_readable(block) for block in blocks]
    text = " ".join(w for w in words if w) or "Mutual Voice"
    return escape(shorten(" ".join(text.split()), NOTIFICATION_LIMIT))


def _readable(block: Block) -> str:
    if "text" in block:
        return block["text"]["text"]
    texts = [e.get("text") for e in block.get("elements", ())]
    return " / ".join(t["text"] if isinstance(t, dict) else t for t in texts if t)


# Our elements' action ids: `<action>:<number>` (see choice_blocks).
OUR_ACTION = re.compile(r"^(.+):[0-9]+$")


def decode_action(action: dict[str, Any]) -> tuple[str, str, str]:
    """(action, value, label) of a pressed button or chosen menu item of ours."""
    match = OUR_ACTION.match(action["action_id"])
    if match is None:
        raise ValueError(f"not one of our action ids: {action['action_id']!r}")
    chosen = action.get("selected_option") or action
    label = unescape(chosen.get("text", {}).get("text", ""))
    return match.group(1), chosen.get("value", ""), label


def ticked(message: dict[str, Any], label: str) -> list[Block]:
    """The pressed message's blocks with its choices replaced by "✓ <label>".

    Slack hands plain_text back with & < > as entities; they are decoded so the
    update does not show them doubled.
    """
    kept = [_decoded(block) for block in message.get("blocks", ()) if block["type"] != "actions"]
    tick = {"type": "context", "elements": [plain(shorten(TICK + label, SECTION_LIMIT))]}
    return [*kept, tick]


def _decoded(node: Any) -> Any:
    if isinstance(node, list):
        return [_decoded(item) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("type") == "plain_text" and isinstance(node.get("text"), str):
        return {**node, "text": unescape(node["text"])}
    return {key: _decoded(value) for key, value in node.items()}


def prompt_modal(message: Message, chat_id: str) -> Block:
    """A modal asking the question of `message`; its answer comes back as a view_submission."""
    _ = i18n.translator(message.language)
    title = message.title.strip()
    fits = 0 < len(title) <= MODAL_TITLE_LIMIT
    body = text_blocks(replace(message, title="") if fits else message)
    return {
        "type": "modal",
        "callback_id": PROMPT_CALLBACK,
        "title": plain(title if fits else "Mutual Voice"),
        "submit": plain(_("Send")),
        "close": plain(_("Cancel")),
        "private_metadata": json.dumps({"chat": chat_id, "prompt": message.prompt}),
        "blocks": [
            *body[: BLOCKS_PER_VIEW - 1],
            {
                "type": "input",
                "block_id": ANSWER_BLOCK,
                "label": plain(_("Your answer")),
                "element": {
                    "type": "plain_text_input",
                    "action_id": ANSWER_ACTION,
                    "multiline": True,
                },
            },
        ],
    }


def submitted(view: dict[str, Any]) -> tuple[str, str]:
    """(chat id, answer text) of a submitted prompt modal."""
    chat = json.loads(view.get("private_metadata") or "{}").get("chat", "")
    state = view.get("state", {}).get("values", {})
    answer = state.get(ANSWER_BLOCK, {}).get(ANSWER_ACTION, {}).get("value") or ""
    return chat, answer


def home_view(messages: list[Message]) -> Block:
    """The App Home tab: each section of the member's summary, divided."""
    blocks: list[Block] = []
    numbered = 0
    for message in messages:
        if blocks:
            blocks.append({"type": "divider"})
        blocks += message_blocks(shown(message), numbered)
        numbered += len(message.choices)
    return {"type": "home", "blocks": blocks[:BLOCKS_PER_VIEW]}

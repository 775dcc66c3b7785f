"""Choices answered by typing a number, for channels without buttons (WhatsApp's long
lists, SMS): which number stands for which option, and the option's id that the channel
keeps until the question is answered and reads back as the same choice."""

from __future__ import annotations

from handlers.messages import Option

SEPARATOR = "|"


def option_id(option: Option) -> str:
    return f"{option.action}{SEPARATOR}{option.value}"


def decode(option: str) -> tuple[str, str]:
    action, _, value = option.partition(SEPARATOR)
    return action, value


def keys(labels: list[str]) -> list[str]:
    """What the member types for each option: a scale's own numbers ("0" to "10"), else
    1, 2, 3..."""
    if consecutive_numbers(labels):
        return labels
    return [str(n) for n in range(1, len(labels) + 1)]


def consecutive_numbers(labels: list[str]) -> bool:
    try:
        numbers = [int(label) for label in labels]
    except ValueError:
        return False
    return bool(numbers) and numbers == list(range(numbers[0], numbers[0] + len(numbers)))

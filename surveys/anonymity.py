"""Anonymity: unlinkable respondent keys and the minimum reporting group."""

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping

SECRET_BYTES = 32
KEY_HEX_CHARS = 32  # 128 bits: collisions within a round are practically impossible

# A closed round keeps the answers of a group smaller than the threshold under this name
# rather than the group's own (storage/pulses/queries.py), so the file singles no one out.
OTHER = "other"
SECONDARY_REASON = "Hidden so that a smaller group's answers cannot be worked out from the total."


def new_round_secret() -> bytes:
    """A fresh random secret for one survey round; destroy it when the round closes."""
    return secrets.token_bytes(SECRET_BYTES)


def respondent_key(secret: bytes, round_id: str | int, member_id: str) -> str:
    """A stable pseudonym linking one member's answers within one round.

    The key is an HMAC of the round and member under the round's secret. While the
    secret exists the bot can recognise a returning respondent (to replace an answer);
    once the secret is destroyed nobody, including whoever holds the database, can
    recompute the keys, so the answers can no longer be linked back to members.
    """
    if len(secret) < 16:
        raise ValueError("the round secret is too short")
    round_text = str(round_id)
    # Length-prefixing keeps ("1", "23") and ("12", "3") apart.
    message = f"{len(round_text)}:{round_text}:{member_id}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:KEY_HEX_CHARS]


def hidden_reason(answered: int, threshold: int) -> str | None:
    """Why figures over `answered` people are hidden, or None when they may be shown."""
    if threshold < 1:
        raise ValueError("the anonymity threshold must be at least 1")
    if answered >= threshold:
        return None
    if answered == 0:
        return "Hidden: nobody answered."
    people = "1 person" if answered == 1 else f"{answered} people"
    return f"Hidden: only {people} answered; results show from {threshold} to protect anonymity."


def groups_to_hide(sizes: Mapping[str, int], threshold: int) -> dict[str, str]:
    """Which groups of a breakdown to hide, with the reason for each.

    Groups smaller than `threshold` are hidden. When the total is shown, the hidden
    groups together could be worked out by subtracting the visible ones from it; so
    while the hidden groups add up to fewer than `threshold` people (but not none),
    the smallest visible group is hidden too (ties broken by name). That covers the
    classic case of a single small group, which would otherwise be exposed exactly.
    """
    hidden = {
        group: reason
        for group, size in sizes.items()
        if (reason := hidden_reason(size, threshold)) is not None
    }
    visible = sorted((size, group) for group, size in sizes.items() if group not in hidden)
    while visible and 0 < sum(sizes[group] for group in hidden) < threshold:
        _, group = visible.pop(0)
        hidden[group] = SECONDARY_REASON
    return hidden


def noted_languages(writers: Iterable[tuple[str, str | None]], threshold: int) -> frozenset[str]:
    """The languages the council may see noted beside a comment.

    `writers` are (respondent key, language) of a round's comment writers; a language of
    None is the organisation's own (never noted) or one too few read to be stored. A
    language is noted when at least `threshold` respondents wrote in it. The comments
    left without a note must be at least as many writers too: otherwise "no note" would
    say "one of the few who read a rare language", so then nothing is noted at all.
    """
    by_language: dict[str | None, set[str]] = {}
    for respondent, language in writers:
        by_language.setdefault(language, set()).add(respondent)
    noted = {
        language
        for language, who in by_language.items()
        if language is not None and len(who) >= threshold
    }
    rest = set().union(*(who for language, who in by_language.items() if language not in noted))
    if rest and len(rest) < threshold:
        return frozenset()
    return frozenset(noted)


def merge_small(sizes: Mapping[str, int], threshold: int) -> dict[str, int]:
    """A breakdown whose total is shown, with every group `groups_to_hide` hides counted
    together as OTHER (so the others cannot be subtracted to find it), largest first."""
    hidden = groups_to_hide({g: n for g, n in sizes.items() if n}, threshold)
    merged = {g: n for g, n in sizes.items() if n and g not in hidden and g != OTHER}
    other = sum(n for g, n in sizes.items() if g in hidden or g == OTHER)
    ordered = dict(sorted(merged.items(), key=lambda item: (-item[1], item[0])))
    return ordered | ({OTHER: other} if other else {})

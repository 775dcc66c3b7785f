"""The templates file, and checking it against the templates Meta has approved."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SHIPPED = Path(__file__).with_name("templates.toml")
TAKE_PART = "take_part"
TAKE_PART_PAYLOAD = "mv.take_part"


class TemplateFileError(Exception):
    """The templates file is missing or wrong; the message says where."""


@dataclass(frozen=True)
class TemplateSpec:
    use: str
    name: str
    language: str
    category: str
    body: str
    buttons: tuple[str, ...] = ()

    @property
    def parameters(self) -> int:
        return count_parameters(self.body)


def count_parameters(body: str) -> int:
    return len(set(re.findall(r"\{\{\s*(\d+)\s*\}\}", body)))


def load(path: str | Path = "") -> list[TemplateSpec]:
    source = Path(path) if path else SHIPPED
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise TemplateFileError(f"{source}: cannot read the templates: {error}") from None
    specs = []
    for number, entry in enumerate(data.get("template", []), 1):
        try:
            spec = TemplateSpec(
                str(entry["use"]),
                str(entry["name"]),
                str(entry["language"]),
                str(entry.get("category", "UTILITY")),
                str(entry["body"]),
                tuple(str(b) for b in entry.get("buttons", [])),
            )
        except (KeyError, TypeError) as error:
            raise TemplateFileError(f"{source}: template {number} lacks {error}") from None
        if not re.fullmatch(r"[a-z0-9_]{1,512}", spec.name):
            raise TemplateFileError(
                f"{source}: template {number}: name {spec.name!r} must be lowercase letters, "
                "digits and _"
            )
        specs.append(spec)
    if not any(s.use == TAKE_PART for s in specs):
        raise TemplateFileError(f"{source}: no template with use = {TAKE_PART!r}")
    return specs


def language_code(language: str) -> str:
    """Our language (en, cy, pl-PL) as Meta's template language codes begin."""
    return language.split("-")[0].split("_")[0].lower() or "en"


def for_language(specs: list[TemplateSpec], use: str, language: str) -> TemplateSpec:
    """The template for `use` in the member's language, else the first one given."""
    wanted = language_code(language)
    usable = [s for s in specs if s.use == use]
    for spec in usable:
        if language_code(spec.language) == wanted:
            return spec
    return usable[0]


def check(specs: list[TemplateSpec], account: list[dict[str, Any]]) -> list[str]:
    """One line per problem: a template missing, not approved, or with another
    parameter count or buttons than the file says."""
    problems = []
    found = {(t.get("name"), t.get("language")): t for t in account}
    for spec in specs:
        where = f"{spec.name} ({spec.language})"
        template = found.get((spec.name, spec.language))
        if template is None:
            problems.append(f"{where}: not in the account; submit it in WhatsApp Manager")
            continue
        if template.get("status") != "APPROVED":
            problems.append(
                f"{where}: {str(template.get('status', 'unknown')).lower()}, not approved"
            )
        components = template.get("components", [])
        body = next((c.get("text", "") for c in components if c.get("type") == "BODY"), "")
        if count_parameters(body) != spec.parameters:
            problems.append(
                f"{where}: the account's body has {count_parameters(body)} parameters, "
                f"the file {spec.parameters}"
            )
        buttons = tuple(
            b.get("text", "")
            for c in components
            if c.get("type") == "BUTTONS"
            for b in c.get("buttons", [])
            if b.get("type") == "QUICK_REPLY"
        )
        if len(buttons) != len(spec.buttons):
            problems.append(
                f"{where}: the account has {len(buttons)} quick-reply buttons, "
                f"the file {len(spec.buttons)}"
            )
    return problems

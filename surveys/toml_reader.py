"""A strict reader for the TOML files officers write, with one-line errors.

Every problem raises the caller's error class with one line: the file, the dotted key
and the reason, e.g. `staff.toml: questions[2].text: must not be empty`.
"""

import re
import tomllib
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, NoReturn

from surveys.localised import LANGUAGE_TAG, Local

ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
_TOML_POSITION = re.compile(r"^(.*) \(at line (\d+), column (\d+)\)$")


def describe(value: Any) -> str:
    """A value as a non-engineer would name it: `text 'abc'`, `a number 42`."""
    kinds = {str: "text", bool: "true/false", int: "a number", float: "a number"}
    kinds |= {list: "a list", dict: "a table"}
    shown = repr(value)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    return f"{kinds.get(type(value), type(value).__name__)} {shown}"


class TomlTable:
    """One table of a TOML file; every check fails with `error_cls` naming the file and key."""

    def __init__(
        self, error_cls: type[Exception], source: str, data: Any, prefix: str = ""
    ) -> None:
        self.error_cls, self.source, self.prefix = error_cls, source, prefix
        if not isinstance(data, dict):
            self.fail("", f"must be a table, not {describe(data)}")
        self.data: dict[str, Any] = data

    def table(self, data: Any, prefix: str) -> "TomlTable":
        """A nested table of the same file, `prefix` being its full dotted key."""
        return TomlTable(self.error_cls, self.source, data, prefix)

    def fail(self, key: str, reason: str) -> NoReturn:
        where = ".".join(part for part in (self.prefix, key) if part)
        raise self.error_cls(
            ": ".join(part for part in (self.source, where) if part) + f": {reason}"
        )

    def expect_keys(self, keys: dict[str, bool]) -> None:
        """`keys` maps each allowed key to whether it is required."""
        for key in self.data:
            if key not in keys:
                self.fail(key, f"unknown key (expected one of {', '.join(keys)})")
        for key, required in keys.items():
            if required and key not in self.data:
                self.fail(key, "missing")

    def text(self, key: str, max_chars: int, *, multiline: bool = False) -> str:
        """The text at `key`, or "" when the (optional) key is absent."""
        if key not in self.data:
            return ""
        return self._text(key, self.data[key], max_chars, multiline)

    def ident(self, key: str) -> str:
        """A short id: lowercase letters, digits, - or _."""
        return self._ident(key, self.data[key])

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            self.fail(key, f"must be true or false, not {describe(value)}")
        return value

    def number(
        self, key: str, low: float, high: float, default: float | None = None, *, whole=True
    ) -> Any:
        """The number at `key` (required unless a default is given), low to high inclusive."""
        if default is None and key not in self.data:
            self.fail(key, "missing")
        value = self.data.get(key, default)
        kinds = (int,) if whole else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds):
            self.fail(key, f"must be a {'whole ' if whole else ''}number, not {describe(value)}")
        if not low <= value <= high:
            self.fail(key, f"must be between {low:,} and {high:,}, not {value:,}")
        return value

    def choice(self, key: str, allowed: tuple[str, ...], default: str | None = None) -> str:
        value = self.data.get(key, default)
        if value not in allowed:
            self.fail(key, f"must be one of {', '.join(allowed)}, not {describe(value)}")
        return value

    def text_list(
        self, key: str, max_chars: int, default: tuple[str, ...] = (), *, idents: bool = False
    ) -> tuple[str, ...]:
        """A list of texts (or ids), none listed twice; texts may be a table of languages."""
        values = self.data.get(key, list(default))
        if isinstance(values, dict) and not idents:
            return self._local_list(key, values, max_chars)
        if not isinstance(values, list):
            self.fail(key, f"must be a list, not {describe(values)}")
        items: list[str] = []
        for n, value in enumerate(values, start=1):
            where = f"{key}[{n}]"
            item = self._ident(where, value) if idents else self._text(where, value, max_chars)
            if item in items:
                self.fail(where, f"{item!r} is listed twice")
            items.append(item)
        return tuple(items)

    def _local_list(self, key: str, values: dict[str, Any], max_chars: int) -> tuple[str, ...]:
        """`{ en = ["Yes", "No"], cy = ["Ie", "Na"] }`: one `Local` per position."""
        inner = self.table(values, ".".join(part for part in (self.prefix, key) if part))
        lists = {
            language: inner.text_list(language, max_chars)
            for language in self._languages(key, values)
        }
        sizes = {len(items) for items in lists.values()}
        if len(sizes) > 1:
            self.fail(key, "must list as many items in every language")
        return tuple(
            Local({language: items[n] for language, items in lists.items()})
            for n in range(sizes.pop())
        )

    def _languages(self, key: str, values: dict[str, Any]) -> dict[str, Any]:
        if not values:
            self.fail(key, 'must give at least one language, e.g. { en = "..." }')
        for language in values:
            if not LANGUAGE_TAG.match(language):
                self.fail(f"{key}.{language}", "is not a language code like en or cy")
        return values

    def _text(self, key: str, value: Any, max_chars: int, multiline: bool = False) -> str:
        if isinstance(value, dict):
            return Local(
                {
                    language: self._text(f"{key}.{language}", text, max_chars, multiline)
                    for language, text in self._languages(key, value).items()
                }
            )
        if not isinstance(value, str):
            self.fail(key, f"must be text in quotes, not {describe(value)}")
        value = value.strip()
        if not value:
            self.fail(key, "must not be empty")
        if not multiline and "\n" in value:
            self.fail(key, "must be on one line")
        if len(value) > max_chars:
            self.fail(key, f"must be at most {max_chars} characters (it has {len(value)})")
        return value

    def _ident(self, key: str, value: Any) -> str:
        value = self._text(key, value, 40)
        if not ID_PATTERN.fullmatch(value):
            self.fail(key, f"{value!r} must be lowercase letters, digits, - or _ (up to 40)")
        return value


def load_toml(path: Path | Traversable, error_cls: type[Exception]) -> dict[str, Any]:
    """Read and parse a TOML file; a problem raises `error_cls` with the file and line."""
    source = str(path)
    try:
        # utf-8-sig: Windows editors may start the file with a byte-order mark.
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise error_cls(f"{source}: cannot read: {exc}") from None
    return parse_toml(text, source, error_cls)


def parse_toml(text: str, source: str, error_cls: type[Exception]) -> dict[str, Any]:
    """Parse TOML text; a problem raises `error_cls` with the source and line."""
    try:
        return tomllib.loads(text)
    except RecursionError:
        # tomllib reads nested arrays and inline tables by recursion: thousands of
        # brackets exhaust Python's stack (a crafted file; no real one nests so deep).
        raise error_cls(f"{source}: not valid TOML: nested too deeply") from None
    except tomllib.TOMLDecodeError as exc:
        position = _TOML_POSITION.match(str(exc))
        if position is None:
            raise error_cls(f"{source}: not valid TOML: {exc}") from None
        reason, line, column = position.groups()
        raise error_cls(
            f"{source}: line {line}: not valid TOML: {reason} (column {column})"
        ) from None

"""Roster phone numbers in E.164 form ("+447700900123"), as SMS providers address them.

A number written with "+" or "00" is international; any other is national in the
organisation's `default_country`, its trunk prefix (the UK's leading 0) dropped. Only
the shape is checked (digits, lengths), not whether the range is in service: Ofcom's
drama numbers (07700 900xxx) must pass, and a wrong number shows up as a failed text.
"""

from __future__ import annotations

import re

# ISO 3166 code -> (calling code, trunk prefix, national significant number lengths).
COUNTRIES: dict[str, tuple[str, str, range]] = {
    "GB": ("44", "0", range(9, 11)),
    "IE": ("353", "0", range(7, 10)),
    "FR": ("33", "0", range(9, 10)),
    "DE": ("49", "0", range(6, 12)),
    "NL": ("31", "0", range(9, 10)),
    "BE": ("32", "0", range(8, 10)),
    "ES": ("34", "", range(9, 10)),
    "PT": ("351", "", range(9, 10)),
    "IT": ("39", "", range(6, 12)),
    "PL": ("48", "", range(9, 10)),
    "SE": ("46", "0", range(7, 10)),
    "DK": ("45", "", range(8, 9)),
    "NO": ("47", "", range(8, 9)),
    "US": ("1", "1", range(10, 11)),
    "CA": ("1", "1", range(10, 11)),
    "AU": ("61", "0", range(9, 10)),
    "NZ": ("64", "0", range(8, 11)),
    "IN": ("91", "0", range(10, 11)),
    "ZA": ("27", "0", range(9, 10)),
}
_SEPARATORS = re.compile(r"[\s().\-/]")
_DIGITS = re.compile(r"^\d+$")


class PhoneError(ValueError):
    """Why a phone number cannot be used, phrased for the roster's line."""


def to_e164(written: str, country: str) -> str:
    """`written` as E.164, reading a national number as one of `country`; PhoneError if
    it cannot be a phone number."""
    # "+44 (0)7700 900123": the bracketed trunk 0 is dialled only from within the country.
    number = _SEPARATORS.sub("", written.replace("(0)", ""))
    if number.startswith("00"):
        number = "+" + number[2:]
    if number.startswith("+"):
        digits = number[1:]
        if not _DIGITS.match(digits) or digits.startswith("0"):
            raise PhoneError(f"phone {written!r} is not a number like +447700900123")
        if not 8 <= len(digits) <= 15:
            raise PhoneError(f"phone {written!r} has {len(digits)} digits (E.164 allows 8 to 15)")
        for code, (calling, _trunk, lengths) in COUNTRIES.items():
            if digits.startswith(calling) and len(digits) - len(calling) not in lengths:
                raise PhoneError(f"phone {written!r} has the wrong number of digits for {code}")
        return "+" + digits
    if not _DIGITS.match(number):
        raise PhoneError(f"phone {written!r} may only have digits, spaces and a leading +")
    calling, trunk, lengths = COUNTRIES[country]
    if trunk and number.startswith(trunk):
        number = number[len(trunk) :]
    elif trunk == "0":
        raise PhoneError(
            f"phone {written!r} is neither national (starting 0) nor international "
            f"(starting + or 00) for {country}"
        )
    if len(number) not in lengths:
        raise PhoneError(f"phone {written!r} has the wrong number of digits for {country}")
    return f"+{calling}{number}"

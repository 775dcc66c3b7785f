"""Invite letters: one A4 page per member, with their join link as a large QR code.

Written for reading age 9: short words, short sentences, in the member's language
(the roster's or their own choice, else the organisation's). The font is DejaVu Sans,
which covers Welsh, Polish, Arabic and most other scripts; it ships inside matplotlib
(a dependency already), so no system font is needed and every PDF embeds the same one.
Text in a script that needs shaping (Arabic, Hebrew, Indic, combining accents) is
shaped with HarfBuzz; plain text skips it, which keeps 10,000 letters quick.
"""

from __future__ import annotations

import importlib.util
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.enums import MethodReturnValue
from PIL import Image

from bot.invites.qr_codes import qr_image, qr_modules
from handlers import i18n
from handlers.i18n import N_, Translator
from handlers.members.invites import Invite
from surveys.bidi import without_controls

# fontTools reports every font it subsets at INFO: not news for an officer.
logging.getLogger("fontTools").setLevel(logging.WARNING)

PAGE_WIDTH, MARGIN = 210.0, 22.0  # millimetres, A4
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
WIDEST_GLYPH = 2.02  # em: DejaVu Sans Bold's widest character (the others' are narrower)
QR_SIZE = 70.0  # large enough to scan from arm's length
LINE = 0.5  # line height as a fraction of the font size in points, in millimetres (~1.4x)

INTRO = N_(
    "We want to hear what you think. You can tell us on your phone, with the free app "
    "Telegram. It takes one minute to join."
)
STEPS = (
    N_("1. Open the camera on your phone."),
    N_("2. Point it at the square below."),
    N_("3. Tap the link. Telegram opens. Tap Start."),
)
NO_PHONE = N_("No smartphone? Please contact {contact}. We will help you take part.")
PRIVACY = N_(
    "Your answers stay private: we only share totals for groups of {threshold} or more "
    "people, never your name."
)
EXPIRY = N_("This link works once, until {date}. After that, ask us for a new one.")
GREETING = N_("Dear {name},")
TYPE_IT = N_("Or type this link:")


@dataclass(frozen=True)
class LetterHead:
    """What every letter in a batch shares."""

    organisation: str
    contact: str
    anonymity_threshold: int
    timezone: str
    language: str = "en"  # the organisation's: for members whose own we have no words in


def font_folder() -> Path:
    """matplotlib's DejaVu fonts, found without importing matplotlib (which is slow)."""
    spec = importlib.util.find_spec("matplotlib")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("matplotlib is not installed; it provides the letters' font")
    return Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"


# Hebrew onwards (Arabic, Indic, ...) and combining marks; Latin, Greek and Cyrillic
# letters with their accents precomposed print as they are.
SHAPED = re.compile("[\u0300-\u036f\u0483-\u0489\u0590-\U0010ffff]")
MISSING = "\x00"  # marks, for a moment, a character the font cannot print
FONTS = {"": ("DejaVu", ""), "B": ("DejaVu", "B"), "M": ("DejaVuMono", "B")}


def needs_shaping(text: str) -> bool:
    """True for text that must go through HarfBuzz to print correctly."""
    return SHAPED.search(text) is not None


class LetterPDF(FPDF):
    """An A4 document that prints lines at a given top, shaping only what needs it."""

    def __init__(self) -> None:
        super().__init__(format="A4", unit="mm")
        self.set_auto_page_break(False)
        self.set_margins(MARGIN, MARGIN)
        folder = font_folder()
        self.add_font("DejaVu", "", folder / "DejaVuSans.ttf")
        self.add_font("DejaVu", "B", folder / "DejaVuSans-Bold.ttf")
        self.add_font("DejaVuMono", "B", folder / "DejaVuSansMono-Bold.ttf")
        self.set_creator("Mutual Voice")
        self.c_margin = 0  # shaped lines (cells) start where plain ones (text) do
        self._font: tuple[str, float] | None = None

    def use(self, style: str, size: float) -> None:
        """Style "" (regular), "B" (bold) or "M" (bold monospace, for links)."""
        if self._font != (style, size) or self.font_family == "":
            self.set_font(*FONTS[style], size)
            self._font = (style, size)

    def add_page(self, *args: object, **kwargs: object) -> None:
        super().add_page(*args, **kwargs)
        self._font = None  # each page states its fonts again

    def printable(self, text: str) -> str:
        """`text` without the characters the font lacks (emoji, mostly), and without the
        space each leaves behind: "Dear Pat 🌻," prints "Dear Pat,", not "Dear Pat ,"."""
        cmap = self.current_font.cmap
        if all(ord(c) in cmap or c.isspace() for c in text):
            return text
        marked = "".join(c if ord(c) in cmap or c.isspace() else MISSING for c in text)

        def gap(found: re.Match[str]) -> str:
            end = found.end()
            if found.start() == 0 or end == len(marked) or marked[end] in ",.;:!?)":
                return ""
            return " " if found.group(0).strip(MISSING) else ""

        return re.sub(rf"\s*{MISSING}[{MISSING}\s]*", gap, marked)

    def write_line(self, y: float, text: str, size: float, style: str = "") -> float:
        """Print one line whose top is at `y`; returns the top of the next line."""
        self.use(style, size)
        text = self.printable(text)
        height = size * LINE
        if needs_shaping(text):
            self.set_text_shaping(True)
            self.set_xy(MARGIN, y)
            self.cell(TEXT_WIDTH, height, text)
            self.set_text_shaping(False)
        else:
            # text() is a tenth of the cost of cell(): its y is the baseline, not the top.
            self.text(MARGIN, y + height / 2 + 0.3 * size / self.k, text)
        return y + height

    def wrap(self, text: str, size: float, style: str = "") -> list[str]:
        self.use(style, size)
        self.set_text_shaping(needs_shaping(text))
        lines = self.multi_cell(
            TEXT_WIDTH, size * LINE, text, dry_run=True, output=MethodReturnValue.LINES
        )
        self.set_text_shaping(False)
        return lines

    def fitted(self, text: str, size: float, style: str = "") -> float:
        """The font size, at most `size`, at which `text` fits on one line."""
        if len(text) * size * WIDEST_GLYPH / self.k <= TEXT_WIDTH:
            return size  # fits even in the widest glyphs: no need to measure
        self.use(style, size)
        width = self.get_string_width(text)
        return size if width <= TEXT_WIDTH else max(8.0, size * TEXT_WIDTH / width)


@dataclass(frozen=True)
class FixedText:
    """What is the same on every letter of a batch in one language, wrapped and sized once."""

    organisation: str  # its name in this language (organisation.name may give one per language)
    organisation_size: float
    link_size: float  # every link of a batch has the same length
    intro: list[str]
    steps: list[str]
    no_phone: list[str]
    privacy: list[str]
    expiry: list[str]
    greeting: str
    type_it: str


def write_letters(invites: Sequence[Invite], head: LetterHead, path: Path) -> int:
    """Write one page per invite to `path` (a PDF); returns the number of pages."""
    pdf = LetterPDF()
    pdf.set_title(f"Invitations from {head.organisation}")
    fixed: dict[str, FixedText] = {}  # per language
    for invite in invites:
        pdf.add_page()
        _ = i18n.translator(invite.language or head.language, head.language)
        if _.language not in fixed:  # wrapping needs a page
            fixed[_.language] = _fixed_text(pdf, head, invite, _)
        # Four pixels a module: a viewer that smooths enlarged images blurs only the edges.
        code = qr_image(qr_modules(invite.links["telegram"]), pixels_per_module=4)
        _page(pdf, head, fixed[_.language], invite, code)
    pdf.output(str(path))
    return len(invites)


def _fixed_text(pdf: LetterPDF, head: LetterHead, invite: Invite, _: Translator) -> FixedText:
    # Every invite of a batch expires together, so the expiry line is fixed text too. It
    # names the last whole day, so "until Tuesday" never means "until Wednesday lunchtime".
    last = (invite.expires_at.astimezone(ZoneInfo(head.timezone)) - timedelta(days=1)).date()
    date = _.date(last)
    organisation = _.pick(head.organisation)
    return FixedText(
        organisation=organisation,
        organisation_size=pdf.fitted(organisation, 16, "B"),
        link_size=pdf.fitted(_shown(invite.links["telegram"]), 13, "M"),
        intro=pdf.wrap(_(INTRO), 14),
        steps=[line for step in STEPS for line in pdf.wrap(_(step), 14, "B")],
        no_phone=pdf.wrap(_(NO_PHONE).format(contact=_unbroken_numbers(_.pick(head.contact))), 13),
        privacy=pdf.wrap(_(PRIVACY).format(threshold=head.anonymity_threshold), 12),
        expiry=pdf.wrap(_(EXPIRY).format(date=date), 13, "B"),
        greeting=_(GREETING),
        type_it=_(TYPE_IT),
    )


def _lines(pdf: LetterPDF, y: float, lines: Iterable[str], size: float, style: str = "") -> float:
    for line in lines:
        y = pdf.write_line(y, line, size, style)
    return y


def _page(
    pdf: LetterPDF, head: LetterHead, text: FixedText, invite: Invite, code: Image.Image
) -> None:
    pdf.write_line(MARGIN, text.organisation, text.organisation_size, "B")
    y = 45.0  # where a window envelope shows the address
    # The roster's words without bidirectional controls: a PDF has no isolates to keep
    # an override in a name from turning the words after it around.
    name = without_controls(invite.name)
    for line in (name, *map(without_controls, invite.address)):
        y = pdf.write_line(y, line, pdf.fitted(line, 12), "")
    greeting = text.greeting.format(name=name)
    y = pdf.write_line(max(y + 8, 82.0), greeting, pdf.fitted(greeting, 14, "B"), "B") + 2
    y = _lines(pdf, y, text.intro, 14) + 3
    y = _lines(pdf, y, text.steps, 14, "B") + 4
    pdf.image(code, x=(PAGE_WIDTH - QR_SIZE) / 2, y=y, w=QR_SIZE, h=QR_SIZE)
    y += QR_SIZE + 4
    y = pdf.write_line(y, text.type_it, 12)
    y = pdf.write_line(y, _shown(invite.links["telegram"]), text.link_size, "M") + 5
    y = _lines(pdf, y, text.no_phone, 13) + 3
    y = _lines(pdf, y, text.expiry, 13, "B") + 3
    _lines(pdf, y, text.privacy, 12)


def _shown(link: str) -> str:
    """The link as printed: "t.me/..." is shorter to type and opens the same page."""
    return link.removeprefix("https://")


def _unbroken_numbers(text: str) -> str:
    """Keep a phone number such as 01632 960123 on one line (no-break spaces)."""
    return re.sub(r"(?<=\d) (?=\d)", "\u00a0", text)

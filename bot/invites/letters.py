"""Invite letters: one A4 page per member, with their join link as a large QR code.

Written for reading age 9: short words, short sentences, in the member's language
(the roster's or their own choice, else the organisation's). The font is DejaVu Sans,
which covers Welsh, Polish, Arabic and most other scripts; it ships inside matplotlib
(a dependency already), so no system font is needed and every PDF embeds the same one.
Text in a script that needs shaping (Arabic, Hebrew, Indic, combining accents) is
shaped with HarfBuzz; plain text skips it, which keeps 10,000 letters quick.

The page is laid out for the post: the name and address fit the window of a UK C5 or DL
window envelope (`WINDOW`) with the organisation's return line at its top and nothing else
in it, and the QR code (and the code to type) stays clear of the two creases of an A4
sheet folded in three (`FOLDS`).
"""

from __future__ import annotations

import importlib.util
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date
from fpdf import FPDF
from fpdf.enums import MethodReturnValue
from PIL import Image

from bot.invites.qr_codes import qr_image, qr_modules
from handlers import i18n
from handlers.i18n import N_, Translator
from handlers.members.invites import Invite, grouped
from surveys.bidi import without_controls

# fontTools reports every font it subsets at INFO: not news for an officer.
logging.getLogger("fontTools").setLevel(logging.WARNING)

PAGE_WIDTH, PAGE_HEIGHT, MARGIN = 210.0, 297.0, 22.0  # millimetres, A4
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
BOTTOM = PAGE_HEIGHT - 10.0  # lowest text: printers leave the last few millimetres blank
WIDEST_GLYPH = 2.02  # em: DejaVu Sans Bold's widest character (the others' are narrower)
LINE = 0.5  # line height as a fraction of the font size in points, in millimetres (~1.4x)
ADDRESS_LINE = 0.42  # the address's, tighter (~1.2x), so six lines fit the window


@dataclass(frozen=True)
class Box:
    """A rectangle on the page, in millimetres from the top left corner."""

    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height


# UK C5 and DL window envelopes show about 90 x 35-40 mm, 20 mm from the left and 45-50 mm
# from the top. Text keeps `WINDOW_PADDING` inside it: a letter moves a little in its envelope.
WINDOW = Box(20.0, 45.0, 90.0, 40.0)
WINDOW_PADDING = 2.0
RETURN_SIZE, RETURN_MIN = 7.0, 5.0  # the return line, small, at the window's top
ADDRESS_SIZES = (12.0, 11.0, 10.0, 9.5, 9.0, 8.5, 8.0, 7.5, 7.0, 6.5, 6.0)  # until it fits
SIDE_X = 120.0  # the column right of the window: the letter's date, and what it replaces
# A4 folded in three for a DL envelope (a C5 one takes it folded once, at the middle, which
# no code touches either: the code sits in the middle third).
FOLDS = (99.0, 198.0)
FOLD_CLEARANCE = 5.0  # the QR code and the typed code keep this far from a crease
QR_SIZE, QR_MIN = 60.0, 45.0  # a version 4 code scans from arm's length even at the minimum
QR_GAP = 8.0  # between the code and the steps beside it

# NOTE: the address an undelivered letter goes back to is the organisation's own; the
# return line is printed as configured, in no language.
# NOTE: a Unicode date pattern for the letter's own date, e.g. "6 December 2026".
ISSUE_DATE = N_("d MMMM y")
# {issued_on} is a day without its weekday ("6 December 2026"): nothing to mutate.
ISSUED = N_("Date: {issued_on}")
REMINDER = N_("Reminder")
REPLACES = N_(
    "This letter replaces the one we sent you on this date: {issued_on}. The code in "
    "that letter no longer works. Please use this one."
)
GREETING = N_("Dear {name},")
NO_PHONE = N_("No smartphone? Please contact {contact}. We will help you take part.")
PRIVACY = N_(
    "Your answers stay private: we only share totals for groups of {threshold} or more "
    "people, never your name."
)
EXPIRY = N_("This link works once, until {date}. After that, ask us for a new one.")
# NOTE: the word a member sends before their code, in capitals. The bot accepts any one
# word there, so a translation cannot break joining.
JOIN_WORD = N_("JOIN")
WEB = N_("Or type this address into a web browser on your phone:")


@dataclass(frozen=True)
class PlatformWords:
    """How a letter tells a member of one platform to join: a row of `PLATFORMS`.

    `steps` go beside the QR code when the platform has a join link to encode (Telegram),
    else above the typed code; `type_code` introduces the line "JOIN ABCD-EFGH-...",
    naming the bot's account as `{handle}` where the platform has one to search for.
    """

    intro: str
    steps: tuple[str, ...]
    type_code: str


PLATFORMS = {
    "telegram": PlatformWords(
        intro=N_(
            "We want to hear what you think. You can tell us on your phone, with the free "
            "app Telegram. It takes one minute to join."
        ),
        steps=(
            N_("1. Install Telegram first. It is free, from your phone's app store."),
            N_("2. Open the camera on your phone."),
            N_("3. Point it at the square on this page."),
            N_("4. Tap the link. Telegram opens. Tap Start."),
        ),
        type_code=N_("No camera? Open Telegram, search for the account {handle} and send it:"),
    ),
    "whatsapp": PlatformWords(
        intro=N_(
            "We want to hear what you think. You can tell us on your phone, with "
            "WhatsApp. It takes one minute to join."
        ),
        steps=(
            N_("1. Install WhatsApp first. It is free, from your phone's app store."),
            N_("2. Open the camera on your phone."),
            N_("3. Point it at the square on this page."),
            N_("4. Tap the link. WhatsApp opens with a message ready. Tap Send."),
        ),
        type_code=N_("No camera? Open WhatsApp and send this message to {handle}:"),
    ),
    # Slack has no link that carries a code: its members type it.
    "slack": PlatformWords(
        intro=N_(
            "We want to hear what you think. You can tell us in Slack, at work or on your "
            "phone. It takes one minute to join."
        ),
        steps=(
            N_("1. Install Slack first, or open it at work."),
            N_("2. Find our app under Apps in Slack."),
            N_("3. Send it the message below."),
        ),
        type_code=N_("The message to send:"),
    ),
}


@dataclass(frozen=True)
class LetterHead:
    """What every letter in a batch shares."""

    organisation: str
    contact: str
    anonymity_threshold: int
    timezone: str
    language: str = "en"  # the organisation's: for members whose own we have no words in
    return_line: str = ""  # the window's top line; the organisation's name if not set
    web_url: str = ""  # the public address of the web server, for /j/<code> links
    handles: dict[str, str] = field(default_factory=dict)  # platform -> "@bot" to search for


def short_link(web_url: str, token: str) -> str:
    """The grouped address that redirects to a member's join link, without https://."""
    base = re.sub(r"^https?://", "", web_url.rstrip("/"))
    return f"{base}/j/{grouped(token)}"


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


def clear_of_folds(top: float, height: float) -> float:
    """The first top at or below `top` where `height` millimetres touch no crease."""
    for fold in FOLDS:
        if top - FOLD_CLEARANCE < fold < top + height + FOLD_CLEARANCE:
            top = fold + FOLD_CLEARANCE
    return top


class LetterPDF(FPDF):
    """An A4 document that prints lines at a given place, shaping only what needs it."""

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
        """Style "" (regular), "B" (bold) or "M" (bold monospace, for codes and links)."""
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

    def write_line(
        self,
        y: float,
        text: str,
        size: float,
        style: str = "",
        x: float = MARGIN,
        width: float = TEXT_WIDTH,
        spacing: float = LINE,
    ) -> float:
        """Print one line whose top is at `y`; returns the top of the next line."""
        self.use(style, size)
        text = self.printable(text)
        height = size * spacing
        if needs_shaping(text):
            self.set_text_shaping(True)
            self.set_xy(x, y)
            self.cell(width, height, text)
            self.set_text_shaping(False)
        else:
            # text() is a tenth of the cost of cell(): its y is the baseline, not the top.
            self.text(x, y + height / 2 + 0.3 * size / self.k, text)
        return y + height

    def wrap(self, text: str, size: float, style: str = "", width: float = TEXT_WIDTH) -> list[str]:
        """Sentences wrapped to `width` (fixed text: measured once a batch)."""
        self.use(style, size)
        self.set_text_shaping(needs_shaping(text))
        lines = self.multi_cell(
            width, size * LINE, text, dry_run=True, output=MethodReturnValue.LINES
        )
        self.set_text_shaping(False)
        return lines

    def width_of(self, text: str, size: float, style: str = "") -> float:
        self.use(style, size)
        text = self.printable(text)
        if not needs_shaping(text):
            return self.get_string_width(text)
        self.set_text_shaping(True)
        width = self.get_string_width(text)
        self.set_text_shaping(False)
        return width

    def fits(self, text: str, size: float, width: float, style: str = "") -> bool:
        if len(text) * size * WIDEST_GLYPH / self.k <= width:
            return True  # fits even in the widest glyphs: no need to measure
        return self.width_of(text, size, style) <= width

    def break_words(self, text: str, size: float, width: float, style: str = "") -> list[str]:
        """One line of the roster (a name, an address line) broken into lines of `width`:
        at spaces, and inside a word only when the word alone is wider."""
        if self.fits(text, size, width, style):
            return [text]
        lines: list[str] = []
        line = ""
        for word in text.split():
            joined = f"{line} {word}" if line else word
            if self.fits(joined, size, width, style):
                line = joined
                continue
            if line:
                lines.append(line)
            while not self.fits(word, size, width, style):
                cut = len(word) - 1
                while cut > 1 and not self.fits(word[:cut], size, width, style):
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        return [*lines, line] if line else lines

    def fitted(self, text: str, size: float, style: str = "", width: float = TEXT_WIDTH) -> float:
        """The font size, at most `size`, at which `text` fits on one line."""
        if self.fits(text, size, width, style):
            return size
        return max(5.0, size * width / self.width_of(text, size, style))


@dataclass(frozen=True)
class FixedText:
    """What is the same on every letter of a batch in one language and platform, wrapped
    and sized once."""

    organisation: str  # its name in this language (organisation.name may give one per language)
    organisation_size: float
    intro: list[str]
    steps: list[str]  # beside the QR code
    steps_without_code: list[str]  # full width, for a platform with no link to encode
    type_code: list[str]
    join_word: str
    web: list[str]
    no_phone: list[str]
    privacy: list[str]
    expiry: list[str]
    greeting: str
    issued: str
    reminder: str
    translator: Translator


def write_letters(
    invites: Sequence[Invite],
    head: LetterHead,
    path: Path,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write one page per invite to `path` (a PDF); returns the number of pages.

    `progress(1)` is called after each page, for a progress bar."""
    pdf = LetterPDF()
    pdf.set_title(f"Invitations from {head.organisation}")
    fixed: dict[tuple[str, str], FixedText] = {}  # per language and platform
    for invite in invites:
        pdf.add_page()
        _ = i18n.translator(invite.language or head.language, head.language)
        platform = invite.platform  # its row of PLATFORMS (files.platform_of decides it)
        if (_.language, platform) not in fixed:  # wrapping needs a page
            fixed[_.language, platform] = _fixed_text(pdf, head, invite, platform, _)
        link = invite.links.get(platform)
        # Four pixels a module: a viewer that smooths enlarged images blurs only the edges.
        code = qr_image(qr_modules(link), pixels_per_module=4) if link else None
        _page(pdf, head, fixed[_.language, platform], invite, code)
        if progress is not None:
            progress(1)
    pdf.output(str(path))
    return len(invites)


def _fixed_text(
    pdf: LetterPDF, head: LetterHead, invite: Invite, platform: str, _: Translator
) -> FixedText:
    words = PLATFORMS[platform]
    zone = ZoneInfo(head.timezone)
    # Every invite of a batch expires together, so the expiry line is fixed text too. It
    # names the last whole day, so "until Tuesday" never means "until Wednesday lunchtime".
    last = (invite.expires_at.astimezone(zone) - timedelta(days=1)).date()
    date = _.date(last)
    issued = invite.issued_at or invite.expires_at  # (an invite made before issue dates)
    handle = head.handles.get(platform, "")
    organisation = _.pick(head.organisation)
    return FixedText(
        organisation=organisation,
        organisation_size=pdf.fitted(organisation, 16, "B"),
        intro=pdf.wrap(_(words.intro), 13),
        steps=[line for step in words.steps for line in pdf.wrap(_(step), 13, "B", STEP_WIDTH)],
        steps_without_code=[line for step in words.steps for line in pdf.wrap(_(step), 13, "B")],
        type_code=pdf.wrap(_(words.type_code).format(handle=handle), 12),
        join_word=_(JOIN_WORD),
        web=pdf.wrap(_(WEB), 12),
        no_phone=pdf.wrap(
            _(NO_PHONE).format(contact=_unbroken_numbers(_.pick(head.contact))), 12
        ),
        privacy=pdf.wrap(_(PRIVACY).format(threshold=head.anonymity_threshold), 11),
        expiry=pdf.wrap(_(EXPIRY).format(date=date), 12, "B"),
        greeting=_(GREETING),
        issued=_(ISSUED).format(issued_on=_day(issued, zone, _)),
        reminder=_(REMINDER),
        translator=_,
    )


STEP_X = MARGIN + QR_SIZE + QR_GAP
STEP_WIDTH = PAGE_WIDTH - MARGIN - STEP_X
SIDE_WIDTH = PAGE_WIDTH - MARGIN - SIDE_X


def _day(moment: datetime, zone: ZoneInfo, _: Translator) -> str:
    return format_date(moment.astimezone(zone).date(), _(ISSUE_DATE), locale=_.locale)


def _lines(
    pdf: LetterPDF, y: float, lines: Iterable[str], size: float, style: str = "", **where: float
) -> float:
    for line in lines:
        y = pdf.write_line(y, line, size, style, **where)
    return y


def address_lines(pdf: LetterPDF, lines: Sequence[str]) -> tuple[float, list[str]]:
    """The name and address wrapped and sized to fit the window under the return line:
    the largest of `ADDRESS_SIZES` at which they fit, else the smallest, cut to the window."""
    width = WINDOW.width - 2 * WINDOW_PADDING
    room = WINDOW.height - 2 * WINDOW_PADDING - RETURN_SIZE * ADDRESS_LINE - 1
    for size in ADDRESS_SIZES:
        wrapped = [part for line in lines for part in pdf.break_words(line, size, width)]
        if len(wrapped) * size * ADDRESS_LINE <= room:
            return size, wrapped
    return size, wrapped[: int(room // (size * ADDRESS_LINE))]


def _window(pdf: LetterPDF, return_line: str, lines: Sequence[str]) -> None:
    x, y = WINDOW.x + WINDOW_PADDING, WINDOW.y + WINDOW_PADDING
    width = WINDOW.width - 2 * WINDOW_PADDING
    size = max(RETURN_MIN, pdf.fitted(return_line, RETURN_SIZE, width=width))
    while not pdf.fits(return_line, size, width) and len(return_line) > 1:
        return_line = return_line[:-2] + "…"  # a return address too long even at 5 pt
    y = pdf.write_line(y, return_line, size, x=x, width=width, spacing=ADDRESS_LINE) + 1
    y += (RETURN_SIZE - size) * ADDRESS_LINE  # a shrunk return line keeps its place
    size, wrapped = address_lines(pdf, lines)
    _lines(pdf, y, wrapped, size, x=x, width=width, spacing=ADDRESS_LINE)


def _page(
    pdf: LetterPDF, head: LetterHead, text: FixedText, invite: Invite, code: Image.Image | None
) -> None:
    pdf.write_line(14.0, text.organisation, text.organisation_size, "B")
    # The roster's words without bidirectional controls: a PDF has no isolates to keep
    # an override in a name from turning the words after it around.
    name = without_controls(invite.name)
    _window(
        pdf, head.return_line or text.organisation, [name, *map(without_controls, invite.address)]
    )

    side = {"x": SIDE_X, "width": SIDE_WIDTH}
    y = pdf.write_line(WINDOW.y + WINDOW_PADDING, text.issued, 11, **side) + 2
    if invite.replaces is not None:
        _ = text.translator
        replaced = _(REPLACES).format(
            issued_on=_day(invite.replaces, ZoneInfo(head.timezone), _)
        )
        y = pdf.write_line(y, text.reminder, 12, "B", **side)
        y = _lines(pdf, y, pdf.wrap(replaced, 10, "B", SIDE_WIDTH), 10, "B", **side)

    greeting = text.greeting.format(name=name)
    y = max(y, WINDOW.bottom) + 4
    y = pdf.write_line(y, greeting, pdf.fitted(greeting, 13, "B"), "B") + 1
    y = _lines(pdf, y, text.intro, 13) + 3
    if code is not None:
        y = _code_and_steps(pdf, y, code, text.steps)
    else:
        y = _lines(pdf, y, text.steps_without_code, 13, "B") + 3
    y = _typed(pdf, y, head, text, invite, code is not None) + 3
    y = _lines(pdf, y, text.no_phone, 12) + 2
    y = _lines(pdf, y, text.expiry, 12, "B") + 2
    _lines(pdf, y, text.privacy, 11)


def _code_and_steps(pdf: LetterPDF, y: float, code: Image.Image, steps: list[str]) -> float:
    """The QR code on the left, clear of the folds, and the steps beside it."""
    top = clear_of_folds(y, QR_SIZE)
    size = QR_SIZE
    if top > FOLDS[0] and top + QR_SIZE > FOLDS[1] - FOLD_CLEARANCE:
        # Long words above: a smaller code still in the middle third, rather than one
        # pushed into the bottom third with no room left for the rest.
        top = clear_of_folds(y, QR_MIN)
        size = max(QR_MIN, FOLDS[1] - FOLD_CLEARANCE - top)
        if top + size > FOLDS[1] - FOLD_CLEARANCE:
            top, size = clear_of_folds(top, QR_MIN), QR_MIN
    pdf.image(code, x=MARGIN, y=top, w=size, h=size)
    # The steps beside the code, their middle at its middle.
    height = len(steps) * 13 * LINE
    steps_top = max(y, top + (size - height) / 2)
    bottom = _lines(pdf, steps_top, steps, 13, "B", x=STEP_X, width=STEP_WIDTH)
    return max(top + size, bottom) + 4


def _typed(
    pdf: LetterPDF, y: float, head: LetterHead, text: FixedText, invite: Invite, with_web: bool
) -> float:
    """Where to type the code, and the code in groups of four; the short web address.
    Each code stays with the words that introduce it, clear of the folds."""
    message = f"{text.join_word} {invite.code}"
    y = _introduced(pdf, y, text.type_code, message, 15)
    if head.web_url and with_web:
        y = _introduced(pdf, y + 2, text.web, short_link(head.web_url, invite.token), 13)
    return y


def _introduced(pdf: LetterPDF, y: float, words: list[str], code: str, size: float) -> float:
    size = pdf.fitted(code, size, "M")
    y = clear_of_folds(y, len(words) * 12 * LINE + 1 + size * LINE)
    y = _lines(pdf, y, words, 12)
    return pdf.write_line(y + 1, code, size, "M")


def _unbroken_numbers(text: str) -> str:
    """Keep a phone number such as 01632 960123 on one line (no-break spaces)."""
    return re.sub(r"(?<=\d) (?=\d)", "\u00a0", text)

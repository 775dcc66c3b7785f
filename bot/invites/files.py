"""Invites as files for the post: a PDF of letters, or a folder of QR code PNGs.

Shared by the CLI and the console, which hands them over as a download. Files are written
beside their destination first and moved into place only when complete, and the
invites are recorded (revoking older links) only once the files exist, so a failure
leaves neither a half-written file nor links nobody was sent.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path

from bot.config import Settings
from bot.invites.letters import LetterHead, write_letters
from bot.invites.qr_codes import write_pngs
from bot.spreadsheet import write_csv
from handlers.members.invites import Invite

PLATFORM = "telegram"


class InviteFileError(Exception):
    """The files cannot be written; the message says what to change."""


def telegram_constituencies(settings: Settings) -> tuple[str, ...]:
    """The groups that join by Telegram: all but those Slack finds, when Slack is on."""
    in_slack = set(settings.slack.constituencies) if settings.slack.enabled else set()
    return tuple(c for c in settings.organisation.constituencies if c not in in_slack)


def platform_of(settings: Settings, constituency: str) -> str:
    """The platform a member of this constituency joins by (the letter's words, its QR
    code, and the link a /j/ address leads to): Slack's groups when Slack is on; WhatsApp
    for the groups in whatsapp.constituencies (every group when Telegram is off); else
    Telegram."""
    if settings.slack.enabled and constituency in settings.slack.constituencies:
        return "slack"
    whatsapp = settings.whatsapp
    if whatsapp.enabled and (
        constituency in whatsapp.constituencies or not settings.telegram.enabled
    ):
        return "whatsapp"
    return PLATFORM


def letter_head(settings: Settings) -> LetterHead:
    contact = settings.organisation.contact  # a Local where given per language: keep it
    if not contact.strip():
        raise InviteFileError(
            f"letters say who to ask without a smartphone: set organisation.contact in "
            f'{settings.source} (e.g. contact = "Jo Bloggs at the office, 01632 960123")'
        )
    username = settings.telegram.bot_username.lstrip("@")
    return LetterHead(
        settings.organisation.name,
        contact,
        settings.privacy.anonymity_threshold,
        settings.organisation.timezone,
        settings.organisation.language,
        return_line=settings.invites.return_address.strip(),
        web_url=short_link_base(settings),
        handles={
            **({"telegram": f"@{username}"} if username else {}),
            **({"whatsapp": number} if (number := settings.whatsapp.business_number) else {}),
        },
    )


def short_link_base(settings: Settings) -> str:
    """Where /j/<code> links point: the web server's public address, if it has one."""
    return settings.web.public_url if settings.web.enabled and settings.web.public_url else ""


def check_links(join_links: dict[str, str], platforms: Iterable[str] = (PLATFORM,)) -> None:
    """Refuse letters or QR codes for a platform whose join link is not known (Slack has
    none: its letters give the code to type)."""
    for platform in sorted(set(platforms) - {"slack"}):
        if platform in join_links:
            continue
        if platform == PLATFORM:
            raise InviteFileError(
                "letters and QR codes need the bot's t.me link: set telegram.bot_username "
                "in the config (or enable Telegram so the bot can ask for it)"
            )
        raise InviteFileError(
            f"letters and QR codes for {platform} need its link: set whatsapp.business_number"
        )


def check_pdf_path(path: Path) -> None:
    if path.is_dir():
        raise InviteFileError(f"{path} is a folder; give a file name such as invites.pdf")
    if not path.parent.is_dir():
        raise InviteFileError(f"{path.parent} does not exist; create the folder first")


def check_qr_dir(folder: Path) -> None:
    if folder.exists() and not folder.is_dir():
        raise InviteFileError(f"{folder} is a file; give a folder for the QR codes")
    if not folder.parent.is_dir():
        raise InviteFileError(f"{folder.parent} does not exist; create it first")


def write_letter_file(
    invites: list[Invite], head: LetterHead, path: Path, commit: Callable[[], None]
) -> None:
    """Write the letters beside `path`, `commit` the invites, then move the PDF into place."""
    handle, temporary = tempfile.mkstemp(suffix=".pdf.partial", dir=path.parent)
    os.close(handle)
    try:
        write_letters(invites, head, Path(temporary))
        commit()
        os.replace(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)


def write_qr_folder(invites: list[Invite], folder: Path, commit: Callable[[], None]) -> None:
    """One PNG per member plus invites.csv (for a mail merge), then `commit` the invites."""
    staging = Path(tempfile.mkdtemp(suffix=".partial", dir=folder.parent))
    try:
        write_qr_files(invites, staging)
        commit()
        folder.mkdir(exist_ok=True)
        for written in staging.iterdir():
            os.replace(written, folder / written.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_qr_files(
    invites: list[Invite], folder: Path, progress: Callable[[int], None] | None = None
) -> None:
    """One PNG per member and invites.csv, which names each member's PNG, into `folder`."""
    # Roster member ids are letters, digits, ".", "_" and "-": safe as file names.
    names = [f"{invite.member_id}.png" for invite in invites]
    write_pngs([i.links[i.platform] for i in invites], [folder / n for n in names], progress)
    write_csv(
        folder / "invites.csv",
        [
            "member_id",
            "name",
            "address",
            "language",  # the letter's: which template a mail merge picks
            "link",
            "code",  # to type: "JOIN ABCD-EFGH-..."
            "issued_at",
            "expires_at",
            "replaces",  # when the earlier invite this one stops was issued; empty if none
            "qr_file",
        ],
        (
            [
                invite.member_id,
                invite.name,
                "|".join(invite.address),
                invite.language,
                invite.links.get(invite.platform, ""),
                invite.code,
                invite.issued_at.isoformat() if invite.issued_at else "",
                invite.expires_at.isoformat(),
                invite.replaces.isoformat() if invite.replaces else "",
                name,
            ]
            for invite, name in zip(invites, names, strict=True)
        ),
    )


def letters_pdf(
    invites: list[Invite], head: LetterHead, progress: Callable[[int], None] | None = None
) -> bytes:
    """The letters as one PDF, in memory (for a download); `progress(1)` after each page."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "invites.pdf"
        write_letters(invites, head, path, progress)
        return path.read_bytes()


def qr_zip(invites: list[Invite], progress: Callable[[int], None] | None = None) -> bytes:
    """The QR code PNGs and invites.csv as one zip file, in memory (for a download);
    `progress(1)` after each PNG."""
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as folder, zipfile.ZipFile(buffer, "w") as archive:
        write_qr_files(invites, Path(folder), progress)
        for written in sorted(Path(folder).iterdir()):
            archive.write(written, written.name)  # stored: PNGs are compressed already
    return buffer.getvalue()

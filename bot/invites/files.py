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
from collections.abc import Callable
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


def letter_head(settings: Settings) -> LetterHead:
    contact = settings.organisation.contact  # a Local where given per language: keep it
    if not contact.strip():
        raise InviteFileError(
            f"letters say who to ask without a smartphone: set organisation.contact in "
            f'{settings.source} (e.g. contact = "Jo Bloggs at the office, 01632 960123")'
        )
    return LetterHead(
        settings.organisation.name,
        contact,
        settings.privacy.anonymity_threshold,
        settings.organisation.timezone,
        settings.organisation.language,
    )


def check_links(join_links: dict[str, str]) -> None:
    if PLATFORM not in join_links:
        raise InviteFileError(
            "letters and QR codes need the bot's t.me link: set telegram.bot_username "
            "in the config (or enable Telegram so the bot can ask for it)"
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


def write_qr_files(invites: list[Invite], folder: Path) -> None:
    """One PNG per member and invites.csv, which names each member's PNG, into `folder`."""
    # Roster member ids are letters, digits, ".", "_" and "-": safe as file names.
    names = [f"{invite.member_id}.png" for invite in invites]
    write_pngs([i.links[PLATFORM] for i in invites], [folder / n for n in names])
    write_csv(
        folder / "invites.csv",
        ["member_id", "name", "address", "link", "expires_at", "qr_file"],
        (
            [
                invite.member_id,
                invite.name,
                "|".join(invite.address),
                invite.links[PLATFORM],
                invite.expires_at.isoformat(),
                name,
            ]
            for invite, name in zip(invites, names, strict=True)
        ),
    )


def letters_pdf(invites: list[Invite], head: LetterHead) -> bytes:
    """The letters as one PDF, in memory (for a download)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "invites.pdf"
        write_letters(invites, head, path)
        return path.read_bytes()


def qr_zip(invites: list[Invite]) -> bytes:
    """The QR code PNGs and invites.csv as one zip file, in memory (for a download)."""
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as folder, zipfile.ZipFile(buffer, "w") as archive:
        write_qr_files(invites, Path(folder))
        for written in sorted(Path(folder).iterdir()):
            archive.write(written, written.name)  # stored: PNGs are compressed already
    return buffer.getvalue()

"""Every CSV the product writes is safe to open in a spreadsheet, in the right characters."""

from __future__ import annotations

import csv

from bot.invites.files import write_qr_files
from bot.spreadsheet import cell, write_csv
from handlers.members.invites import Invite


def test_a_cell_a_spreadsheet_would_run_is_shown_as_text():
    for dangerous in ("=1+1", "+44 7700", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert cell(dangerous) == "'" + dangerous
    assert cell("Siân Llŷr") == "Siân Llŷr" and cell(None) == "" and cell(3) == "3"


def test_the_file_is_utf8_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "out.csv"
    write_csv(path, ["name"], [["Siân"], ['=HYPERLINK("http://x")']])
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows == [["name"], ["Siân"], ['\'=HYPERLINK("http://x")']]


def test_invites_csv_neutralises_a_formula_in_a_members_name(tmp_path):
    from datetime import UTC, datetime

    invite = Invite(
        member_id="t1",
        name='=HYPERLINK("http://evil.example","Pat")',
        token="tok",
        links={"telegram": "https://t.me/bot?start=tok"},
        expires_at=datetime(2026, 12, 1, tzinfo=UTC),
        address=("@Flat 1", "Oak House"),
    )
    write_qr_files([invite], tmp_path)
    raw = (tmp_path / "invites.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    [row] = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert row["name"].startswith("'=HYPERLINK") and row["address"] == "'@Flat 1|Oak House"

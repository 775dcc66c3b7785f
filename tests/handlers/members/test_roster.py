import io

import pytest

from handlers.members.roster import RosterError, import_roster
from storage import audit, members

BAD = """member_id,name,email,constituency,timezone
t1,Pat Murphy,pat@example.org,tenant,Europe/London
t2,,lee@example.org,tenant,
t3,Ruth Adeyemi,ruth@example.org,landlord,
t4,Ann Novak,not-an-email,tenant,
t1,Pat Again,pat2@example.org,tenant,
s1,Sam Okafor,sam@example.org,staff,Mars/Olympus
s2,Jo Evans,,staff,
"""


def run(ctx, text, skip_bad=False):
    return import_roster(ctx, io.StringIO(text), skip_bad=skip_bad, actor="test")


def test_bad_rows_are_all_reported_with_line_numbers_and_nothing_is_imported(ctx):
    report = run(ctx, BAD)
    assert not report.applied
    assert [(p.line, p.reason.split(" ")[0]) for p in report.problems] == [
        (3, "missing"),
        (4, "unknown"),
        (5, "malformed"),
        (6, "duplicate"),
        (7, "unknown"),
    ]
    assert "missing name" in str(report.problems[0])
    assert "'landlord'" in report.problems[1].reason
    assert "first on line 2" in report.problems[3].reason
    assert members.count(ctx.db) == 0


def test_skip_bad_imports_only_the_good_rows(ctx):
    report = run(ctx, BAD, skip_bad=True)
    assert report.applied and report.imported == 2
    assert [m["member_id"] for m in members.all_members(ctx.db)] == ["s2", "t1"]
    assert members.get(ctx.db, "t1")["name"] == "Pat Murphy"
    assert audit.entries(ctx.db, "roster.import")[0]["detail"] == '{"imported": 2, "skipped": 5}'


def test_reimport_updates_by_member_id(ctx, clock):
    run(ctx, "member_id,name,email,constituency\nt1,Pat Murphy,pat@example.org,tenant\n")
    clock.advance(days=1)
    report = run(ctx, "member_id,name,email,constituency,language\nt1,Pat M,,tenant,cy\n")
    assert report.imported == 1 and members.count(ctx.db) == 1
    row = members.get(ctx.db, "t1")
    assert (row["name"], row["email"], row["language"]) == ("Pat M", None, "cy")
    assert row["created_at"] < row["updated_at"]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("member_id,name,constituency", "lacks email"),
        ("member_id,name,email,constituency,emial", "unknown column 'emial'"),
        ("", "lacks member_id"),
    ],
)
def test_a_wrong_header_is_one_clear_error(ctx, header, message):
    with pytest.raises(RosterError, match=message):
        run(ctx, header + "\n")


def test_excel_style_file_with_blank_lines_and_spaces(ctx):
    report = run(ctx, "member_id,name,email,constituency\n\n t9 , Omar Haddad ,,tenant\n,,,\n")
    assert report.applied and report.imported == 1
    assert members.get(ctx.db, "t9")["name"] == "Omar Haddad"


def test_a_semicolon_or_tab_separated_roster_is_read(ctx):
    for separator in (";", "\t"):
        text = (
            f"member_id{separator}name{separator}email{separator}constituency\n"
            f"t9{separator}Ann Novak{separator}{separator}tenant\n"
        )
        report = import_roster(ctx, io.StringIO(text), skip_bad=False, actor="test")
        assert report.applied and report.imported == 1, report.problems
    assert members.get(ctx.db, "t9")["name"] == "Ann Novak"


@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_doubled_quotes_are_read_as_excel_writes_them(ctx, separator):
    text = separator.join(["member_id", "name", "email", "constituency", "address"]) + "\n"
    text += separator.join(
        ["t9", '"Pat ""Paddy"" Murphy"', "", "tenant", '"Flat 2, ""The Oaks""|Leeds"']
    )
    report = run(ctx, text + "\n")
    assert report.applied and report.imported == 1, report.problems
    row = members.get(ctx.db, "t9")
    assert row["name"] == 'Pat "Paddy" Murphy'
    assert row["address"] == 'Flat 2, "The Oaks"|Leeds'


def test_a_roster_not_saved_as_utf8_names_the_line_and_the_fix():
    from handlers.members.roster import decode

    data = "member_id,name,email,constituency\nt1,Pat,,tenant\nt2,Zoé Martin,,tenant\n"
    assert decode(("\ufeff" + data).encode()) == data
    with pytest.raises(RosterError) as error:
        decode(data.encode("cp1252"))
    message = str(error.value)
    assert message.startswith("line 3: not UTF-8 text")
    assert "save it as CSV UTF-8" in message and "codec" not in message


def test_names_that_differ_only_by_invisible_characters_are_flagged(ctx):
    run(ctx, "member_id,name,email,constituency\nt1,Pat Murphy,,tenant\n")
    text = (
        "member_id,name,email,constituency\n"
        "t2,Pat\u200bMurphy,,tenant\n"  # shows as "PatMurphy": visibly another name
        "t3,Pat \u200bMurphy,,tenant\n"  # shows exactly as t1's name
        "t4,Lee\u202e Chen,,tenant\n"
        "t5,Lee Chen,,tenant\n"
        "t6,Sam  Okafor,,tenant\n"
        "t7,Sam Okafor,,tenant\n"
        "t8,Jo Evans,,tenant\n"
        "t9,Jo Evans,,tenant\n"  # the same name twice is two people, not a trick
    )
    report = run(ctx, text)
    assert not report.applied
    flagged = {p.line: p.reason for p in report.problems}
    assert sorted(flagged) == [3, 5, 7]
    assert "member t1" in flagged[3] and "U+200B" in flagged[3]
    assert "line 4" in flagged[5] and "U+202E" in flagged[5]
    assert "line 6" in flagged[7]
    report = run(ctx, text, skip_bad=True)
    assert report.applied and members.get(ctx.db, "t3") is None
    assert members.get(ctx.db, "t2") is not None

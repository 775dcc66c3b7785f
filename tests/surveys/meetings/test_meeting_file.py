"""A meeting file: checked strictly, one line per problem."""

from __future__ import annotations

import pytest

from surveys.meetings.definitions import MeetingError, load_meeting_file, parse_meeting
from tests.helpers import ROOT

BASE = {
    "id": "agm",
    "title": "AGM",
    "starts": "2027-03-20T14:00",
    "place": "The hall",
    "agenda": [{"title": "Minutes"}],
}


def test_the_example_meeting_reads():
    meeting = load_meeting_file(ROOT / "examples" / "meeting-agm.toml")
    assert meeting.id == "agm-2027" and meeting.online.startswith("https://")
    assert [item.resolution for item in meeting.agenda] == ["", "", "", "special"]
    assert meeting.starts.utcoffset() is not None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"place": None}, "m.toml: place: give the place, the online link (online), or both"),
        ({"online": "http://x.example"}, "m.toml: online: must be a link starting https://"),
        ({"agenda": []}, "m.toml: agenda: list the agenda as 1 to 40 [[agenda]] tables"),
        (
            {"agenda": [{"title": "R", "resolution": "extra"}]},
            "m.toml: agenda[1].resolution: must be one of ordinary, special",
        ),
        ({"starts": "soon"}, "m.toml: starts: 'soon' is not a date and time"),
        ({"notice_given": "2027-02-30"}, "m.toml: notice_given: '2027-02-30' is not a date"),
        ({"where": "x"}, "m.toml: where: unknown key"),
    ],
)
def test_a_mistake_is_one_line(change, message):
    data = {k: v for k, v in {**BASE, **change}.items() if v is not None}
    with pytest.raises(MeetingError) as error:
        parse_meeting(data, "m.toml")
    assert str(error.value).startswith(message)


def test_a_meeting_survives_storage_as_data():
    from surveys.meetings.definitions import Meeting

    meeting = parse_meeting({**BASE, "notice_given": "2027-02-20"}, "m.toml")
    assert Meeting.from_dict(meeting.to_dict()) == meeting


def test_seats_say_who_stands_and_elects_and_are_checked():
    meeting = load_meeting_file(ROOT / "examples" / "meeting-agm.toml")
    board = meeting.seat("board")
    assert board is not None and (board.title, board.places) == ("Board", 3)
    assert board.constituencies == ("tenant",)
    assert meeting.from_dict(meeting.to_dict()) == meeting
    assert parse_meeting(BASE, "m.toml").seats == ()
    seat = {"id": "board", "title": "Board", "places": 3}
    for change, message in [
        ({"places": 0}, "m.toml: seats[1].places: must be between 1 and 100, not 0"),
        ({"constituencies": "tenant"}, "m.toml: seats[1].constituencies: must be a list"),
        ({"title": None}, "m.toml: seats[1].title: missing"),
    ]:
        data = {**BASE, "seats": [{k: v for k, v in {**seat, **change}.items() if v is not None}]}
        with pytest.raises(MeetingError) as refused:
            parse_meeting(data, "m.toml")
        assert str(refused.value).startswith(message)
    with pytest.raises(MeetingError, match=r"seats\[2\]\.id: 'board' is listed twice"):
        parse_meeting({**BASE, "seats": [seat, seat]}, "m.toml")

"""Roster phones, e-mails and preferences become SMS and e-mail identities (issue 27)."""

import io

import pytest

from bot.config import ConfigError, load_settings
from handlers.members import data, roster
from handlers.members.phones import PhoneError, to_e164
from handlers.settings import Policy, Routing
from storage import members
from tests.helpers import make_context

BOTH = Policy(routing=Routing(enabled=("sms", "email")))


@pytest.fixture
def on(clock):
    """A context with SMS and e-mail switched on."""
    context = make_context(clock, policy=BOTH)
    yield context
    context.db.close()


def run(ctx, text, skip_bad=False):
    return roster.import_roster(ctx, io.StringIO(text), skip_bad=skip_bad, actor="test")


def channels(ctx, member_id):
    return sorted(
        (i["platform"], i["platform_user_id"], i["chat_id"], bool(i["unreachable_at"]))
        for i in members.identities_of(ctx.db, member_id)
    )


@pytest.mark.parametrize(
    ("written", "country", "e164"),
    [
        ("07700 900123", "GB", "+447700900123"),
        ("+44 7700 900123", "GB", "+447700900123"),
        ("0044 7700-900123", "GB", "+447700900123"),
        ("+44 (0)7700 900123", "GB", "+447700900123"),
        ("029 2018 0123", "GB", "+442920180123"),
        ("087 123 4567", "IE", "+353871234567"),
        ("(202) 555-0143", "US", "+12025550143"),
        ("+33 6 12 34 56 78", "GB", "+33612345678"),
    ],
)
def test_phones_are_put_in_e164_form_with_the_default_country(written, country, e164):
    assert to_e164(written, country) == e164


@pytest.mark.parametrize(
    ("written", "why"),
    [
        ("7700 900123", "neither national"),
        ("07700 9001", "wrong number of digits"),
        ("07700 900ABC", "only have digits"),
        ("+0 7700 900123", r"like \+447700900123"),
        ("+44 7700 900123 4567 89", "E.164 allows"),
    ],
)
def test_a_phone_that_cannot_be_one_says_why(written, why):
    with pytest.raises(PhoneError, match=why):
        to_e164(written, "GB")


def test_phone_and_email_become_identities_and_a_preference_is_kept(on):
    report = run(
        on,
        "member_id,name,email,constituency,phone,prefers\n"
        "t1,Pat Murphy,Pat@Example.org,tenant,07700 900123,\n"
        "t2,Lee Chen,,tenant,+44 7700 900456,Email\n"
        "t3,Ann Novak,,tenant,,auto\n",
    )
    assert report.applied, report.problems
    assert channels(on, "t1") == [
        ("email", "pat@example.org", "Pat@Example.org", False),
        ("sms", "+447700900123", "+447700900123", False),
    ]
    assert channels(on, "t2") == [("sms", "+447700900456", "+447700900456", False)]
    assert channels(on, "t3") == []
    assert members.get(on.db, "t1")["phone"] == "+447700900123"
    assert (members.get(on.db, "t2")["prefers"], members.get(on.db, "t3")["prefers"]) == (
        "email",
        None,
    )


def test_bad_phones_duplicates_and_preferences_are_reported_by_line(on):
    run(on, "member_id,name,email,constituency,phone\ns9,Sam Okafor,,staff,07700 900999\n")
    report = run(
        on,
        "member_id,name,email,constituency,phone,prefers\n"
        "t1,Pat Murphy,,tenant,07700 900123,\n"
        "t2,Lee Chen,,tenant,07700900123,\n"
        "t3,Ann Novak,,tenant,12345,\n"
        "t4,Jo Evans,,tenant,,fax\n"
        "t5,Ruth Adeyemi,,tenant,+447700900999,\n",
    )
    assert not report.applied
    assert [(p.line, p.reason) for p in report.problems] == [
        (3, "phone +447700900123 is also line 2's; each member needs their own"),
        (
            4,
            "phone '12345' is neither national (starting 0) nor international (starting + or 00) for GB",
        ),
        (5, "prefers 'fax' should be empty, auto or one of slack, telegram, whatsapp, sms, email"),
        (6, "phone +447700900999 is also member s9's; each member needs their own"),
    ]
    assert members.count(on.db) == 1


def test_identities_follow_the_roster_and_a_stop_is_never_undone(on, clock):
    header = "member_id,name,email,constituency,phone\n"
    run(on, header + "t1,Pat Murphy,pat@example.org,tenant,07700 900123\n")
    clock.advance(days=1)
    run(on, header + "t1,Pat Murphy,pat@example.org,tenant,07700 900124\n")  # a new phone
    assert channels(on, "t1") == [
        ("email", "pat@example.org", "pat@example.org", False),
        ("sms", "+447700900124", "+447700900124", False),
    ]
    members.mark_unreachable(on.db, "sms", "+447700900124", "STOP", clock())
    run(on, header + "t1,Pat Murphy,,tenant,\n")  # phone and e-mail taken off
    # The e-mail link goes; the number that sent STOP stays marked, and putting it back
    # on the roster does not make it textable again.
    assert channels(on, "t1") == [("sms", "+447700900124", "+447700900124", True)]
    run(on, header + "t1,Pat Murphy,,tenant,07700 900124\n")
    assert channels(on, "t1") == [("sms", "+447700900124", "+447700900124", True)]
    assert members.reachable_identities(on.db, ["t1"]) == {}


def test_channels_switched_off_link_nothing_until_switched_on(ctx):
    run(
        ctx,
        "member_id,name,email,constituency,phone\nt1,Pat Murphy,pat@example.org,tenant,07700 900123\n",
    )
    assert channels(ctx, "t1") == []
    ctx.policy = Policy(routing=Routing(enabled=("sms",)))
    roster.sync_channels(ctx)  # what the bot does at start
    assert channels(ctx, "t1") == [("sms", "+447700900123", "+447700900123", False)]


def test_an_erased_member_loses_phone_and_identities_and_no_import_brings_them_back(on):
    header = "member_id,name,email,constituency,phone\n"
    run(on, header + "t1,Pat Murphy,pat@example.org,tenant,07700 900123\n")
    assert data.erase(on, "t1", "officer")
    assert channels(on, "t1") == [] and members.get(on.db, "t1")["phone"] is None
    report = run(on, header + "t7,P Murphy,,tenant,+447700900123\n")  # same phone, new id
    assert report.imported == 0
    assert "this phone belongs to a member erased" in report.skipped[0].reason
    assert channels(on, "t7") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[organisation]\ndefault_country = 'XX'\n", "organisation.default_country: 'XX' is not"),
        ("[routing]\nfallback = ['sms', 'fax']\n", "routing.fallback: 'fax' is not sms or email"),
        ("[routing]\nfallback = ['sms', 'sms']\n", "routing.fallback: names a channel twice"),
        ("[routing]\nenabled = ['sms']\n", "routing.enabled: is not a setting"),
    ],
)
def test_routing_settings_are_checked(tmp_path, text, message):
    path = tmp_path / "mutual-voice.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_settings(path, environ={})


def test_routing_defaults_to_sms_then_email_with_none_switched_on(tmp_path):
    path = tmp_path / "mutual-voice.toml"
    path.write_text("[routing]\nfallback = ['email']\n")
    routing = load_settings(path, environ={}).policy.routing
    assert routing == Routing(fallback=("email",), enabled=())

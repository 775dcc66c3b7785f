"""The fake Twilio speaks as Twilio does: its signatures, written from Twilio's description,
are the ones the `twilio` library's RequestValidator checks, and it answers the real client
as Twilio does, refusals included."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from tests.fakes.twilio_api import FakeTwilio, segments_of, signature


@given(
    st.dictionaries(st.text(min_size=1, max_size=12), st.text(max_size=40), max_size=8),
    st.sampled_from(["https://voice.example.org/sms/inbound", "http://127.0.0.1:8445/s?row=7"]),
)
def test_the_signature_is_the_one_the_twilio_library_checks(params, url):
    token = "fake-twilio-auth-token"
    made = signature(url, params, token)
    assert made == RequestValidator(token).compute_signature(url, params)
    assert RequestValidator(token).validate(url, params, made)
    assert not RequestValidator("another-token").validate(url, params, made)


async def test_the_real_client_sends_and_meets_twilios_errors():
    async with FakeTwilio(burst=3, clock=lambda: 0.0) as fake:  # all in one second
        http = AsyncTwilioHttpClient()
        client = Client(fake.account_sid, fake.auth_token, http_client=http)
        client.api.base_url = fake.api_url
        try:
            sent = await client.messages.create_async(
                to="+447700900001", from_=fake.from_number, body="Tŷ " * 30
            )
            assert sent.sid.startswith("SM") and sent.num_segments == "2" == str(
                segments_of("Tŷ " * 30)
            )
            codes = []
            for to in ("07700 900002", "+447700900003", "+447700900004"):
                fake.stopped.add("+447700900003")
                try:
                    await client.messages.create_async(to=to, from_=fake.from_number, body="Hi")
                except TwilioRestException as error:
                    codes.append((error.code, error.status))
            assert codes == [(21211, 400), (21610, 400), (20429, 429)]
            bad = Client(fake.account_sid, "wrong-token", http_client=http)
            bad.api.base_url = fake.api_url
            try:
                await bad.messages.create_async(
                    to="+447700900005", from_=fake.from_number, body="x"
                )
            except TwilioRestException as error:
                assert (error.code, error.status) == (20003, 401)
            else:
                raise AssertionError("a wrong token was let in")
        finally:
            await http.close()

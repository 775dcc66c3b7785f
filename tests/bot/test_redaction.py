"""Library log lines keep their wording and numbers, never what members sent."""

from __future__ import annotations

import logging

import pytest

from bot.redaction import Withhold

SECRET = "Quokka Tangerine"


def line(name: str, msg: str, *args: object) -> str:
    record = logging.LogRecord(name, logging.DEBUG, __file__, 1, msg, args or None, None)
    Withhold().filter(record)
    return record.getMessage()


def test_a_telegram_api_call_keeps_its_method_not_its_parameters():
    text = line(
        "telegram.ext.ExtBot",
        "Calling Bot API endpoint `%s` with parameters `%s`",
        "sendMessage",
        {"chat_id": 501, "text": SECRET},
    )
    assert text == "Calling Bot API endpoint `sendMessage`"


def test_an_http_request_keeps_verb_method_and_status_not_the_address():
    text = line(
        "httpx",
        'HTTP Request: %s %s "%s %d %s"',
        "POST",
        "https://api.telegram.org/bot123:abc/answerCallbackQuery?data=x",
        "HTTP/1.1",
        200,
        "OK",
    )
    assert text == 'HTTP Request: POST …/answerCallbackQuery "… 200 OK"'


@pytest.mark.parametrize(
    ("name", "msg", "args", "expected"),
    [
        (
            "telegram.ext.Application",
            "Processing update %s",
            ({"data": SECRET},),
            "Processing update …",
        ),
        (
            "apscheduler.scheduler",
            "Added job %r to %d stores",
            (SECRET, 2),
            "Added job '…' to 2 stores",
        ),
        (
            "slack_sdk.web",
            f"Sending a request - url: POST x, json: {SECRET}",
            (),
            "Sending a request …",
        ),
        ("slack_bolt.App", f"{{'text': '{SECRET}'}}", (), "…"),
        ("httpcore.http11", "response_closed.complete", (), "response_closed.complete"),
    ],
)
def test_text_arguments_and_preformatted_tails_are_withheld(name, msg, args, expected):
    assert line(name, msg, *args) == expected


def test_the_products_own_lines_are_left_as_written():
    assert line("handlers.votes.admin", "opened vote %s: %d eligible", "agm", 5) == (
        "opened vote agm: 5 eligible"
    )

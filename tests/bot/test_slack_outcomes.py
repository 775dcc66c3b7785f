"""What a Slack refusal means for the outbox, whatever the body it came with."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.adapters.slack.delivery import outcome_of


def refusal(status: int, data: object) -> SlackApiError:
    response = AsyncSlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.example/api/chat.postMessage",
        req_args={},
        data=data,
        headers={},
        status_code=status,
    )
    return SlackApiError("refused", response)


def test_a_500_with_an_html_page_is_a_retry_named_by_its_status():
    outcome = outcome_of(refusal(500, "<html>Internal Server Error</html>"))
    assert outcome.error == "slack: HTTP 500" and not outcome.permanent


def test_a_json_error_keeps_its_code_and_details():
    gone = outcome_of(refusal(200, {"ok": False, "error": "channel_not_found"}))
    assert gone.unreachable == "channel_not_found"
    bad = {"ok": False, "error": "invalid_blocks", "response_metadata": {"messages": ["[0] x"]}}
    refused = outcome_of(refusal(200, bad))
    assert refused.error == "slack: invalid_blocks ([0] x)" and refused.permanent

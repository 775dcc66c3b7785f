"""The app manifest asks Slack for what the adapter uses, and the operator's guide explains it."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
yaml = pytest.importorskip("yaml")


def test_the_manifest_subscribes_to_what_the_adapter_handles() -> None:
    manifest = yaml.safe_load((ROOT / "slack-manifest.yaml").read_text(encoding="utf-8"))
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "message.im",
        "message.channels",
        "message.groups",
        "app_home_opened",
    }
    assert settings["interactivity"]["is_enabled"]
    assert manifest["features"]["app_home"]["home_tab_enabled"]
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == "/voice"
    urls = {command["url"], settings["event_subscriptions"]["request_url"]}
    assert urls == {settings["interactivity"]["request_url"]}
    assert urls.pop().endswith("/slack/events")  # the default slack.path
    needed = {"chat:write", "commands", "im:history", "im:write", "users:read", "users:read.email"}
    assert needed <= set(manifest["oauth_config"]["scopes"]["bot"])


def test_the_guide_covers_setting_up() -> None:
    text = (ROOT / "docs" / "operator-guide" / "slack.md").read_text(encoding="utf-8")
    assert text.startswith("# Connecting Slack\n")
    for needed in (
        "slack-manifest.yaml",
        "MUTUAL_VOICE_SLACK_BOT_TOKEN",
        "MUTUAL_VOICE_SLACK_SIGNING_SECRET",
        "MUTUAL_VOICE_SLACK_APP_TOKEN",
        "Socket Mode",
        "council_channel",
        "/voice help",
    ):
        assert needed in text, needed

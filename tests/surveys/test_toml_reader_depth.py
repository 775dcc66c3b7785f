"""A TOML file nested deeper than the reader can go is one clear line, not a traceback."""

import pytest

from bot.config import ConfigError, load_settings
from surveys.toml_reader import load_toml
from surveys.votes.definitions import VoteDefinitionError

DEEP = "a = " + "[" * 5000 + "]" * 5000 + "\n"
DEEP_TABLES = "a = " + "{b = " * 3000 + "1" + "}" * 3000 + "\n"


@pytest.mark.parametrize("text", [DEEP, DEEP_TABLES])
def test_a_vote_file_nested_too_deeply_is_named(tmp_path, text):
    path = tmp_path / "deep.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(VoteDefinitionError, match=r"deep\.toml: not valid TOML: nested too deeply"):
        load_toml(path, VoteDefinitionError)


def test_a_config_nested_too_deeply_is_named(tmp_path):
    path = tmp_path / "mutual-voice.toml"
    path.write_text(DEEP, encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML: nested too deeply"):
        load_settings(path)

"""ARCHITECTURE.md stays true: it names every package, only paths that exist, and the
import rule and the adapter convention it states hold in the code."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
LAYERS = ("bot", "handlers", "surveys", "storage")
PAGE = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
NAMED = set(re.findall(r"`([^`\s]+)`", PAGE))
PLATFORM_LIBRARIES = {
    "telegram": "bot/adapters/telegram/",
    "slack_bolt": "bot/adapters/slack/",
    "slack_sdk": "bot/adapters/slack/",
    "twilio": "bot/adapters/sms/",
}
ALLOWED = {
    "bot": {"bot", "handlers", "surveys", "storage"},
    "handlers": {"handlers", "surveys", "storage"},
    "surveys": {"surveys"},
    "storage": {"storage"},
}
SQL_CALLS = {"execute", "executemany", "executescript", "query"}


def packages() -> list[str]:
    return sorted(
        f"{init.parent.relative_to(ROOT).as_posix()}/"
        for layer in LAYERS
        for init in (ROOT / layer).rglob("__init__.py")
    )


def modules(layer: str) -> list[Path]:
    return sorted((ROOT / layer).rglob("*.py"))


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_every_package_is_on_the_page():
    found = packages()
    assert "handlers/votes/" in found and "bot/adapters/telegram/" in found
    missing = [package for package in found if package not in NAMED]
    assert not missing, f"ARCHITECTURE.md does not name {missing}"


def test_every_path_on_the_page_exists():
    paths = [
        name
        for name in NAMED
        if name.split("/")[0] in (*LAYERS, "tests") and "/" in name and "<" not in name
    ]
    assert len(paths) > 30
    assert not [path for path in paths if not (ROOT / path).exists()]


def test_every_module_a_package_line_names_is_in_that_package():
    """In "- `handlers/`: ... (`router.py`)", router.py is handlers/router.py."""
    checked = 0
    for package, text in re.findall(r"^- `([\w/]+/)`:(.*?)(?=^- |^#|\Z)", PAGE, re.M | re.S):
        for module in re.findall(r"`([\w]+\.py)`", text):
            assert (ROOT / package / module).is_file(), f"{package}{module}"
            checked += 1
    assert checked > 20


@pytest.mark.parametrize("layer", LAYERS)
def test_imports_point_one_way(layer):
    ours = set(LAYERS)
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in modules(layer)
        for name in imported(path)
        if name.split(".")[0] in ours and name.split(".")[0] not in ALLOWED[layer]
    ]
    assert not wrong


def test_only_its_own_adapter_imports_a_platform_library():
    wrong = []
    for layer in LAYERS:
        for path in modules(layer):
            where = path.relative_to(ROOT).as_posix()
            for name in imported(path):
                home = PLATFORM_LIBRARIES.get(name.split(".")[0])
                if home and not where.startswith(home):
                    wrong.append(f"{where} imports {name}")
    assert not wrong


def test_sql_is_run_only_in_storage():
    calls = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for layer in ("bot", "handlers", "surveys")
        for path in modules(layer)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in SQL_CALLS
    ]
    assert not calls


def test_each_platform_is_one_adapter_folder_with_start_app_stop(tmp_path):
    from bot.config import load_settings

    config = tmp_path / "mutual-voice.toml"
    config.write_text(
        '[telegram]\nenabled = true\n[slack]\nenabled = true\nmode = "socket"\n'
        '[whatsapp]\nphone_number_id = "1"\nbusiness_number = "+447700900000"\n'
        'verify_token = "verify-me"\n'
        '[email]\nsmtp_host = "smtp.example.org"\nusername = "voice"\nfrom_address = "voice@example.org"\n'
        '[web]\nenabled = true\npublic_url = "https://voice.example.org"\n'
        '[sms]\naccount_sid = "AC0123456789abcdef0123456789abcdef"\n'
        'from_number = "+447700900999"\n'
    )
    tokens = {
        "TELEGRAM_TOKEN": "1:x",
        "SLACK_BOT_TOKEN": "xoxb-x",
        "SLACK_APP_TOKEN": "xapp-x",
        "WHATSAPP_TOKEN": "EAAx",
        "WHATSAPP_APP_SECRET": "secret",
        "SMTP_PASSWORD": "secret",
        "TWILIO_AUTH_TOKEN": "twilio-token",
    }
    settings = load_settings(config, environ={f"MUTUAL_VOICE_{k}": v for k, v in tokens.items()})
    folders = {path.parent.name for path in (ROOT / "bot" / "adapters").glob("*/__init__.py")}
    assert folders == set(settings.platforms) == {"telegram", "slack", "whatsapp", "sms", "email"}
    for platform in settings.platforms:  # as bot/runner.py loads them
        adapter = importlib.import_module(f"bot.adapters.{platform}.adapter")
        assert inspect.iscoroutinefunction(adapter.start)
        assert list(inspect.signature(adapter.start).parameters) == ["app", "stop"]
    assert 'import_module(f"bot.adapters.{platform}.adapter")' in (
        ROOT / "bot" / "runner.py"
    ).read_text(encoding="utf-8")


def test_no_handler_imports_the_web_server():
    assert not [
        str(path.relative_to(ROOT))
        for path in modules("handlers")
        if any(name.split(".")[0] == "aiohttp" for name in imported(path))
    ]


@pytest.mark.parametrize("top", ("handlers", "bot/adapters", "surveys"))
def test_a_feature_is_a_folder_not_a_name_prefix(top):
    """`vote_admin.py` beside `votes/` (or `votes.py`) is what a feature package is for."""
    offenders = []
    for folder in [ROOT / top, *(p for p in (ROOT / top).rglob("*") if p.is_dir())]:
        names = {p.stem for p in folder.iterdir() if p.suffix == ".py" or p.is_dir()}
        names.discard("__init__")
        features = names | {name.rstrip("s") for name in names}
        offenders += [
            f"{folder.relative_to(ROOT)}/{name}"
            for name in names
            if "_" in name and name.split("_")[0] in features - {name}
        ]
    assert not offenders


@pytest.mark.parametrize("package", packages())
def test_every_package_opens_with_its_map(package):
    tree = ast.parse((ROOT / package / "__init__.py").read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"{package}__init__.py has no docstring"

"""The house rules of the layout (ARCHITECTURE.md): imports point one way, one folder per
feature, and every feature package opens with its map."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.helpers import ROOT

LAYERS = ("bot", "handlers", "surveys", "storage")
# What each layer may import of ours (DESIGN.md: bot -> handlers -> surveys, storage).
ALLOWED = {
    "bot": {"bot", "handlers", "surveys", "storage"},
    "handlers": {"handlers", "surveys", "storage"},
    "surveys": {"surveys"},
    "storage": {"storage"},
}
PLATFORM_LIBRARIES = {"telegram", "slack_bolt", "slack_sdk", "aiohttp"}
FEATURE_FOLDERS = ("handlers", "bot/adapters", "surveys")


def modules(layer: str) -> list[Path]:
    return sorted((ROOT / layer).rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Top-level names of everything a module imports, wherever in the module it does."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("layer", LAYERS)
def test_imports_point_one_way(layer: str) -> None:
    wrong = {
        str(path.relative_to(ROOT)): sorted(imported(path) & (set(LAYERS) - ALLOWED[layer]))
        for path in modules(layer)
    }
    assert {path: names for path, names in wrong.items() if names} == {}


def test_no_handler_imports_a_platform_library() -> None:
    wrong = {
        str(path.relative_to(ROOT)): sorted(imported(path) & PLATFORM_LIBRARIES)
        for path in modules("handlers")
    }
    assert {path: names for path, names in wrong.items() if names} == {}


@pytest.mark.parametrize("top", FEATURE_FOLDERS)
def test_a_feature_is_a_folder_not_a_name_prefix(top: str) -> None:
    """`vote_admin.py` beside `votes.py` is what a feature package is for."""
    offenders = []
    for folder in [ROOT / top, *(p for p in (ROOT / top).rglob("*") if p.is_dir())]:
        names = {p.stem for p in folder.iterdir() if p.suffix == ".py" or p.is_dir()}
        names.discard("__init__")
        features = {n.rstrip("s") for n in names} | names
        offenders += [
            f"{folder.relative_to(ROOT)}/{name}"
            for name in names
            if "_" in name and name.split("_")[0] in features - {name}
        ]
    assert offenders == []


def packages() -> list[Path]:
    return sorted(
        p.parent for layer in LAYERS for p in (ROOT / layer).rglob("__init__.py")
        if "__pycache__" not in p.parts
    )


@pytest.mark.parametrize("package", packages(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_package_opens_with_its_map(package: Path) -> None:
    tree = ast.parse((package / "__init__.py").read_text(encoding="utf-8"))
    assert ast.get_docstring(tree), f"{package.relative_to(ROOT)}/__init__.py has no docstring"


def test_a_channel_is_one_folder_with_an_adapter() -> None:
    channels = [p for p in (ROOT / "bot" / "adapters").iterdir() if (p / "__init__.py").exists()]
    assert {p.name for p in channels} >= {"telegram", "slack"}
    for channel in channels:
        tree = ast.parse((channel / "adapter.py").read_text(encoding="utf-8"))
        starts = [n for n in tree.body if isinstance(n, ast.AsyncFunctionDef) and n.name == "start"]
        assert starts, f"{channel.name}/adapter.py has no `async def start(app, stop)`"

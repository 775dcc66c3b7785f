"""The README's links to files point at files in this repository."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_every_relative_link_is_a_file_in_the_repository():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = [t for t in LINK.findall(text) if not re.match(r"[a-z]+:", t)]
    assert targets, "the README links to no files at all?"
    for target in targets:
        path = (ROOT / target).resolve()
        assert path.is_relative_to(ROOT.resolve()), f"{target} is outside the repository"
        assert path.exists(), f"{target} does not exist"

"""Every link in the documentation leads somewhere: README.md, ARCHITECTURE.md, PRIVACY.md
and every page under docs/ link only to files in this repository that exist, and to
headings that those pages have (anchors as a code host makes them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PAGES = sorted(
    [ROOT / "README.md", ROOT / "ARCHITECTURE.md", ROOT / "PRIVACY.md"]
    + list((ROOT / "docs").rglob("*.md")),
)
FENCE = re.compile(r"^\s*(```|~~~)")
CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
LINK = re.compile(r"\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")


def prose(text: str) -> list[str]:
    """The lines outside fenced code blocks, with inline code spans blanked."""
    lines, fenced = [], False
    for line in text.split("\n"):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(CODE_SPAN.sub("", line))
    return lines


def slug(heading: str) -> str:
    """A heading's anchor as GitHub makes it: markup dropped, lower case, punctuation
    removed, each space a hyphen."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link keeps its words
    text = text.replace("`", "").replace("*", "").strip().lower()
    return "".join(ch for ch in text if ch.isalnum() or ch in "-_ ").replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found: set[str] = set()
    lines, fenced = [], False
    for line in page.read_text(encoding="utf-8").split("\n"):
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    for line in lines:
        heading = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading:
            base = slug(heading.group(1))
            name, n = base, 0
            while name in found:  # a repeated heading gets -1, -2, ...
                n += 1
                name = f"{base}-{n}"
            found.add(name)
    return found


def links(page: Path) -> list[str]:
    return [
        target for line in prose(page.read_text(encoding="utf-8")) for target in LINK.findall(line)
    ]


def problems(page: Path, root: Path = ROOT) -> list[str]:
    found = []
    for target in links(page):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ...: not ours to check
            continue
        path_part, _, anchor = target.partition("#")
        path = (page.parent / path_part).resolve() if path_part else page
        if not path.is_relative_to(root.resolve()):
            found.append(f"{target}: outside the repository")
        elif not path.exists():
            found.append(f"{target}: no such file")
        elif anchor and path.suffix == ".md" and anchor not in anchors(path):
            found.append(f"{target}: no heading #{anchor} in {path.relative_to(root.resolve())}")
        elif anchor and path.suffix != ".md":
            found.append(f"{target}: an anchor into a file that is not Markdown")
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(ROOT).as_posix())
def test_every_link_and_anchor_leads_somewhere(page):
    assert page.exists()
    assert not problems(page)


def test_the_readme_links_to_the_guides_and_every_page_is_linked_from_somewhere():
    readme = {(ROOT / target.partition("#")[0]).resolve() for target in links(ROOT / "README.md")}
    for guide in (
        "docs/officer-guide/README.md",
        "docs/operator-guide/README.md",
        "docs/developer-guide.md",
        "ARCHITECTURE.md",
        "PRIVACY.md",
    ):
        assert (ROOT / guide).resolve() in readme, guide
    linked = {
        (page.parent / target.partition("#")[0]).resolve()
        for page in PAGES
        for target in links(page)
        if not re.match(r"[a-z][a-z0-9+.-]*:", target) and target.partition("#")[0]
    }
    orphans = [
        page.relative_to(ROOT).as_posix()
        for page in PAGES
        if page.resolve() not in linked and page != ROOT / "README.md"
    ]
    assert not orphans, f"no page links to {orphans}"


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        (
            'Digests: the council\'s weekly picture, and "you said, we did"',
            "digests-the-councils-weekly-picture-and-you-said-we-did",
        ),
        ("1. Create the app from the manifest", "1-create-the-app-from-the-manifest"),
        ("`/language` and the `[organisation]` table", "language-and-the-organisation-table"),
        ("A comment's language", "a-comments-language"),
        ("Quiet — or not", "quiet--or-not"),
    ],
)
def test_anchors_are_made_as_a_code_host_makes_them(heading, anchor):
    assert slug(heading) == anchor


def test_a_broken_link_or_anchor_is_caught(tmp_path):
    page = tmp_path / "page.md"
    (tmp_path / "other.md").write_text("# Other\n\n## Second part\n", encoding="utf-8")
    page.write_text(
        "# Page\n\n[ok](other.md#second-part) [self](#page) [gone](missing.md)\n"
        "[no such part](other.md#third-part) `[code](ignored.md)`\n\n"
        "```\n[fenced](ignored-too.md)\n```\n",
        encoding="utf-8",
    )
    assert problems(page, root=tmp_path) == [
        "missing.md: no such file",
        "other.md#third-part: no heading #third-part in other.md",
    ]

"""Real-world BLT files: each quirk reads, and counts, as the strict form of the same file."""

from __future__ import annotations

import re

import pytest

from surveys.votes.tally import blt, count_stv

# The strict form: quoted names and title, one ballot a line, every weight 1.
NAMES = ["Amber Hale", "Birch Moss", "Cedar Jones", "Dara Quinn"]
RANKINGS = [
    (1, 2),
    (1, 2),
    (1, 3, 4),
    (1,),
    (2, 1),
    (3, 4, 2),
    (3, 4, 2),
    (3, 4, 2),
    (3, 2),
    (4, 3),
    (4, 2, 1),
    (2, 4),
]
TITLE = "Riverside board 2026"


def strict(names: list[str] = NAMES, title: str = TITLE) -> str:
    ballots = [" ".join(map(str, (1, *ranking, 0))) for ranking in RANKINGS]
    quoted = [f'"{text}"' for text in (*names, title)]
    return "\n".join([f"{len(names)} 2", *ballots, "0", *quoted]) + "\n"


def outcome(text: str) -> tuple:
    """What a file means: the election, and the result of its count."""
    election = blt.parse(text)
    result = count_stv(election.expanded(), election.candidates, election.seats, seed=TITLE)
    return (
        election.title,
        election.candidates,
        election.seats,
        sorted(election.expanded()),
        result.to_dict(),
    )


def unquoted(text: str) -> str:
    return text.replace('"', "")


def no_final_newline(text: str) -> str:
    return text.rstrip("\n")


def spaces_and_blank_lines(text: str) -> str:
    """Spaces and tabs around and between everything, blank lines, Windows line ends, a BOM."""
    lines = []
    for line in text.splitlines():
        lines += ["", "   ", "  " + re.sub(r" ", "   \t ", line) + " \t"]
    return "\ufeff" + "\r\n".join(lines) + "\r\n\r\n"


def parts(text: str) -> tuple[list[str], list[str], list[str]]:
    """A file's lines before its ballots, its ballots, and from its line `0` on."""
    lines = text.splitlines()
    first = 2 if lines[1].startswith("-") else 1
    end = lines.index("0")
    return lines[:first], lines[first:end], lines[end:]


def weights(text: str) -> str:
    """Identical ballots given once, with how many there were as the weight."""
    head, ballots, rest = parts(text)
    grouped = {line: ballots.count(line) for line in dict.fromkeys(ballots)}
    weighted = [f"{n} {line.split(' ', 1)[1]}" for line, n in grouped.items()]
    return "\n".join([*head, *weighted, *rest]) + "\n"


def withdrawn(text: str) -> str:
    """A candidate 2 who withdrew (`-2`), ranked on some ballots: the others move up one."""
    head, ballots, rest = parts(text)
    moved_ballots = []
    for n, line in enumerate(ballots):
        weight, *prefs = line.split()
        moved = [str(int(p) + 1 if int(p) >= 2 else int(p)) for p in prefs]
        if n % 3 == 0:  # the withdrawn candidate first on some ballots, in the middle on others
            moved.insert(0, "2")
        elif n % 3 == 1 and len(moved) > 2:
            moved.insert(1, "2")
        moved_ballots.append(" ".join([weight, *moved]))
    candidates, seats = head[0].split()
    names = rest[1:]
    return "\n".join(
        [f"{int(candidates) + 1} {seats}", "-2", *moved_ballots, "0", names[0], '"Elm Withdrew"']
        + names[1:]
    )


@pytest.mark.parametrize(
    "quirk", [unquoted, no_final_newline, spaces_and_blank_lines, weights, withdrawn]
)
def test_each_quirk_counts_as_the_strict_form(quirk):
    assert outcome(quirk(strict())) == outcome(strict())


def test_all_quirks_at_once_count_as_the_strict_form():
    text = strict()
    for quirk in (weights, withdrawn, unquoted, spaces_and_blank_lines, no_final_newline):
        text = quirk(text)
    assert blt.parse(text).withdrawn == ("Elm Withdrew",)
    assert outcome(text) == outcome(strict())


def test_a_quote_inside_a_name_written_twice_or_once_or_bare():
    named = [*NAMES[:1], 'Jo SMITH "Independent"', *NAMES[2:]]
    expected = outcome(strict(named, TITLE))  # its name, as the strict form cannot write it
    for written in (
        '"Jo SMITH ""Independent"""',
        '"Jo SMITH "Independent""',
        'Jo SMITH "Independent"',
    ):
        text = strict().replace('"Birch Moss"', written)
        assert blt.parse(text).candidates[1] == 'Jo SMITH "Independent"', written
        assert outcome(text) == expected, written
    title = strict().replace(f'"{TITLE}"', '"The ""big"" count"')
    assert blt.parse(title).title == 'The "big" count'


def test_what_is_written_with_a_quote_reads_back_the_same():
    text = blt.write('Board "2026"', ['Jo "Red" Smith', "Amber"], 1, [(("Amber",), 2)])
    assert text.splitlines()[3:] == ['"Jo ""Red"" Smith"', '"Amber"', '"Board ""2026"""']
    again = blt.parse(text)
    assert again.candidates == ('Jo "Red" Smith', "Amber") and again.title == 'Board "2026"'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '2 1\n1 1 0\n0\n"Amber\n"Birch"\n',
            "line 4: the name of candidate 1 opens a double quote",
        ),
        ('2 1\n0\n"A"\n"B"\n"Chair\n', "line 5: the title opens a double quote and never closes"),
        (
            '2 1\n0\n"A"\n"Jo "Red"" Smith"\n',
            "line 4: the name of candidate 2 has quotes inside written both once and twice",
        ),
        ('2 1\n0\n"A"\n""\n', "line 4: the name of candidate 2 is empty"),
        ("2 1\n0\nA\nA\n", "candidate names: two candidates have the same name"),
    ],
)
def test_only_what_reads_two_ways_is_refused_naming_the_line(text, message):
    with pytest.raises(blt.BltError) as raised:
        blt.parse(text)
    assert str(raised.value).startswith(message)

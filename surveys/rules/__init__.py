"""The society's rules as a file: who votes, notice, quorum, resolutions, proxies, elections.

Entry points: `reader.load_rules_file` / `reader.parse_rules` read a `rules.toml` into a
`model.Rules` (every problem is one `RulesError` line naming the file, the line where
it can, the key and the reason; `reader.problems` lists them all at once);
`Rules.summary()` says the rules in plain words; `model.Share` is a resolution's threshold. Pure: no I/O beyond reading the file.
Uses: `surveys.toml_reader`, `surveys.wording`.
"""

from surveys.rules.model import (
    Elections,
    Eligibility,
    Nominations,
    Notice,
    Proxies,
    Quorum,
    Rules,
    RulesError,
    Share,
)
from surveys.rules.reader import load_rules_file, parse_rules, problems

__all__ = [
    "Elections",
    "Eligibility",
    "Nominations",
    "Notice",
    "Proxies",
    "Quorum",
    "Rules",
    "RulesError",
    "Share",
    "load_rules_file",
    "parse_rules",
    "problems",
]

"""The VarSet filter in asterisk-config/manager.conf: it drops every variable the CRM does
not read and keeps the ones it does (the recording's file, the dialer's answering machine).

Asterisk's filter regexes are POSIX (no look-ahead), so "any name but these" is spelled out
as a prefix tree; ``not_one_of`` builds it, and the file must hold exactly its output. To keep
another variable, add it to KEPT and paste the pattern this test prints when it fails.
"""

from __future__ import annotations

import re
from pathlib import Path

from ami.tracker.features import AMD_VARIABLE, RECORDING_VARIABLE

ROOT = Path(__file__).resolve().parents[2]
KEPT = (AMD_VARIABLE, RECORDING_VARIABLE)
FILTER = "eventfilter(action(exclude),name(VarSet),header(Variable),method(regex)) = "


def not_one_of(names: tuple[str, ...]) -> str:
    """A POSIX regex matching every variable name except ``names`` (also with the "_" and
    "__" inheritance prefixes): one branch per prefix of a kept name that leaves it."""
    prefixes = sorted({name[:i] for name in names for i in range(len(name) + 1)})
    branches = []
    for prefix in prefixes:
        following = "".join(
            sorted({n[len(prefix)] for n in names if n.startswith(prefix) and n != prefix})
            + (["_"] if not prefix else [])  # a name's own leading "_" belongs to "_?_?"
        )
        if prefix in names:
            branches.append(f"{prefix}[^{following}]" if following else f"{prefix}.")
        else:
            branches.append(f"{prefix}([^{following}]|$)")
    return "^(___|_?_?(" + "|".join(branches) + "))"


def conf_pattern() -> str:
    lines = (ROOT / "asterisk-config" / "manager.conf").read_text().splitlines()
    [line] = [line for line in lines if line.startswith(FILTER)]
    return line[len(FILTER) :]


def test_the_file_holds_the_pattern_built_from_the_kept_names() -> None:
    expected = not_one_of(KEPT)
    assert conf_pattern() == expected, f"put this in manager.conf:\n{FILTER}{expected}"


def test_the_kept_variables_pass_and_every_other_one_in_the_transcripts_is_dropped() -> None:
    drops = re.compile(conf_pattern())
    for name in KEPT:
        for prefix in ("", "_", "__"):
            assert not drops.search(prefix + name), prefix + name
        assert drops.search("___" + name)
    seen = set()
    for path in (ROOT / "tests" / "fixtures" / "ami").glob("*.ami.txt"):
        seen |= set(re.findall(r"Event: VarSet\r?\n(?:.*\r?\n)*?Variable: (\S+)", path.read_text()))
    assert seen - set(KEPT), "the transcripts hold other variables to check against"
    for name in seen - set(KEPT):
        assert drops.search(name.lstrip("_") if name.startswith("___") else name), name


def test_names_near_a_kept_one_are_dropped() -> None:
    drops = re.compile(conf_pattern())
    for name in KEPT:
        near = {name[:i] for i in range(len(name))}  # cut short
        near |= {name + "X", name + "_", "X" + name}  # longer, or another start
        near |= {name[:i] + "Z" + name[i + 1 :] for i in range(len(name))}  # one letter off
        for other in near - set(KEPT):
            assert drops.search(other), other

"""Coverage-guided fuzzing of the PBX listener's hearing with atheris (libFuzzer).

    .venv/bin/pip install atheris
    .venv/bin/python bench/fuzz_ami.py -max_total_time=600 -rss_limit_mb=4096

The target is ``tests/fuzz/ami_target.py`` (the parser, event typing, tracker, floor board
and the dialer's watch, with the database's limits checked on everything they hand on),
seeded from the recorded Asterisk sessions in ``tests/fixtures/ami``. libFuzzer prints
executions, coverage (``cov:``) and features as it goes, and stops at the first crash with
the input saved as ``crash-*``; it ends with ``Done <executions> runs in <seconds> second(s)``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

with atheris.instrument_imports(include=["ami"]):
    from tests.fuzz import ami_target


def one_input(data: bytes) -> None:
    ami_target.run(data)


def main() -> None:
    corpus = Path(tempfile.mkdtemp(prefix="ami-corpus-"))
    for number, seed in enumerate(ami_target.seeds()):
        (corpus / f"seed-{number}").write_bytes(bytes([7]) + seed)
    args = [sys.argv[0], *sys.argv[1:], "-max_len=200000", str(corpus)]
    atheris.Setup(args, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()

"""Coverage-guided fuzzing of the PBX listener's hearing with atheris (libFuzzer).

    .venv/bin/pip install atheris
    .venv/bin/python bench/fuzz_ami.py -max_total_time=600 -rss_limit_mb=4096

The target is ``tests/fuzz/ami_target.py`` (the parser, event typing, tracker, floor board
and the dialer's watch, with the database's limits checked on everything they hand on),
seeded from the recorded Asterisk sessions in ``tests/fixtures/ami``. libFuzzer prints
executions, coverage (``cov:``) and features as it goes, and stops at the first crash with
the input saved as ``crash-*``; at the end this prints a one-line summary.
"""

from __future__ import annotations

import atexit
import sys
import tempfile
import time
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

with atheris.instrument_imports(include=["ami"]):
    from tests.fuzz import ami_target

runs = 0


def one_input(data: bytes) -> None:
    global runs
    runs += 1
    ami_target.run(data)


def main() -> None:
    corpus = Path(tempfile.mkdtemp(prefix="ami-corpus-"))
    for number, seed in enumerate(ami_target.seeds()):
        (corpus / f"seed-{number}").write_bytes(bytes([7]) + seed)
    args = [sys.argv[0], *sys.argv[1:], "-max_len=200000", str(corpus)]
    started = time.monotonic()

    def summary() -> None:  # libFuzzer ends the process itself, by exit()
        elapsed = max(time.monotonic() - started, 1e-9)
        print(f"fuzz_ami: {runs} executions in {elapsed:.0f} s ({runs / elapsed:.0f}/s)")

    atexit.register(summary)
    atheris.Setup(args, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()

"""The CSV writer never lets a cell start a formula, however a spreadsheet splits the file."""

from __future__ import annotations

import csv
import io
import random
import re
import time

import pytest

from callcenter.exports.csvfile import CsvWriter

SEPARATORS = (",", ";", "\t")
DANGEROUS = (
    "a;=1+2",
    "=cmd|'/c calc'!A0",
    'x,=HYPERLINK("http://evil")',
    "note\t@SUM(1)",
    "ok\n-2+3+cmd|' /C calc'!A0",
    "a; =1",
    "a;\t=1",
    "\r=1",
    "+1+cmd|'/c calc'!A0",
    '","=1+2',
    "a;+7 999;=1",
)
# digits and signs only, ending in a digit or ")" (a quote after it is a syntax error): no
# reference or function, so nothing is computed
NUMBER_LIKE = re.compile(r'[+-][\d ().+,;-]*[\d)](?:".*)?', re.DOTALL)


def written(values: list[str], delimiter: str) -> str:
    writer = CsvWriter(["v"] * len(values), delimiter=delimiter, timezone="UTC")
    return (writer.start() + writer.rows([tuple(values)])).decode("utf-8-sig")


def formula_cells(text: str, splitter: str) -> list[str]:
    """The cells of ``text`` that would start a formula if a spreadsheet split it on
    ``splitter`` with no regard for quotes (the worst reading: a quote in mid-field)."""
    cells = re.split(re.escape(splitter) + "|\r\n|\n|\r", text)
    bad = []
    for cell in cells:
        bare = cell.lstrip(' \t\r\n"')
        if bare[:1] in ("=", "@") or (bare[:1] in ("+", "-") and not NUMBER_LIKE.fullmatch(bare)):
            bad.append(cell)
    return bad


@pytest.mark.parametrize("delimiter", SEPARATORS)
@pytest.mark.parametrize("splitter", SEPARATORS)
def test_no_cell_starts_a_formula_whichever_separator_the_spreadsheet_uses(
    delimiter: str, splitter: str
) -> None:
    text = written(list(DANGEROUS), delimiter)
    assert formula_cells(text, splitter) == []
    for reading in SEPARATORS:  # a quote-aware reader with any separator: no formula either
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=reading):
            assert formula_cells(reading.join(row), reading) == []


def test_a_comma_file_keeps_each_value_whole_in_quotes_with_the_formula_defused() -> None:
    text = written(["a;=1+2", "=cmd|'/c calc'!A0", "+7 999"], ",")
    assert text.splitlines()[1] == '"a;\'=1+2","\'=cmd|\'/c calc\'!A0","+7 999"'
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[1] == ["a;'=1+2", "'=cmd|'/c calc'!A0", "+7 999"]


@pytest.mark.parametrize(
    "phone", ["+7 999", "+79161234567", "+7 (916) 123-45-67", "-5", "+7 916 123-45-67"]
)
def test_phone_numbers_and_negative_numbers_read_as_they_are(phone: str) -> None:
    for delimiter in SEPARATORS:
        rows = list(csv.reader(io.StringIO(written([phone], delimiter)), delimiter=delimiter))
        assert rows[1] == [phone]


def test_several_phones_in_one_cell_stay_readable() -> None:
    text = written(["+74957654321, +79161234567"], ";")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[1] == ["+74957654321, +79161234567"]


def test_random_text_never_yields_a_formula_cell_and_round_trips_but_for_the_marks() -> None:
    rng = random.Random(20261207)
    alphabet = "=+-@;,\t\r\n \"'ab1(|!"
    for _ in range(2000):
        value = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        for delimiter in SEPARATORS:
            text = written([value, "tail"], delimiter)
            for splitter in SEPARATORS:
                assert formula_cells(text, splitter) == [], (value, delimiter, splitter)
            row = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))[1]
            assert row[1] == "tail" and row[0].replace("'", "") == value.replace("'", "")


@pytest.mark.parametrize(
    "value",
    [
        ";-1" * 200_000 + "x",
        ";-1" * 200_000,
        " " * 10**6 + "=1",
        "+" + "1 " * 500_000,
        "-" * 10**6 + "1",
    ],
)
def test_a_huge_value_is_defused_in_linear_time(value: str) -> None:
    started = time.perf_counter()
    text = written([value], ";")
    # linear takes well under a second; quadratic would take minutes: the bound leaves room
    # for a machine busy with other work without letting a quadratic defuse through
    assert time.perf_counter() - started < 10.0
    for splitter in SEPARATORS:
        assert formula_cells(text, splitter) == []

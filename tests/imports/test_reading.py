"""Reading uploaded tables: encodings, delimiters, XLSX cells, and files that cannot be read."""

from __future__ import annotations

import codecs
import io

import pytest

from callcenter.imports.exceptions import ImportInvalid
from callcenter.imports.limits import UploadLimits
from callcenter.imports.reading import FileShape, cell_text, detect_shape, read_head, read_rows
from tests.imports.support import csv_bytes, xlsx_bytes

LIMITS = UploadLimits()
ROWS = [
    ["ФИО", "Телефон", "Адрес", "Примечание"],
    [
        "Щукин Ёжик Эдуардович",
        "+7 916 123-45-67",
        "Москва, ул. Ленина, д. 1",
        "звонить после 18:00",
    ],
    ["Гусева Юлия", "8 (495) 765-43-21", "Санкт-Петербург; Невский пр.", "опт, скидка 5%"],
]


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("utf-8", b""),
        ("utf-8", codecs.BOM_UTF8),
        ("cp1251", b""),
        ("koi8_r", b""),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
    ],
)
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_in_any_common_encoding_and_delimiter_reads_the_same(
    encoding: str, prefix: bytes, delimiter: str
) -> None:
    content = prefix + csv_bytes(ROWS, encoding=encoding, delimiter=delimiter)
    shape = detect_shape(content)
    assert shape.file_format == "csv"
    assert shape.delimiter == delimiter
    assert [cells for _line, cells in read_rows(content, shape, LIMITS)] == ROWS


def test_utf16_as_excel_saves_unicode_text_with_a_bom_and_tabs() -> None:
    content = csv_bytes(ROWS, encoding="utf-16", delimiter="\t")  # Python writes the BOM
    shape = detect_shape(content)
    assert (shape.encoding, shape.delimiter) == ("utf-16", "\t")
    headers, sample = read_head(content, shape, 5, LIMITS)
    assert headers == ROWS[0] and [cells for _l, cells in sample] == ROWS[1:]


def test_lines_are_numbered_as_the_spreadsheet_shows_them_skipping_empty_rows() -> None:
    content = csv_bytes([ROWS[0], ["", "", "", ""], ROWS[1], [], ROWS[2]])
    lines = [line for line, _cells in read_rows(content, detect_shape(content), LIMITS)]
    assert lines == [1, 3, 5]


def test_xlsx_cells_come_out_as_typed_numbers_without_a_trailing_zero() -> None:
    content = xlsx_bytes([["Имя", "Телефон", "ИНН"], ["Иванов", 79161234567, 7736207543.0]])
    shape = detect_shape(content)
    assert shape.file_format == "xlsx"
    headers, sample = read_head(content, shape, 5, LIMITS)
    assert headers == ["Имя", "Телефон", "ИНН"]
    assert sample == [(2, ["Иванов", "79161234567", "7736207543"])]


def test_xlsx_dates_gaps_booleans_and_sheet_line_numbers() -> None:
    from datetime import datetime

    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet["A1"], sheet["D1"] = "Имя", "Дата"
    sheet["A2"], sheet["D2"] = "Иванов", datetime(2024, 3, 1)
    sheet["A5"], sheet["B5"], sheet["D5"] = "Петров", True, datetime(2024, 3, 1, 9, 30)
    sheet["C5"] = "=1+1"  # a formula without a cached value reads as empty
    buffer = io.BytesIO()
    workbook.save(buffer)
    rows = list(read_rows(buffer.getvalue(), FileShape("xlsx"), LIMITS))
    assert rows == [
        (1, ["Имя", "", "", "Дата"]),
        (2, ["Иванов", "", "", "2024-03-01"]),
        (5, ["Петров", "1", "", "2024-03-01 09:30:00"]),
    ]


def test_cell_texts() -> None:
    from datetime import date, datetime

    assert cell_text(None) == "" and cell_text(2.5) == "2.5" and cell_text(True) == "1"
    assert cell_text(datetime(2024, 3, 1)) == "2024-03-01"
    assert cell_text(datetime(2024, 3, 1, 9, 30)) == "2024-03-01 09:30:00"
    assert cell_text(date(2024, 3, 1)) == "2024-03-01"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old .xls"),
        (b"PK\x03\x04 not really a zip", "not a readable XLSX"),
    ],
)
def test_unreadable_files_say_why(content: bytes, message: str) -> None:
    with pytest.raises(ImportInvalid) as caught:
        shape = detect_shape(content)
        read_head(content, shape, 1, LIMITS)
    assert message in caught.value.message

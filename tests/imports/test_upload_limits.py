"""The bounds every read of an upload keeps: the workbook's archive and XML, the CSV's text."""

from __future__ import annotations

import io
import random
import time
import zipfile

import pytest

from callcenter.demo import FIRST, LAST
from callcenter.imports.exceptions import ImportInvalid
from callcenter.imports.limits import ImportTooBig, UploadLimits, column_letters
from callcenter.imports.reading import detect_shape, read_head, read_rows
from callcenter.imports.xlsx_archive import Budget, Part
from tests.imports.bombs import (
    SHARED,
    SHEET,
    WORKBOOK,
    cell,
    header_sheet,
    laughs_sheet,
    many_entries,
    shared_strings_bomb,
    sheet_xml,
    workbook,
    xxe_sheet,
)
from tests.imports.support import csv_bytes, xlsx_bytes

LIMITS = UploadLimits()
NOT_A_WORKBOOK = "not a readable XLSX workbook"


def _all_rows(content: bytes, limits: UploadLimits = LIMITS, name: str = "") -> list:
    return list(read_rows(content, detect_shape(content, name), limits))


def _refusal(content: bytes, limits: UploadLimits = LIMITS, name: str = "") -> ImportInvalid:
    """The refusal, which must come at once whatever the file claims."""
    started = time.perf_counter()
    with pytest.raises(ImportInvalid) as caught:
        _all_rows(content, limits, name)
    assert time.perf_counter() - started < 2
    return caught.value


def _said(error: ImportInvalid) -> str:
    return error.message % error.params if error.params else error.message


@pytest.mark.parametrize(
    ("index", "letters"),
    [(0, "A"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA"), (16383, "XFD"), (475254, "AAAAA")],
)
def test_column_letters_as_a_spreadsheet_names_them(index: int, letters: str) -> None:
    assert column_letters(index) == letters


def test_a_cell_at_column_aaaaa_is_refused_at_once_naming_it() -> None:
    error = _refusal(workbook(header_sheet(cell("AAAAA1", "x"))))
    assert "AAAAA1" in _said(error) and "XFD1048576" in _said(error)


def test_an_empty_stray_cell_far_right_is_dropped_not_stored_as_columns() -> None:
    content = workbook(header_sheet('<c r="XFD1"/>', cell("XFD2", "")))
    headers, sample = read_head(content, detect_shape(content), 5, LIMITS)
    assert headers == ["Name", "Phone"]
    assert sample == [(2, ["Анна", "+79161234567"])]


def test_data_beyond_the_column_limit_is_refused_naming_the_cell_and_the_limit() -> None:
    error = _refusal(workbook(header_sheet(cell("GS1", "Notes"))))  # GS is the 201st
    assert isinstance(error, ImportTooBig)
    assert _said(error).startswith("Cell GS1 holds data") and "first 200 columns" in _said(error)
    assert "(up to GR)" in _said(error)


def test_the_last_column_within_the_limit_is_read() -> None:
    content = workbook(header_sheet(cell("GR1", "Notes")))
    headers, _sample = read_head(content, detect_shape(content), 1, LIMITS)
    assert len(headers) == 200 and headers[-1] == "Notes"


def test_a_configured_column_limit_applies_to_csv_and_xlsx_alike() -> None:
    narrow = UploadLimits(max_columns=2)
    for content in (
        csv_bytes([["Name", "Phone", "Notes"], ["a", "b", "c"]]),
        xlsx_bytes([["Name", "Phone", "Notes"], ["a", "b", "c"]]),
    ):
        assert "Cell C1 holds data" in _said(_refusal(content, narrow))


@pytest.mark.parametrize("ref", ["A1:AAAAA1", "A1:B1048577", "XFE1"])
def test_a_dimension_beyond_the_last_cell_of_a_sheet_is_refused(ref: str) -> None:
    error = _refusal(workbook(sheet_xml('<row r="1"><c r="A1"/></row>', dimension=ref)))
    assert "beyond XFD1048576" in _said(error)


def test_a_row_number_beyond_the_last_row_of_a_sheet_is_refused() -> None:
    rows = f'<row r="1">{cell("A1", "Name")}</row><row r="1048577">{cell("A1048577", "x")}</row>'
    assert "beyond XFD1048576" in _said(_refusal(workbook(sheet_xml(rows))))


@pytest.mark.parametrize("ref", ["a1", "1", "A1B2", "Ы1", "A-1", "AAAAAAAAAAAA1"])
def test_a_malformed_cell_reference_is_an_unreadable_workbook_not_a_crash(ref: str) -> None:
    rows = f'<row r="1">{cell("A1", "Name")}{cell(ref, "x")}</row>'
    assert NOT_A_WORKBOOK in _said(_refusal(workbook(sheet_xml(rows))))


def test_rows_beyond_the_row_limit_are_refused_the_header_still_reads() -> None:
    few = UploadLimits(max_rows=3)
    rows = f'<row r="1">{cell("A1", "Name")}</row>' + "".join(
        f'<row r="{i}">{cell(f"A{i}", f"n{i}")}</row>' for i in range(2, 6)
    )
    for content in (
        csv_bytes([["Name"]] + [[f"n{i}"] for i in range(4)]),
        workbook(sheet_xml(rows)),  # no dimension: the rows are counted as they come
    ):
        assert read_head(content, detect_shape(content), 2, few)[0] == ["Name"]
        error = _refusal(content, few)
        assert _said(error) == "The file has more than 3 rows: split it into smaller files"
        assert len(_all_rows(content, UploadLimits(max_rows=4))) == 5


def test_a_dimension_claiming_more_rows_than_the_limit_is_refused_at_the_header() -> None:
    sheet = sheet_xml(f'<row r="1">{cell("A1", "Name")}</row>', dimension="A1:A1000")
    content = workbook(sheet)
    with pytest.raises(ImportTooBig):
        read_head(content, detect_shape(content), 0, UploadLimits(max_rows=998))
    assert read_head(content, detect_shape(content), 0, UploadLimits(max_rows=999))[0] == ["Name"]


def test_a_shared_strings_bomb_is_refused_before_it_is_inflated() -> None:
    content = workbook(header_sheet(), **{SHARED.replace("/", "__"): shared_strings_bomb(60)})
    assert len(content) < 1024 * 1024
    error = _refusal(content)
    assert "xl/sharedStrings.xml unpacks to" in _said(error) and "below 100" in _said(error)


def _random_text(size: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(size))


def test_more_shared_strings_than_the_limit_are_refused() -> None:
    strings = "".join(f"<si><t>{i}</t></si>" for i in range(11))
    shared = (
        f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{strings}</sst>'
    )
    content = workbook(header_sheet(), **{SHARED.replace("/", "__"): shared})
    error = _refusal(content, UploadLimits(max_shared_strings=10))
    assert _said(error) == "The workbook has more than 10 different texts"
    assert _all_rows(content, UploadLimits(max_shared_strings=11))


def test_a_workbook_unpacking_beyond_the_size_limit_is_refused_from_its_directory() -> None:
    rows = f'<row r="1">{cell("A1", "Name")}{cell("B1", _random_text(1_200_000))}</row>'
    content = workbook(sheet_xml(rows))
    small = UploadLimits(max_unzipped_bytes=1024 * 1024, max_cell_chars=2_000_000)
    assert _said(_refusal(content, small)).startswith("The workbook unpacks to more than 1 MB")


def test_a_part_inflating_beyond_the_budget_is_stopped_while_it_is_read() -> None:
    part = Part(
        io.BytesIO(b"<x>" + b"y" * 200_000 + b"</x>"),
        Budget(UploadLimits(max_unzipped_bytes=100_000)),
    )
    with pytest.raises(ImportTooBig):
        while part.read(16 * 1024):
            pass


def test_a_zip_of_ten_thousand_entries_is_refused_from_its_end_record() -> None:
    error = _refusal(many_entries(10_000))
    assert "packs more than 1000 files" in _said(error)


def test_the_entry_limit_counts_every_entry() -> None:
    content = workbook(header_sheet(), xl__media__a="")  # 6 entries
    assert "packs more than 5 files" in _said(_refusal(content, UploadLimits(max_entries=5)))
    assert read_head(content, detect_shape(content), 0, UploadLimits(max_entries=6))


@pytest.mark.parametrize(
    "parts",
    [
        {SHEET: xxe_sheet()},
        {SHEET: laughs_sheet()},
        {
            SHEET: header_sheet(),
            SHARED: '<!DOCTYPE sst [<!ENTITY e SYSTEM "/etc/hostname">]><sst/>',
        },
        {SHEET: header_sheet(), "xl/workbook.xml": '<!DOCTYPE w SYSTEM "http://x/">' + WORKBOOK},
        {SHEET: xxe_sheet().encode("utf-16")},
        {SHEET: xxe_sheet().encode("utf-16-be")},
        {SHEET: '<?xml version="1.0" encoding="cp037"?>' + header_sheet()},
    ],
    ids=["xxe", "billion-laughs", "shared-strings", "workbook", "utf-16", "utf-16-be", "ebcdic"],
)
def test_a_dtd_anywhere_is_refused_before_the_parser_meets_it(parts: dict[str, str]) -> None:
    parts = dict(parts)
    sheet = parts.pop(SHEET)
    content = workbook(sheet, **{name.replace("/", "__"): part for name, part in parts.items()})
    assert _said(_refusal(content)) == "This file is not a readable XLSX workbook"


def test_a_dtd_split_across_two_reads_is_still_seen() -> None:
    padding = " " * (64 * 1024 - 5)  # "<!DOC" ends the first read, "TYPE" begins the next
    sheet = f'<?xml version="1.0"?>{padding}<!DOCTYPE w [<!ENTITY e "x">]>' + header_sheet()
    assert NOT_A_WORKBOOK in _said(_refusal(workbook(sheet)))


def test_an_archive_packed_with_other_than_deflate_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_BZIP2) as zipped:
        zipped.writestr("xl/workbook.xml", WORKBOOK)
    assert NOT_A_WORKBOOK in _said(_refusal(buffer.getvalue()))


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "a.xlsx", "The file is empty"),
        (b"   \r\n", "a.csv", "The file is empty"),
        (b"PK\x03\x04" + bytes(range(256)) * 4, "a.xlsx", NOT_A_WORKBOOK),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, "clients.xlsx", NOT_A_WORKBOOK),
        (b"\x00\x01\x02garbage\x00" * 100, "a.csv", "Cannot tell the file's encoding"),
        (bytes(range(256)) * 100, "a.csv", "Cannot tell the file's encoding"),
    ],
)
def test_garbage_and_empty_files_say_why(content: bytes, name: str, message: str) -> None:
    assert message in _said(_refusal(content, name=name))


def test_a_truncated_workbook_is_refused_wherever_it_was_cut() -> None:
    content = xlsx_bytes([["Name", "Phone"]] + [[f"Клиент {i}", i] for i in range(2000)])
    for cut in range(4, len(content), max(1, len(content) // 60)):
        with pytest.raises(ImportInvalid):
            _all_rows(content[:cut])


def test_a_damaged_workbook_reads_or_is_refused_never_crashes() -> None:
    """Bytes of a real workbook changed at random: every outcome is rows or a refusal."""
    content = bytearray(xlsx_bytes([["Name", "Phone"]] + [[f"n{i}", i] for i in range(200)]))
    rng = random.Random(7)
    outcomes = {"read": 0, "refused": 0}
    for _ in range(300):
        damaged = bytearray(content)
        for _ in range(rng.randint(1, 8)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        try:
            _all_rows(bytes(damaged), name="a.xlsx")
            outcomes["read"] += 1
        except ImportInvalid:
            outcomes["refused"] += 1
    assert outcomes["refused"] > 0 and sum(outcomes.values()) == 300


def test_xml_that_is_not_xml_inside_a_workbook_is_refused() -> None:
    for sheet in ("<worksheet><sheetData><row", "not xml", sheet_xml('<row r="x"></row>')):
        assert NOT_A_WORKBOOK in _said(_refusal(workbook(sheet)))


def test_a_shared_string_index_out_of_range_is_refused() -> None:
    rows = '<row r="1"><c r="A1" t="s"><v>5</v></c></row>'
    assert NOT_A_WORKBOOK in _said(_refusal(workbook(sheet_xml(rows))))


def test_a_cell_longer_than_a_spreadsheet_cell_is_refused_in_both_formats() -> None:
    long = "я" * 32_768  # openpyxl cuts a cell to 32,767: the sheet is written here
    rows = f'<row r="1">{cell("A1", "Name")}</row><row r="2">{cell("A2", long)}</row>'
    for content in (csv_bytes([["Name"], [long]]), workbook(sheet_xml(rows))):
        assert "Cell A2 holds more than 32767 characters" in _said(_refusal(content))
    assert _all_rows(csv_bytes([["Name"], ["я" * 32_767]]))


def test_a_csv_of_one_endless_line_is_refused_after_a_bounded_read() -> None:
    content = b"Name\n" + b"a" * (40 * 1024 * 1024)
    assert _said(_refusal(content)) == "Line 2 of the file is longer than 1048576 characters"


def test_a_csv_field_of_endless_quoted_lines_is_refused() -> None:
    content = b'Name,Notes\nx,"' + b"line\n" * 2_000_000 + b'"\n'
    error = _refusal(content)
    assert _said(error) == (
        "Line 2 has a cell of more than 32767 characters, more than a spreadsheet's"
    )


def test_a_csv_row_of_a_million_columns_is_refused_if_it_holds_data_beyond_the_limit() -> None:
    content = b"Name,Phone\n" + b"," * 1_000_000 + b"x\n"
    error = _refusal(content)
    assert f"Cell {column_letters(1_000_000)}2 holds data" in _said(error)


def test_a_csv_row_of_a_million_empty_columns_is_cut_to_the_limit() -> None:
    content = b"Name,Phone" + b"," * 1_000_000 + b"\nx,y\n"
    headers, sample = read_head(content, detect_shape(content), 1, LIMITS)
    assert headers == ["Name", "Phone"] and sample == [(2, ["x", "y"])]


def test_a_csv_of_empty_lines_counts_them_against_the_row_limit() -> None:
    content = b"Name\n" + b"\n" * 2_000_000
    assert "more than 10000 rows" in _said(_refusal(content, UploadLimits(max_rows=10_000)))


def test_the_encoding_is_told_from_where_the_text_stops_being_ascii() -> None:
    ascii_part = csv_bytes([["Телефон"]], encoding="cp1251") + b"+79161234567\r\n" * 40_000
    content = ascii_part + csv_bytes([["Иванов Пётр Сергеевич"]] * 50, encoding="cp1251")
    shape = detect_shape(content)
    assert shape.encoding == "cp1251"
    assert _all_rows(content)[-1][1] == ["Иванов Пётр Сергеевич"]


def test_detecting_a_large_file_takes_a_bounded_look() -> None:
    names = [f"{last} {first}" for last in LAST for first in FIRST]
    block = csv_bytes(
        [[names[i % len(names)], f"+7916{i:07d}"] for i in range(10_000)], encoding="cp1251"
    )
    content = csv_bytes([["Имя", "Телефон"]], encoding="cp1251") + block * 100
    assert len(content) > 25 * 1024 * 1024
    started = time.perf_counter()
    assert detect_shape(content).encoding == "cp1251"
    assert time.perf_counter() - started < 2


def test_a_genuine_large_workbook_is_within_every_limit() -> None:
    """What the import benchmark brings (100,000 clients, 4 MB), in the shape openpyxl saves
    it: the sheet packs about ten to one; here 10,000 rows of it."""
    content = xlsx_bytes(
        [["ФИО", "Телефон", "E-mail", "Адрес"]]
        + [
            [
                f"Иванов Иван {i}",
                f"8 (916) {i:07d}",
                f"client{i}@example.ru",
                "Москва, ул. Тверская",
            ]
            for i in range(10_000)
        ]
    )
    infos = zipfile.ZipFile(io.BytesIO(content)).infolist()
    assert max(i.file_size / i.compress_size for i in infos if i.file_size > 1024 * 1024) < 20
    assert len(_all_rows(content)) == 10_001


def test_the_limits_are_read_from_the_environment_and_bounded_by_the_format() -> None:
    from callcenter.settings import Settings, SettingsError

    settings = Settings.from_env(
        {
            "CALLCENTER_IMPORT_MAX_MB": "10",
            "CALLCENTER_IMPORT_MAX_UNZIPPED_MB": "30",
            "CALLCENTER_IMPORT_MAX_COLUMNS": "99999",
            "CALLCENTER_IMPORT_MAX_ROWS": "5000",
            "CALLCENTER_IMPORT_MAX_SHARED_STRINGS": "700",
        }
    )
    limits = settings.upload_limits
    assert (limits.max_bytes, limits.max_unzipped_bytes) == (10 * 1024**2, 30 * 1024**2)
    assert limits.max_columns == 16_384  # no column beyond XFD to read
    assert (limits.max_rows, limits.max_shared_strings) == (5000, 700)
    assert Settings.from_env({}).upload_limits == UploadLimits()
    for name in ("IMPORT_MAX_COLUMNS", "IMPORT_MAX_ROWS", "IMPORT_MAX_UNZIPPED_MB"):
        for bad in ("0", "-1", "many"):
            with pytest.raises(SettingsError, match=name):
                Settings.from_env({f"CALLCENTER_{name}": bad})

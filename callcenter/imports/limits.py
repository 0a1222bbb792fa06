"""How much an uploaded table may hold, and the refusals that name the limit it broke.

An upload is untrusted: a 1 KB workbook can claim a cell at column AAAAA, a 145 KB zip can
inflate to 56 MB of shared strings, a CSV can hold one endless field. Every reader of an
upload (XLSX or CSV, the import's header, its preview, its run, a campaign's contact file)
checks these bounds while it streams the file, so none of them can cost more than the
limits allow, whatever the file claims.
"""

from __future__ import annotations

from dataclasses import dataclass

from callcenter.i18n import N_
from callcenter.imports.exceptions import ImportInvalid

MB = 1024 * 1024
XLSX_MAX_COLUMNS = 16_384  # column XFD: a spreadsheet has no column beyond it
XLSX_MAX_ROWS = 1_048_576
NOT_A_WORKBOOK = N_("This file is not a readable XLSX workbook")


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int = 50 * MB  # the upload itself (CALLCENTER_IMPORT_MAX_MB)
    max_unzipped_bytes: int = 200 * MB  # all the parts of a workbook, inflated
    max_columns: int = 200  # columns read; empty ones beyond are dropped, data is refused
    max_rows: int = 1_000_000  # rows after the header
    max_shared_strings: int = 2_000_000  # distinct texts of a workbook
    max_entries: int = 1_000  # files inside a workbook (Excel writes about a dozen)
    max_ratio: int = 100  # inflated / packed size of a large part; spreadsheets stay below 20
    ratio_checked_from: int = 1 * MB  # parts smaller than this may pack as tightly as they like
    max_cell_chars: int = 32_767  # Excel's own limit for the text of one cell
    max_line_chars: int = 1 * MB  # one line of a CSV (a line is read whole before it is split)


class ImportTooBig(ImportInvalid):
    """The file is beyond a limit; the message names the limit."""

    id = "import_too_big"


def too_many_rows(limits: UploadLimits) -> ImportTooBig:
    return ImportTooBig(
        N_("The file has more than %(limit)s rows: split it into smaller files"),
        params={"limit": f"{limits.max_rows}"},
    )


def data_beyond_columns(cell: str, limits: UploadLimits) -> ImportTooBig:
    return ImportTooBig(
        N_(
            "Cell %(cell)s holds data, but an import reads only the first %(limit)s columns "
            "(up to %(last)s): remove the columns beyond it"
        ),
        params={
            "cell": cell[:20],
            "limit": str(limits.max_columns),
            "last": column_letters(limits.max_columns - 1),
        },
    )


def cell_too_long(cell: str, limits: UploadLimits) -> ImportTooBig:
    return ImportTooBig(
        N_("Cell %(cell)s holds more than %(limit)s characters, more than a spreadsheet cell"),
        params={"cell": cell[:20], "limit": f"{limits.max_cell_chars}"},
    )


def field_too_long(line: int, limits: UploadLimits) -> ImportTooBig:
    return ImportTooBig(
        N_("Line %(line)s has a cell of more than %(limit)s characters, more than a spreadsheet's"),
        params={"line": str(line), "limit": f"{limits.max_cell_chars}"},
    )


def beyond_the_sheet(cell: str) -> ImportInvalid:
    return ImportInvalid(
        N_(
            "This file is not a valid spreadsheet: it has cell %(cell)s, beyond XFD1048576, "
            "the last cell a spreadsheet has"
        ),
        params={"cell": cell[:20]},
    )


def line_too_long(line: int, limits: UploadLimits) -> ImportTooBig:
    return ImportTooBig(
        N_("Line %(line)s of the file is longer than %(limit)s characters"),
        params={"line": str(line), "limit": f"{limits.max_line_chars}"},
    )


def column_letters(index: int) -> str:
    """0 is ``A``, 25 ``Z``, 26 ``AA``, 16383 ``XFD``."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def bounded_row(row: list[str], line: int, limits: UploadLimits) -> list[str]:
    """The row's cells stripped and cut to the column limit: empty cells beyond it are
    dropped, data beyond it or a cell longer than a spreadsheet's is refused."""
    if len(row) > limits.max_columns:
        for offset, text in enumerate(row[limits.max_columns :]):
            if text.strip():
                cell = f"{column_letters(limits.max_columns + offset)}{line}"
                raise data_beyond_columns(cell, limits)
        del row[limits.max_columns :]
    cells = [text.strip() for text in row]
    if cells and max(map(len, cells)) > limits.max_cell_chars:
        column = next(i for i, text in enumerate(cells) if len(text) > limits.max_cell_chars)
        raise cell_too_long(f"{column_letters(column)}{line}", limits)
    return cells


def trimmed(headers: list[str]) -> list[str]:
    """The header without the empty columns at its end."""
    end = len(headers)
    while end and not headers[end - 1]:
        end -= 1
    return headers[:end]

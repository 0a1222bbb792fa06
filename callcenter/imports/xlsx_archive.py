"""An uploaded workbook opened as the zip it is, and checked, before any of its XML is parsed.

An XLSX is a zip of XML parts. Before a part is read the archive must be small enough
inside: few entries, every entry packed with DEFLATE (or not at all), a declared inflated
total within the limit, and no large entry packed more tightly than a spreadsheet ever is
(a zip bomb is). zipfile itself never inflates an entry beyond the size it declares, so the
declared sizes bound the work; the reads are counted as well. Each part is then read in
pieces that are scanned for a DTD (``<!DOCTYPE``, ``<!ENTITY``): a spreadsheet never has
one, and refusing it stops external entities (XXE) and entity expansion ("billion laughs")
before the parser sees them. The parts must be in an encoding this scan reads (UTF-8,
UTF-16 or an ASCII one), so no DTD hides in EBCDIC. ElementTree fetches no external entity
and its expat (2.4.1 and newer) limits entity expansion by itself: two more walls behind.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from typing import IO

from callcenter.i18n import N_
from callcenter.imports.exceptions import ImportInvalid
from callcenter.imports.limits import MB, NOT_A_WORKBOOK, ImportTooBig, UploadLimits

_EOCD = b"PK\x05\x06"  # the end of the central directory: the entry count is in it
_EOCD_SIZE = 22
_PACKINGS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # what Excel and every writer use
_CHUNK = 64 * 1024
_DTD = re.compile(
    b"|".join(
        re.escape(word.encode(encoding))
        for word in ("<!DOCTYPE", "<!ENTITY")
        for encoding in ("utf-8", "utf-16-le", "utf-16-be")
    )
)
_OVERLAP = 32  # the longest pattern above, less one byte, is kept between two pieces
_DECLARED_ENCODING = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']")
_ENCODINGS_SCANNED = {"utf-8", "utf8", "utf-16", "utf16", "us-ascii", "ascii", "iso-8859-1"}
# errors of a corrupt archive or part, whichever reader meets them
UNREADABLE = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    KeyError,
    ValueError,
    EOFError,
    IndexError,
    SyntaxError,  # ElementTree's ParseError
    NotImplementedError,  # zipfile's answer to a compression method it cannot unpack
    RuntimeError,  # an encrypted entry
    OSError,
    zlib.error,  # a damaged DEFLATE stream
)


def open_workbook(content: bytes, limits: UploadLimits) -> zipfile.ZipFile:
    """The upload as a zip archive within the limits; nothing in it is inflated yet."""
    _check_entry_count(content, limits)
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except UNREADABLE:
        raise ImportInvalid(NOT_A_WORKBOOK) from None
    try:
        check_entries(archive.infolist(), limits)
    except ImportInvalid:
        archive.close()
        raise
    return archive


def _check_entry_count(content: bytes, limits: UploadLimits) -> None:
    """Refuse a zip of many entries from the count it states, before zipfile lists them."""
    end = content.rfind(_EOCD, max(0, len(content) - _EOCD_SIZE - 0xFFFF))
    if end < 0 or len(content) < end + _EOCD_SIZE:
        return  # not a zip: zipfile says so next
    (entries,) = struct.unpack_from("<H", content, end + 10)
    if entries > limits.max_entries:
        raise _too_many_entries(limits)


def check_entries(infos: list[zipfile.ZipInfo], limits: UploadLimits) -> None:
    if len(infos) > limits.max_entries:
        raise _too_many_entries(limits)
    if any(info.compress_type not in _PACKINGS for info in infos):
        raise ImportInvalid(NOT_A_WORKBOOK)
    if sum(info.file_size for info in infos) > limits.max_unzipped_bytes:
        raise _unpacks_too_big(limits)
    for info in infos:
        packed = max(info.compress_size, 1)
        large = info.file_size >= limits.ratio_checked_from
        if large and info.file_size > packed * limits.max_ratio:
            raise ImportTooBig(
                N_(
                    "This file is not a valid spreadsheet: its part %(part)s unpacks to "
                    "%(ratio)s times its packed size, and a spreadsheet stays below %(limit)s"
                ),
                params={
                    "part": info.filename[:100],
                    "ratio": f"{info.file_size // packed}",
                    "limit": str(limits.max_ratio),
                },
            )


def _unpacks_too_big(limits: UploadLimits) -> ImportTooBig:
    return ImportTooBig(
        N_("The workbook unpacks to more than %(limit)s MB: split it into smaller files"),
        params={"limit": f"{limits.max_unzipped_bytes // MB}"},
    )


def _too_many_entries(limits: UploadLimits) -> ImportTooBig:
    return ImportTooBig(
        N_("This file is not a valid spreadsheet: it packs more than %(limit)s files"),
        params={"limit": f"{limits.max_entries}"},
    )


class Budget:
    """The bytes all parts of one workbook may still inflate to."""

    def __init__(self, limits: UploadLimits) -> None:
        self.left = limits.max_unzipped_bytes
        self.limits = limits


class Part:
    """One part of the workbook, read in pieces that are counted and scanned for a DTD."""

    def __init__(self, stream: IO[bytes], budget: Budget) -> None:
        self._stream = stream
        self._budget = budget
        self._tail = b""
        self._first = True

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size if 0 < size <= _CHUNK else _CHUNK)
        self._budget.left -= len(data)
        if self._budget.left < 0:
            raise _unpacks_too_big(self._budget.limits)
        if self._first:
            self._first = False
            _check_encoding(data)
        window = self._tail + data
        # "<!" starts a DTD, and also a comment or CDATA, both rare: only then is it searched
        if (b"<!" in window or b"<\0!" in window) and _DTD.search(window):
            raise ImportInvalid(NOT_A_WORKBOOK)
        self._tail = data[-_OVERLAP:]
        return data

    def close(self) -> None:
        self._stream.close()

    def __enter__(self) -> Part:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check_encoding(start: bytes) -> None:
    declared = _DECLARED_ENCODING.match(start)
    if declared and declared.group(1).decode("ascii", "replace").lower() not in _ENCODINGS_SCANNED:
        raise ImportInvalid(NOT_A_WORKBOOK)


def open_part(archive: zipfile.ZipFile, name: str, budget: Budget) -> Part:
    return Part(archive.open(name), budget)

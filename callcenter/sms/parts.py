"""How many SMS parts a text costs, and in which encoding (3GPP TS 23.038).

A text made only of the GSM 7-bit default alphabet (with its extension table, whose
characters take an escape and so two septets each) goes as GSM-7: 160 septets in one SMS,
153 in each part of a longer one (the rest is the concatenation header). Any other
character (Cyrillic, an emoji) makes the whole text UCS-2: 70 UTF-16 code units in one SMS,
67 in each part; an emoji outside the Basic Multilingual Plane is two code units. A part
never splits an escape sequence or a surrogate pair, as the providers split them.
"""

from __future__ import annotations

from dataclasses import dataclass

GSM7 = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = "\f^{}\\[~]|€"
_BASIC = frozenset(GSM7)
_EXTENDED = frozenset(GSM7_EXTENSION)
GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


@dataclass(frozen=True)
class SmsParts:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2) the text takes
    parts: int  # SMS messages it is sent (and paid) as; 0 for an empty text
    per_part: int  # units a part holds at this length


def is_gsm7(text: str) -> bool:
    return all(c in _BASIC or c in _EXTENDED for c in text)


def _sizes(text: str) -> tuple[str, list[int]]:
    """The encoding, and each character's size in its units."""
    if is_gsm7(text):
        return "GSM-7", [2 if c in _EXTENDED else 1 for c in text]
    return "UCS-2", [2 if ord(c) > 0xFFFF else 1 for c in text]


def _pack(sizes: list[int], per_part: int) -> int:
    """Parts needed when no character is split between two of them."""
    parts, used = 1, 0
    for size in sizes:
        if used + size > per_part:
            parts, used = parts + 1, 0
        used += size
    return parts


def count_parts(text: str) -> SmsParts:
    encoding, sizes = _sizes(text)
    single, part = (GSM7_SINGLE, GSM7_PART) if encoding == "GSM-7" else (UCS2_SINGLE, UCS2_PART)
    units = sum(sizes)
    if units == 0:
        return SmsParts(encoding, 0, 0, single)
    if units <= single:
        return SmsParts(encoding, units, 1, single)
    return SmsParts(encoding, units, _pack(sizes, part), part)

"""SMS parts by hand: GSM-7 160 in one, 153 a part after; UCS-2 70, then 67; the extension
table's characters two septets; an emoji two UTF-16 units; nothing split between parts."""

from __future__ import annotations

import pytest

from callcenter.sms.parts import GSM7, GSM7_EXTENSION, count_parts, is_gsm7


@pytest.mark.parametrize(
    ("text", "encoding", "units", "parts"),
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),  # 2 × 153
        ("a" * 307, "GSM-7", 307, 3),
        ("я" * 70, "UCS-2", 70, 1),
        ("я" * 71, "UCS-2", 71, 2),
        ("я" * 134, "UCS-2", 134, 2),  # 2 × 67
        ("я" * 135, "UCS-2", 135, 3),
        ("€" * 80, "GSM-7", 160, 1),  # the euro sign is in the extension table: 2 septets
        ("€" * 81, "GSM-7", 162, 2),
        ("{" * 80 + "a", "GSM-7", 161, 2),
        ("😀" * 35, "UCS-2", 70, 1),  # outside the BMP: a surrogate pair each
        ("😀" * 36, "UCS-2", 72, 2),
        ("Hello, world!", "GSM-7", 13, 1),
        ("Ваш заказ 2026-00012 отгружен", "UCS-2", 29, 1),
        ("a" * 159 + "ю", "UCS-2", 160, 3),  # one Cyrillic letter makes it all UCS-2
        ("Ä@£ñ§¿", "GSM-7", 6, 1),  # Latin letters of the basic table cost one septet
        ("ç", "UCS-2", 1, 1),  # small c-cedilla is not in the table (only capital Ç is)
    ],
)
def test_parts_by_hand(text: str, encoding: str, units: int, parts: int) -> None:
    found = count_parts(text)
    assert (found.encoding, found.units, found.parts) == (encoding, units, parts)


def test_an_escape_sequence_is_never_split_between_parts() -> None:
    # 152 septets then a two-septet '{': it does not fit the first part's 153, so it moves
    text = "a" * 152 + "{" + "a" * 10
    assert count_parts(text).units == 164
    assert count_parts(text).parts == 2
    text = "a" * 152 + "{" + "a" * 152  # 152 | 2 + 152 = 154 > 153: a third part
    assert count_parts(text).parts == 3


def test_a_surrogate_pair_is_never_split_between_parts() -> None:
    text = "я" * 66 + "😀" + "я" * 66  # 66 + 2 > 67: the emoji opens part two, which overflows
    assert count_parts(text).parts == 3
    assert count_parts("я" * 65 + "😀" + "я" * 67).parts == 2


def test_the_alphabets_are_the_standard_ones() -> None:
    assert len(GSM7) == 127 and len(set(GSM7)) == 127  # 128 less the escape
    assert set(GSM7_EXTENSION) == set("\f^{}\\[~]|€")
    assert is_gsm7(GSM7 + GSM7_EXTENSION)
    assert not is_gsm7("\x1b") and not is_gsm7("`")


def test_garbage_never_breaks_the_count() -> None:
    for text in ("\x00" * 500, "\ud800", "🏳️‍🌈" * 40, "\u200b" * 1000, "a\r\n" * 200):
        found = count_parts(text)
        assert found.parts >= 1 and found.units >= len(text)

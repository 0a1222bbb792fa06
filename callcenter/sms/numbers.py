"""Which stored numbers can get a text message: those phonenumbers calls mobile (or, where a
numbering plan cannot tell, fixed line or mobile, as in the USA)."""

from __future__ import annotations

import functools

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

TEXTABLE = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})


@functools.lru_cache(maxsize=65536)  # an audience's numbers are judged once per page or run
def is_mobile(e164: str) -> bool:
    if not e164.startswith("+") or len(e164) > 20:
        return False
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return False
    return phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in TEXTABLE

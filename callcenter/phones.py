"""Phone numbers: parse what a user typed into E.164 (plus extension digits) and display it."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

from callcenter.i18n import N_

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]{2,}")


class PhoneError(ValueError):
    pass


@dataclass(frozen=True)
class Phone:
    e164: str
    extension: str = ""


def parse_phone(raw: str, region: str = "RU") -> Phone:
    """``8 (916) 123-45-67``, ``+7 916 1234567`` and ``9161234567`` all give ``+79161234567``."""
    text = (raw or "").strip()
    if not text:
        raise PhoneError(N_("Phone number is empty"))
    try:
        number = phonenumbers.parse(text, region)
    except NumberParseException:
        raise PhoneError(N_("Not a phone number")) from None
    if not phonenumbers.is_valid_number(number):
        raise PhoneError(N_("Not a valid phone number: check the digits"))
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return Phone(e164=e164, extension=number.extension or "")


def try_e164(raw: str, region: str = "RU") -> str | None:
    """The E.164 form when ``raw`` is a valid number, else None (for search boxes)."""
    try:
        return parse_phone(raw, region).e164
    except PhoneError:
        return None


@functools.lru_cache(maxsize=8192)  # parsing is costly; pages and pops show the same numbers
def display_phone(e164: str, extension: str = "", region: str = "RU") -> str:
    """National form for numbers of the home region, international for others."""
    try:
        number = phonenumbers.parse(e164, None)
    except NumberParseException:
        return e164
    fmt = (
        PhoneNumberFormat.NATIONAL
        if phonenumbers.region_code_for_number(number) == region
        else PhoneNumberFormat.INTERNATIONAL
    )
    text = phonenumbers.format_number(number, fmt)
    return f"{text} ext. {extension}" if extension else text


# What a PBX gives for a caller who withheld their number: Asterisk's unset caller id
# (``<unknown>``), the SIP "anonymous" (RFC 3323) and carriers' words for it
HIDDEN_NUMBER = N_("hidden number")
_HIDDEN = frozenset({"<unknown>", "unknown", "anonymous", "restricted", "private", "withheld",
                     "unavailable", "blocked", "hidden"})  # fmt: skip


def is_hidden_number(raw: str | None) -> bool:
    """Whether a caller id says the number is withheld (or there is none at all)."""
    text = (raw or "").strip().strip('"').casefold()
    return not text or text in _HIDDEN


def normalize_email(raw: str) -> str:
    email = (raw or "").strip().lower()
    if not _EMAIL.fullmatch(email) or len(email) > 254:
        raise ValueError("Not an e-mail address")
    return email

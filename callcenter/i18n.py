"""Translations (gettext catalogs kept as Babel .po files) and locale-aware formatting.

The .po files are the source: they are compiled in memory when first used, so there is no
build step. Domain messages are marked with ``N_`` and translated where they are shown.
"""

from __future__ import annotations

import gettext
import io
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime as _format_datetime
from babel.dates import format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGE_NAMES = {"ru": "Русский", "en": "English"}


def N_(message: str) -> str:
    """Mark a message for translation where it is shown, not where it is made."""
    return message


@cache
def translations(language: str) -> gettext.NullTranslations:
    po_path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return gettext.NullTranslations()
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def babel_locale(language: str) -> Locale:
    return Locale.parse({"ru": "ru_RU", "en": "en_US"}.get(language, language))


def format_number(value: int | float | Decimal, language: str) -> str:
    return format_decimal(value, locale=babel_locale(language))


def format_money(value: Decimal, currency: str, language: str) -> str:
    return format_currency(value, currency, locale=babel_locale(language))


def format_when(value: datetime | None, language: str, timezone: str, fmt: str = "short") -> str:
    if value is None:
        return ""
    return _format_datetime(value, fmt, tzinfo=ZoneInfo(timezone), locale=babel_locale(language))


def format_clock(value: datetime, language: str, timezone: str) -> str:
    """The time of day as the language writes it (ru 23:00, en 11:00 PM), in the zone."""
    return format_time(value, "short", tzinfo=ZoneInfo(timezone), locale=babel_locale(language))

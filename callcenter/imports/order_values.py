"""Reading an order row's cells as people and other systems write them: dates in Russian or
ISO order, VAT as «НДС 22%» or «без НДС», units by OKEI code or short name, «1 500 ₽»."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from callcenter.i18n import translations
from callcenter.imports.targets import norm_header
from callcenter.orders.input import parse_due
from callcenter.products.units import UNITS

NO_VAT = {"none", "без ндс", "без", "ндс не облагается", "не облагается", "no vat", "exempt"}
_CURRENCY = re.compile(r"₽|руб\.?|р\.|rub|rur|\$|€|usd|eur", re.I)
_RUSSIAN_DAY = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})(?:[ T](.+))?$")


class NotADate(ValueError):
    pass


def name_key(text: str) -> str:
    """A name as it is looked up: lower case, ё as е, single spaces."""
    return " ".join(text.lower().replace("ё", "е").split())


def _iso(text: str) -> str:
    """``05.03.2026 14:30`` as ``2026-03-05 14:30``; ISO text as it is."""
    found = _RUSSIAN_DAY.match(text.strip())
    if not found:
        return text.strip()
    day, month, year, clock = found.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}" + (f" {clock.strip()}" if clock else "")


def parse_moment(text: str, timezone: str) -> datetime | None:
    """A date (its start) or a date and time, where the user is; an offset, if given, wins."""
    if not text.strip():
        return None
    try:
        parsed = datetime.fromisoformat(_iso(text))
    except ValueError:
        raise NotADate(text) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(timezone))


def parse_deadline(text: str, timezone: str) -> datetime | None:
    """A deadline: a date means the end of that day, as on the order form."""
    iso = _iso(text)
    if len(iso) != 10:
        return parse_moment(iso, timezone)
    try:
        date.fromisoformat(iso)
    except ValueError:
        raise NotADate(text) from None
    return parse_due(iso, timezone)


def vat_code(text: str) -> str:
    """``22``, ``22%``, ``НДС 22%``, ``VAT 10 %`` -> ``22``/``10``; ``без НДС`` -> ``none``.

    Anything else comes back as given, for the order's own rules to refuse."""
    words = norm_header(text)
    if not words:
        return ""
    if words in NO_VAT:
        return "none"
    digits = re.sub(r"^(ндс|vat)\s*", "", words).replace(" ", "")
    return digits if digits.isdigit() else text.strip()


def unit_codes() -> dict[str, str]:
    """Every unit by its code, its English and its Russian short name."""
    russian = translations("ru").gettext
    found = {}
    for code, name in UNITS.items():
        for text in (code, name, russian(name)):
            found[name_key(text).rstrip(".")] = code
    return found


def unit_code(text: str, units: dict[str, str]) -> str:
    """The OKEI code (Excel's ``6`` is ``006``), else the text for the rules to refuse."""
    text = text.strip()
    if text.isdigit() and len(text) < 3:
        text = text.zfill(3)
    return units.get(name_key(text).rstrip("."), text)


def amount_text(text: str) -> str:
    """``1 500,00 ₽`` -> ``1 500,00``; ``10%`` -> ``10``: what ``parse_decimal`` reads."""
    return _CURRENCY.sub("", text).replace("%", "").strip()

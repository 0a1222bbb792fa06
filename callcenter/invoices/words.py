"""How an invoice writes money and dates in Russian: «12 200,00», the amount in words, the date.

The month names are our own table, not the locale's, so the title never depends on which
locale data is installed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from num2words import num2words

from callcenter.invoices.figures import round_money

NBSP = "\u00a0"
MONTHS_GENITIVE = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)
CURRENCY_SHORT = {"RUB": "руб.", "USD": "долл. США", "EUR": "евро", "KZT": "тенге"}


class UnsupportedCurrency(ValueError):
    pass


def format_amount(value: Decimal) -> str:
    """«12 200,00»: a no-break space between thousands, a comma before the kopecks."""
    sign = "-" if value < 0 else ""
    units, kopecks = f"{abs(round_money(value)):.2f}".split(".")
    groups: list[str] = []
    while units:
        groups.insert(0, units[-3:])
        units = units[:-3]
    return f"{sign}{NBSP.join(groups)},{kopecks}"


def format_quantity(value: Decimal) -> str:
    """A quantity without trailing zeros: «2», «1,5», «0,125»."""
    text = f"{value.normalize():f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text.replace(".", ",")


def amount_in_words(value: Decimal, currency: str = "RUB") -> str:
    """«Двенадцать тысяч двести рублей 00 копеек»: whole units in words, kopecks in digits."""
    if isinstance(value, float):
        raise TypeError("money is a Decimal, never a float")  # 2.675 is 2.67499… in binary
    amount = round_money(Decimal(value))  # num2words would read an int as kopecks
    try:
        words = num2words(
            amount, lang="ru", to="currency", currency=currency, cents=False, separator=""
        )
    except NotImplementedError:
        raise UnsupportedCurrency(currency) from None
    words = " ".join(words.split())
    return words[:1].upper() + words[1:]


def currency_short(currency: str) -> str:
    return CURRENCY_SHORT.get(currency, currency)


def russian_date(day: date) -> str:
    """«5 марта 2026 г.»"""
    return f"{day.day} {MONTHS_GENITIVE[day.month - 1]} {day.year} г."

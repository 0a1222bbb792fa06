"""Money and dates as the invoice writes them: every amount-in-words vector of the notes."""

from datetime import date
from decimal import Decimal as D

import pytest

from callcenter.invoices.words import (
    UnsupportedCurrency,
    amount_in_words,
    format_amount,
    format_quantity,
    russian_date,
)


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("1.01", "Один рубль 01 копейка"),
        ("2.02", "Два рубля 02 копейки"),
        ("5.05", "Пять рублей 05 копеек"),
        ("21.21", "Двадцать один рубль 21 копейка"),
        ("22.22", "Двадцать два рубля 22 копейки"),
        ("11.11", "Одиннадцать рублей 11 копеек"),
        ("21000", "Двадцать одна тысяча рублей 00 копеек"),
        ("2000000", "Два миллиона рублей 00 копеек"),
        (
            "1234567.89",
            "Один миллион двести тридцать четыре тысячи пятьсот шестьдесят семь рублей 89 копеек",
        ),
        ("12200.00", "Двенадцать тысяч двести рублей 00 копеек"),
        ("0.01", "Ноль рублей 01 копейка"),
    ],
)
def test_amount_in_words_invoice_style(amount: str, words: str) -> None:
    assert amount_in_words(D(amount)) == words


def test_a_whole_number_is_roubles_not_kopecks() -> None:
    # num2words reads an int as kopecks («ноль рублей, одна копейка»): we never pass it one
    assert amount_in_words(1) == "Один рубль 00 копеек"  # type: ignore[arg-type]
    assert amount_in_words(1000) == "Одна тысяча рублей 00 копеек"  # type: ignore[arg-type]


def test_kopecks_beyond_two_places_round_half_up() -> None:
    assert amount_in_words(D("2.675")) == "Два рубля 68 копеек"


def test_a_float_is_refused_because_money_is_never_binary() -> None:
    with pytest.raises(TypeError):
        amount_in_words(2.675)  # type: ignore[arg-type]


def test_other_currencies_that_num2words_knows() -> None:
    assert amount_in_words(D("21.21"), "USD") == "Двадцать один доллар 21 цент"
    assert amount_in_words(D("5"), "EUR") == "Пять евро 00 центов"
    with pytest.raises(UnsupportedCurrency):
        amount_in_words(D("1"), "CNY")


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        ("12200", "12\u00a0200,00"),
        ("0", "0,00"),
        ("999.995", "1\u00a0000,00"),
        ("1234567.891", "1\u00a0234\u00a0567,89"),
        ("100", "100,00"),
        ("-1500.5", "-1\u00a0500,50"),
    ],
)
def test_amounts_group_thousands_with_a_no_break_space(amount: str, text: str) -> None:
    assert format_amount(D(amount)) == text


def test_quantities_drop_trailing_zeros() -> None:
    assert [format_quantity(D(q)) for q in ("2.000", "1.500", "0.125", "10")] == [
        "2",
        "1,5",
        "0,125",
        "10",
    ]


def test_dates_take_the_month_in_the_genitive() -> None:
    assert russian_date(date(2026, 3, 5)) == "5 марта 2026 г."
    months = [russian_date(date(2026, m, 1)).split()[1] for m in range(1, 13)]
    assert months == [
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
    ]

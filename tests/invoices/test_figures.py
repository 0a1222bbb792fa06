"""An invoice's figures: line amounts, VAT per rate (the notes' vectors), totals by VAT mode."""

from datetime import date
from decimal import Decimal as D

import pytest

from callcenter.invoices.figures import (
    general_vat_rate,
    included_vat,
    invoice_figures,
    line_amount,
)


@pytest.mark.parametrize(
    ("amount", "rate", "vat"),
    [
        ("12200.00", 22, "2200.00"),
        ("1000.00", 22, "180.33"),
        ("1000.00", 20, "166.67"),
        ("1000.00", 10, "90.91"),
        ("1000.00", 5, "47.62"),
        ("1000.00", 7, "65.42"),
    ],
)
def test_included_vat_matches_the_notes_vectors(amount: str, rate: int, vat: str) -> None:
    assert included_vat(D(amount), rate) == D(vat)
    figures = invoice_figures([(D(amount), rate)], "included")
    assert figures.vat_total == D(vat) and figures.total == D(amount)


def test_vat_is_rounded_once_per_rate_not_per_line() -> None:
    # seven lines of 100,01 at 22 %: per line 18,03 × 7 would give 126,21; on the sum 126,24
    lines = [(D("100.01"), 22)] * 7
    figures = invoice_figures(lines, "included")
    assert figures.lines_total == D("700.07")
    assert [(row.rate, row.base, row.vat) for row in figures.vat_rows] == [
        (22, D("700.07"), D("126.24"))
    ]
    assert figures.vat_total == D("126.24")


def test_twelve_thousand_two_hundred_in_three_lines_carries_exactly_2200_vat() -> None:
    lines = [(D("10000.00"), 22), (D("1500.00"), 22), (D("700.00"), 22)]
    figures = invoice_figures(lines, "included")
    assert (figures.lines_total, figures.vat_total, figures.total) == (
        D("12200.00"),
        D("2200.00"),
        D("12200.00"),
    )


def test_vat_on_top_is_added_to_the_total() -> None:
    figures = invoice_figures([(D("10000.00"), 22), (D("999.99"), 22)], "on_top")
    assert figures.vat_total == D("2420.00")  # 10 999,99 × 0,22 = 2 419,9978
    assert figures.total == D("13419.99")


def test_one_vat_row_per_rate_highest_first_and_lines_without_vat_left_out() -> None:
    lines = [(D("1000.00"), 10), (D("1000.00"), 22), (D("500.00"), None), (D("1000.00"), 22)]
    figures = invoice_figures(lines, "included")
    assert [(r.rate, r.base, r.vat) for r in figures.vat_rows] == [
        (22, D("2000.00"), D("360.66")),
        (10, D("1000.00"), D("90.91")),
    ]
    assert figures.vat_total == D("451.57") and figures.total == D("3500.00")


def test_without_vat_there_are_no_vat_rows() -> None:
    figures = invoice_figures([(D("1000.00"), 22)], "none")
    assert figures.vat_rows == () and figures.vat_total == 0 and figures.total == D("1000.00")


def test_unknown_vat_mode_is_refused() -> None:
    with pytest.raises(ValueError):
        invoice_figures([(D("1.00"), 22)], "sometimes")


@pytest.mark.parametrize(
    ("day", "rate"),
    [(date(2025, 12, 31), 20), (date(2026, 1, 1), 22), (date(2027, 6, 1), 22)],
)
def test_the_general_rate_follows_the_date(day: date, rate: int) -> None:
    assert general_vat_rate(day) == rate


def test_line_amount_takes_quantity_price_and_discount_to_the_kopeck() -> None:
    assert line_amount(D("3"), D("333.33")) == D("999.99")
    assert line_amount(D("1.5"), D("99.99")) == D("149.99")  # 149,985 rounds half up
    assert line_amount(D("2"), D("1000.00"), D("12.5")) == D("1750.00")
    assert line_amount(D("0.125"), D("0.04")) == D("0.01")  # 0,005 rounds half up

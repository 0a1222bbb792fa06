"""The invoice form's live figures: the preview says what issuing the same form makes, to
the kopeck, in the reader's number format; garbage typed is left out, never an error."""

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from callcenter.i18n import format_money
from callcenter.invoices.models import Invoice
from tests.invoices.support import add_client, set_up_company

Line = tuple[str, str, str, str]  # quantity, price, discount, VAT rate

TRICKY: dict[str, tuple[str, list[Line]]] = {
    # half a kopeck rounds up on the line: 0,025 -> 0,03; 11,09889 -> 11,10
    "half_kopecks": ("included", [("1", "0,05", "50", "20"), ("0,333", "33,33", "", "20")]),
    "included_20": ("included", [("1", "1 000,00", "", "20")]),  # VAT 166,67
    "included_10": ("included", [("1", "1000", "", "10")]),  # VAT 90,91
    "zero_rate": ("included", [("3", "333,33", "", "0"), ("1", "0,01", "", "20")]),
    # VAT on top per rate over the summed lines: 0,025 + 0,025 -> 0,05 -> VAT 0,01
    "on_top_rates": (
        "on_top",
        [("1", "0,05", "50", "20"), ("1", "0,05", "50", "20"), ("7", "1,01", "", "10")],
    ),
    "thousands": ("on_top", [("1,005", "1 234,50", "", "20"), ("12", "99 999,99", "3", "10")]),
    "no_vat": ("none", [("2", "617,25", "", "none")]),
}


def read_ru(text: str) -> Decimal:
    return Decimal(text.replace("\xa0", "").replace("\u202f", "").rstrip("₽").replace(",", "."))


def form_of(csrf: str, mode: str, lines: list[Line]) -> list[tuple[str, str]]:
    form = [("csrf_token", csrf), ("issued_on", "2026-03-05"), ("vat_mode", mode),
            ("vat_exempt_reason", "УСН" if mode == "none" else ""), ("order", "")]  # fmt: skip
    for i, (quantity, price, discount, rate) in enumerate([*lines, ("1", "", "", "20")]):
        form += [("line_name", f"Позиция {i + 1}" if price else ""), ("line_quantity", quantity),
                 ("line_unit_code", "796"), ("line_price", price), ("line_discount", discount),
                 ("line_vat_rate", rate)]  # fmt: skip
    return form


async def ready(signed_in: Any, db_session: Any, make_user: Any) -> tuple[Any, str, Any]:
    await set_up_company(db_session, await make_user("admin"))
    client, user, csrf = await signed_in("manager", language="ru")
    return client, csrf, await add_client(db_session, user)


@pytest.mark.parametrize("case", sorted(TRICKY))
async def test_the_live_figures_are_those_of_the_issued_invoice(
    signed_in: Any, db_session: Any, make_user: Any, case: str
) -> None:
    client, csrf, buyer = await ready(signed_in, db_session, make_user)
    mode, lines = TRICKY[case]
    shown = await client.post(
        f"/clients/{buyer.id}/invoices/preview", data=form_of(csrf, mode, lines)
    )
    assert shown.status == 200
    live = await shown.json()
    issued = await client.post(
        f"/clients/{buyer.id}/invoices/new", data=form_of(csrf, mode, lines), allow_redirects=False
    )
    assert issued.status == 302, await issued.text()
    invoice = await db_session.scalar(select(Invoice).order_by(Invoice.id.desc()).limit(1))
    await db_session.refresh(invoice, ["lines"])

    def ru(value: Decimal) -> str:
        return format_money(value, "RUB", "ru")

    assert live["total"] == ru(invoice.total)
    assert live["subtotal"] == ru(invoice.lines_total)
    assert live["lines"] == [ru(line.amount) for line in invoice.lines] + [None]  # blank row
    if mode == "none":
        assert [row["amount"] for row in live["vat"]] == ["—"]
    else:
        assert sum(read_ru(row["amount"]) for row in live["vat"]) == invoice.vat_total
        assert len(live["vat"]) == len({line.vat_rate for line in invoice.lines})  # per rate
    assert "\xa0₽" in live["total"] and "," in live["total"]  # 1 234,50 ₽ as ru writes it


async def test_the_known_vat_and_rounding_figures(
    signed_in: Any, db_session: Any, make_user: Any
) -> None:
    client, csrf, buyer = await ready(signed_in, db_session, make_user)
    url = f"/clients/{buyer.id}/invoices/preview"
    live = await (await client.post(url, data=form_of(csrf, *TRICKY["included_20"]))).json()
    assert live["vat"] == [{"label": "в том числе НДС (20%)", "amount": "166,67\xa0₽"}]
    live = await (await client.post(url, data=form_of(csrf, *TRICKY["half_kopecks"]))).json()
    assert live["lines"][:2] == ["0,03\xa0₽", "11,10\xa0₽"]
    live = await (await client.post(url, data=form_of(csrf, *TRICKY["thousands"]))).json()
    assert live["lines"][0] == "1\xa0240,67\xa0₽"  # 1,005 × 1 234,50 = 1 240,6725


@pytest.mark.parametrize(
    "garbage",
    ["abc", "1e9999", "NaN", "-1", "²", "9" * 40, "1,2,3", "", " ", "0", "Infinity", "1/2"],
)
async def test_garbage_typed_is_left_out_of_the_figures(
    signed_in: Any, db_session: Any, make_user: Any, garbage: str
) -> None:
    client, csrf, buyer = await ready(signed_in, db_session, make_user)
    url = f"/clients/{buyer.id}/invoices/preview"
    lines = [("1", "100", "", "20"), (garbage, "50", "", "20"), ("1", garbage, garbage, garbage)]
    response = await client.post(url, data=form_of(csrf, "included", lines))
    assert response.status == 200
    live = await response.json()
    assert live["lines"][0] == "100,00\xa0₽"
    assert live["total"] in ("100,00\xa0₽", "150,00\xa0₽")  # a readable line counts, no other
    assert len(live["lines"]) == 4
    for mode in ("bogus", "", "none"):
        assert (await client.post(url, data=form_of(csrf, mode, lines))).status == 200


async def test_the_preview_needs_the_right_to_issue_and_a_visible_client(
    signed_in: Any, db_session: Any, make_user: Any
) -> None:
    client, csrf, buyer = await ready(signed_in, db_session, make_user)
    other = await add_client(db_session, await make_user("manager"))
    response = await client.post(
        f"/clients/{other.id}/invoices/preview", data=form_of(csrf, "included", [])
    )
    assert response.status in (403, 404)
    no_csrf = await client.post(
        f"/clients/{buyer.id}/invoices/preview", data=form_of("", "included", [])
    )
    assert no_csrf.status == 403
